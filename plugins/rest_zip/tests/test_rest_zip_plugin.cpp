// The built rest_zip.so in process against the SDK's FakeHost: the import request it sends
// (query, Content-Type, body), how answers become file results, pre-built archives sent as
// they are or in batches, the dry-run text, and stopping when the user cancels.

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "xnatctl/sdk.hpp"
#include "xnatctl/sdk_testing.hpp"

using xc::testing::FakeHost;
using Query = std::vector<std::pair<std::string, std::string>>;

namespace {

const xc::testing::PluginLibrary& plugin() {
  static const xc::testing::PluginLibrary library(REST_ZIP_PLUGIN);
  return library;
}

// Series `series` (SeriesNumber = series) with `count` objects named s<series>/IM<k>.dcm.
void add_series(FakeHost& host, int series, int count) {
  for (int k = 1; k <= count; ++k) {
    FakeHost::File f;
    f.relative_path = "s" + std::to_string(series) + "/IM" + std::to_string(k) + ".dcm";
    f.content = "DICM object " + f.relative_path;
    f.attributes = {{"SeriesInstanceUID", "1.2.826.0.1." + std::to_string(series)},
                    {"SeriesNumber", std::to_string(series)}};
    host.add_file(std::move(f));
  }
}

// The member names of a ustar body (what the FakeHost's job_archive_open produces).
std::vector<std::string> tar_names(const std::string& tar) {
  std::vector<std::string> names;
  std::size_t pos = 0;
  while (pos + 512 <= tar.size() && tar[pos] != '\0') {
    names.emplace_back(tar.c_str() + pos);
    const std::size_t size = std::stoull(tar.substr(pos + 124, 11), nullptr, 8);
    pos += 512 + (size + 511) / 512 * 512;
  }
  return names;
}

std::string header(const FakeHost::HttpExchange& e, const std::string& name) {
  for (const auto& [k, v] : e.headers)
    if (k == name) return v;
  return "";
}

std::string answer_direct_archive(const FakeHost::HttpExchange&, xc_http_response& response) {
  response.status = 200;
  return "/xapi/direct-archive/PROJECT/1.2.3/SESSION\r\n";
}

// Drives create/upload/destroy with `api` (a copy of the FakeHost's table, possibly with a
// replaced http_send), for failures the FakeHost's own http_send cannot produce.
xc_status upload_with(FakeHost& host, const xc_host_api& api, std::string& message) {
  const xc_plugin_desc& desc = plugin().descriptor();
  void* context = nullptr;
  xc_error error = xc::make_error();
  REQUIRE(desc.init(&api, host.host(), &context, &error) == XC_OK);
  const xc_transport_desc& t = *desc.transports[0];
  void* instance = nullptr;
  xc_status status = t.create(context, host.invocation(), &instance, &error);
  if (status == XC_OK) {
    status = t.upload(instance, host.job(), &error);
    t.destroy(instance);
  }
  desc.shutdown(context);
  message = error.message;
  return status;
}

// A replacement http_send: the test decides what each call returns.
std::function<xc_status(xc_http_response*, xc_error*)> g_send;
std::atomic<int> g_sends{0};
xc_status replaced_send(xc_host*, const xc_http_request*, xc_http_response* rs, xc_error* e) {
  ++g_sends;
  return g_send(rs, e);
}

}  // namespace

TEST_CASE("rest_zip declares a parallel, resumable, dry-runnable pass-through transport",
          "[rest_zip]") {
  const xc_plugin_desc& desc = plugin().descriptor();
  REQUIRE(desc.transport_count == 1);
  const xc_transport_desc& t = *desc.transports[0];
  CHECK(std::string(t.name) == "rest_zip");
  CHECK(std::string(t.command) == "session upload");
  for (uint32_t bit : {XC_TRANSPORT_PARALLEL, XC_TRANSPORT_NEEDS_HTTP,
                       XC_TRANSPORT_ARCHIVE_PASSTHROUGH, XC_TRANSPORT_RESUME, XC_TRANSPORT_DRY_RUN})
    CHECK((t.capabilities & bit) == bit);
  CHECK((t.capabilities & XC_TRANSPORT_PER_FILE_RESULTS) == 0);
  CHECK(t.describe != nullptr);
  CHECK(t.option_count == 0);  // the host's session upload options apply
}

TEST_CASE("a directory goes as tar batches of whole series, one request per batch", "[rest_zip]") {
  FakeHost host;
  add_series(host, 1, 2);
  add_series(host, 2, 3);
  add_series(host, 3, 2);
  host.on_http(answer_direct_archive);
  REQUIRE(host.upload(plugin().descriptor(), "rest_zip") == XC_OK);

  const auto& requests = host.http_requests();
  REQUIRE(requests.size() == 3);  // 3 series, 4 workers: one batch per series
  std::map<std::string, int> sent;
  for (const auto& r : requests) {
    CHECK(r.method == "POST");
    CHECK(r.path == "/data/services/import");
    CHECK(header(r, "Content-Type") == "application/x-tar");
    CHECK((r.flags & XC_HTTP_RETRY_IMPORT_400) != 0);
    // xnat-server-api.md §3.1, §3.11, §11.1: the exact query of a default upload.
    CHECK(r.query == Query{{"import-handler", "DICOM-zip"},
                           {"PROJECT_ID", "PROJECT"},
                           {"SUBJECT_ID", "SUBJECT"},
                           {"EXPT_LABEL", "SESSION"},
                           {"Direct-Archive", "true"},
                           {"overwrite", "delete"}});
    std::set<std::string> series;
    for (const auto& name : tar_names(r.body)) {
      ++sent[name];
      series.insert(name.substr(0, name.find('/')));
    }
    CHECK(series.size() == 1);
  }
  CHECK(sent.size() == 7);
  for (const auto& [name, times] : sent) CHECK(times == 1);
  REQUIRE(host.file_results().size() == 7);
  for (const auto& [index, result] : host.file_results()) {
    CHECK(result.outcome == XC_OK);
    CHECK(result.status == 200);
    CHECK(result.uri == "/xapi/direct-archive/PROJECT/1.2.3/SESSION");
    CHECK(result.batch_size == (index >= 2 && index <= 4 ? 3u : 2u));
  }
  CHECK(host.started_files().size() == 7);
  CHECK(host.open_bodies() == 0);
  CHECK(host.violations().empty());
}

TEST_CASE("the query follows the destination and --overwrite, never Ignore-Unparsable=true",
          "[rest_zip]") {
  struct Case {
    int32_t destination, overwrite, format;
    Query expected;
    const char* content_type;
  };
  const Case cases[] = {
      // overwrite=none would allow merging (§11.1): left out.
      {XC_DEST_ARCHIVE,
       XC_OVERWRITE_NONE,
       XC_ARCHIVE_TAR,
       {{"import-handler", "DICOM-zip"},
        {"PROJECT_ID", "PROJECT"},
        {"SUBJECT_ID", "SUBJECT"},
        {"EXPT_LABEL", "SESSION"},
        {"Direct-Archive", "true"}},
       "application/x-tar"},
      {XC_DEST_ARCHIVE,
       XC_OVERWRITE_APPEND,
       XC_ARCHIVE_ZIP,
       {{"import-handler", "DICOM-zip"},
        {"PROJECT_ID", "PROJECT"},
        {"SUBJECT_ID", "SUBJECT"},
        {"EXPT_LABEL", "SESSION"},
        {"Direct-Archive", "true"},
        {"overwrite", "append"}},
       "application/zip"},
      // dest implies action=commit, which implies Ignore-Unparsable=true unless given (§3.1).
      {XC_DEST_PREARCHIVE,
       XC_OVERWRITE_NONE,
       XC_ARCHIVE_TAR,
       {{"import-handler", "DICOM-zip"},
        {"PROJECT_ID", "PROJECT"},
        {"SUBJECT_ID", "SUBJECT"},
        {"EXPT_LABEL", "SESSION"},
        {"dest", "/prearchive/projects/PROJECT"},
        {"Ignore-Unparsable", "false"}},
       "application/x-tar"},
  };
  for (const Case& c : cases) {
    FakeHost host;
    add_series(host, 1, 1);
    host.job_info().destination = c.destination;
    host.job_info().overwrite = c.overwrite;
    host.job_info().archive_format = c.format;
    std::vector<FakeHost::HttpExchange> seen;
    std::mutex m;
    host.on_http([&](const FakeHost::HttpExchange& r, xc_http_response& rs) {
      std::lock_guard lock(m);
      seen.push_back(r);
      rs.status = 200;
      return std::string("/data/prearchive/projects/PROJECT/20240101_000000000/SESSION\r\n");
    });
    const xc_status status = host.upload(plugin().descriptor(), "rest_zip");
    if (c.format == XC_ARCHIVE_ZIP) {
      // The FakeHost streams tar only: the request never reaches the server, the batch fails.
      CHECK(status == XC_PARTIAL);
      CHECK(host.file_results().at(0).message.find("tar bodies only") != std::string::npos);
      continue;
    }
    REQUIRE(status == XC_OK);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].query == c.expected);
    CHECK(header(seen[0], "Content-Type") == c.content_type);
    for (const auto& [k, v] : seen[0].query) CHECK_FALSE((k == "Ignore-Unparsable" && v == "true"));
  }
}

TEST_CASE("answers become outcomes: refusals are fatal, transient failures retryable",
          "[rest_zip]") {
  struct Case {
    int status;
    std::string body;
    xc_status outcome;
    std::string message;
  };
  const Case cases[] = {
      {400, "<html><h3>unable to read DICOM object IM1.dcm</h3></html>", XC_FATAL,
       "HTTP 400: unable to read DICOM object IM1.dcm"},
      {404, "Unknown importer implementation specified: DICOM-zip", XC_FATAL, "HTTP 404"},
      {400, "Concurrent file sends of the same data is not supported.", XC_RETRY, "HTTP 400"},
      {429, "slow down", XC_RETRY, "HTTP 429"},
      {503, "", XC_RETRY, "HTTP 503"},
      {200, "", XC_FATAL, "imported nothing"},
  };
  for (const Case& c : cases) {
    INFO(c.status << " " << c.body);
    FakeHost host;
    add_series(host, 1, 2);
    host.on_http([&](const FakeHost::HttpExchange&, xc_http_response& rs) {
      rs.status = c.status;
      return c.body;
    });
    CHECK(host.upload(plugin().descriptor(), "rest_zip") == XC_PARTIAL);
    REQUIRE(host.file_results().size() == 2);
    for (const auto& [index, r] : host.file_results()) {
      CHECK(r.outcome == c.outcome);
      CHECK(r.status == c.status);
      CHECK(r.message.find(c.message) != std::string::npos);
      CHECK(r.uri.empty());
    }
  }
}

TEST_CASE("no answer: retries ran out is retryable, refused credentials fail the job",
          "[rest_zip]") {
  FakeHost host;
  add_series(host, 1, 1);
  add_series(host, 2, 1);
  add_series(host, 3, 1);
  host.job_info().workers = 1;
  host.set_config("plugin.batch_max_files", "1");  // three batches in sequence
  xc_host_api api = *host.api();
  api.http_send = &replaced_send;
  std::string message;

  g_sends = 0;
  g_send = [](xc_http_response* rs, xc_error* e) {
    rs->attempts = 5;
    std::snprintf(e->message, sizeof(e->message), "connection reset by peer");
    return XC_RETRY;
  };
  CHECK(upload_with(host, api, message) == XC_PARTIAL);
  CHECK(g_sends == 3);  // a transient failure does not stop the other batches
  for (const auto& [index, r] : host.file_results()) {
    CHECK(r.outcome == XC_RETRY);
    CHECK(r.attempts == 5);
    CHECK(r.message == "connection reset by peer");
  }

  g_sends = 0;
  g_send = [](xc_http_response*, xc_error* e) {
    std::snprintf(e->message, sizeof(e->message), "login refused for admin");
    return XC_AUTH;
  };
  CHECK(upload_with(host, api, message) == XC_AUTH);
  CHECK(g_sends == 1);  // the job stops at the first refusal
  CHECK(message.find("login refused") != std::string::npos);
  CHECK(host.open_bodies() == 0);
}

TEST_CASE("a pre-built archive that is the whole job is sent as it is, in one request",
          "[rest_zip]") {
  struct Case {
    const char* source;
    const char* content_type;
  };
  for (const Case c :
       {Case{"/in/session.zip", "application/zip"}, Case{"/in/SESSION.TAR", "application/x-tar"},
        Case{"/in/session.tgz", "application/x-gtar"},
        Case{"/in/session.tar.gz", "application/x-gtar"}}) {
    INFO(c.source);
    FakeHost host;
    add_series(host, 1, 2);
    add_series(host, 2, 2);
    host.job_info().source_kind = XC_SOURCE_ARCHIVE;
    host.job_info().source = c.source;
    host.job_info().archive_format = XC_ARCHIVE_ZIP;  // applies to batches, not to this
    const std::string bytes = std::string("ARCHIVE\0BYTES", 13) + c.source;
    host.set_source_archive(bytes);
    host.on_http(answer_direct_archive);
    REQUIRE(host.upload(plugin().descriptor(), "rest_zip") == XC_OK);
    REQUIRE(host.http_requests().size() == 1);
    CHECK(host.http_requests()[0].body == bytes);
    CHECK(header(host.http_requests()[0], "Content-Type") == c.content_type);
    CHECK(host.archive_requests().empty());
    REQUIRE(host.file_results().size() == 4);
    for (const auto& [index, r] : host.file_results()) {
      CHECK(r.outcome == XC_OK);
      CHECK(r.batch_size == 4);
    }
  }
}

TEST_CASE("a pre-built archive falls back to batches when the job is not all of it", "[rest_zip]") {
  FakeHost host;
  add_series(host, 1, 2);
  add_series(host, 2, 2);
  host.job_info().source_kind = XC_SOURCE_ARCHIVE;
  host.job_info().source = "/in/session.zip";
  // No source bytes: job_source_open answers XC_UNSUPPORTED, as the host does after --resume
  // or when members were filtered out.
  host.on_http(answer_direct_archive);
  REQUIRE(host.upload(plugin().descriptor(), "rest_zip") == XC_OK);
  CHECK(host.http_requests().size() == 2);
  CHECK(host.archive_requests().size() == 2);
  for (const auto& r : host.http_requests())
    CHECK(header(r, "Content-Type") == "application/x-tar");
  CHECK(host.file_results().size() == 4);
}

TEST_CASE("zip-to-tar: sends a pre-built zip's files as tar batches", "[rest_zip]") {
  FakeHost host;
  add_series(host, 1, 3);
  host.job_info().source_kind = XC_SOURCE_ARCHIVE;
  host.job_info().source = "/in/session.zip";
  host.job_info().archive_format = XC_ARCHIVE_ZIP;
  host.job_info().flags = XC_JOB_ZIP_TO_TAR;
  host.set_source_archive("PK\x03\x04 whole zip");
  host.on_http(answer_direct_archive);
  REQUIRE(host.upload(plugin().descriptor(), "rest_zip") == XC_OK);
  REQUIRE(host.http_requests().size() == 1);
  CHECK(header(host.http_requests()[0], "Content-Type") == "application/x-tar");
  CHECK(tar_names(host.http_requests()[0].body).size() == 3);
  CHECK(host.archive_requests().size() == 1);
}

TEST_CASE("a dry run prints the request and the batch plan and contacts no server", "[rest_zip]") {
  FakeHost host;
  add_series(host, 1, 4);
  add_series(host, 2, 2);
  host.job_info().workers = 2;
  host.job_info().flags = XC_JOB_DRY_RUN;
  REQUIRE(host.upload(plugin().descriptor(), "rest_zip") == XC_OK);
  CHECK(host.http_requests().empty());
  const std::string& out = host.printed_stdout();
  CHECK(out.find("rest_zip: POST /data/services/import?import-handler=DICOM-zip&PROJECT_ID="
                 "PROJECT&SUBJECT_ID=SUBJECT&EXPT_LABEL=SESSION&Direct-Archive=true&"
                 "overwrite=delete\n") == 0);
  CHECK(out.find("rest_zip: 2 batches (tar) on 2 connections, 6 files") != std::string::npos);
  CHECK(out.find("  batch 1: connection 1, 1 series, 4 files") != std::string::npos);
  CHECK(out.find("  batch 2: connection 2, 1 series, 2 files") != std::string::npos);

  FakeHost archive;
  add_series(archive, 1, 2);
  archive.job_info().flags = XC_JOB_DRY_RUN;
  archive.job_info().source_kind = XC_SOURCE_ARCHIVE;
  archive.job_info().source = "/in/session.tgz";
  archive.set_source_archive(std::string(2048, 'x'));
  REQUIRE(archive.upload(plugin().descriptor(), "rest_zip") == XC_OK);
  CHECK(archive.printed_stdout().find("rest_zip: the pre-built archive /in/session.tgz is sent "
                                      "as it is in one request (application/x-gtar, 2.0 KiB)") !=
        std::string::npos);
  CHECK(archive.open_bodies() == 0);
}

TEST_CASE("cancelling stops before the next batch", "[rest_zip]") {
  FakeHost host;
  add_series(host, 1, 5);
  host.job_info().workers = 1;
  host.set_config("plugin.batch_max_files", "1");
  int calls = 0;
  host.on_http([&](const FakeHost::HttpExchange&, xc_http_response& rs) {
    if (++calls == 2) host.set_cancelled(true);  // Ctrl-C while the second batch is sent
    rs.status = 200;
    return std::string("/xapi/direct-archive/PROJECT/1.2.3/SESSION\r\n");
  });
  CHECK(host.upload(plugin().descriptor(), "rest_zip") == XC_CANCELLED);
  CHECK(host.http_requests().size() == 2);
  CHECK(host.file_results().size() == 2);  // the other three were never sent
  CHECK(host.open_bodies() == 0);

  FakeHost before;
  add_series(before, 1, 2);
  before.set_cancelled(true);
  before.on_http(answer_direct_archive);
  CHECK(before.upload(plugin().descriptor(), "rest_zip") == XC_CANCELLED);
  CHECK(before.http_requests().empty());
}

TEST_CASE("the parts of a large series are never in flight at the same time", "[rest_zip]") {
  FakeHost host;
  add_series(host, 1, 6);  // three parts of two
  add_series(host, 2, 2);
  add_series(host, 3, 2);
  add_series(host, 4, 2);
  host.job_info().workers = 4;
  host.set_config("plugin.batch_max_files", "2");
  std::mutex m;
  std::multiset<std::string> in_flight;
  std::vector<std::string> overlaps;
  host.on_http([&](const FakeHost::HttpExchange& r, xc_http_response& rs) {
    std::set<std::string> series;
    for (const auto& name : tar_names(r.body)) series.insert(name.substr(0, name.find('/')));
    {
      std::lock_guard lock(m);
      for (const auto& s : series) {
        if (in_flight.count(s) > 0) overlaps.push_back(s);
        in_flight.insert(s);
      }
    }
    // Widens the window in which a concurrent part would be seen; nothing is timed.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    {
      std::lock_guard lock(m);
      for (const auto& s : series) in_flight.erase(in_flight.find(s));
    }
    rs.status = 200;
    return std::string("/xapi/direct-archive/PROJECT/1.2.3/SESSION\r\n");
  });
  REQUIRE(host.upload(plugin().descriptor(), "rest_zip") == XC_OK);
  CHECK(host.http_requests().size() == 6);
  CHECK(overlaps.empty());
  CHECK(host.file_results().size() == 12);
}

TEST_CASE("a bad batch setting is refused before anything is sent", "[rest_zip]") {
  FakeHost host;
  add_series(host, 1, 1);
  host.set_config("plugin.batch_max_mib", "-3");
  host.on_http(answer_direct_archive);
  CHECK(host.upload(plugin().descriptor(), "rest_zip") == XC_INVALID_INPUT);
  CHECK(host.last_error().find("batch_max_mib") != std::string::npos);
  CHECK(host.http_requests().empty());
}
