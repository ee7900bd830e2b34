#include "cli/profile_defaults.hpp"

#include <memory>

#include "xnatctl/config/config_file.hpp"
#include "xnatctl/config/environment.hpp"
#include "xnatctl/config/paths.hpp"
#include "xnatctl/config/resolve.hpp"

namespace xnatctl::host {

std::optional<std::string> profile_value(const config::Profile& p, const std::string& key) {
  for (const config::ProfileKey& k : config::profile_keys()) {
    if (k.name == key) return k.option_default ? config::profile_text(p, key) : std::nullopt;
  }
  return std::nullopt;  // unknown keys
}

ValueSources process_value_sources_with_profile(std::shared_ptr<ConfigSource> config) {
  ValueSources sources = process_value_sources();
  sources.config = config;
  // Read on first use: most commands have no profile-backed option, and a malformed config
  // file should only stop the commands that read it (they report it as a one-line error).
  sources.profile = [config](const std::string& key,
                             const GlobalOptions& globals) -> std::optional<std::string> {
    const auto file = config->file();
    const config::Config& cfg = file->config();
    const auto [name, source] =
        config::select_profile_name(cfg, config::Environment::process(), globals.profile);
    const config::Profile* profile = cfg.find(name);
    if (profile == nullptr) return std::nullopt;
    return profile_value(*profile, key);
  };
  return sources;
}

}  // namespace xnatctl::host
