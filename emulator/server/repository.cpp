#include "repository.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "http_util.hpp"

namespace xnatctl::emulator {
namespace fs = std::filesystem;

const char* to_string(PrearcStatus s) {
  switch (s) {
    case PrearcStatus::RECEIVING:
      return "RECEIVING";
    case PrearcStatus::RECEIVING_INTERRUPT:
      return "RECEIVING_INTERRUPT";
    case PrearcStatus::BUILDING:
      return "BUILDING";
    case PrearcStatus::READY:
      return "READY";
    case PrearcStatus::ARCHIVING:
      return "ARCHIVING";
    case PrearcStatus::ERROR:
      return "ERROR";
    case PrearcStatus::CONFLICT:
      return "CONFLICT";
  }
  return "ERROR";
}

std::string autoarchive_name(int code) {
  switch (code) {
    case 4:
      return "AutoArchive";
    case 5:
      return "AutoArchiveOverwrite";
    default:
      return "Manual";
  }
}

namespace {
std::tm local_tm(SystemClock::time_point t) {
  const std::time_t tt = SystemClock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  return tm;
}
int millis_of(SystemClock::time_point t) {
  return static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000);
}
std::string modality_prefix(const std::string& modality) {
  if (modality == "MR") return "mr";
  if (modality == "CT") return "ct";
  if (modality == "PT") return "pet";
  if (modality == "US") return "us";
  if (modality == "CR") return "cr";
  if (modality == "DX") return "dx";
  if (modality == "MG") return "mg";
  if (modality == "NM") return "nm";
  return "otherDicom";
}
std::string session_xsi_type(const std::string& modality) {
  return "xnat:" + modality_prefix(modality) + "SessionData";
}
// The element XNAT writes for a session document is the schema's element name, not the
// type name: <xnat:MRSession> of type xnat:mrSessionData (xnat.xsd; [V] §4.3 session XML).
std::string session_element(const std::string& modality) {
  const std::string prefix = modality_prefix(modality);
  if (prefix == "otherDicom") return "xnat:OtherDicomSession";
  std::string upper;
  for (char c : prefix) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "xnat:" + upper + "Session";
}
std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}
}  // namespace

std::string scan_xsi_type(const std::string& modality) {
  return "xnat:" + modality_prefix(modality) + "ScanData";
}

std::string sql_timestamp(SystemClock::time_point t) {
  auto tm = local_tm(t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis_of(t));
  return buf;
}

std::string prearchive_timestamp(SystemClock::time_point t) {
  auto tm = local_tm(t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d_%02d%02d%02d%03d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis_of(t));
  return buf;
}

std::string PrearcSession::url() const {
  return "/prearchive/projects/" + project_or_unassigned() + "/" + timestamp + "/" + folder;
}

std::string PrearcSession::direct_archive_url() const {
  return "/xapi/direct-archive/" + project + "/" + study_uid + "/" + name;
}

Repository::Repository(Storage& storage, const std::vector<ProjectConfig>& projects)
    : storage_(storage) {
  for (const auto& p : projects) create_project(p.id, p.prearchive_code);
}

Project* Repository::find_project(const std::string& id) {
  auto it = projects_.find(id);
  return it == projects_.end() ? nullptr : &it->second;
}

Project& Repository::create_project(const std::string& id, int code) {
  auto& p = projects_[id];
  p.id = id;
  p.prearchive_code = code;
  return p;
}

// ---------------------------------------------------------------- prearchive

std::shared_ptr<PrearcSession> Repository::find_session(const std::string& project,
                                                        const std::string& study_uid,
                                                        const std::string& name) {
  // Lookup key (project, StudyInstanceUID, label); the timestamp is not part of it (§3.4.6).
  for (auto& s : sessions_)
    if (s->project == project && s->study_uid == study_uid && s->name == name) return s;
  return nullptr;
}

std::shared_ptr<PrearcSession> Repository::find_session_by_path(const std::string& project,
                                                                const std::string& ts,
                                                                const std::string& folder) {
  const std::string p = to_lower(project) == "unassigned" ? "" : project;
  for (auto& s : sessions_)
    if (s->project == p && s->timestamp == ts && s->folder == folder) return s;
  return nullptr;
}

std::shared_ptr<PrearcSession> Repository::insert_session(PrearcSession row) {
  const std::string base_folder = row.folder, base_name = row.name;
  for (int suffix = 0; suffix <= 3; ++suffix) {
    if (suffix) {
      row.folder = base_folder + "_" + std::to_string(suffix);
      row.name = base_name + "_" + std::to_string(suffix);
    }
    if (!find_session_by_path(row.project, row.timestamp, row.folder)) {
      row.dir = storage_.prearchive_session_dir(row.project, row.timestamp, row.folder);
      auto s = std::make_shared<PrearcSession>(std::move(row));
      sessions_.push_back(s);
      return s;
    }
  }
  return nullptr;
}

void Repository::remove_session(const std::shared_ptr<PrearcSession>& s, bool delete_files) {
  sessions_.erase(std::remove(sessions_.begin(), sessions_.end(), s), sessions_.end());
  if (delete_files && !storage_.sink()) {
    std::error_code ec;
    fs::remove_all(s->dir, ec);
    fs::remove(fs::path(s->dir.string() + ".xml"), ec);
    // Drop empty timestamp folders, like XNAT's cleanup.
    fs::remove(s->dir.parent_path(), ec);
  }
}

std::vector<std::shared_ptr<PrearcSession>> Repository::sessions() const {
  return sessions_;
}

bool Repository::build_session(PrearcSession& s) {
  s.status = PrearcStatus::BUILDING;
  if (s.scans.empty()) {
    s.status = PrearcStatus::ERROR;
    s.message = "Empty sessions cannot be archived.";
    return false;
  }
  if (!storage_.sink()) {
    // The session document next to the folder (§3.10, §4.1); only enough for a client to see
    // that it exists. Real XNAT writes a full xnat:imageSessionData document.
    std::ofstream xml(s.dir.string() + ".xml", std::ios::trunc);
    xml << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<" << session_element(s.modality)
        << " xmlns:xnat=\"http://nrg.wustl.edu/xnat\" xmlns:xsi="
           "\"http://www.w3.org/2001/XMLSchema-instance\" project=\""
        << xml_escape(s.project_or_unassigned()) << "\" label=\"" << xml_escape(s.name)
        << "\" UID=\"" << xml_escape(s.study_uid) << "\">\n"
        << "  <xnat:dcmPatientName>" << xml_escape(s.subject) << "</xnat:dcmPatientName>\n"
        << "  <xnat:scans>\n";
    for (const auto& [id, scan] : s.scans) {
      xml << "    <xnat:scan ID=\"" << xml_escape(id) << "\" UID=\"" << xml_escape(scan.series_uid)
          << "\" type=\"" << xml_escape(scan.series_description) << "\" xsi:type=\""
          << scan_xsi_type(scan.modality)
          << "\">\n      <xnat:file label=\"DICOM\" format=\"DICOM\""
          << " content=\"RAW\" count=\"" << scan.sop_by_file.size() << "\"/>\n    </xnat:scan>\n";
    }
    xml << "  </xnat:scans>\n</" << session_element(s.modality) << ">\n";
  }
  s.built = true;
  s.status = PrearcStatus::READY;
  s.lastmod = SystemClock::now();
  return true;
}

std::shared_ptr<PrearcSession> Repository::move_session(const std::shared_ptr<PrearcSession>& s,
                                                        const std::string& new_project) {
  const std::string target = to_lower(new_project) == "unassigned" ? "" : new_project;
  if (find_session_by_path(target, s->timestamp, s->folder)) return nullptr;
  const auto new_dir = storage_.prearchive_session_dir(target, s->timestamp, s->folder);
  if (!storage_.sink() && fs::exists(s->dir)) {
    fs::create_directories(new_dir.parent_path());
    fs::rename(s->dir, new_dir);
    std::error_code ec;
    if (fs::exists(s->dir.string() + ".xml"))
      fs::rename(s->dir.string() + ".xml", new_dir.string() + ".xml", ec);
    fs::remove(s->dir.parent_path(), ec);
  }
  s->project = target;
  s->dir = new_dir;
  s->lastmod = SystemClock::now();
  if (auto* p = find_project(target)) s->autoarchive_code = p->prearchive_code;
  return s;
}

// ---------------------------------------------------------------- direct archive

std::shared_ptr<PrearcSession> Repository::find_direct(const std::string& project,
                                                       const std::string& study_uid,
                                                       const std::string& label) {
  for (auto& s : direct_)
    if (s->project == project && s->study_uid == study_uid && s->name == label) return s;
  return nullptr;
}

std::shared_ptr<PrearcSession> Repository::insert_direct(PrearcSession row) {
  row.direct_archive = true;
  row.dir = storage_.archive_session_dir(row.project, row.name);
  auto s = std::make_shared<PrearcSession>(std::move(row));
  direct_.push_back(s);
  return s;
}

std::vector<std::shared_ptr<PrearcSession>> Repository::direct_sessions() const {
  return direct_;
}

ArchiveOutcome Repository::finish_direct(const std::shared_ptr<PrearcSession>& s) {
  ArchiveRequest rq;
  ArchiveOutcome out;
  if (find_experiment(s->name, s->project)) {
    out.message = "Session already exists, retry with overwrite enabled";
    out.conflict = true;
  } else {
    out = archive_session(s, rq);
    if (out.ok) return out;
  }
  // Fallback into the prearchive with CONFLICT / ERROR (§3.11).
  direct_.erase(std::remove(direct_.begin(), direct_.end(), s), direct_.end());
  PrearcSession row = *s;
  row.direct_archive = false;
  row.timestamp = prearchive_timestamp(SystemClock::now());
  row.status = out.conflict ? PrearcStatus::CONFLICT : PrearcStatus::ERROR;
  row.message = "Attempt to direct-archive failed: " + out.message;
  auto moved = insert_session(std::move(row));
  if (moved && !storage_.sink() && fs::exists(s->dir / "SCANS")) {
    fs::create_directories(moved->dir);
    fs::rename(s->dir / "SCANS", moved->dir / "SCANS");
    std::error_code ec;
    if (!find_experiment(s->name, s->project)) fs::remove_all(s->dir, ec);
  }
  return out;
}

// ---------------------------------------------------------------- archive

Experiment* Repository::find_experiment(const std::string& id_or_label,
                                        const std::string& project) {
  // Under a project, ID first, then label within the project (§5.1).
  auto it = experiments_.find(id_or_label);
  if (it != experiments_.end() && (project.empty() || it->second.project == project))
    return &it->second;
  if (project.empty()) return nullptr;
  for (auto& [id, e] : experiments_)
    if (e.project == project && e.label == id_or_label) return &e;
  return nullptr;
}

Subject* Repository::find_subject(const std::string& project, const std::string& id_or_label) {
  auto* p = find_project(project);
  if (!p) return nullptr;
  for (auto& [label, s] : p->subjects)
    if (s.id == id_or_label) return &s;
  auto it = p->subjects.find(id_or_label);
  return it == p->subjects.end() ? nullptr : &it->second;
}

bool Repository::label_exists_in_archive(const std::string& project, const std::string& label) {
  return find_experiment(label, project) != nullptr ||
         (!storage_.sink() && fs::exists(storage_.archive_session_dir(project, label)));
}

Subject& Repository::ensure_subject(Project& p, const std::string& label, const std::string& user) {
  auto it = p.subjects.find(label);
  if (it != p.subjects.end()) return it->second;
  char id[32];
  std::snprintf(id, sizeof id, "XNAT_S%05d", ++subject_counter_);
  Subject s{id, p.id, label, sql_timestamp(SystemClock::now()), user, {}};
  return p.subjects.emplace(label, s).first->second;
}

ArchiveOutcome Repository::archive_session(const std::shared_ptr<PrearcSession>& s,
                                           const ArchiveRequest& rq) {
  ArchiveOutcome out;
  auto fail = [&](const std::string& message, bool conflict) {
    out.message = message;
    out.conflict = conflict;
    return out;
  };
  const std::string project_id = rq.project.empty() ? s->project : rq.project;
  if (project_id.empty()) return fail("Cannot archive sessions from the Unassigned folder.", false);
  Project* project = find_project(project_id);
  if (!project) return fail("unable to identify destination project", false);
  const std::string label = !rq.label.empty() ? rq.label : !s->name.empty() ? s->name : s->folder;
  if (label.empty()) return fail("unable to deduce session label", false);
  const std::string subject = !rq.subject.empty() ? rq.subject : s->subject;
  if (subject.empty()) return fail("Unable to identify subject.", false);
  // Both become directory names in the archive (§7.3 label characters).
  if (!is_xnat_id(label)) return fail("Invalid session label: " + label, false);
  if (!is_xnat_id(subject)) return fail("Invalid subject label: " + subject, false);
  if (s->scans.empty()) return fail("Empty sessions cannot be archived.", false);

  // Merge rules (§3.8, §11.1): every check runs before anything moves.
  Experiment* existing = find_experiment(label, project_id);
  if (existing && existing->label != label) existing = nullptr;  // matched an ID, not the label
  if (!existing && !s->direct_archive) {
    // A direct-archive session is writing into that label's archive folder right now (§3.11).
    for (const auto& d : direct_)
      if (d->project == project_id && d->name == label)
        return fail("Session already exists, retry with overwrite enabled", true);
  }
  if (existing) {
    if (rq.overwrite == OverwriteMode::None)
      return fail("Session already exists, retry with overwrite enabled", true);
    if (existing->subject_label != subject)
      return fail("Invalid modification of session subject via archive process.: " + label +
                      " Already Exists for another Subject",
                  true);
    if (existing->study_uid != s->study_uid && rq.overwrite != OverwriteMode::Delete)
      return fail("Invalid modification of session UID via archive process.", true);
    if (!existing->modality.empty() && !s->modality.empty() && existing->modality != s->modality)
      return fail(
          "Invalid modification of session modality via archive process.  Data may require a "
          "manual merge.",
          true);
    const bool may_replace_files = rq.overwrite_files || rq.overwrite == OverwriteMode::Delete;
    for (const auto& [scan_id, incoming] : s->scans) {
      auto it = existing->scans.find(scan_id);
      if (it != existing->scans.end()) {
        if (it->second.series_uid != incoming.series_uid && rq.overwrite != OverwriteMode::Delete)
          return fail("Session already contains a scan (" + scan_id +
                          ") with the same number, but a different UID.",
                      true);
        if (!may_replace_files) {
          for (const auto& [file, sop] : incoming.sop_by_file)
            if (it->second.sop_by_file.count(file))
              return fail(
                  "Session already contains a scan (" + scan_id + ") with the same UID and number.",
                  true);
        }
      } else if (rq.overwrite != OverwriteMode::Delete) {
        for (const auto& [other_id, other] : existing->scans)
          if (!other.series_uid.empty() && other.series_uid == incoming.series_uid)
            return fail(
                "Session already contains a scan with the same UID, but a different "
                "number (" +
                    other_id + ").",
                true);
      }
    }
  }

  // Commit: create or reuse subject + experiment, move files.
  Subject& subj = ensure_subject(*project, subject, rq.user);
  Experiment* e = existing;
  if (!e) {
    char id[32];
    std::snprintf(id, sizeof id, "XNAT_E%05d", ++experiment_counter_);
    Experiment fresh;
    fresh.id = id;
    fresh.project = project_id;
    fresh.subject_id = subj.id;
    fresh.subject_label = subject;
    fresh.label = label;
    fresh.study_uid = s->study_uid;
    fresh.modality = s->modality;
    fresh.xsi_type = session_xsi_type(s->modality);
    fresh.date = s->scan_date.size() >= 10 ? s->scan_date.substr(0, 10) : "";
    fresh.insert_date = sql_timestamp(SystemClock::now());
    fresh.dir = storage_.archive_session_dir(project_id, label);
    e = &experiments_.emplace(fresh.id, fresh).first->second;
  } else if (rq.overwrite == OverwriteMode::Delete) {
    e->study_uid = s->study_uid;
  }
  for (const auto& [incoming_id, incoming] : s->scans) {
    // A scan number the existing session already uses for another series (only reachable
    // with overwrite=delete, checked above) is renumbered N-<modality><k>, as XNAT's
    // ScanIdValidator does when merging is allowed: the archived scan and its files stay.
    std::string scan_id = incoming_id;
    if (existing) {
      const auto taken = [&](const std::string& id) {
        const auto it = e->scans.find(id);
        return it != e->scans.end() && it->second.series_uid != incoming.series_uid;
      };
      if (taken(scan_id)) {
        const std::string stem =
            incoming_id + "-" + (incoming.modality.empty() ? "OT" : incoming.modality);
        for (int k = 1; taken(scan_id = stem + std::to_string(k)); ++k) {
        }
      }
    }
    Scan& scan = e->scans[scan_id];
    if (scan.id.empty()) {
      scan.id = scan_id;
      scan.imagescandata_id = ++scan_counter_;
      scan.modality = incoming.modality;
      scan.xsi_type = scan_xsi_type(incoming.modality);
    }
    scan.series_uid = incoming.series_uid;
    scan.series_description = incoming.series_description;
    scan.type = incoming.series_description;
    auto& dicom = scan.resources["DICOM"];
    if (dicom.id == 0) {
      dicom.id = next_resource_id();
      dicom.label = "DICOM";
      dicom.format = "DICOM";
      dicom.content = "RAW";
      dicom.imported_dicom = true;
      dicom.dir = e->dir / "SCANS" / scan_id / "DICOM";
    }
    for (const auto& [file, sop] : incoming.sop_by_file) {
      if (!storage_.sink()) {
        const auto from = s->dir / "SCANS" / incoming_id / "DICOM" / file;
        const auto to = dicom.dir / file;
        if (from != to) move_file(from, to);
      }
      scan.sop_by_file[file] = sop;
    }
  }
  if (s->direct_archive) {
    direct_.erase(std::remove(direct_.begin(), direct_.end(), s), direct_.end());
  } else {
    remove_session(s, true);
  }
  out.ok = true;
  out.uri = "/archive/projects/" + project_id + "/subjects/" + subject + "/experiments/" + label;
  return out;
}

}  // namespace xnatctl::emulator
