#include "import_exchange.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace rest_zip {
namespace {

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
}

// Import answers are a URI list or a short error page: keep the first 64 KiB, drain the rest
// (aborting the transfer would turn a readable answer into a failure).
constexpr std::size_t kMaxResponseBytes = 64 * 1024;

xc_status collect(void* user, const char* data, size_t size) {
  auto* text = static_cast<std::string*>(user);
  if (text->size() < kMaxResponseBytes)
    text->append(data, std::min(size, kMaxResponseBytes - text->size()));
  return XC_OK;
}

}  // namespace

xnat_import::Query import_query(const xc_job_info& info) {
  xnat_import::Query q = xnat_import::import_query(info, "DICOM-zip");
  const bool has_dest =
      std::any_of(q.begin(), q.end(), [](const auto& kv) { return kv.first == "dest"; });
  if (has_dest) q.emplace_back("Ignore-Unparsable", "false");
  return q;
}

const char* content_type_of(int32_t archive_format) {
  return archive_format == XC_ARCHIVE_ZIP ? "application/zip" : "application/x-tar";
}

const char* content_type_of_archive(std::string_view path) {
  if (ends_with_ci(path, ".zip")) return "application/zip";
  if (ends_with_ci(path, ".tar")) return "application/x-tar";
  if (ends_with_ci(path, ".tgz") || ends_with_ci(path, ".tar.gz")) return "application/x-gtar";
  return nullptr;
}

xc::Result classify(const xc_http_response& response, std::string_view body) {
  xc::Result r = xnat_import::result_of(response, body);
  if (r.outcome == XC_FATAL &&
      (response.status == 429 ||
       (response.status == 400 && body.find("Concurrent file sends") != std::string_view::npos)))
    r.outcome = XC_RETRY;
  return r;
}

Exchange send_import(const xc::Host& host, const xnat_import::Query& query,
                     const char* content_type, const xc::Body& body) {
  const std::vector<xc_kv> kv = xnat_import::as_kv(query);
  const xc_kv headers[] = {{"Content-Type", content_type}};
  std::string answer;
  xc_http_request request{};
  request.struct_size = sizeof(request);
  request.method = "POST";
  request.path = xnat_import::kImportPath;
  request.query = kv.data();
  request.query_count = kv.size();
  request.headers = headers;
  request.header_count = 1;
  body.attach(request);
  request.response_write = &collect;
  request.response_user = &answer;
  // XNAT's import race answers 400 for a moment: retried like a 503 (§10.2, §11.5).
  request.flags = XC_HTTP_RETRY_IMPORT_400;

  xc_http_response response{};
  response.struct_size = sizeof(response);
  xc_error error = xc::make_error();
  Exchange out;
  out.status = host.api()->http_send(host.handle(), &request, &response, &error);
  if (out.status == XC_OK) {
    out.result = classify(response, answer);
    return out;
  }
  out.result.status = response.status;
  out.result.attempts = response.attempts;
  out.result.message = error.message[0] != '\0' ? error.message : "the request failed";
  switch (out.status) {
    case XC_CANCELLED:
      out.result.outcome = XC_CANCELLED;
      break;
    case XC_RETRY:  // transient failures until retries ran out: it was sent at least once
      out.result.outcome = XC_RETRY;
      out.result.attempts = std::max<uint32_t>(response.attempts, 1);
      break;
    default:  // XC_AUTH, a body that could not be read, ...: sending it again will not help
      out.result.outcome = XC_FATAL;
      break;
  }
  return out;
}

}  // namespace rest_zip
