#pragma once

#include <string>

namespace xnatctl::config {

// Validates an XNAT base URL (http or https, with a host) and returns it without trailing
// slashes, so "https://x/" and "https://x" name the same server everywhere (token cache
// included). Throws UsageError naming the URL when it is not usable.
std::string normalize_server_url(const std::string& url);

}  // namespace xnatctl::config
