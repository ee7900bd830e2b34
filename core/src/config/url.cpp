#include "xnatctl/config/url.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>

#include "xnatctl/error.hpp"
#include "xnatctl/http/header_safety.hpp"

namespace xnatctl::config {

std::string normalize_server_url(const std::string& url) {
  // Poco::URI takes "http://127.0.0.1 :80" with a space in the host; the connection would
  // then fail as "refused" five times over. A URL never holds spaces or control characters.
  if (url.find_first_of(" \t") != std::string::npos || http::has_control_characters(url)) {
    throw UsageError("invalid server URL '" + url + "': it contains spaces or control characters");
  }
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception&) {
    throw UsageError("invalid server URL '" + url + "'");
  }
  if (!uri.getUserInfo().empty()) {
    // Not echoed: the URL would carry a password into the terminal and logs.
    throw UsageError(
        "the server URL must not contain credentials; use XNAT_USER/XNAT_PASS or "
        "'xnatctl auth login'");
  }
  if (uri.getScheme() != "http" && uri.getScheme() != "https") {
    throw UsageError("invalid server URL '" + url + "': the scheme must be http or https");
  }
  if (uri.getHost().empty()) throw UsageError("invalid server URL '" + url + "': no host");
  const std::string& host = uri.getHost();
  const bool host_ok = std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_' ||
           c == ':' || c == '[' || c == ']' || c == '%';
  });
  if (!host_ok) throw UsageError("invalid server URL '" + url + "': bad host name '" + host + "'");
  if (!uri.getQuery().empty() || !uri.getFragment().empty()) {
    throw UsageError("invalid server URL '" + url + "': no query or fragment allowed");
  }
  std::string normalized = url;
  while (!normalized.empty() && normalized.back() == '/') normalized.pop_back();
  return normalized;
}

}  // namespace xnatctl::config
