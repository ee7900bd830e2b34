#include "cli/profile_defaults.hpp"

#include <memory>

#include "xnatctl/config/environment.hpp"
#include "xnatctl/config/paths.hpp"
#include "xnatctl/config/resolve.hpp"

namespace xnatctl::host {
namespace {

template <typename T>
std::optional<std::string> text(const std::optional<T>& value) {
  if (!value) return std::nullopt;
  if constexpr (std::is_same_v<T, bool>) {
    return *value ? "true" : "false";
  } else if constexpr (std::is_same_v<T, std::string>) {
    return *value;
  } else {
    return std::to_string(*value);
  }
}

}  // namespace

std::optional<std::string> profile_value(const config::Profile& p, const std::string& key) {
  if (key == "url") return text(p.url);
  if (key == "verify_ssl") return text(p.verify_ssl);
  if (key == "timeout") return text(p.timeout);
  if (key == "default_project") return text(p.default_project);
  if (key == "workers") return text(p.workers);
  if (key == "overwrite") return text(p.overwrite);
  if (key == "direct_archive") return text(p.direct_archive);
  if (key == "archive_mode") return text(p.archive_mode);
  return std::nullopt;  // unknown keys and credentials
}

ValueSources process_value_sources_with_profile() {
  ValueSources sources = process_value_sources();
  // Loaded lazily: most commands have no profile-backed option, and a malformed config file
  // should only stop the commands that read it (they report it as a one-line error).
  auto loaded = std::make_shared<std::optional<config::ConfigFile>>();
  sources.profile = [loaded](const std::string& key,
                             const GlobalOptions& globals) -> std::optional<std::string> {
    const auto env = config::Environment::process();
    if (!*loaded) *loaded = config::ConfigFile::load(config::config_file_path(env));
    const config::Config& config = (*loaded)->config();
    const auto [name, source] = config::select_profile_name(config, env, globals.profile);
    const config::Profile* profile = config.find(name);
    if (profile == nullptr) return std::nullopt;
    return profile_value(*profile, key);
  };
  return sources;
}

}  // namespace xnatctl::host
