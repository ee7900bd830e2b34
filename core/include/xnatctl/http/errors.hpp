#pragma once

#include <string>
#include <string_view>

#include "xnatctl/error.hpp"
#include "xnatctl/http/request.hpp"

namespace xnatctl::http {

// The server could not be reached or the exchange broke off, after every retry.
class TransportError : public Error {
 public:
  using Error::Error;
};

// Turns an unsuccessful response into the exception a command shows the user: 401/403 →
// AuthError (exit 3), anything else → Error naming `what`, the status and the start of the
// body. Does nothing for 2xx.
void throw_for_status(const TextResponse& response, std::string_view what);

}  // namespace xnatctl::http
