#include "xnatctl/config/resolve.hpp"

#include <Poco/NumberParser.h>
#include <Poco/String.h>

#include "xnatctl/config/url.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/http/header_safety.hpp"

namespace xnatctl::config {

std::optional<bool> parse_bool(const std::string& text) {
  const std::string lower = Poco::toLower(Poco::trim(text));
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
  return std::nullopt;
}

std::pair<std::string, ProfileSource> select_profile_name(
    const Config& config, const Environment& env,
    const std::optional<std::string>& command_line_profile) {
  if (command_line_profile && !command_line_profile->empty()) {
    return {*command_line_profile, ProfileSource::kCommandLine};
  }
  if (auto name = env.get("XNAT_PROFILE")) return {*name, ProfileSource::kEnvironment};
  if (config.default_profile && !config.default_profile->empty()) {
    return {*config.default_profile, ProfileSource::kConfigDefault};
  }
  return {kDefaultProfileName, ProfileSource::kBuiltIn};
}

ResolvedProfile resolve_profile(const ConfigFile& file, const Environment& env,
                                const std::optional<std::string>& command_line_profile) {
  const Config& config = file.config();
  ResolvedProfile resolved;
  std::tie(resolved.name, resolved.name_source) =
      select_profile_name(config, env, command_line_profile);
  const Profile* profile = config.find(resolved.name);
  // Any named profile must exist; only the built-in "default" may be synthesised from XNAT_URL.
  if (profile == nullptr && resolved.name_source != ProfileSource::kBuiltIn) {
    std::string there;
    for (const auto& p : config.profiles) there += (there.empty() ? "" : ", ") + p.name;
    const char* from = resolved.name_source == ProfileSource::kEnvironment ? " (from XNAT_PROFILE)"
                       : resolved.name_source == ProfileSource::kConfigDefault
                           ? " (from default_profile)"
                           : "";
    throw UsageError("profile '" + resolved.name + "' not found in " + file.path().string() + from +
                     "; " + (there.empty() ? "it has no profiles" : "profiles there: " + there));
  }
  resolved.in_config = profile != nullptr;
  Profile empty;
  const Profile& p = profile != nullptr ? *profile : empty;

  std::optional<std::string> url = env.get("XNAT_URL");
  if (!url) url = p.url;
  if (!url) {
    if (profile == nullptr) {
      throw UsageError(
          "no XNAT server configured: run 'xnatctl config init --url URL' or set XNAT_URL");
    }
    throw UsageError("profile '" + resolved.name + "' has no url in " + file.path().string());
  }
  resolved.url = normalize_server_url(*url);

  resolved.verify_ssl = p.verify_ssl.value_or(true);
  if (auto text = env.get("XNAT_VERIFY_SSL")) {
    auto value = parse_bool(*text);
    if (!value) throw UsageError("XNAT_VERIFY_SSL must be true or false, not '" + *text + "'");
    resolved.verify_ssl = *value;
  }

  if (p.timeout) resolved.timeout = std::chrono::seconds(*p.timeout);
  if (auto text = env.get("XNAT_TIMEOUT")) {
    Poco::Int64 seconds = 0;
    if (!Poco::NumberParser::tryParse64(Poco::trim(*text), seconds) || seconds <= 0 ||
        seconds > kMaxTimeoutSeconds) {
      throw UsageError("XNAT_TIMEOUT must be a number of seconds between 1 and " +
                       std::to_string(kMaxTimeoutSeconds) + ", not '" + *text + "'");
    }
    resolved.timeout = std::chrono::seconds(seconds);
  }
  // A short overall timeout must also bound connecting.
  resolved.connect_timeout = std::min(resolved.timeout, kDefaultConnectTimeout);

  resolved.username = env.get("XNAT_USER");
  if (!resolved.username) resolved.username = p.username;
  resolved.password = env.get("XNAT_PASS");
  if (!resolved.password) resolved.password = p.password;
  resolved.token = env.get("XNAT_TOKEN");
  // Both become header values (Cookie, Basic): a line break would inject a header.
  if (resolved.token) http::require_no_control_characters("XNAT_TOKEN", *resolved.token);
  if (resolved.username)
    http::require_no_control_characters("the user name (XNAT_USER or the profile)",
                                        *resolved.username);

  resolved.default_project = p.default_project;
  resolved.workers = p.workers;
  resolved.overwrite = p.overwrite;
  resolved.direct_archive = p.direct_archive;
  resolved.archive_mode = p.archive_mode;
  resolved.proxy = p.proxy;
  resolved.ca_bundle = p.ca_bundle;
  return resolved;
}

}  // namespace xnatctl::config
