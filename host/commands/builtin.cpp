#include "commands/builtin.hpp"

namespace xnatctl::host {

// Defined in host/commands/<group>.cpp.
void register_auth_commands(CommandRegistry& registry);
void register_whoami_command(CommandRegistry& registry);
void register_config_commands(CommandRegistry& registry);
void register_session_list_command(CommandRegistry& registry);
void register_scan_list_command(CommandRegistry& registry);
void register_session_verify_command(CommandRegistry& registry);
void register_doctor_command(CommandRegistry& registry);

void register_builtin_commands(CommandRegistry& registry) {
  register_auth_commands(registry);
  register_whoami_command(registry);
  register_config_commands(registry);
  register_session_list_command(registry);
  register_scan_list_command(registry);
  register_session_verify_command(registry);
  register_doctor_command(registry);
}

}  // namespace xnatctl::host
