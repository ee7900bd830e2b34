#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "xnatctl/auth/credentials.hpp"
#include "xnatctl/http/client.hpp"
#include "xnatctl/http/session_provider.hpp"

namespace xnatctl::auth {

// POST /data/JSESSION with Basic auth. Returns the session token. A 401, or a 200 carrying an
// HTML login page (what some XNAT deployments answer to a bad password), throws AuthError;
// other failures throw Error. The password appears in no message.
std::string login(http::Client& client, const Credentials& credentials);

// DELETE /data/JSESSION for `token`. Best effort: returns false when the server did not
// confirm (network error, non-2xx); the session then simply expires on the server.
bool logout(http::Client& client, const std::string& token);

// The JSESSION of one profile, shared by every thread of the process. Logs in lazily, and
// after a 401 logs in again exactly once no matter how many threads saw the stale token.
class JSessionProvider : public http::SessionProvider {
 public:
  struct Options {
    std::optional<std::string> initial_token;  // XNAT_TOKEN or the token cache
    // Called at most once, when a login is first needed; may prompt. Throws AuthError when
    // there are no credentials. Empty = never log in.
    std::function<Credentials()> credentials;
    // Called with every new token (to cache it); the password is never passed on.
    std::function<void(const std::string& token, const std::string& username)> on_new_token;
  };

  explicit JSessionProvider(Options options);

  std::optional<Token> current(http::Client& client) override;
  std::optional<Token> renew(http::Client& client, std::uint64_t stale_generation) override;

  std::optional<std::string> token() const;
  std::optional<std::string> username() const;  // known once logged in
  std::uint64_t logins() const { return logins_.load(); }

 private:
  std::optional<Token> login_locked(http::Client& client);

  Options options_;
  mutable std::mutex mutex_;
  std::optional<std::string> token_;
  std::uint64_t generation_ = 0;
  std::optional<Credentials> credentials_;
  std::atomic<std::uint64_t> logins_{0};
};

}  // namespace xnatctl::auth
