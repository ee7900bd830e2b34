#pragma once

// How the client reaches a server: directly or through an HTTP proxy, decided the way curl
// and Python (requests, httpx) decide it, so a user who already has HTTPS_PROXY/NO_PROXY set
// for those tools gets the same route from xnatctl.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "xnatctl/config/environment.hpp"

namespace xnatctl::http {

// An HTTP proxy from a URL such as "http://user:pass@proxy.example.org:3128".
struct ProxyEndpoint {
  std::string host;
  std::uint16_t port = 80;
  std::string username;  // percent-decoded; empty = no Proxy-Authorization
  std::string password;  // percent-decoded; never printed

  // "http://proxy.example.org:3128", with "user:***@" when credentials are set: the only
  // form in which a proxy may appear in logs, errors and `doctor`.
  std::string redacted() const;
};

// Parses a proxy URL. A URL without a scheme is taken as http:// (curl and Python agree);
// without a port it is 80, the http default Python uses (curl would say 1080; proxy URLs
// nearly always name their port). Only http:// proxies are supported, for http and https
// servers alike (CONNECT). Throws UsageError naming `source` and the redacted URL when it is not
// usable.
ProxyEndpoint parse_proxy_url(const std::string& url, const std::string& source);

// NO_PROXY semantics shared by curl and Python: a comma (or space) separated list of host
// names, domain suffixes with or without a leading dot (".example.org" and "example.org"
// both match "x.example.org" and "example.org"), IP addresses, CIDR ranges
// ("10.0.0.0/8", "::1/128"), optional ":port" suffixes, and "*" for every host. Returns the
// entry that matched, or nullopt.
std::optional<std::string> no_proxy_match(std::string_view no_proxy, std::string_view host,
                                          std::uint16_t port);

// What the command line and the profile say about proxies.
struct ProxyInputs {
  std::optional<std::string> command_line;  // --proxy URL
  bool command_line_direct = false;         // --no-proxy
  std::optional<std::string> profile;       // profile key `proxy:` ("none" = direct)
  std::string profile_name;                 // for messages
};

// The route chosen for one server, and why (for `doctor` and -v).
struct ProxyDecision {
  std::optional<ProxyEndpoint> proxy;  // nullopt = direct
  std::string reason;                  // "HTTPS_PROXY", "NO_PROXY entry 'localhost'", ...
};

// Precedence: --no-proxy > --proxy > profile `proxy:` > the environment. In the
// environment, an https server uses https_proxy/HTTPS_PROXY, an http server http_proxy (the
// upper-case HTTP_PROXY too, as curl does not but Python does), both fall back to
// all_proxy/ALL_PROXY, and no_proxy/NO_PROXY exempts hosts; lower case wins over upper case.
// NO_PROXY also applies to a profile proxy, not to --proxy (an explicit choice).
ProxyDecision choose_proxy(const ProxyInputs& inputs, const config::Environment& env,
                           const std::string& scheme, const std::string& host, std::uint16_t port);

// Replaces the password of any "scheme://user:password@" in `text` by "***", for messages
// that may quote a URL given by the user.
std::string redact_url_credentials(std::string text);

}  // namespace xnatctl::http
