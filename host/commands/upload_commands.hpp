#pragma once

#include "cli/command_registry.hpp"

namespace xnatctl::host {

class PluginCatalog;
class HostServices;

// `session upload` (REST: rest_zip by default, rest_gradual with --gradual, or any site
// transport attached to it) and `session upload-dicom` (cstore). The host owns the
// pipeline; transports only send. Transport options appear under these commands' --help.
void register_upload_commands(CommandRegistry& registry, PluginCatalog& catalog,
                              HostServices& services);

}  // namespace xnatctl::host
