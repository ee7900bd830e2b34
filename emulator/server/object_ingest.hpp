// Per-object import, shared by gradual-DICOM, every DICOM-zip entry and every C-STORE (reference
// §3.4): parse the header, identify project/subject/session (§7.3), find or create the
// prearchive row keyed by (project, StudyInstanceUID, label), pick scan folder and file name
// (§3.4.7–8, §3.9) and store the bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include "dicom_reader.hpp"
#include "repository.hpp"

namespace xnatctl::emulator {

struct ImportOptions {
  std::string user = "admin";
  std::optional<std::string> project_id, subject_id,
      expt_label;                                          // PROJECT_ID/SUBJECT_ID/EXPT_LABEL
  std::optional<std::string> dest_timestamp, dest_folder;  // from dest=/prearchive/...
  bool rename = false;
  bool always_template_names = false;  // C-STORE: no original names (§7.2)
  bool direct_archive = false;
  bool auto_archive = false;  // AA / auto-archive (only kept by direct-archive rows, §11.10)
  bool prevent_anon = false, prevent_auto_commit = false;
  std::string source, visit, protocol, timezone;
};

// Failure of one object. `unparsable` marks header problems, `client_error` other refusals
// XNAT raises as ClientException (a concurrent send of the same object, a different study
// merged into a session); the import service reports any object failure as 400 (§11.4) with
// `message`, the DICOM receiver maps them with c_store_status().
struct IngestError : std::runtime_error {
  IngestError(const std::string& message, bool header_problem, bool client = false)
      : std::runtime_error(message), unparsable(header_problem), client_error(client) {}
  bool unparsable;
  bool client_error;
};

// The C-STORE response status for a failed object (xnat-server-api.md §7.2): importer client
// errors are 0xC000 "cannot understand"; only server trouble is 0xA700 "out of resources",
// which senders retry as if the receiver were full.
inline std::uint16_t c_store_status(const IngestError& e) {
  return (e.unparsable || e.client_error) ? 0xC000 : 0xA700;
}

struct IngestResult {
  std::string uri;  // /prearchive/... or /xapi/direct-archive/...
  std::shared_ptr<PrearcSession> session;
};

class ObjectIngestor {
 public:
  ObjectIngestor(Repository& repository, Storage& storage, bool rewrite_header = false)
      : repository_(repository), storage_(storage), rewrite_header_(rewrite_header) {}

  // One object read from a stream (request body or archive entry).
  IngestResult ingest_stream(const ImportOptions& options, const std::string& object_name,
                             std::istream& data);
  // One object already in a file on the data file system (the DICOM receiver's spool); the
  // file is moved into place (or deleted in sink mode).
  IngestResult ingest_file(const ImportOptions& options, const std::filesystem::path& file);

  std::uint64_t objects_stored() const { return objects_stored_; }

 private:
  struct Pending;
  IngestResult place_and_store(const ImportOptions& options, const std::string& object_name,
                               Pending& pending);
  Repository& repository_;
  Storage& storage_;
  bool rewrite_header_;  // --rewrite-header
  std::mutex inflight_mutex_;
  std::set<std::string> inflight_;  // "<session dir>|<scan>|<file>" being written (§11.5)
  std::atomic<std::uint64_t> objects_stored_{0};
};

}  // namespace xnatctl::emulator
