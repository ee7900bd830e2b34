#pragma once

// Small REST plumbing shared by the command-group plugins (prearchive, resource): one
// request with the body collected, path segments encoded, XNAT's JSON tables read. Header-only
// over the SDK (each plugin compiles its own copy behind its hidden visibility); JSON comes
// from the system's Poco::JSON, which plugins may link as a shared library.
//
// Server behaviour: ../shared/reference/xnat-server-api.md §1 (conventions, ResultSet, error
// bodies), §4 (prearchive), §5 (listings), §6 (resources).

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cctype>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xnat_import.hpp"
#include "xnatctl/sdk.hpp"

namespace xnat_rest {

using Query = std::vector<std::pair<std::string, std::string>>;
using Row = std::map<std::string, std::string>;

// Answers of listing and action calls are small; a cap keeps a misbehaving server (or a
// wrong URL answering a download) from filling memory.
constexpr std::size_t kMaxBody = std::size_t{32} << 20;

struct Reply {
  int32_t status = 0;
  std::string content_type;
  std::string body;
  bool ok() const { return status >= 200 && status < 300; }
  // One line a user can read: "HTTP 404: Unable to find the specified experiment."
  std::string describe() const {
    std::string text = "HTTP " + std::to_string(status);
    if (const std::string m = xnat_import::server_message(body); !m.empty()) text += ": " + m;
    return text;
  }
  // The server's own words only (for messages that already name the status).
  std::string message() const { return xnat_import::server_message(body); }
};

// A request body the caller streams (nullptr/0 = none).
struct BodySpec {
  int64_t size = 0;
  xc_read_fn read = nullptr;
  xc_rewind_fn rewind = nullptr;
  void* user = nullptr;
};

// One exchange; HTTP error statuses come back in Reply for the caller to judge, transport
// failures (no answer at all) throw xc::Error from Host::send.
inline Reply call(const xc::Host& host, const char* method, const std::string& path,
                  const Query& query = {},
                  const std::vector<std::pair<std::string, std::string>>& headers = {},
                  const BodySpec& body = {}, uint32_t flags = 0) {
  struct Sink {
    std::string data;
    bool overflow = false;
  } sink;
  std::vector<xc_kv> q;
  q.reserve(query.size());
  for (const auto& [k, v] : query) q.push_back(xc_kv{k.c_str(), v.c_str()});
  std::vector<xc_kv> h;
  h.reserve(headers.size());
  for (const auto& [k, v] : headers) h.push_back(xc_kv{k.c_str(), v.c_str()});
  xc_http_request request{};
  request.method = method;
  request.path = path.c_str();
  request.query = q.data();
  request.query_count = q.size();
  request.headers = h.data();
  request.header_count = h.size();
  request.body_size = body.size;
  request.body_read = body.read;
  request.body_rewind = body.rewind;
  request.body_user = body.user;
  request.flags = flags;
  request.response_user = &sink;
  request.response_write = [](void* user, const char* data, size_t size) -> xc_status {
    auto* s = static_cast<Sink*>(user);
    if (s->data.size() + size > kMaxBody) {
      s->overflow = true;
      return XC_FATAL;
    }
    s->data.append(data, size);
    return XC_OK;
  };
  xc_http_response response{};
  try {
    response = host.send(request);
  } catch (const xc::Error&) {
    if (sink.overflow)
      throw xc::Error(XC_FATAL, std::string(method) + " " + path + ": the answer exceeds " +
                                    std::to_string(kMaxBody >> 20) + " MiB");
    throw;
  }
  Reply reply;
  reply.status = response.status;
  reply.content_type = response.content_type;
  reply.body = std::move(sink.data);
  return reply;
}

// Percent-encodes one path segment: everything but letters, digits, '-', '_' and '~' (so a
// '.' becomes %2E, as the Python tool learnt XNAT needs in archive-service src/dest paths,
// xnatctl-behaviour.md §4). Callers refuse empty segments, "." and ".." before this.
inline std::string encode_segment(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// Percent-encodes one segment of a file path, keeping RFC 3986's unreserved characters
// (letters, digits, '-', '.', '_', '~') literal so file names stay readable in logs.
inline std::string encode_file_segment(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '.') continue;
    out += encode_segment(text.substr(start, i - start));
    if (i < text.size()) out += '.';
    start = i + 1;
  }
  return out;
}

// A user-supplied path segment (project, timestamp, folder, label): non-empty, no '/', not a
// dot segment, no control characters. Anything else is a usage error naming `what`.
inline std::string checked_segment(std::string_view value, const char* what) {
  bool bad = value.empty() || value == "." || value == "..";
  for (const unsigned char c : value) bad = bad || c == '/' || c == '\\' || c < 0x20 || c == 0x7f;
  if (bad)
    throw xc::Error(XC_INVALID_INPUT,
                    std::string("invalid ") + what + " '" + std::string(value) +
                        "': it must be one non-empty path segment (no '/', not '.' or '..')");
  return std::string(value);
}

inline std::string to_text(const Poco::Dynamic::Var& v) {
  if (v.isEmpty()) return {};
  try {
    return v.convert<std::string>();
  } catch (const Poco::Exception&) {
    return {};
  }
}

inline Poco::Dynamic::Var parse_json(const Reply& reply, const std::string& what) {
  try {
    Poco::JSON::Parser parser;
    return parser.parse(reply.body);
  } catch (const Poco::Exception&) {
    throw xc::Error(XC_FATAL, what + ": the server's answer is not JSON");
  }
}

inline Row row_of(const Poco::JSON::Object::Ptr& object) {
  Row row;
  if (!object) return row;
  for (const auto& [key, value] : *object) row[key] = to_text(value);
  return row;
}

// The rows of a {"ResultSet":{"Result":[…]}} table (§1.3).
inline std::vector<Row> result_rows(const Reply& reply, const std::string& what) {
  const Poco::Dynamic::Var root = parse_json(reply, what);
  std::vector<Row> rows;
  try {
    auto object = root.extract<Poco::JSON::Object::Ptr>();
    auto set = object ? object->getObject("ResultSet") : nullptr;
    auto result = set ? set->getArray("Result") : nullptr;
    if (!result) throw xc::Error(XC_FATAL, what + ": the server's answer has no ResultSet");
    for (std::size_t i = 0; i < result->size(); ++i) rows.push_back(row_of(result->getObject(i)));
  } catch (const Poco::Exception&) {
    throw xc::Error(XC_FATAL, what + ": unexpected JSON from the server");
  }
  return rows;
}

// The first URI line of a text/uri-list answer ("" if none).
inline std::string first_uri(const std::string& body) {
  const auto uris = xnat_import::response_uris(body);
  return uris.empty() ? std::string() : uris.front();
}

// The first non-empty line of a text answer, trimmed ("" if none).
inline std::string first_line(const std::string& body) {
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(pos, end - pos);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    std::size_t start = 0;
    while (start < line.size() && std::isspace(static_cast<unsigned char>(line[start]))) ++start;
    if (start < line.size()) return line.substr(start);
    pos = end + 1;
  }
  return {};
}

// The option's value, or `fallback`.
inline std::string option_or(const xc::Invocation& inv, const char* name,
                             const std::string& fallback = {}) {
  const auto v = inv.option(name);
  return v ? std::string(*v) : fallback;
}

}  // namespace xnat_rest
