#pragma once

// xc_host_api.http_send over the core HTTP client: the C request/response structs and
// callbacks translated to http::Request, with the client's pool, TLS, cookie, single shared
// re-login and retries doing the work.

#include "xnatctl/error.hpp"
#include "xnatctl/http/client.hpp"
#include "xnatctl/sdk.h"

namespace xnatctl::host {

xc_status send_through(http::Client& client, const xc_http_request& request,
                       xc_http_response& response, xc_error& error);

}  // namespace xnatctl::host
