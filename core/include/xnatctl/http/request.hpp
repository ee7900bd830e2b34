#pragma once

// Request and response types of the HTTP client. Bodies travel through callbacks in both
// directions so no body is ever held whole in memory; this is also the shape the plugin
// host-services table exposes through the C ABI.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xnatctl::http {

// Ordered name/value pairs (query parameters, headers); order is kept on the wire.
using Fields = std::vector<std::pair<std::string, std::string>>;

// A request body produced on demand.
struct RequestBody {
  // Bytes the body will produce, or -1 to send it with chunked transfer encoding.
  std::int64_t content_length = -1;
  // Copies up to `size` bytes into `buffer` and returns how many; 0 means the end.
  // Throwing aborts the request (the exception propagates to the caller of send()).
  std::function<std::size_t(char* buffer, std::size_t size)> read;
  // Restarts the body from its first byte so the request can be retried or replayed after a
  // re-login. Returns false when it cannot; the client then gives up instead of re-sending a
  // half-consumed body. May be empty (= cannot rewind).
  std::function<bool()> rewind;
};

struct Request {
  std::string method = "GET";
  // Relative to the server URL of the profile, starting with '/': "/data/projects".
  // Already percent-encoded where needed (see xnat/request_paths.hpp for segment encoding).
  std::string path;
  Fields query;    // encoded by the client
  Fields headers;  // Cookie, User-Agent and Content-Length are set by the client
  std::optional<RequestBody> body;
  // Send the JSESSION cookie and, on 401, log in again once and replay the request.
  bool authenticate = true;
  // XNAT answers concurrent imports with a transient 400 now and then; only imports that
  // know this opt in to retrying 400.
  bool retry_transient_400 = false;
  // false: send once and return whatever happens (the caller handles failures itself).
  // A 401 still leads to one re-login and replay when `authenticate` is set.
  bool retry = true;
  // Overrides the client's read/write timeout for this request.
  std::optional<std::chrono::seconds> timeout;
};

struct Response {
  int status = 0;
  std::string reason;
  int attempts = 0;  // exchanges on the wire for this request (retries and replays included)
  Fields headers;

  // Case-insensitive lookup of the first header with this name.
  std::optional<std::string> header(std::string_view name) const;
  bool ok() const { return status >= 200 && status < 300; }
};

// Receives the response body in pieces. Returning false stops the transfer; send() then
// throws xnatctl::Error with ExitCode::kCancelled.
using BodySink = std::function<bool(const char* data, std::size_t size)>;

// A response whose (small) body was collected into a string.
struct TextResponse : Response {
  std::string body;
};

}  // namespace xnatctl::http
