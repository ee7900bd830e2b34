#pragma once

#include <iosfwd>
#include <string>

#include "cli/command_registry.hpp"

namespace xnatctl::host {

// Top level (`xnatctl --help`) or a group (`xnatctl session --help`).
void print_group_help(std::ostream& out, const CommandRegistry& registry, const std::string& group);
// One command: usage, description, its options (with env vars, profile keys, defaults),
// transport option sections, global options, examples.
void print_command_help(std::ostream& out, const CommandSpec& spec);

}  // namespace xnatctl::host
