#pragma once

#include <functional>
#include <optional>
#include <string>

#include "cli/command_registry.hpp"
#include "cli/config_source.hpp"
#include "cli/global_options.hpp"
#include "cli/parsed_command.hpp"

namespace xnatctl::host {

// Where option values come from when the command line does not give them. Precedence is
// fixed here, once, for built-in and plugin commands alike:
//   command line > environment variable > active profile key > declared default.
struct ValueSources {
  std::function<std::optional<std::string>(const std::string& env_var)> environment;
  std::function<std::optional<std::string>(const std::string& profile_key, const GlobalOptions&)>
      profile;
  // config.yaml of this process, handed to the command (ParsedCommand::config()).
  std::shared_ptr<ConfigSource> config;
};

ValueSources process_value_sources();  // getenv, no profile lookup

// Finds the command named by the leading words of `split.rest`, parses its options with
// Boost.Program_options, resolves values and runs it; prints help instead when asked (or
// when the words name a group). Throws UsageError for unknown commands and bad options.
int dispatch(const CommandRegistry& registry, const SplitArgs& split, const ValueSources& sources,
             const ParsedCommand::Streams& streams);

}  // namespace xnatctl::host
