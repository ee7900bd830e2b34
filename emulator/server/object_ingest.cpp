#include "object_ingest.hpp"

#include <algorithm>
#include <fstream>
#include <memory>
#include <vector>

#include "dicom_naming.hpp"
#include "dicom_reader.hpp"
#include "identification.hpp"

namespace xnatctl::emulator {
namespace fs = std::filesystem;

namespace {
constexpr std::size_t kPrefixBytes = 256 * 1024;  // enough for any header we meet in practice

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// StudyDate + StudyTime as an SQL timestamp string ("2006-12-14 09:12:06.0"), §4.2 scan_date.
std::string scan_date_of(const std::string& date, const std::string& time) {
  const auto d = trim(date), t = trim(time);
  if (d.size() != 8) return "";
  std::string out = d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2);
  if (t.size() >= 6)
    out += " " + t.substr(0, 2) + ":" + t.substr(2, 2) + ":" + t.substr(4, 2) + ".0";
  else
    out += " 00:00:00.0";
  return out;
}

void copy_stream(std::istream& in, std::ostream* out, std::uint64_t& bytes) {
  // One uninitialised buffer per thread: allocating and zeroing 256 KiB per object showed up
  // in the import profile.
  constexpr std::size_t kSize = 256 * 1024;
  thread_local std::unique_ptr<char[]> buf(new char[kSize]);
  while (in) {
    in.read(buf.get(), static_cast<std::streamsize>(kSize));
    auto n = in.gcount();
    if (n <= 0) break;
    bytes += static_cast<std::uint64_t>(n);
    if (out) out->write(buf.get(), n);
  }
}
}  // namespace

// An object whose header has been read: its first bytes in memory and the rest either still in
// the stream or already spooled to a file.
struct ObjectIngestor::Pending {
  ObjectHeader attrs;
  std::unique_ptr<char[]> prefix;  // uninitialised on purpose: zeroing it cost measurably
  std::size_t prefix_size = 0;
  std::istream* rest = nullptr;
  fs::path spooled;  // when set, the whole object is in this file
  std::uint64_t bytes = 0;
};

IngestResult ObjectIngestor::ingest_stream(const ImportOptions& options,
                                           const std::string& object_name, std::istream& data) {
  Pending pending;
  pending.prefix.reset(new char[kPrefixBytes]);
  data.read(pending.prefix.get(), static_cast<std::streamsize>(kPrefixBytes));
  pending.prefix_size = static_cast<std::size_t>(data.gcount());
  pending.bytes = pending.prefix_size;
  const bool more = pending.prefix_size == kPrefixBytes && data.peek() != EOF;

  // DCMTK reads the header (dicom_reader.hpp); a prefix that ends inside a long header is
  // spooled whole and read from the file; anything DCMTK cannot start on is refused at once
  // (a zip bomb's zeros are never spooled).
  std::string why;
  auto attrs = read_header(pending.prefix.get(), pending.prefix_size, !more, &why);
  if (!attrs && (!more || !why.empty()))
    throw IngestError("unable to read DICOM object " + object_name, true);
  if (!attrs) {
    pending.spooled = storage_.temp_path();
    {
      std::ofstream out(pending.spooled, std::ios::binary);
      out.write(pending.prefix.get(), static_cast<std::streamsize>(pending.prefix_size));
      copy_stream(data, &out, pending.bytes);
    }
    attrs = read_header_file(pending.spooled, &why);
    if (!attrs) {
      fs::remove(pending.spooled);
      throw IngestError("unable to read DICOM object " + object_name, true);
    }
  } else if (more) {
    pending.rest = &data;
  }
  pending.attrs = *attrs;
  try {
    return place_and_store(options, object_name, pending);
  } catch (...) {
    if (!pending.spooled.empty()) {
      std::error_code ec;
      fs::remove(pending.spooled, ec);
    }
    throw;
  }
}

IngestResult ObjectIngestor::ingest_file(const ImportOptions& options, const fs::path& file) {
  std::string why;
  auto attrs = read_header_file(file, &why);
  if (!attrs) {
    std::error_code ec;
    fs::remove(file, ec);
    throw IngestError("unable to read DICOM object " + file.filename().string() + ": " + why, true);
  }
  Pending pending;
  pending.attrs = *attrs;
  pending.spooled = file;
  pending.bytes = fs::file_size(file);
  try {
    return place_and_store(options, file.filename().string(), pending);
  } catch (...) {
    std::error_code ec;
    fs::remove(file, ec);
    throw;
  }
}

IngestResult ObjectIngestor::place_and_store(const ImportOptions& options,
                                             const std::string& object_name, Pending& pending) {
  const auto& a = pending.attrs;
  if (trim(a.sop_class_uid).empty())
    throw IngestError("object " + object_name + " contains no SOP Class UID", true);
  if (trim(a.sop_instance_uid).empty())
    throw IngestError("object " + object_name + " contains no SOP Instance UID", true);

  IngestResult result;
  std::shared_ptr<PrearcSession> session;
  std::string scan_id, file_name, inflight_key;
  {
    std::lock_guard lock(repository_.mutex());
    // Project: PROJECT_ID if it names a project, else header routing, else Unassigned (§3.4.2).
    const auto ident = identify(
        HeaderFields{a.patient_comments, a.study_comments, a.additional_patient_history,
                     a.study_description, a.accession_number, a.patient_name, a.patient_id},
        [&](const std::string& p) { return repository_.find_project(p) != nullptr; });
    std::string project;
    if (options.project_id && repository_.find_project(*options.project_id))
      project = *options.project_id;
    else
      project = ident.project;
    std::string label = options.expt_label && !options.expt_label->empty() ? *options.expt_label
                        : !ident.session.empty()                           ? ident.session
                                                                           : "dicom_upload";
    label = to_label_chars(label);
    // Header-derived subjects (PatientName) become label characters ("A^B" → "A_B"): XNAT
    // labels cannot hold '^' or spaces.
    const std::string subject = options.subject_id && !options.subject_id->empty()
                                    ? *options.subject_id
                                    : to_label_chars(ident.subject);
    const std::string study_uid = trim(a.study_instance_uid);
    const auto now = SystemClock::now();

    // Direct-archive (§3.11): straight into the archive tree unless the label exists already.
    if (options.direct_archive && !project.empty()) {
      session = repository_.find_direct(project, study_uid, label);
      if (!session && !repository_.label_exists_in_archive(project, label)) {
        PrearcSession row;
        row.project = project;
        row.timestamp = prearchive_timestamp(now);
        row.folder = row.name = label;
        row.subject = subject;
        row.study_uid = study_uid;
        row.modality = trim(a.modality);
        row.scan_date = scan_date_of(a.study_date, a.study_time);
        row.lastmod = row.uploaded = now;
        row.autoarchive_code = options.auto_archive ? 4 : 0;  // keeps the request's code (§11.10)
        row.prevent_anon = options.prevent_anon;
        row.prevent_auto_commit = options.prevent_auto_commit;
        row.source = options.source;
        session = repository_.insert_direct(std::move(row));
      }
    }
    if (!session) {
      session = repository_.find_session(project, study_uid, label);
      if (session) {
        // Late files re-open the session (§3.4.6).
        if (session->status == PrearcStatus::BUILDING)
          session->status = PrearcStatus::RECEIVING_INTERRUPT;
        else if (session->status != PrearcStatus::RECEIVING &&
                 session->status != PrearcStatus::RECEIVING_INTERRUPT)
          session->status = PrearcStatus::RECEIVING;
      } else {
        if (options.dest_timestamp && options.dest_folder) {
          if (auto other = repository_.find_session_by_path(project, *options.dest_timestamp,
                                                            *options.dest_folder);
              other && other->study_uid != study_uid)
            throw IngestError(
                "unable to merge a different StudyInstanceUID into prearchive session " +
                    other->url(),
                false, true);
        }
        PrearcSession row;
        row.project = project;
        row.timestamp =
            options.dest_timestamp ? *options.dest_timestamp : prearchive_timestamp(now);
        row.folder = options.dest_folder ? *options.dest_folder : label;
        row.name = label;
        row.subject = subject;
        row.study_uid = study_uid;
        row.modality = trim(a.modality);
        row.scan_date = scan_date_of(a.study_date, a.study_time);
        row.lastmod = row.uploaded = now;
        // Stored code: header `AA:` assignment, else the project's code (§11.10).
        const Project* p = repository_.find_project(project);
        row.autoarchive_code =
            ident.auto_archive ? (*ident.auto_archive ? 4 : 0) : (p ? p->prearchive_code : 0);
        row.prevent_anon = options.prevent_anon;
        row.prevent_auto_commit = options.prevent_auto_commit;
        row.source = options.source;
        row.visit = options.visit;
        row.protocol = options.protocol;
        row.timezone = options.timezone;
        session = repository_.insert_session(std::move(row));
        if (!session)
          throw IngestError("unable to create a prearchive session for " + label, false);
      }
    }
    session->lastmod = now;

    scan_id = scan_folder_for(a.series_number, a.series_instance_uid);
    ReceivedScan& scan = session->scans[scan_id];
    if (scan.series_uid.empty()) {
      scan.series_uid = trim(a.series_instance_uid);
      scan.series_description = trim(a.series_description);
      scan.modality = trim(a.modality);
    }
    // File name (§3.4.8): template with rename=true or without a usable name; otherwise the
    // uploaded name unless a different SOP instance already has it.
    const auto templ = template_file_name(a.study_instance_uid, a.series_number, a.instance_number,
                                          a.sop_class_uid, a.sop_instance_uid);
    const auto uploaded = sanitize_file_name(object_name);
    if (options.rename || options.always_template_names || uploaded.empty()) {
      file_name = templ;
    } else {
      auto it = scan.sop_by_file.find(uploaded);
      file_name = (it == scan.sop_by_file.end() || it->second == trim(a.sop_instance_uid))
                      ? uploaded
                      : templ;
    }
    inflight_key = session->dir.string() + "|" + scan_id + "|" + file_name;
    {
      std::lock_guard flight(inflight_mutex_);
      if (!inflight_.insert(inflight_key).second)
        throw IngestError("Concurrent file sends of the same data is not supported.", false, true);
    }
    ++session->writers_in_flight;
    result.uri = session->direct_archive ? session->direct_archive_url() : session->url();
    result.session = session;
  }

  auto finish = [&](bool stored) {
    {
      std::lock_guard flight(inflight_mutex_);
      inflight_.erase(inflight_key);
    }
    std::lock_guard lock(repository_.mutex());
    --session->writers_in_flight;
    if (stored) {
      auto& scan = session->scans[scan_id];
      scan.sop_by_file[file_name] = trim(pending.attrs.sop_instance_uid);
      scan.bytes += pending.bytes;
      session->lastmod = SystemClock::now();
      ++objects_stored_;
    }
  };

  fs::path temp;
  try {
    const auto target = storage_.confined(session->dir / "SCANS" / scan_id / "DICOM" / file_name);
    if (storage_.sink()) {
      if (pending.rest) copy_stream(*pending.rest, nullptr, pending.bytes);
      if (!pending.spooled.empty()) fs::remove(pending.spooled);
    } else {
      temp = pending.spooled;
      if (temp.empty()) {
        temp = storage_.temp_path();
        std::ofstream out(temp, std::ios::binary);
        out.write(pending.prefix.get(), static_cast<std::streamsize>(pending.prefix_size));
        if (pending.rest) copy_stream(*pending.rest, &out, pending.bytes);
        out.close();
        if (!out) {
          fs::remove(temp);
          throw IngestError("cannot store " + file_name, false);
        }
      }
      fs::create_directories(target.parent_path());
      move_file(temp, target);
      temp.clear();
      // --rewrite-header: stored as XNAT stores it (new meta, re-encoded header), so sizes
      // and digests in listings are those of the re-written file, not of the bytes sent.
      std::string why;
      if (rewrite_header_ && !rewrite_like_xnat(target, &why)) {
        std::error_code ec;
        fs::remove(target, ec);
        throw IngestError("unable to read DICOM object " + file_name + ": " + why, true);
      }
    }
  } catch (...) {
    finish(false);
    std::error_code ec;
    if (!temp.empty()) fs::remove(temp, ec);  // e.g. the body broke off mid-object
    throw;
  }
  finish(true);
  return result;
}

}  // namespace xnatctl::emulator
