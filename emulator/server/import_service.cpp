// POST /data/services/import (reference §3): DICOM-zip and gradual-DICOM handlers, raw and
// multipart bodies, dest/overwrite/commit/auto-archive, Ignore-Unparsable, Direct-Archive.
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/PartHandler.h>

#include <algorithm>
#include <iostream>

#include "archive_stream_reader.hpp"
#include "request_context.hpp"

namespace xnatctl::emulator {
namespace {

const char* kConcurrent = "Concurrent file sends of the same data is not supported.";

std::string base_content_type(const std::string& content_type) {
  return to_lower(content_type.substr(0, content_type.find(';')));
}

// Synthetic file names for raw bodies by Content-Type (§3.2); empty = not an upload type.
std::string synthetic_name(const std::string& type) {
  if (type == "application/zip") return "upload.zip";
  if (type == "application/x-tar") return "upload.tar";
  if (type == "application/x-gtar" || type == "application/x-tar-gz" ||
      type == "application/x-compressed-tar")
    return "upload.tar.gz";
  if (type == "application/x-gzip" || type == "application/gzip") return "upload.gzip";
  if (type == "application/dicom") return "upload.dcm";
  if (type == "text/xml") return "upload.xml";
  if (type == "text/plain") return "upload.txt";
  if (type == "text/csv") return "upload.csv";
  if (starts_with(type, "application/")) return "upload";
  return "";
}

bool is_gradual_type(const std::string& type) {
  return type == "application/dicom" || type == "application/x-mirc" ||
         type == "application/x-mirc-dicom";
}

class ImportRun {
 public:
  explicit ImportRun(RequestContext& ctx) : ctx_(ctx) {}

  // Resolves the handler and options; called once all parameters are known.
  void prepare(const std::string& content_type) {
    auto& p = ctx_.params;
    if (p.has("http-session-listener") && !p.has("transaction"))
      throw HttpError(400, "'transaction' is required when requesting 'http-session-listener'.");
    // The user cache (/user/cache/resources/…) is not emulated, so no src can be found (§3.1).
    if (p.has("src")) throw HttpError(404, "Unknown src file.");
    if (auto h = p.get("import-handler")) {
      handler_ = *h;
      if (handler_ == "SI" || handler_ == "XAR" || handler_ == "inbox" || handler_ == "automation")
        throw HttpError(400, "The emulator does not implement import-handler " + handler_ +
                                 " (only DICOM-zip and gradual-DICOM)");
      if (handler_ != "DICOM-zip" && handler_ != "gradual-DICOM")
        throw HttpError(404, "Unknown importer implementation specified: " + handler_);
    } else {
      handler_ = is_gradual_type(content_type) ? "gradual-DICOM" : "DICOM-zip";
    }
    if (handler_ == "DICOM-zip") {
      // Lower-case aliases, DICOM-zip only (§3.1).
      if (auto v = p.get("project")) p.set("PROJECT_ID", *v);
      if (auto v = p.get("subject")) p.set("SUBJECT_ID", *v);
      if (auto v = p.get("session")) p.set("EXPT_LABEL", *v);
    }
    bool dest_is_archive = false;
    if (auto dest = p.get("dest")) dest_is_archive = apply_dest(*dest);

    // Labels become directory names: refuse what XNAT would not accept as a label (§7.3)
    // rather than let "../.." reach the file system.
    for (const char* key : {"SUBJECT_ID", "PREARC_TIMESTAMP", "PREARC_SESSION_FOLDER"}) {
      if (auto v = p.get(key); v && !v->empty() && !is_xnat_id(*v))
        throw HttpError(
            400, std::string("Invalid ") + key + ": only letters, digits, '_' and '-' are allowed");
    }
    options_.user = ctx_.user;
    options_.project_id = p.get("PROJECT_ID");
    options_.subject_id = p.get("SUBJECT_ID");
    options_.expt_label = p.get("EXPT_LABEL");
    options_.dest_timestamp = p.get("PREARC_TIMESTAMP");
    options_.dest_folder = p.get("PREARC_SESSION_FOLDER");
    options_.rename = p.is_true("rename");
    options_.direct_archive = p.is_true("Direct-Archive");
    auto_archive_ = p.is_true("AA") || p.is_true("auto-archive") || dest_is_archive;
    options_.auto_archive = auto_archive_;
    options_.prevent_anon = p.is_true("prevent_anon");
    options_.prevent_auto_commit = p.is_true("prevent_auto_commit");
    options_.source = p.get_or("SOURCE", "");
    options_.visit = p.get_or("VISIT", "");
    options_.protocol = p.get_or("SUBTYPE", "");
    options_.timezone = p.get_or("TIMEZONE", "");
    // action=commit (explicit, or implied by dest) is DICOM-zip's (§3.1, §3.5). A
    // gradual-DICOM request stores one object and never builds or archives anything, so its
    // `overwrite` has no effect (§11.2: overwrite acts only when something archives during the
    // request); the merge is decided by whoever archives the session later: the archive
    // service's own overwrite, a commit, or the idle builder with the project's code. The
    // reference does not say this for gradual-DICOM in so many words; it follows from §3.4
    // describing no commit step and from GradualDicomImporter reading neither parameter.
    commit_ = handler_ == "DICOM-zip" && (p.get_or("action", "") == "commit" || p.has("dest"));
    // action=commit implies Ignore-Unparsable unless given (§3.1).
    ignore_unparsable_ = p.has("Ignore-Unparsable") ? p.is_true("Ignore-Unparsable") : commit_;
    // overwrite on the import service (§11.1): absent = no merge; any value = append;
    // delete/override = delete.
    if (auto ow = p.get("overwrite")) {
      overwrite_ =
          (*ow == "delete" || *ow == "override") ? OverwriteMode::Delete : OverwriteMode::Append;
      overwrite_given_ = true;
    }
    overwrite_files_ = p.is_true("overwrite_files");
    prepared_ = true;
  }

  bool prepared() const { return prepared_; }

  // One uploaded file (raw body or multipart part).
  void import_file(const std::string& name, std::istream& data) {
    if (files_seen_++ > 0)
      throw HttpError(400, "Importer is limited to one uploaded resource at a time.");
    if (handler_ == "gradual-DICOM") {
      import_object(name.empty() ? "upload.dcm" : name, data);
      return;
    }
    const auto format = detect_archive_format(name);
    if (format == ArchiveFormat::Gz || format == ArchiveFormat::Unknown)
      throw HttpError(400, std::string("Unsupported format ") + format_name(format));
    import_archive(data, format);
  }

  void respond() {
    if (uris_.empty() && last_error_) throw HttpError(400, *last_error_);
    if (commit_) commit_sessions();
    std::vector<std::string> out;
    for (const auto& u : uris_) out.push_back(starts_with(u, "/xapi/") ? u : "/data" + u);
    const auto format = ctx_.params.get_or("format", "");
    if (format == "txt") {
      if (out.size() == 1)
        send_text(ctx_.response, 200, out[0]);
      else {
        std::string body;
        for (const auto& u : out) body += u + "\r\n";
        send_text(ctx_.response, 200, body);
      }
    } else if (format == "html") {
      std::string body = "<html><body><p>The following sessions have been uploaded:</p><ul>";
      for (const auto& u : out) body += "<li>" + u + "</li>";
      send_text(ctx_.response, 200, body + "</ul></body></html>", "text/html");
    } else {
      send_uri_list(ctx_.response, 200, out);
    }
  }

 private:
  // dest (§3.1): merges its template variables into the parameters; true for archive dests.
  bool apply_dest(std::string dest) {
    auto& p = ctx_.params;
    if (starts_with(dest, "/data/")) dest = dest.substr(5);
    auto s = split_path(dest);
    auto bad = [] { return HttpError(400, "Parameter dest format error"); };
    if (s.empty()) throw bad();
    if (s[0] == "prearchive") {
      if (s.size() == 1) return false;
      if (s[1] != "projects" || s.size() < 3 || s.size() > 5) throw bad();
      if (to_lower(s[2]) != "unassigned") p.set("PROJECT_ID", s[2]);
      if (s.size() >= 4) p.set("PREARC_TIMESTAMP", s[3]);
      if (s.size() == 5) p.set("PREARC_SESSION_FOLDER", s[4]);
      return false;
    }
    if (s[0] != "archive") throw bad();
    std::lock_guard lock(ctx_.emu.repository.mutex());
    if (s.size() == 1) return true;
    if (s[1] == "experiments" && s.size() == 3) {
      if (auto* e = ctx_.emu.repository.find_experiment(s[2])) {
        p.set("PROJECT_ID", e->project);
        p.set("SUBJECT_ID", e->subject_label);
        p.set("EXPT_LABEL", e->label);
        return true;
      }
      throw bad();
    }
    if (s[1] != "projects" || s.size() < 3) throw bad();
    p.set("PROJECT_ID", s[2]);
    std::size_t i = 3;
    if (i + 1 < s.size() + 0 && s[i] == "subjects") {
      auto* subj = ctx_.emu.repository.find_subject(s[2], s[i + 1]);
      p.set("SUBJECT_ID", subj ? subj->label : s[i + 1]);
      i += 2;
    }
    if (i + 1 < s.size() + 0 && s[i] == "experiments") {
      // An existing experiment's label is used as EXPT_LABEL (§3.5).
      auto* e = ctx_.emu.repository.find_experiment(s[i + 1], s[2]);
      p.set("EXPT_LABEL", e ? e->label : s[i + 1]);
      if (e && !p.has("SUBJECT_ID")) p.set("SUBJECT_ID", e->subject_label);
      i += 2;
    }
    if (i != s.size()) throw bad();
    return true;
  }

  void import_archive(std::istream& data, ArchiveFormat format) {
    bool any_entry = false;
    try {
      const bool check_crc = !ctx_.emu.config.skip_zip_crc;
      read_archive_stream(
          data, format,
          [&](const ArchiveEntry& entry, std::istream& entry_data) {
            any_entry = true;
            if (entry.kind != EntryKind::File) return;  // directories etc. are skipped (§3.3)
            std::string name = entry.path;
            if (auto slash = name.find_last_of('/'); slash != std::string::npos)
              name = name.substr(slash + 1);
            if (name.empty()) return;
            // Archives inside archives are imported recursively (§3.3).
            const auto nested = detect_archive_format(name);
            if (nested == ArchiveFormat::Zip || nested == ArchiveFormat::Tar ||
                nested == ArchiveFormat::Tgz) {
              import_archive(entry_data, nested);
              return;
            }
            import_object(name, entry_data);
          },
          {}, check_crc);
    } catch (const ArchiveReadError& e) {
      throw HttpError(400, std::string("unable to read the uploaded archive: ") + e.what());
    }
    if (!any_entry) {
      // XNAT answers 200 with nothing imported (§11.6); say so where a tester can see it.
      std::cerr << "xnat-emulator: warning: the uploaded " + std::string(format_name(format)) +
                       " body holds no entries; nothing was imported\n";
    }
  }

  void import_object(const std::string& name, std::istream& data) {
    try {
      auto result = ctx_.emu.ingestor.ingest_stream(options_, name, data);
      if (std::find(uris_.begin(), uris_.end(), result.uri) == uris_.end()) {
        uris_.push_back(result.uri);
        sessions_.push_back(result.session);
      }
    } catch (const IngestError& e) {
      fail_object(name, e.what());
    } catch (const ConnectionResetInjected&) {
      throw;
    } catch (const BrokenBody&) {
      throw;
    } catch (const ArchiveReadError&) {
      throw;
    } catch (const std::exception&) {
      // Any failure of one object reads as "unable to read DICOM object" (§11.4).
      fail_object(name, "unable to read DICOM object " + name);
    }
  }

  void fail_object(const std::string&, const std::string& message) {
    if (ignore_unparsable_) {
      last_error_ = message;  // skipped silently (§11.4)
      return;
    }
    throw HttpError(400, message);
  }

  // action=commit or dest (§3.5): build every session; archive if auto-archive applies.
  void commit_sessions() {
    auto& repo = ctx_.emu.repository;
    std::lock_guard lock(repo.mutex());
    for (std::size_t i = 0; i < sessions_.size(); ++i) {
      auto& s = sessions_[i];
      if (s->direct_archive) continue;  // direct-archive + commit is not workable (§3.11)
      const auto current =
          repo.find_session_by_path(s->project_or_unassigned(), s->timestamp, s->folder);
      if (current != s) continue;  // deleted meanwhile
      if (!repo.build_session(*s))
        throw HttpError(400, "unable to archive for the Prearchive session");
      const Project* project = repo.find_project(s->project);
      const bool archive = !s->project.empty() && (auto_archive_ || s->autoarchive_code >= 4 ||
                                                   (project && project->prearchive_code >= 4));
      if (!archive) continue;
      ArchiveRequest rq;
      rq.overwrite = overwrite_;
      if (!overwrite_given_ && s->autoarchive_code == 5) rq.overwrite = OverwriteMode::Delete;
      rq.overwrite_files = overwrite_files_;
      rq.user = ctx_.user;
      rq.subject = ctx_.params.get_or("SUBJECT_ID", "");
      auto outcome = repo.archive_session(s, rq);
      if (!outcome.ok) {
        s->status = outcome.conflict ? PrearcStatus::CONFLICT : PrearcStatus::ERROR;
        s->message = outcome.message;
        throw HttpError(400, "unable to archive for the Prearchive session");
      }
      uris_[i] = outcome.uri;
    }
  }

  RequestContext& ctx_;
  std::string handler_;
  ImportOptions options_;
  bool prepared_ = false, commit_ = false, ignore_unparsable_ = false, auto_archive_ = false;
  OverwriteMode overwrite_ = OverwriteMode::None;
  bool overwrite_given_ = false, overwrite_files_ = false;
  int files_seen_ = 0;
  std::vector<std::string> uris_;
  std::vector<std::shared_ptr<PrearcSession>> sessions_;
  std::optional<std::string> last_error_;
};

// Streams each file part straight into the import as HTMLForm reads the body; fields that
// came before the file part are parameters (send fields first, as curl -F does in order).
class ImportPartHandler : public Poco::Net::PartHandler {
 public:
  ImportPartHandler(RequestContext& ctx, ImportRun& run, Poco::Net::HTMLForm& form,
                    const std::string& content_type)
      : ctx_(ctx), run_(run), form_(form), content_type_(content_type) {}

  void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override {
    std::string filename = part_file_name(header, "\\");
    if (filename.empty())
      throw HttpError(400,
                      "multi-part form posts must contain the file name of the uploaded file.");
    if (!run_.prepared()) {
      for (const auto& [k, v] : form_) ctx_.params.set(k, v);
      run_.prepare(base_content_type(header.get("Content-Type", content_type_)));
    }
    run_.import_file(filename, stream);
    any_file = true;
  }
  bool any_file = false;

 private:
  RequestContext& ctx_;
  ImportRun& run_;
  Poco::Net::HTMLForm& form_;
  std::string content_type_;
};

}  // namespace

void handle_import(RequestContext& ctx) {
  if (ctx.method() != "POST") {
    send_error(ctx.response, 405, "Method Not Allowed");  // allowGet() = false (§3)
    return;
  }
  if (ctx.emu.faults.take_import_400()) throw HttpError(400, kConcurrent);  // §11.5 race
  const std::string url_name = ctx.remainder(2);  // /services/import/<name> (§11.5)
  const auto content_type = base_content_type(ctx.request.getContentType());
  ImportRun run(ctx);

  if (starts_with(content_type, "multipart/form-data")) {
    if (ctx.params.is_true("inbody"))
      throw HttpError(406,
                      "In-body File posts must include the file directly as the body of the "
                      "message (not as part of multi-part form data).");
    Poco::Net::HTMLForm form;
    form.setFieldLimit(1000);
    ImportPartHandler parts(ctx, run, form, content_type);
    form.load(ctx.request, ctx.body(), parts);
    ctx.require_intact_body();
    if (!parts.any_file) {
      for (const auto& [k, v] : form) ctx.params.set(k, v);
      run.prepare(content_type);
      throw HttpError(400, "Unable to identify upload format.");
    }
    run.respond();
    return;
  }

  run.prepare(content_type);
  const std::string synthetic = synthetic_name(content_type);
  if (!ctx.params.is_true("inbody") && synthetic.empty())
    throw HttpError(400, "Unable to identify upload format.");
  const auto length = ctx.request.getContentLength64();
  if (!ctx.request.getChunkedTransferEncoding() && length <= 0)
    throw HttpError(400,
                    "In-body File posts must include the file directly as the body of the "
                    "message. In this case, the request entity size is " +
                        std::to_string(length < 0 ? 0 : length) + ".");
  const std::string name = !url_name.empty()    ? url_name
                           : !synthetic.empty() ? synthetic
                                                : "upload.unsupported";
  run.import_file(name, ctx.body());
  ctx.require_intact_body();
  run.respond();
}

}  // namespace xnatctl::emulator
