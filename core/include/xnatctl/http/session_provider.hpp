#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace xnatctl::http {

class Client;

// Supplies the JSESSION token the client sends as a cookie and renews it after a 401.
// Implementations must be thread-safe: every worker thread of a transfer calls them.
class SessionProvider {
 public:
  struct Token {
    std::string value;
    // Increases with every new token, so a thread that saw a 401 with an old token can tell
    // whether somebody else already logged in again.
    std::uint64_t generation = 0;
  };

  virtual ~SessionProvider() = default;

  // The token to send, logging in first when none is held and credentials are known.
  // nullopt: send the request unauthenticated.
  virtual std::optional<Token> current(Client& client) = 0;

  // Called after a 401 answered a request sent with token `stale`. Returns a newer token,
  // logging in again at most once for all threads that saw the same stale token, or nullopt
  // when no new session can be had (no credentials).
  virtual std::optional<Token> renew(Client& client, std::uint64_t stale_generation) = 0;
};

}  // namespace xnatctl::http
