#pragma once

// The host-side definitions of the opaque handles declared in sdk.h. Plugins only ever see
// pointers to these; their layout is private to the host and free to change.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "cli/parsed_command.hpp"
#include "xnatctl/output/record_writer.hpp"
#include "xnatctl/sdk.h"

namespace xnatctl::host {
class HostServices;
}

struct xc_host {
  std::string plugin_id;
  xnatctl::host::HostServices* services = nullptr;
  std::mutex config_mutex;
  std::map<std::string, std::string> config_values;  // backs the views config_get hands out
};

struct xc_invocation {
  const xnatctl::host::ParsedCommand* invocation = nullptr;
  xnatctl::host::HostServices* services = nullptr;
  xnatctl::output::Format format = xnatctl::output::Format::kTable;
  std::mutex output_mutex;  // emit_record/print may be called from plugin worker threads
  std::unique_ptr<xnatctl::output::RecordWriter> records;  // created on the first record
};

// xc_upload_job is defined in plugins/upload_job_handle.hpp: a view of core's upload::Job.
