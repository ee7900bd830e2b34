#pragma once

// Which server and settings a command talks to. Precedence, field by field:
// command line > environment > profile > built-in default. Every environment variable works
// on its own: XNAT_URL alone is enough to reach a server without any config file, and
// XNAT_TIMEOUT alone changes the timeout of whatever profile is in use.

#include <chrono>
#include <optional>
#include <string>

#include "xnatctl/config/config_file.hpp"
#include "xnatctl/config/environment.hpp"

namespace xnatctl::config {

// 6 h, the Python tool's default: long enough for one large archive per request.
inline constexpr std::chrono::seconds kDefaultTimeout{21600};
// The longest timeout accepted anywhere (XNAT_TIMEOUT, a profile, --timeout): its milliseconds
// still fit the 32-bit ints that poll(2) and socket timeouts are computed in (~24 days).
inline constexpr long long kMaxTimeoutSeconds = 2147483;
// A dead host should fail in seconds, not hours.
inline constexpr std::chrono::seconds kDefaultConnectTimeout{30};
inline constexpr const char* kDefaultProfileName = "default";

// Where the profile name came from; an explicitly named profile must exist.
enum class ProfileSource { kCommandLine, kEnvironment, kConfigDefault, kBuiltIn };

struct ResolvedProfile {
  std::string name;
  ProfileSource name_source = ProfileSource::kBuiltIn;
  bool in_config = false;  // false when synthesised from XNAT_URL
  std::string url;         // normalised, no trailing slash
  bool verify_ssl = true;
  std::chrono::seconds timeout = kDefaultTimeout;
  std::chrono::seconds connect_timeout = kDefaultConnectTimeout;
  std::optional<std::string> default_project;
  std::optional<std::string> username;  // XNAT_USER > profile
  std::optional<std::string> password;  // XNAT_PASS > profile; never printed
  std::optional<std::string> token;     // XNAT_TOKEN
  std::optional<long long> workers;
  std::optional<std::string> overwrite;
  std::optional<bool> direct_archive;
  std::optional<std::string> archive_mode;
  // Network keys of the profile as written; the environment's share (HTTPS_PROXY,
  // SSL_CERT_FILE, ...) is decided by http::choose_proxy and http::choose_tls.
  std::optional<std::string> proxy;
  std::optional<std::string> ca_bundle;
};

// The name of the profile in use: --profile > XNAT_PROFILE > default_profile > "default".
std::pair<std::string, ProfileSource> select_profile_name(
    const Config& config, const Environment& env,
    const std::optional<std::string>& command_line_profile);

// Resolves the profile in use. Throws UsageError when an explicitly named profile does not
// exist, when no URL is known, or when an environment value is malformed (naming it).
ResolvedProfile resolve_profile(const ConfigFile& file, const Environment& env,
                                const std::optional<std::string>& command_line_profile);

// "true/1/yes/on" and "false/0/no/off", case-insensitive; nullopt otherwise.
std::optional<bool> parse_bool(const std::string& text);

}  // namespace xnatctl::config
