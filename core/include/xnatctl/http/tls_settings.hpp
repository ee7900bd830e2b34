#pragma once

// Which certificates the client trusts, chosen the way the tools users already have choose
// them, and said plainly (for `doctor` and for errors that tell the user what to set).

#include <optional>
#include <string>

#include "xnatctl/config/environment.hpp"

namespace xnatctl::http {

struct TlsSettings {
  bool verify = true;   // profile verify_ssl / XNAT_VERIFY_SSL
  std::string ca_file;  // a PEM bundle; empty = none
  std::string ca_dir;   // an OpenSSL hashed directory; empty = none
  // Where the trust comes from: "profile 'prod' key ca_bundle", "SSL_CERT_FILE",
  // "system store", or "none (verify_ssl: false)".
  std::string ca_source = "system store";
};

// Precedence: profile `ca_bundle:` (a file or a directory), then SSL_CERT_FILE (OpenSSL,
// httpx), REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE (requests, curl), SSL_CERT_DIR, and
// otherwise the system store. The profile wins over the environment because it names the
// CA of one server, the variables a CA for everything. A named bundle replaces the system
// store, as it does for curl and requests. Throws UsageError naming the source when the
// file or directory does not exist.
TlsSettings choose_tls(bool verify, const std::optional<std::string>& profile_ca_bundle,
                       const std::string& profile_name, const config::Environment& env);

}  // namespace xnatctl::http
