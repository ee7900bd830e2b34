#pragma once

#include <string>
#include <string_view>

namespace xnatctl::host {

// Every plugin candidate ends in exactly one of these states; `plugin list` shows it with
// the reason, so an administrator can always tell why a plugin is or is not active.
enum class PluginState {
  kEnabled,
  kDisabledBySystem,  // system plugins file: disabled, not allow-listed, or locked off
  kDisabledByUser,    // the user's config.yaml
  kDisabledByEnv,     // XNATCTL_DISABLE_PLUGINS
  kRefused,           // unsafe location: file or directory writable by group/others
  kShadowed,          // another plugin with the same id came earlier in the search order
  kFailedToOpen,      // dlopen failed, or no entry symbol
  kAbiMismatch,       // no descriptor, one too small, another major or a newer minor
  kMalformed,         // a descriptor of our ABI that breaks its rules (missing fields...)
  kConflict,          // id != file stem, or a command/transport name already taken
  kInitFailed,        // init() returned an error (only known once the plugin was used)
};

std::string_view to_string(PluginState state);

}  // namespace xnatctl::host
