#pragma once

// `session upload` and `session upload-dicom` from resolved options to exit code:
// discover → study guard → routers → --resume → (REST) prepare the landing → transport →
// (REST) land and verify → summary. The domain steps live in core/upload; this file only
// sequences them for one command run and turns their results into output and an exit code.

#include "cli/parsed_command.hpp"
#include "plugins/host_services.hpp"
#include "plugins/plugin_catalog.hpp"

namespace xnatctl::host {

enum class UploadCommand {
  kRest,   // session upload: rest_zip (default), rest_gradual (--gradual), or --transport
  kDicom,  // session upload-dicom: cstore; no REST login, the receiver routes by header
};

int run_upload(UploadCommand command, const ParsedCommand& invocation, PluginCatalog& catalog,
               HostServices& services);

}  // namespace xnatctl::host
