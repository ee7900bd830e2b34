#pragma once

// Server look-ups shared by prepare_landing, land and verify (landing*.cpp): where a session
// of a label is (archive or prearchive), and the naming rules XNAT applies when it stores
// objects (scan ID, file names), so the client can find what it sent.

#include <optional>
#include <string>
#include <vector>

#include "xnatctl/http/client.hpp"
#include "xnatctl/upload/job.hpp"

namespace xnatctl::upload::landing_detail {

struct ArchivedSession {
  std::string id, label, subject;
  // /data/archive/projects/P/subjects/S/experiments/E, the form XNAT's archiver returns.
  std::string uri;
};

struct PrearchiveRow {
  std::string url;  // "/data/prearchive/projects/P/TS/FOLDER" (with /data)
  std::string status, name, study_uid;
};

// GET /data/projects/P: XNAT answers 404 for a project that does not exist (or the user
// cannot read, §1.4). Throws for 401/403 and other failures.
bool project_exists(http::Client& client, const std::string& project);

// The archived experiment labelled `label` in `project` (the listing filtered by label, so an
// experiment whose *ID* equals the label is not mistaken for it, §5.1).
std::optional<ArchivedSession> find_archived(http::Client& client, const std::string& project,
                                             const std::string& label);

// Prearchive rows of `project` named `label`; rows of `study_uid` first when it is given.
std::vector<PrearchiveRow> find_prearchive(http::Client& client, const std::string& project,
                                           const std::string& label,
                                           const std::string& study_uid = {});

// The direct-archive session of (project, StudyInstanceUID, label) while XNAT is still receiving
// it: GET /xapi/direct-archive/P/UID/label answers it (§3.11), 404 once it is archived or moved
// to the prearchive. Returns its path, the one a POST archives.
std::optional<std::string> find_direct_archive(http::Client& client, const std::string& project,
                                               const std::string& study_uid,
                                               const std::string& label);

// "/prearchive/projects/P/TS/F" or "/data/prearchive/..." (any server-returned form) as
// "/data/prearchive/projects/P/TS/F"; other URIs unchanged.
std::string with_data_prefix(const std::string& path);

// The StudyInstanceUID of the job's files (one study per job after the study guard); "" when
// unknown.
std::string study_uid_of(const Job& job);

// XNAT's scan ID for a series (§5.3, §3.4.7): the SeriesNumber, or the SeriesInstanceUID in
// label characters when the number is unusable.
std::string scan_id_for(const std::string& series_number, const std::string& series_uid);

// The stored name of an uploaded object name (§3.4.8): its last path component with
// characters a file name cannot hold replaced by '_'.
std::string stored_name_for(const std::string& uploaded_name);

// XNAT's default DICOM file-name template (§3.9):
// ${StudyInstanceUID}-${SeriesNumber}-${InstanceNumber}-${HashSOPClassUIDWithSOPInstanceUID}.dcm
std::string template_name_for(const dicom::DicomAttributes& attributes);

// First line of a server message body, trimmed and shortened for a one-line report.
std::string first_line(const std::string& body);

}  // namespace xnatctl::upload::landing_detail
