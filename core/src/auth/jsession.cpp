#include "xnatctl/auth/jsession.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/String.h>

#include <sstream>

#include "xnatctl/error.hpp"
#include "xnatctl/http/errors.hpp"

namespace xnatctl::auth {
namespace {

std::string basic_authorization(const Credentials& credentials) {
  std::ostringstream encoded;
  Poco::Base64Encoder encoder(encoded);
  encoder.rdbuf()->setLineLength(0);
  encoder << credentials.username << ':' << credentials.password;
  encoder.close();
  return "Basic " + encoded.str();
}

bool looks_like_html(const std::string& body) {
  const std::string head = Poco::toLower(body.substr(0, 512));
  return head.find("<html") != std::string::npos || head.find("<!doctype") != std::string::npos;
}

}  // namespace

std::string login(http::Client& client, const Credentials& credentials) {
  http::Request request;
  request.method = "POST";
  request.path = "/data/JSESSION";
  request.authenticate = false;
  request.headers.emplace_back("Authorization", basic_authorization(credentials));
  const std::string where = client.options().base_url;
  http::TextResponse response = client.fetch(request, std::size_t{64} * 1024);
  if (response.status == 401 || response.status == 403 ||
      (response.ok() && looks_like_html(response.body))) {
    throw AuthError("login failed for user '" + credentials.username + "' at " + where +
                    ": invalid credentials or password expired");
  }
  http::throw_for_status(response, "login at " + where);
  std::string token = Poco::trim(response.body);
  if (token.empty() || token.find_first_of(" \t\r\n;<>") != std::string::npos) {
    throw Error("login at " + where + ": the server answered without a session id");
  }
  return token;
}

bool logout(http::Client& client, const std::string& token) {
  http::Request request;
  request.method = "DELETE";
  request.path = "/data/JSESSION";
  request.authenticate = false;
  request.headers.emplace_back("Cookie", "JSESSIONID=" + token);
  try {
    return client.fetch(request, std::size_t{64} * 1024).ok();
  } catch (const Error&) {
    return false;
  }
}

JSessionProvider::JSessionProvider(Options options) : options_(std::move(options)) {
  if (options_.initial_token && !options_.initial_token->empty()) {
    token_ = options_.initial_token;
    generation_ = 1;
  }
}

std::optional<http::SessionProvider::Token> JSessionProvider::current(http::Client& client) {
  std::lock_guard lock(mutex_);
  if (token_) return Token{*token_, generation_};
  return login_locked(client);
}

std::optional<http::SessionProvider::Token> JSessionProvider::renew(
    http::Client& client, std::uint64_t stale_generation) {
  std::lock_guard lock(mutex_);
  if (token_ && generation_ != stale_generation) return Token{*token_, generation_};
  token_.reset();
  return login_locked(client);
}

std::optional<http::SessionProvider::Token> JSessionProvider::login_locked(http::Client& client) {
  if (!options_.credentials) return std::nullopt;
  if (!credentials_) credentials_ = options_.credentials();
  // Logging in while holding the lock is deliberate: every other thread that needs a token
  // waits here for this one login instead of starting its own.
  std::string token = login(client, *credentials_);
  ++logins_;
  token_ = token;
  ++generation_;
  if (options_.on_new_token) options_.on_new_token(token, credentials_->username);
  return Token{token, generation_};
}

std::optional<std::string> JSessionProvider::token() const {
  std::lock_guard lock(mutex_);
  return token_;
}

std::optional<std::string> JSessionProvider::username() const {
  std::lock_guard lock(mutex_);
  if (credentials_) return credentials_->username;
  return std::nullopt;
}

}  // namespace xnatctl::auth
