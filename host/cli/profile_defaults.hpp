#pragma once

// Option values from the active profile: how `profile_key` in an OptionSpec (or an
// xc_option_desc) becomes a default, e.g. `workers: 8` in config.yaml for --workers.

#include <memory>
#include <optional>
#include <string>

#include "cli/config_source.hpp"
#include "cli/dispatch.hpp"
#include "xnatctl/config/config_file.hpp"

namespace xnatctl::host {

// The profile's value for `key` as text, or nullopt if unset. Credentials are never
// returned: they are not option defaults and must not reach plugins.
std::optional<std::string> profile_value(const config::Profile& profile, const std::string& key);

// The process's value sources: the environment, and the profile selected by --profile,
// XNAT_PROFILE or default_profile in `config` (read once, on first use).
ValueSources process_value_sources_with_profile(std::shared_ptr<ConfigSource> config);

}  // namespace xnatctl::host
