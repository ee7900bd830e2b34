#pragma once

#include <optional>
#include <string>

#include "xnatctl/http/client.hpp"

namespace xnatctl::auth {

// The user the session belongs to: GET /xapi/users/username, falling back to GET /data/auth
// ("User 'name' is logged in") on servers without it. Throws AuthError on 401/403;
// nullopt when neither endpoint names a user.
std::optional<std::string> whoami(http::Client& client);

}  // namespace xnatctl::auth
