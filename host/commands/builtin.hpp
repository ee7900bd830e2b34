#pragma once

#include "cli/command_registry.hpp"

namespace xnatctl::host {

// Registers every built-in command. Each command group lives in its own file under
// host/commands/ and exposes one register_<group>_commands(CommandRegistry&) function.
void register_builtin_commands(CommandRegistry& registry);

}  // namespace xnatctl::host
