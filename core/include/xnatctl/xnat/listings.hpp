#pragma once

// Listings of the archive used by `session list` and `scan list` (and offered to plugins).

#include <optional>
#include <string>
#include <vector>

#include "xnatctl/http/client.hpp"

namespace xnatctl::xnat {

struct SessionSummary {
  std::string id;
  std::string label;
  std::string subject;
  std::string date;
  std::string modality;  // "MR", "PET", ... from xsiType; "?" when unknown
  std::string xsi_type;
};

struct ScanSummary {
  std::string id;
  std::string type;
  std::string series_description;
  std::string quality;
  std::string frames;
  std::string note;
};

// "xnat:mrSessionData" -> "MR", "xnat:petmrSessionData" -> "PETMR"; "?" otherwise.
std::string modality_of(const std::string& xsi_type);

// "xnat:eegSessionData" -> "xnat:eegScanData"; nullopt when it is not a session type.
std::optional<std::string> scan_type_of(const std::string& session_xsi_type);

// GET /data/projects/P/experiments?columns=ID,label,subject_label,date,xsiType[&subject_label=S]
std::vector<SessionSummary> list_sessions(http::Client& client, const std::string& project,
                                          const std::optional<std::string>& subject);

// Scans of experiment `experiment` (XNAT ID, or label when `project` is given). Reads the
// session's xsiType first so scans of non-imaging sessions (EEG) are listed too.
std::vector<ScanSummary> list_scans(http::Client& client, const std::string& experiment,
                                    const std::optional<std::string>& project);

}  // namespace xnatctl::xnat
