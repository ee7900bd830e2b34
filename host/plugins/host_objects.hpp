#pragma once

// The host-side definitions of the opaque handles declared in sdk.h. Plugins only ever see
// pointers to these; their layout is private to the host and free to change.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cli/invocation.hpp"
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
  const xnatctl::host::Invocation* invocation = nullptr;
  xnatctl::host::HostServices* services = nullptr;
  xnatctl::output::Format format = xnatctl::output::Format::kTable;
  std::mutex output_mutex;  // emit_record/print may be called from plugin worker threads
  std::unique_ptr<xnatctl::output::RecordWriter> records;  // created on the first record
};

// One file of an upload job with what the header probe learnt about it.
struct UploadFile {
  std::string path;
  std::string relative_path;
  uint64_t size = 0;
  std::map<std::string, std::string> attributes;  // DICOM keyword -> value
};

struct UploadFileResult {
  xc_status outcome = XC_CANCELLED;  // "not attempted" until a transport reports
  std::string detail;
  bool reported = false;
};

struct xc_upload_job {
  std::map<std::string, std::string> fields;  // server_url, project, subject, session, ...
  std::vector<UploadFile> files;
  const xc_invocation* invocation = nullptr;
  std::mutex results_mutex;
  std::vector<UploadFileResult> results;
  std::atomic<uint64_t> bytes_done{0};
  std::atomic<uint64_t> bytes_total{0};
};
