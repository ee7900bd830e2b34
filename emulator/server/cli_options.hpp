// Command line (and --config YAML) → EmulatorConfig. See emulator/README.md for the flags.
#pragma once

#include <optional>

#include "config.hpp"

namespace xnatctl::emulator {

// Returns nullopt after printing help (exit 0); throws std::runtime_error on bad input.
std::optional<EmulatorConfig> parse_command_line(int argc, char** argv);

// "NAME:PASSWORD" and "ID[:CODE]" forms shared by flags and YAML.
UserAccount parse_user(const std::string& spec);
ProjectConfig parse_project(const std::string& spec);

}  // namespace xnatctl::emulator
