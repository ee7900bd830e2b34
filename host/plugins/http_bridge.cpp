#include "plugins/http_bridge.hpp"

#include <cstring>

#include "plugins/status_mapping.hpp"
#include "xnatctl/cancel.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/http/errors.hpp"
#include "xnatctl/http/header_safety.hpp"

namespace xnatctl::host {
namespace {

http::Request translate(const xc_http_request& in) {
  http::Request out;
  out.method = in.method != nullptr ? in.method : "GET";
  out.path = in.path != nullptr ? in.path : "/";
  for (size_t i = 0; i < in.query_count; ++i)
    out.query.emplace_back(in.query[i].key, in.query[i].value);
  for (size_t i = 0; i < in.header_count; ++i) {
    // A CR/LF in a plugin's header would inject headers of its own.
    http::require_no_control_characters("a plugin's HTTP header name", in.headers[i].key);
    http::require_no_control_characters("a plugin's HTTP header value", in.headers[i].value);
    out.headers.emplace_back(in.headers[i].key, in.headers[i].value);
  }
  out.authenticate = (in.flags & XC_HTTP_NO_AUTH) == 0;
  out.retry = (in.flags & XC_HTTP_NO_RETRY) == 0;
  out.retry_transient_400 = (in.flags & XC_HTTP_RETRY_IMPORT_400) != 0;
  if (in.body_size != 0) {
    if (in.body_read == nullptr)
      throw Error("http_send: body_size is set but body_read is NULL", ExitCode::kUsage);
    http::RequestBody body;
    body.content_length = in.body_size;
    body.read = [read = in.body_read, user = in.body_user](char* buffer, size_t size) {
      const size_t n = read(user, buffer, size);
      if (n == XC_READ_FAILED) throw Error("the plugin could not produce the request body");
      return n;
    };
    if (in.body_rewind != nullptr) {
      body.rewind = [rewind = in.body_rewind, user = in.body_user] {
        return rewind(user) == XC_OK;
      };
    }
    out.body = std::move(body);
  }
  return out;
}

}  // namespace

xc_status send_through(http::Client& client, const xc_http_request& request,
                       xc_http_response& response, xc_error& error) {
  xc_status sink_status = XC_OK;
  try {
    if (cancel::requested()) return fail(&error, XC_CANCELLED, "cancelled by the user");
    const http::Response r = client.send(translate(request), [&](const char* data, size_t size) {
      if (request.response_write == nullptr) return true;
      sink_status = request.response_write(request.response_user, data, size);
      return sink_status == XC_OK;
    });
    response.status = r.status;
    response.attempts = static_cast<uint32_t>(r.attempts);
    const std::string type = r.header("Content-Type").value_or("");
    std::strncpy(response.content_type, type.c_str(), sizeof(response.content_type) - 1);
    response.content_type[sizeof(response.content_type) - 1] = '\0';
    return XC_OK;
  } catch (const http::TransportError& e) {
    if (cancel::requested()) return fail(&error, XC_CANCELLED, "cancelled by the user");
    return fail(&error, XC_RETRY, e.what());
  } catch (const Error& e) {
    // sdk.h: when the response sink stops the transfer, its own status is the result.
    if (sink_status != XC_OK)
      return fail(&error, sink_status, "the response was refused by the plugin's sink");
    return fail(&error, status_for(e.code()), e.what());
  }
}

}  // namespace xnatctl::host
