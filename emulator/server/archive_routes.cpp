// Archive listings (reference §5): projects, subjects, experiments (IDs XNAT_E00001, lookup by
// ID or label under a project), scans, and the experiment/scan resource routes (§6).
#include "listing_query.hpp"
#include "request_context.hpp"
#include "resources.hpp"

namespace xnatctl::emulator {
namespace {

// Every field an experiment listing can show or filter on (§5.2 field shortcuts).
JsonTable::Row experiment_fields(const Experiment& e) {
  return {{"ID", e.id},
          {"project", e.project},
          {"date", e.date},
          {"xsiType", e.xsi_type},
          {"label", e.label},
          {"insert_date", e.insert_date},
          {"subject_ID", e.subject_id},
          {"subject_label", e.subject_label}};
}

void send_table(RequestContext& ctx, JsonTable& t) {
  t.add_meta("totalRecords", std::to_string(t.size()));
  send_json(ctx.response, 200, t.to_json());
}

// Default columns (§5.2): project and subject lists leave out the subject; /data/experiments
// (no project in the path) adds it. `columns=` and field filters work on all three routes.
void list_experiments(RequestContext& ctx, const std::string& project, const Subject* subject) {
  static const std::vector<std::string> project_columns{"ID",      "project", "date",
                                                        "xsiType", "label",   "insert_date"};
  static const std::vector<std::string> site_columns{
      "ID", "project", "date", "xsiType", "label", "insert_date", "subject_ID", "subject_label"};
  JsonTable t;
  for (const auto& [id, e] : ctx.emu.repository.experiments()) {
    if (!project.empty() && e.project != project) continue;
    if (subject && e.subject_id != subject->id) continue;
    const auto fields = experiment_fields(e);
    if (!row_matches(fields, ctx.params)) continue;
    t.add_row(select_columns(fields, ctx.params, project.empty() ? site_columns : project_columns,
                             "/data/experiments/" + e.id));
  }
  send_table(ctx, t);
}

void send_experiment(RequestContext& ctx, const Experiment& e) {
  // Item form (§5.2, [I]): {"items":[{"data_fields":…,"meta":…,"children":[…]}]}
  std::string scans;
  for (const auto& [id, s] : e.scans) {
    if (!scans.empty()) scans += ",";
    scans += "{\"data_fields\":{\"ID\":" + json_quote(id) + ",\"UID\":" + json_quote(s.series_uid) +
             ",\"type\":" + json_quote(s.type) +
             ",\"series_description\":" + json_quote(s.series_description) +
             "},\"meta\":{\"xsi:type\":" + json_quote(s.xsi_type) + "}}";
  }
  std::string body = "{\"items\":[{\"data_fields\":{\"ID\":" + json_quote(e.id) +
                     ",\"label\":" + json_quote(e.label) + ",\"project\":" + json_quote(e.project) +
                     ",\"subject_ID\":" + json_quote(e.subject_id) +
                     ",\"UID\":" + json_quote(e.study_uid) +
                     ",\"modality\":" + json_quote(e.modality) + ",\"date\":" + json_quote(e.date) +
                     ",\"insert_date\":" + json_quote(e.insert_date) +
                     "},\"meta\":{\"xsi:type\":" + json_quote(e.xsi_type) +
                     "},\"children\":[{\"field\":\"scans/scan\",\"items\":[" + scans + "]}]}]}";
  send_json(ctx.response, 200, body);
}

// Everything under one experiment, segments from index i (just past the experiment ID).
void experiment_routes(RequestContext& ctx, Experiment& e, std::size_t i) {
  const auto& seg = ctx.segments;
  const std::string base = "/data/experiments/" + e.id;
  if (seg.size() == i) {
    if (ctx.method() != "GET") throw HttpError(405, "Method Not Allowed");
    return send_experiment(ctx, e);
  }
  if (seg[i] == "resources" || seg[i] == "files")
    return handle_resource_routes(
        ctx, ResourceOwner{&e.resources, e.dir / "RESOURCES", base, "resources"}, i);
  if (seg[i] != "scans") throw HttpError(404, "Not Found");
  if (seg.size() == i + 1) {
    JsonTable t;
    for (const auto& [id, s] : e.scans) {
      t.add_row({{"xnat_imagescandata_id", std::to_string(s.imagescandata_id)},
                 {"ID", id},
                 {"type", s.type},
                 {"quality", "usable"},
                 {"xsiType", s.xsi_type},
                 {"note", ""},
                 {"series_description", s.series_description},
                 {"URI", base + "/scans/" + id}});
    }
    return send_table(ctx, t);
  }
  auto it = e.scans.find(seg[i + 1]);
  if (it == e.scans.end()) throw HttpError(404, "Unable to find the specified scan.");
  Scan& scan = it->second;
  if (seg.size() == i + 2) {
    JsonTable t;
    t.add_row({{"ID", scan.id},
               {"UID", scan.series_uid},
               {"type", scan.type},
               {"xsiType", scan.xsi_type},
               {"series_description", scan.series_description},
               {"file_count", std::to_string(scan.sop_by_file.size())}});
    return send_table(ctx, t);
  }
  if (seg[i + 2] == "resources" || seg[i + 2] == "files")
    return handle_resource_routes(ctx,
                                  ResourceOwner{&scan.resources, e.dir / "SCANS" / scan.id,
                                                base + "/scans/" + scan.id, "scans"},
                                  i + 2);
  throw HttpError(404, "Not Found");
}

Experiment& require_experiment(RequestContext& ctx, const std::string& key,
                               const std::string& project) {
  auto* e = ctx.emu.repository.find_experiment(key, project);
  if (!e) throw HttpError(404, "Unable to find the specified experiment.");
  return *e;
}

}  // namespace

void handle_projects(RequestContext& ctx) {
  auto& repo = ctx.emu.repository;
  const auto& seg = ctx.segments;  // projects[/P[/...]]
  std::lock_guard lock(repo.mutex());
  if (seg.size() == 1) {
    JsonTable t;
    for (const auto& [id, p] : repo.projects())
      t.add_row({{"ID", id},
                 {"secondary_ID", id},
                 {"name", id},
                 {"description", ""},
                 {"pi_firstname", ""},
                 {"pi_lastname", ""},
                 {"URI", "/data/projects/" + id}});
    return send_table(ctx, t);
  }
  const std::string& pid = seg[1];
  Project* project = repo.find_project(pid);
  if (seg.size() == 2) {
    if (ctx.method() == "PUT" || ctx.method() == "POST") {
      // Creating a project over REST, like XNAT's PUT /data/projects/{ID} (code 0 = Manual).
      if (!project && !is_xnat_id(pid))
        throw HttpError(400, "Invalid project ID: only letters, digits, '_' and '-' are allowed");
      if (!project) repo.create_project(pid, 0);
      return send_text(ctx.response, 200, "");
    }
    if (!project) throw HttpError(404, "Unable to find the specified project.");
    std::string body = "{\"items\":[{\"data_fields\":{\"ID\":" + json_quote(pid) +
                       ",\"secondary_ID\":" + json_quote(pid) + ",\"name\":" + json_quote(pid) +
                       "},\"meta\":{\"xsi:type\":\"xnat:projectData\"}}]}";
    return send_json(ctx.response, 200, body);
  }
  if (!project) throw HttpError(404, "Unable to find the specified project.");
  const auto project_dir = ctx.emu.storage.root() / "archive" / pid;
  if (seg[2] == "resources" || seg[2] == "files")
    return handle_resource_routes(ctx,
                                  ResourceOwner{&project->resources, project_dir / "resources",
                                                "/data/projects/" + pid, "resources"},
                                  2);
  if (seg[2] == "prearchive_code" && seg.size() == 4) {
    // PUT /data/projects/P/prearchive_code/{0|4|5}
    if (ctx.method() != "PUT" && ctx.method() != "POST") {
      return send_text(ctx.response, 200, std::to_string(project->prearchive_code));
    }
    if (seg[3] != "0" && seg[3] != "4" && seg[3] != "5")
      throw HttpError(400, "Invalid prearchive code: use 0, 4 or 5");
    project->prearchive_code = std::stoi(seg[3]);
    return send_text(ctx.response, 200, "");
  }
  if (seg[2] == "experiments") {
    if (seg.size() == 3) return list_experiments(ctx, pid, nullptr);
    return experiment_routes(ctx, require_experiment(ctx, seg[3], pid), 4);
  }
  if (seg[2] != "subjects") throw HttpError(404, "Not Found");
  if (seg.size() == 3) {
    JsonTable t;
    for (const auto& [label, s] : project->subjects) {
      JsonTable::Row row{{"ID", s.id},
                         {"project", pid},
                         {"label", label},
                         {"insert_date", s.insert_date},
                         {"insert_user", s.insert_user},
                         {"URI", "/data/subjects/" + s.id}};
      if (row_matches(row, ctx.params)) t.add_row(row);
    }
    return send_table(ctx, t);
  }
  const Subject* subject = repo.find_subject(pid, seg[3]);
  if (seg.size() == 4) {
    if (ctx.method() == "PUT" || ctx.method() == "POST") {
      if (!subject && !is_xnat_id(seg[3]))
        throw HttpError(400,
                        "Invalid subject label: only letters, digits, '_' and '-' are allowed");
      if (!subject) repo.ensure_subject(*project, seg[3], ctx.user);
      return send_text(ctx.response, 200, "");
    }
    if (!subject) throw HttpError(404, "Unable to find the specified subject.");
    std::string body = "{\"items\":[{\"data_fields\":{\"ID\":" + json_quote(subject->id) +
                       ",\"label\":" + json_quote(subject->label) +
                       ",\"project\":" + json_quote(pid) +
                       "},\"meta\":{\"xsi:type\":\"xnat:subjectData\"}}]}";
    return send_json(ctx.response, 200, body);
  }
  if (!subject) throw HttpError(404, "Unable to find the specified subject.");
  if (seg[4] == "resources" || seg[4] == "files") {
    Subject& subj = *repo.find_subject(pid, seg[3]);
    return handle_resource_routes(
        ctx,
        ResourceOwner{&subj.resources, project_dir / "subjects" / subj.label / "resources",
                      "/data/projects/" + pid + "/subjects/" + subj.id, "resources"},
        4);
  }
  if (seg[4] != "experiments") throw HttpError(404, "Not Found");
  if (seg.size() == 5) return list_experiments(ctx, pid, subject);
  Experiment& e = require_experiment(ctx, seg[5], pid);
  if (e.subject_id != subject->id) throw HttpError(404, "Unable to find the specified experiment.");
  experiment_routes(ctx, e, 6);
}

void handle_experiments(RequestContext& ctx) {
  auto& repo = ctx.emu.repository;
  const auto& seg = ctx.segments;  // experiments[/ID[/...]]
  std::lock_guard lock(repo.mutex());
  if (seg.size() == 1) return list_experiments(ctx, "", nullptr);
  experiment_routes(ctx, require_experiment(ctx, seg[1], ""), 2);
}

}  // namespace xnatctl::emulator
