#pragma once

// Translates plugin descriptors (C, static data) into the host's CLI model, so plugin
// commands get the same parser, --help and value precedence as built-in ones.

#include <string>

#include "cli/command_spec.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/sdk.h"

namespace xnatctl::host {

class PluginCatalog;
class HostServices;
struct PluginRecord;

OptionSpec to_option_spec(const xc_option_desc& desc, const std::string& group = {});

// A CommandSpec whose run() lazily initialises the plugin and calls its run callback.
CommandSpec adapt_plugin_command(PluginCatalog& catalog, PluginRecord& plugin,
                                 const xc_command_desc& desc, HostServices& services);

}  // namespace xnatctl::host
