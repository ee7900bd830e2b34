#include "xnatctl/auth/whoami.hpp"

#include <Poco/String.h>

#include <regex>

#include "xnatctl/http/errors.hpp"

namespace xnatctl::auth {
namespace {

bool usable_name(const std::string& text) {
  return !text.empty() && text.size() < 256 && text.find('<') == std::string::npos &&
         text.find('\n') == std::string::npos;
}

}  // namespace

std::optional<std::string> whoami(http::Client& client) {
  http::Request request;
  request.path = "/xapi/users/username";
  http::TextResponse response = client.fetch(request, std::size_t{64} * 1024);
  if (response.status == 401 || response.status == 403) {
    http::throw_for_status(response, "whoami");
  }
  if (response.ok()) {
    std::string name = Poco::trim(response.body);
    if (usable_name(name)) return name;
  }
  request.path = "/data/auth";
  response = client.fetch(request, std::size_t{64} * 1024);
  if (response.status == 401 || response.status == 403) {
    http::throw_for_status(response, "whoami");
  }
  if (!response.ok()) return std::nullopt;
  static const std::regex logged_in("User '([^']+)' is logged in");
  std::smatch match;
  if (std::regex_search(response.body, match, logged_in)) return match[1].str();
  return std::nullopt;
}

}  // namespace xnatctl::auth
