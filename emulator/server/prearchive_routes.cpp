// Prearchive listing and per-session actions (§4.2–4.4), the archive service (§4.5) and the
// direct-archive endpoints (§3.11).
#include "prearchive_rows.hpp"
#include "request_context.hpp"
#include "resources.hpp"

namespace xnatctl::emulator {
namespace {

void send_redirect_body(RequestContext& ctx, int status, const std::string& uri) {
  ctx.response.set("Location", uri);
  send_text(ctx.response, status, uri, "text/uri-list");
}

OverwriteMode archive_service_overwrite(const Params& p) {
  // On /services/archive anything but append/delete means "no merge" (§11.1).
  const auto ow = p.get_or("overwrite", "");
  if (ow == "append") return OverwriteMode::Append;
  if (ow == "delete") return OverwriteMode::Delete;
  return OverwriteMode::None;
}

// Archives one prearchive row (caller holds the repository mutex). Builds it first if needed.
ArchiveOutcome archive_row(RequestContext& ctx, const std::shared_ptr<PrearcSession>& s,
                           ArchiveRequest rq) {
  auto& repo = ctx.emu.repository;
  if (!s->built && !repo.build_session(*s)) {
    ArchiveOutcome out;
    out.message = s->message;
    return out;
  }
  s->status = PrearcStatus::ARCHIVING;
  auto out = repo.archive_session(s, rq);
  if (!out.ok) {
    s->status = out.conflict ? PrearcStatus::CONFLICT : PrearcStatus::ERROR;
    s->message = out.message;
  }
  return out;
}

void session_action(RequestContext& ctx, const std::shared_ptr<PrearcSession>& s) {
  auto& repo = ctx.emu.repository;
  const auto action = ctx.params.get("action");
  if (!action)
    throw HttpError(400, "No action parameter was specified for the request by user " + ctx.user);
  const std::string prearc_uri = "/data" + s->url();
  // XNAT knows build, commit, move, reset-status and set-status; anything else, including the
  // "rebuild" the Python tool sends, is a 400 (§4.3).
  if (*action == "build") {
    repo.build_session(*s);
    send_text(ctx.response, 200, prearc_uri, "text/uri-list");
    return;
  }
  if (*action == "commit") {
    if (!repo.build_session(*s)) throw HttpError(500, s->message);
    const Project* project = repo.find_project(s->project);
    const bool auto_archive =
        !s->project.empty() &&
        (ctx.params.is_true("AA") || ctx.params.is_true("auto-archive") ||
         s->autoarchive_code >= 4 || (project && project->prearchive_code >= 4));
    if (!auto_archive) {
      send_text(ctx.response, 200, prearc_uri, "text/uri-list");
      return;
    }
    ArchiveRequest rq;
    rq.overwrite = archive_service_overwrite(ctx.params);
    if (!ctx.params.has("overwrite") && s->autoarchive_code == 5)
      rq.overwrite = OverwriteMode::Delete;
    rq.overwrite_files = ctx.params.is_true("overwrite_files");
    rq.user = ctx.user;
    auto out = archive_row(ctx, s, rq);
    if (!out.ok) throw HttpError(out.conflict ? 409 : 500, out.message);
    send_redirect_body(ctx, 301, "/data" + out.uri);
    return;
  }
  if (*action == "move") {
    const auto target = ctx.params.get_or("newProject", "");
    if (target.empty() || (to_lower(target) != "unassigned" && !repo.find_project(target)))
      throw HttpError(403, "Unable to modify session data for destination project.");
    auto moved = repo.move_session(s, target);
    if (!moved)
      throw HttpError(409, "A prearchive resource with session " + s->folder +
                               " already exists in the project " + target);
    send_redirect_body(ctx, 301, "/data" + moved->url());
    return;
  }
  if (*action == "reset-status") {
    // Recomputes the status from the session document (§4.3): built → READY, else RECEIVING.
    s->status = s->built ? PrearcStatus::READY : PrearcStatus::RECEIVING;
    send_text(ctx.response, 200, prearc_uri, "text/uri-list");
    return;
  }
  if (*action == "set-status") {
    static const std::pair<const char*, PrearcStatus> kStatuses[] = {
        {"RECEIVING", PrearcStatus::RECEIVING}, {"BUILDING", PrearcStatus::BUILDING},
        {"READY", PrearcStatus::READY},         {"ERROR", PrearcStatus::ERROR},
        {"CONFLICT", PrearcStatus::CONFLICT},   {"ARCHIVING", PrearcStatus::ARCHIVING}};
    const auto wanted = ctx.params.get_or("status", "");
    for (const auto& [name, status] : kStatuses) {
      if (wanted == name) {
        s->status = status;
        send_text(ctx.response, 200, prearc_uri, "text/uri-list");
        return;
      }
    }
    throw HttpError(400, "Invalid status: " + wanted);
  }
  throw HttpError(400,
                  ctx.user + " requested an unsupported action on prearchive session: " + *action);
}

// GET …/{TS}/{FOLDER}/scans[/{S}[/resources[/{R}/files[/{name}]]]] and …/logs/last —
// read-only views (§4.3).
void session_contents(RequestContext& ctx, PrearcSession& s, std::size_t i) {
  const auto& seg = ctx.segments;
  const std::string base = "/data" + s.url();
  if (seg[i] == "logs" && seg.size() == i + 2 && seg[i + 1] == "last") {
    // The last log entry: why a session is in ERROR or CONFLICT, or nothing.
    send_text(ctx.response, 200, s.message);
    return;
  }
  if (seg[i] != "scans") throw HttpError(404, "Not Found");
  // The scan's xsi:type is known once the session document exists (§4.3).
  auto scan_row = [&](const std::string& id, const ReceivedScan& scan) -> JsonTable::Row {
    return {{"ID", id},
            {"series_description", scan.series_description},
            {"xsiType", s.built ? scan_xsi_type(scan.modality) : ""},
            {"URI", base + "/scans/" + id},
            {"file_count", std::to_string(scan.sop_by_file.size())}};
  };
  if (seg.size() == i + 1) {
    JsonTable t;
    for (const auto& [id, scan] : s.scans) t.add_row(scan_row(id, scan));
    t.add_meta("totalRecords", std::to_string(t.size()));
    send_json(ctx.response, 200, t.to_json());
    return;
  }
  const auto scan_it = s.scans.find(seg[i + 1]);
  if (scan_it == s.scans.end()) throw HttpError(404, "Unable to find the specified scan.");
  const std::string scan_base = base + "/scans/" + scan_it->first;
  Resource dicom;
  dicom.label = "DICOM";
  dicom.format = "DICOM";
  dicom.content = "RAW";
  dicom.imported_dicom = true;
  dicom.dir = s.dir / "SCANS" / scan_it->first / "DICOM";
  if (seg.size() == i + 2) {  // …/scans/{S}
    JsonTable t;
    t.add_row(scan_row(scan_it->first, scan_it->second));
    send_json(ctx.response, 200, t.to_json());
    return;
  }
  if (seg[i + 2] != "resources") throw HttpError(404, "Not Found");
  if (seg.size() == i + 3) {  // …/scans/{S}/resources: the one DICOM resource
    std::uint64_t bytes = 0;
    std::error_code ec;
    for (const auto& [file, sop] : scan_it->second.sop_by_file) {
      const auto size = std::filesystem::file_size(dicom.dir / file, ec);
      if (!ec) bytes += size;
    }
    JsonTable t;
    t.add_row({{"label", "DICOM"},
               {"format", "DICOM"},
               {"content", "RAW"},
               {"file_count", std::to_string(scan_it->second.sop_by_file.size())},
               {"file_size", std::to_string(bytes)},
               {"URI", scan_base + "/resources/DICOM"}});
    t.add_meta("title", "Resources");
    t.add_meta("totalRecords", std::to_string(t.size()));
    send_json(ctx.response, 200, t.to_json());
    return;
  }
  if (seg[i + 3] != "DICOM") throw HttpError(404, "Unable to find the specified resource.");
  if (seg.size() < i + 5 || seg[i + 4] != "files") throw HttpError(404, "Not Found");
  const std::string rel = ctx.remainder(i + 5);
  if (rel.empty()) {
    JsonTable t;
    t.set_uri_column(ctx.emu.config.context_path);
    // add_file_rows appends /resources/<label>/files/<name>: the URIs are followable.
    add_file_rows(t, dicom, scan_base);
    t.add_meta("title", "Files");
    send_json(ctx.response, 200, t.to_json());
    return;
  }
  send_resource_file(ctx, dicom, rel);
}

}  // namespace

void handle_prearchive(RequestContext& ctx) {
  auto& repo = ctx.emu.repository;
  const auto& seg = ctx.segments;  // prearchive, projects, P, TS, FOLDER, ...
  if (seg.size() <= 3) {
    if (ctx.method() != "GET") throw HttpError(405, "Method Not Allowed");
    if (seg.size() >= 2 && seg[1] != "projects") throw HttpError(404, "Not Found");
    std::vector<std::string> wanted;
    if (seg.size() == 3) {
      std::string list = seg[2];
      std::size_t pos = 0;
      while (pos <= list.size()) {
        auto comma = list.find(',', pos);
        if (comma == std::string::npos) comma = list.size();
        wanted.push_back(list.substr(pos, comma - pos));
        pos = comma + 1;
      }
    }
    std::lock_guard lock(repo.mutex());
    for (const auto& p : wanted)
      if (to_lower(p) != "unassigned" && !repo.find_project(p))
        throw HttpError(403,
                        "The current user does not have access to the requested project: " + p);
    JsonTable t;
    const auto tag = ctx.params.get("tag");
    for (const auto& s : repo.sessions()) {
      if (!wanted.empty() && std::find_if(wanted.begin(), wanted.end(), [&](const std::string& w) {
                               return w == s->project_or_unassigned() ||
                                      (to_lower(w) == "unassigned" && s->project.empty());
                             }) == wanted.end())
        continue;
      if (tag && s->study_uid != *tag) continue;
      t.add_row(prearchive_row(*s));
    }
    send_json(ctx.response, 200, t.to_json());  // no totalRecords here (§4.2)
    return;
  }
  if (seg[1] != "projects" || seg.size() < 5) throw HttpError(404, "Not Found");
  std::lock_guard lock(repo.mutex());
  auto s = repo.find_session_by_path(seg[2], seg[3], seg[4]);
  if (ctx.method() == "DELETE") {
    if (seg.size() > 5) throw HttpError(400, "Invalid request: remaining path on DELETE");
    if (s) repo.remove_session(s, true);
    send_text(ctx.response, 200, "");  // 200 even if it did not exist (§4.3)
    return;
  }
  if (ctx.method() == "POST" || ctx.method() == "PUT") {
    if (!s) throw HttpError(404, "Unknown prearchive session.");
    session_action(ctx, s);
    return;
  }
  if (seg.size() > 5) {
    if (!s) throw HttpError(404, "Unknown prearchive session.");
    session_contents(ctx, *s, 5);
    return;
  }
  const auto format = ctx.params.get_or("format", "");
  if (format == "json") {
    JsonTable t;
    if (s) t.add_row(prearchive_row(*s));
    send_json(ctx.response, 200, t.to_json());
    return;
  }
  if (!format.empty() && format != "xml")
    throw HttpError(400, "Requested type " + format + " is not supported");
  if (!s || !s->built || ctx.emu.storage.sink())
    throw HttpError(404,
                    "The named session exists, but its XNAT session document is not available. "
                    "The session is likely invalid or incomplete.");
  send_resource_file_path(ctx, s->dir.string() + ".xml", "text/xml");
}

void handle_archive_service(RequestContext& ctx) {
  if (ctx.method() != "POST") throw HttpError(405, "Method Not Allowed");
  auto& repo = ctx.emu.repository;
  auto& p = ctx.params;
  read_form_body(ctx);
  std::vector<std::string> sources = p.all("src");
  if (sources.empty()) {
    if (p.has("project") && p.has("PREARC_TIMESTAMP") && p.has("PREARC_SESSION_FOLDER"))
      sources.push_back("/prearchive/projects/" + *p.get("project") + "/" +
                        *p.get("PREARC_TIMESTAMP") + "/" + *p.get("PREARC_SESSION_FOLDER"));
    else
      throw HttpError(404, "Unknown prearchive session.");
  }
  ArchiveRequest rq;
  rq.overwrite = archive_service_overwrite(p);
  rq.overwrite_files = p.is_true("overwrite_files");
  rq.user = ctx.user;
  if (auto dest = p.get("dest")) {
    std::string d = starts_with(*dest, "/data/") ? dest->substr(5) : *dest;
    auto s = split_path(d);
    if (s.empty() || s[0] != "archive") throw HttpError(400, "Invalid dest URI (" + *dest + ")");
    if (s.size() >= 3 && s[1] == "projects") rq.project = s[2];
    if (s.size() >= 5 && s[3] == "subjects") rq.subject = s[4];
    if (s.size() >= 7 && s[5] == "experiments") rq.label = s[6];
  }
  if (auto v = p.get("project"); v && p.has("src")) rq.project = *v;
  if (auto v = p.get("subject")) rq.subject = *v;
  if (auto v = p.get("label")) rq.label = *v;
  if (auto v = p.get("session")) rq.label = *v;

  std::lock_guard lock(repo.mutex());
  std::vector<std::shared_ptr<PrearcSession>> rows;
  for (const auto& src : sources) {
    auto path = parse_prearchive_uri(src);
    if (!path) throw HttpError(400, "Invalid src URI (" + src + ")");
    if (to_lower(path->project) == "unassigned")
      throw HttpError(400, "Cannot archive sessions from the Unassigned folder.");
    auto s = repo.find_session_by_path(path->project, path->timestamp, path->folder);
    if (!s) throw HttpError(404, src + " not found.");
    rows.push_back(s);
  }
  if (rows.size() > 1) {
    // Batch: XNAT queues them and answers the rows (ARCHIVING); we archive right away.
    JsonTable t;
    for (auto& s : rows) {
      t.add_row(prearchive_row(*s, "ARCHIVING"));
      archive_row(ctx, s, rq);
    }
    send_json(ctx.response, 200, t.to_json());
    return;
  }
  auto& s = rows.front();
  if (s->status == PrearcStatus::ARCHIVING)
    throw HttpError(403, "Operation already in progress on this prearchive entry.");
  const bool auto_session = s->autoarchive_code >= 4;
  auto out = archive_row(ctx, s, rq);
  if (!out.ok) throw HttpError(500, "FAILED: " + out.message);
  if (p.is_true("redirect") || auto_session) {
    const std::string host = ctx.request.getHost();
    ctx.response.set("Location",
                     "http://" + host + ctx.emu.config.context_path + "/data" + out.uri);
    send_text(ctx.response, 303, "/data" + out.uri, "text/uri-list");
    return;
  }
  send_uri_list(ctx.response, 200, {"/data" + out.uri});
}

void handle_prearchive_services(RequestContext& ctx) {
  if (ctx.method() != "POST") throw HttpError(405, "Method Not Allowed");
  auto& repo = ctx.emu.repository;
  read_form_body(ctx);
  const auto& seg = ctx.segments;  // services, prearchive, <op>
  if (seg.size() != 3) throw HttpError(404, "Not Found");
  const auto& op = seg[2];
  std::lock_guard lock(repo.mutex());
  std::vector<std::shared_ptr<PrearcSession>> rows;
  for (const auto& src : ctx.params.all("src")) {
    auto path = parse_prearchive_uri(src);
    if (!path) throw HttpError(400, "Invalid src URI (" + src + ")");
    auto s = repo.find_session_by_path(path->project, path->timestamp, path->folder);
    if (!s) throw HttpError(404, "Unknown prearchive session.");
    rows.push_back(s);
  }
  if (rows.empty()) throw HttpError(404, "Unknown prearchive session.");
  JsonTable t;
  if (op == "delete") {
    for (auto& s : rows) {
      t.add_row(prearchive_row(*s, "QUEUED_DELETING"));
      repo.remove_session(s, true);
    }
  } else if (op == "move") {
    const auto target = ctx.params.get_or("newProject", "");
    if (target.empty() || (to_lower(target) != "unassigned" && !repo.find_project(target)))
      throw HttpError(403, "Unable to modify session data for destination project.");
    for (auto& s : rows) {
      if (!repo.move_session(s, target))
        throw HttpError(409, "A prearchive resource with session " + s->folder +
                                 " already exists in the project " + target);
      t.add_row(prearchive_row(*s, "QUEUED_MOVING"));
    }
  } else if (op == "rebuild") {
    for (auto& s : rows) {
      repo.build_session(*s);
      t.add_row(prearchive_row(*s));
    }
  } else {
    throw HttpError(404, "Not Found");
  }
  send_json(ctx.response, 200, t.to_json());
}

void handle_direct_archive(RequestContext& ctx) {
  auto& repo = ctx.emu.repository;
  const auto& seg = ctx.segments;  // direct-archive[/P/UID/label]
  std::lock_guard lock(repo.mutex());
  auto row_json = [](const PrearcSession& s) {
    JsonTable::Row r = prearchive_row(s);
    r.push_back({"location", s.dir.string()});
    return r;
  };
  if (seg.size() == 1) {
    JsonTable t;
    const auto project = ctx.params.get("project");
    for (const auto& s : repo.direct_sessions())
      if (!project || s->project == *project) t.add_row(row_json(*s));
    send_json(ctx.response, 200, t.to_json());
    return;
  }
  if (seg.size() != 4) throw HttpError(404, "Not Found");
  auto s = repo.find_direct(seg[1], seg[2], seg[3]);
  if (!s) throw HttpError(404, "Unknown direct-archive session.");
  if (ctx.method() == "POST") {
    auto out = repo.finish_direct(s);  // archive now (§3.11, T testDirectArchiveAPICommit)
    if (!out.ok)
      throw HttpError(out.conflict ? 409 : 500, "Attempt to direct-archive failed: " + out.message);
    send_text(ctx.response, 200, "/data" + out.uri, "text/uri-list");
    return;
  }
  JsonTable t;
  t.add_row(row_json(*s));
  send_json(ctx.response, 200, t.to_json());
}

}  // namespace xnatctl::emulator
