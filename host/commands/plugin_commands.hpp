#pragma once

#include "cli/command_registry.hpp"

namespace xnatctl::host {

class PluginCatalog;

// `plugin list` and `plugin info ID`: what an administrator uses to see which plugins are
// active and why the others are not.
void register_plugin_commands(CommandRegistry& registry, const PluginCatalog& catalog);

}  // namespace xnatctl::host
