#include "plugins/plugin_state.hpp"

namespace xnatctl::host {

std::string_view to_string(PluginState state) {
  switch (state) {
    case PluginState::kEnabled:
      return "enabled";
    case PluginState::kDisabledBySystem:
      return "disabled by system";
    case PluginState::kDisabledByUser:
      return "disabled by user";
    case PluginState::kDisabledByEnv:
      return "disabled by env";
    case PluginState::kRefused:
      return "refused";
    case PluginState::kShadowed:
      return "shadowed";
    case PluginState::kFailedToOpen:
      return "failed to open";
    case PluginState::kAbiMismatch:
      return "ABI mismatch";
    case PluginState::kMalformed:
      return "malformed";
    case PluginState::kConflict:
      return "conflict";
    case PluginState::kInitFailed:
      return "init failed";
  }
  return "unknown";
}

}  // namespace xnatctl::host
