#include "xnatctl/config/url.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include "xnatctl/error.hpp"

namespace xnatctl::config {

std::string normalize_server_url(const std::string& url) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception&) {
    throw UsageError("invalid server URL '" + url + "'");
  }
  if (!uri.getUserInfo().empty()) {
    // Not echoed: the URL would carry a password into the terminal and logs.
    throw UsageError("the server URL must not contain credentials; use XNAT_USER/XNAT_PASS or "
                     "'xnatctl auth login'");
  }
  if (uri.getScheme() != "http" && uri.getScheme() != "https") {
    throw UsageError("invalid server URL '" + url + "': the scheme must be http or https");
  }
  if (uri.getHost().empty()) throw UsageError("invalid server URL '" + url + "': no host");
  if (!uri.getQuery().empty() || !uri.getFragment().empty()) {
    throw UsageError("invalid server URL '" + url + "': no query or fragment allowed");
  }
  std::string normalized = url;
  while (!normalized.empty() && normalized.back() == '/') normalized.pop_back();
  return normalized;
}

}  // namespace xnatctl::config
