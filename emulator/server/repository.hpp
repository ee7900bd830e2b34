// The emulator's in-memory state: projects, prearchive sessions, direct-archive sessions and
// the archive (subjects, experiments, scans, resources). One mutex guards all of it because
// archiving moves a session from the prearchive to the archive atomically; file bytes are
// written outside the lock (see object_ingest.cpp).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config.hpp"
#include "storage.hpp"

namespace xnatctl::emulator {

using SystemClock = std::chrono::system_clock;

// Prearchive statuses we use (subset of PrearcUtils.PrearcStatus, §4.2).
enum class PrearcStatus {
  RECEIVING,
  RECEIVING_INTERRUPT,
  BUILDING,
  READY,
  ARCHIVING,
  ERROR,
  CONFLICT
};
const char* to_string(PrearcStatus s);

// Auto-archive codes (§3.10): 0 Manual, 4 AutoArchive, 5 AutoArchiveOverwrite.
std::string autoarchive_name(int code);

struct ReceivedScan {
  std::string series_uid, series_description, modality;
  std::map<std::string, std::string> sop_by_file;  // file name -> SOPInstanceUID
  std::uint64_t bytes = 0;
};

struct PrearcSession {
  std::string project;  // empty = Unassigned
  std::string timestamp, folder, name, subject, study_uid, modality, scan_date;
  PrearcStatus status = PrearcStatus::RECEIVING;
  SystemClock::time_point lastmod, uploaded;
  int autoarchive_code = 0;
  bool prevent_anon = false, prevent_auto_commit = false, direct_archive = false;
  std::string source, visit, protocol, timezone, scan_time, message;
  std::map<std::string, ReceivedScan> scans;
  int writers_in_flight = 0;
  bool built = false;
  std::filesystem::path dir;  // where its SCANS/ live (prearchive, or archive for direct-archive)

  std::string project_or_unassigned() const { return project.empty() ? "Unassigned" : project; }
  // /prearchive/projects/{P}/{TS}/{FOLDER} (no /data prefix, like the listing's `url`, §4.2).
  std::string url() const;
  // /xapi/direct-archive/{P}/{StudyInstanceUID}/{label} (§3.11).
  std::string direct_archive_url() const;
};

struct Resource {
  int id = 0;
  std::string label, format, content, description;  // the resource's own attributes (§6.1)
  std::filesystem::path dir;
  // Files carry their own format/content, given when they were uploaded (§6.2), not the
  // resource's: file path -> {format, content}.
  std::map<std::string, std::pair<std::string, std::string>> file_meta;
  // A DICOM resource the importer wrote: its catalog entries say DICOM/RAW.
  bool imported_dicom = false;
};

struct Scan {
  std::string id, series_uid, series_description, modality, type, xsi_type;
  int imagescandata_id = 0;
  std::map<std::string, std::string> sop_by_file;  // DICOM resource: file -> SOPInstanceUID
  std::map<std::string, Resource> resources;       // by label
};

struct Experiment {
  std::string id, project, subject_id, subject_label, label, study_uid, modality, xsi_type, date,
      insert_date;
  std::map<std::string, Scan> scans;          // by scan ID
  std::map<std::string, Resource> resources;  // session-level, by label
  std::filesystem::path dir;
};

struct Subject {
  std::string id, project, label, insert_date, insert_user;
  std::map<std::string, Resource> resources;  // subject-level, by label
};

struct Project {
  std::string id;
  int prearchive_code = 0;
  std::map<std::string, Subject> subjects;    // by label
  std::map<std::string, Resource> resources;  // project-level, by label
};

enum class OverwriteMode { None, Append, Delete };

struct ArchiveRequest {
  std::string project;  // override; empty = session's
  std::string subject;  // override
  std::string label;    // override
  OverwriteMode overwrite = OverwriteMode::None;
  bool overwrite_files = false;
  std::string user = "admin";
};

// Outcome of archiving: URI on success, or a message + whether it is a conflict (409-class,
// row → CONFLICT) rather than another failure (row → ERROR), §4.5.
struct ArchiveOutcome {
  bool ok = false;
  std::string uri;  // /archive/projects/P/subjects/S/experiments/E
  std::string message;
  bool conflict = false;
};

class Repository {
 public:
  Repository(Storage& storage, const std::vector<ProjectConfig>& projects);

  std::mutex& mutex() { return mutex_; }
  Storage& storage() { return storage_; }

  // ----- projects (caller holds mutex()) -----
  Project* find_project(const std::string& id);
  Project& create_project(const std::string& id, int code);
  const std::map<std::string, Project>& projects() const { return projects_; }

  // ----- prearchive (caller holds mutex()) -----
  std::shared_ptr<PrearcSession> find_session(const std::string& project,
                                              const std::string& study_uid,
                                              const std::string& name);
  std::shared_ptr<PrearcSession> find_session_by_path(const std::string& project,
                                                      const std::string& ts,
                                                      const std::string& folder);
  // Inserts a new row; on a (project, timestamp, folder) collision appends _1.._3 (§3.4.6).
  std::shared_ptr<PrearcSession> insert_session(PrearcSession row);
  void remove_session(const std::shared_ptr<PrearcSession>& s, bool delete_files);
  std::vector<std::shared_ptr<PrearcSession>> sessions() const;
  // Builds: RECEIVING → BUILDING → READY, writing <folder>.xml (§3.10). False if empty.
  bool build_session(PrearcSession& s);
  // Moves a prearchive session to another project (action=move, §4.3).
  std::shared_ptr<PrearcSession> move_session(const std::shared_ptr<PrearcSession>& s,
                                              const std::string& new_project);

  // ----- direct archive (caller holds mutex()) -----
  std::shared_ptr<PrearcSession> find_direct(const std::string& project,
                                             const std::string& study_uid,
                                             const std::string& label);
  std::shared_ptr<PrearcSession> insert_direct(PrearcSession row);
  std::vector<std::shared_ptr<PrearcSession>> direct_sessions() const;
  // Archives a direct-archive session; on failure moves its files into a prearchive row with
  // CONFLICT or ERROR (§3.11). Returns the outcome.
  ArchiveOutcome finish_direct(const std::shared_ptr<PrearcSession>& s);

  // ----- archive (caller holds mutex()) -----
  ArchiveOutcome archive_session(const std::shared_ptr<PrearcSession>& s, const ArchiveRequest& rq);
  Experiment* find_experiment(const std::string& id_or_label, const std::string& project = "");
  const std::map<std::string, Experiment>& experiments() const { return experiments_; }
  Subject* find_subject(const std::string& project, const std::string& id_or_label);
  bool label_exists_in_archive(const std::string& project, const std::string& label);
  int next_resource_id() { return ++resource_counter_; }
  Experiment& experiment_by_id(const std::string& id) { return experiments_.at(id); }

  Subject& ensure_subject(Project& p, const std::string& label, const std::string& user);

 private:
  Storage& storage_;
  std::mutex mutex_;
  std::map<std::string, Project> projects_;
  std::vector<std::shared_ptr<PrearcSession>> sessions_;
  std::vector<std::shared_ptr<PrearcSession>> direct_;
  std::map<std::string, Experiment> experiments_;  // by ID
  int experiment_counter_ = 0, subject_counter_ = 0, resource_counter_ = 0, scan_counter_ = 0;
};

// Formatting helpers shared by listings.
std::string sql_timestamp(SystemClock::time_point t);         // yyyy-MM-dd HH:mm:ss.SSS
std::string prearchive_timestamp(SystemClock::time_point t);  // yyyyMMdd_HHmmssSSS
// xsi:type of a scan of `modality` ("xnat:mrScanData"), as the built session lists it.
std::string scan_xsi_type(const std::string& modality);

}  // namespace xnatctl::emulator
