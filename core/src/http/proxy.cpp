#include "xnatctl/http/proxy.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>

#include "xnatctl/error.hpp"

namespace xnatctl::http {
namespace {

std::string lower(std::string_view text) {
  return Poco::toLower(std::string(text));
}

// Host names compare without a trailing dot and without IPv6 brackets.
std::string canonical_host(std::string_view host) {
  std::string h = lower(host);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  while (!h.empty() && h.back() == '.') h.pop_back();
  return h;
}

std::optional<Poco::Net::IPAddress> parse_ip(const std::string& text) {
  Poco::Net::IPAddress address;
  if (Poco::Net::IPAddress::tryParse(text, address)) return address;
  return std::nullopt;
}

// "10.0.0.0/8" contains `host` (both already known to be addresses of the same family).
bool in_network(const Poco::Net::IPAddress& host, const std::string& cidr) {
  const auto slash = cidr.find('/');
  auto network = parse_ip(cidr.substr(0, slash));
  unsigned prefix = 0;
  if (!network || network->family() != host.family() ||
      !Poco::NumberParser::tryParseUnsigned(cidr.substr(slash + 1), prefix) ||
      prefix > network->length() * 8) {
    return false;
  }
  const Poco::Net::IPAddress mask(prefix, network->family());
  return (host & mask) == (*network & mask);
}

// One NO_PROXY entry against the host. `entry` is lower case, trimmed, without a port.
bool entry_matches(const std::string& entry, const std::string& host) {
  if (entry == "*") return true;
  const auto host_ip = parse_ip(host);
  if (entry.find('/') != std::string::npos) return host_ip && in_network(*host_ip, entry);
  if (auto entry_ip = parse_ip(entry)) return host_ip && *host_ip == *entry_ip;
  // Domain names match themselves and their subdomains, at a dot boundary only: curl's rule
  // (Python's plain suffix test would also let "example.org" match "badexample.org").
  std::string domain = entry;
  if (domain.rfind("*.", 0) == 0) domain.erase(0, 1);
  if (!domain.empty() && domain.front() == '.') domain.erase(0, 1);
  if (domain.empty() || host_ip) return false;
  if (host == domain) return true;
  return host.size() > domain.size() &&
         host.compare(host.size() - domain.size(), domain.size(), domain) == 0 &&
         host[host.size() - domain.size() - 1] == '.';
}

// Splits "host:port", "[v6]:port" and "v6" (several colons, no brackets: no port).
std::pair<std::string, std::optional<std::uint16_t>> split_port(const std::string& entry) {
  std::string host = entry;
  std::optional<std::uint16_t> port;
  const auto colon = entry.rfind(':');
  const bool bracketed = !entry.empty() && entry.front() == '[';
  const bool one_colon = colon != std::string::npos && entry.find(':') == colon;
  if (colon != std::string::npos && (one_colon || (bracketed && entry[colon - 1] == ']'))) {
    unsigned value = 0;
    if (Poco::NumberParser::tryParseUnsigned(entry.substr(colon + 1), value) && value < 65536) {
      host = entry.substr(0, colon);
      port = static_cast<std::uint16_t>(value);
    }
  }
  return {canonical_host(host), port};
}

std::optional<std::string> first_set(const config::Environment& env,
                                     std::initializer_list<const char*> names, std::string* which) {
  for (const char* name : names) {
    if (auto value = env.get(name)) {
      *which = name;
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string ProxyEndpoint::redacted() const {
  std::string text = "http://";
  if (!username.empty()) text += username + ":***@";
  const bool v6 = host.find(':') != std::string::npos;
  text += v6 ? "[" + host + "]" : host;
  return text + ":" + std::to_string(port);
}

std::string redact_url_credentials(std::string text) {
  std::size_t from = 0;
  while ((from = text.find("://", from)) != std::string::npos) {
    const auto start = from + 3;
    const auto end = text.find_first_of("/ \t'\"?#", start);
    const auto authority_end = end == std::string::npos ? text.size() : end;
    const auto at = text.rfind('@', authority_end);
    if (at != std::string::npos && at >= start) {
      const auto colon = text.find(':', start);
      if (colon != std::string::npos && colon < at) text.replace(colon + 1, at - colon - 1, "***");
    }
    from = start;
  }
  return text;
}

ProxyEndpoint parse_proxy_url(const std::string& url, const std::string& source) {
  const std::string shown = redact_url_credentials(url);
  std::string text = Poco::trim(url);
  if (text.find("://") == std::string::npos) text = "http://" + text;
  Poco::URI uri;
  try {
    uri = Poco::URI(text);
  } catch (const Poco::Exception&) {
    throw UsageError(source + ": invalid proxy URL '" + shown + "'");
  }
  if (uri.getScheme() != "http") {
    throw UsageError(source + ": unsupported proxy '" + shown +
                     "': only http:// proxies are supported (https servers are reached "
                     "through them with CONNECT)");
  }
  if (uri.getHost().empty()) throw UsageError(source + ": proxy URL '" + shown + "' has no host");
  ProxyEndpoint proxy;
  proxy.host = uri.getHost();
  proxy.port = uri.getPort() == 0 ? 80 : uri.getPort();
  const std::string& info = uri.getUserInfo();
  if (!info.empty()) {
    const auto colon = info.find(':');
    Poco::URI::decode(info.substr(0, colon), proxy.username);
    if (colon != std::string::npos) Poco::URI::decode(info.substr(colon + 1), proxy.password);
  }
  return proxy;
}

std::optional<std::string> no_proxy_match(std::string_view no_proxy, std::string_view host,
                                          std::uint16_t port) {
  const std::string target = canonical_host(host);
  std::string list(no_proxy);
  std::replace_if(
      list.begin(), list.end(), [](char c) { return c == ' ' || c == '\t'; }, ',');
  std::size_t start = 0;
  while (start <= list.size()) {
    auto end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    const std::string raw = Poco::trim(list.substr(start, end - start));
    start = end + 1;
    if (raw.empty()) continue;
    auto [entry, entry_port] = split_port(lower(raw));
    if (entry_port && *entry_port != port) continue;
    if (entry_matches(entry, target)) return raw;
  }
  return std::nullopt;
}

ProxyDecision choose_proxy(const ProxyInputs& inputs, const config::Environment& env,
                           const std::string& scheme, const std::string& host, std::uint16_t port) {
  if (inputs.command_line_direct) return {std::nullopt, "direct (--no-proxy)"};
  if (inputs.command_line) {
    return {parse_proxy_url(*inputs.command_line, "--proxy"), "--proxy"};
  }
  std::string which;
  std::optional<std::string> url;
  if (inputs.profile) {
    const std::string value = lower(Poco::trim(*inputs.profile));
    if (value == "none" || value == "direct") {
      return {std::nullopt, "direct (profile '" + inputs.profile_name + "' sets proxy: none)"};
    }
    which = "profile '" + inputs.profile_name + "' key proxy";
    url = inputs.profile;
  } else if (scheme == "https") {
    url = first_set(env, {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}, &which);
  } else if (env.get("REQUEST_METHOD")) {
    // Under CGI, HTTP_PROXY can come from a request header ("httpoxy"); Python ignores it
    // there and so do we.
    url = first_set(env, {"http_proxy", "all_proxy", "ALL_PROXY"}, &which);
  } else {
    url = first_set(env, {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"}, &which);
  }
  if (!url) {
    std::string variable = scheme == "https" ? "HTTPS_PROXY" : "HTTP_PROXY";
    return {std::nullopt, "direct (no proxy configured: neither " + variable +
                              " nor ALL_PROXY nor a profile proxy is set)"};
  }
  std::string no_proxy_name;
  if (auto list = first_set(env, {"no_proxy", "NO_PROXY"}, &no_proxy_name)) {
    if (auto entry = no_proxy_match(*list, host, port)) {
      return {std::nullopt, "direct (" + no_proxy_name + " entry '" + *entry + "' matches " + host +
                                ", bypassing " + which + ")"};
    }
  }
  return {parse_proxy_url(*url, which), which};
}

}  // namespace xnatctl::http
