#include "commands/builtin.hpp"

namespace xnatctl::host {

// Built-in command groups register here (auth, whoami, config, session list, scan list).
void register_builtin_commands(CommandRegistry& /*registry*/) {}

}  // namespace xnatctl::host
