#pragma once

// Opens one plugin library and validates its descriptor. Opening runs the library's global
// constructors, so callers only ever open candidates the policy enabled.

#include <filesystem>
#include <string>

#include "plugins/plugin_state.hpp"
#include "xnatctl/sdk.h"

namespace xnatctl::host {

struct OpenedPlugin {
  PluginState state = PluginState::kFailedToOpen;
  std::string reason;
  // The dlopen handle. Never closed: plugins are never unloaded while the process runs,
  // because their threads, callbacks and static data may still be referenced (see ABI.md).
  void* library = nullptr;
  const xc_plugin_desc* desc = nullptr;
};

// Loads with RTLD_NOW (missing symbols fail here, not mid-upload) and RTLD_LOCAL (plugins
// cannot interpose on each other), calls the entry point and checks the descriptor: sizes,
// same major, minor not newer than ours, id equal to `expected_id`, every nested descriptor
// well-formed. On success state is kEnabled.
OpenedPlugin open_plugin(const std::filesystem::path& path, const std::string& expected_id);

// Checks a descriptor without loading anything (also used by tests on static descriptors).
// Returns an empty string when valid, else the reason.
std::string validate_descriptor(const xc_plugin_desc* desc, const std::string& expected_id,
                                PluginState* state);

}  // namespace xnatctl::host
