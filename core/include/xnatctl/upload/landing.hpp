#pragma once

// Where an upload's session ends up on the server, for the REST transports (C-STORE receivers
// decide for themselves). The host runs these steps around a transport's upload(), so
// transports only send bytes:
//   prepare_landing  before anything is sent: the project exists, and what an existing
//                    session of that label means for --overwrite (may re-target the job);
//   land             after the transport returns: commit the session at once (unless
//                    --no-commit), then find where it really is and say so;
//   verify           --verify / `session verify`: the server's scans and file catalogs
//                    against what was sent.
// Server behaviour: xnat-server-api.md §3.10-§3.11, §4.5, §5, §11.

#include <string>
#include <vector>

#include "xnatctl/http/client.hpp"
#include "xnatctl/upload/job.hpp"
#include "xnatctl/upload/results.hpp"

namespace xnatctl::upload {

struct LandingPlan {
  bool session_exists = false;  // the label was already in the project's archive
  // Sent to the prearchive and archived afterwards through /data/services/archive with the
  // user's --overwrite: Direct-Archive onto an existing label would fall back to the
  // prearchive (§11.3) and per-batch archiving would race.
  bool archive_after = false;
};

// Checks the project exists (XNAT routes an unknown project to Unassigned and answers 200),
// and what an existing session means: --overwrite none refuses (nothing sent, the session left
// untouched), append/delete re-target `job` to the prearchive with archive_after set. Throws
// xnatctl::Error with one line naming the cause.
LandingPlan prepare_landing(http::Client& client, Job& job);

struct Landing {
  std::string uri;  // where the session is now (archive or prearchive URI), "" if unknown
  // Every place the upload's sessions are, `uri` first: one import request holding several
  // studies makes one session per study (§3.5), each committed and reported.
  std::vector<std::string> uris;
  bool in_archive = false;            // every one of them is archived
  bool as_requested = true;           // false: it is not where the user asked
  std::vector<std::string> messages;  // one line each, for the summary
};

// After the transport returned, with the results it reported (indexed like job.files).
Landing land(http::Client& client, const Job& job, const LandingPlan& plan,
             const std::vector<FileOutcome>& outcomes);

// `--resume` with nothing left to send (every file of `job` was acknowledged by an earlier
// run): that run may have been killed after its last file and before its commit, leaving the
// session RECEIVING until XNAT's idle build. Finishes it as land() would have (direct-archive
// POST, archive with --overwrite when the label existed, build for --prearchive) and says where
// it is; a session already archived is only located. prepare_landing is not run: an existing
// session is expected here, whatever --overwrite says.
Landing land_earlier(http::Client& client, const Job& job);

struct VerifyMismatch {
  std::string path;  // local path (relative_path), or "scan N/<name>" for an extra file
  std::string what;  // "missing on the server", "not sent (extra on the server)", ...
};

struct VerifyOptions {
  // Files on the server that were not sent count as failures. The host turns this off when
  // the session existed before the upload (--overwrite append/delete merge into it, so an
  // earlier upload's files are expected); they are then notes.
  bool extra_is_failure = true;
};

struct VerifyReport {
  std::string where;  // the session verified: its archive or prearchive URI
  std::size_t expected = 0, found = 0;
  std::vector<VerifyMismatch> mismatches;   // failures
  std::vector<VerifyMismatch> differences;  // stored bytes differ from the bytes sent (info)
  std::vector<std::string> notes;           // information, one line each
  bool ok() const { return mismatches.empty(); }
};

// Compares the session's scans and per-scan DICOM catalogs with `job`'s files: files per
// series (scan ID = SeriesNumber, as XNAT assigns it), and each object by SOP Instance UID
// where the server lists it, else by its stored name (the name sent, or XNAT's template
// name), else by the SOP Instance UID read from the stored object's header. Size and digest
// differences are `differences`, never mismatches: XNAT re-writes each object's header when
// it stores it. Looks in the archive first, then in the prearchive (a --prearchive upload).
// Throws xnatctl::Error when the session is in neither.
VerifyReport verify(http::Client& client, const Job& job, const VerifyOptions& options = {});

}  // namespace xnatctl::upload
