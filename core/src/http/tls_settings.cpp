#include "xnatctl/http/tls_settings.hpp"

#include <filesystem>

#include "xnatctl/error.hpp"

namespace xnatctl::http {
namespace {

TlsSettings from_path(const std::string& path, const std::string& source, bool verify) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    throw UsageError(source + ": CA bundle '" + path + "' does not exist");
  }
  TlsSettings settings;
  settings.verify = verify;
  settings.ca_source = source + " (" + path + ")";
  if (std::filesystem::is_directory(status)) {
    settings.ca_dir = path;
  } else {
    settings.ca_file = path;
  }
  return settings;
}

}  // namespace

TlsSettings choose_tls(bool verify, const std::optional<std::string>& profile_ca_bundle,
                       const std::string& profile_name, const config::Environment& env) {
  if (!verify) {
    TlsSettings off;
    off.verify = false;
    off.ca_source = "none (verification off: verify_ssl false)";
    return off;
  }
  if (profile_ca_bundle && !profile_ca_bundle->empty()) {
    return from_path(*profile_ca_bundle, "profile '" + profile_name + "' key ca_bundle", verify);
  }
  for (const char* name :
       {"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_DIR"}) {
    if (auto path = env.get(name)) return from_path(*path, name, verify);
  }
  return TlsSettings{};
}

}  // namespace xnatctl::http
