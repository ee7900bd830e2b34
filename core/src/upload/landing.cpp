// prepare_landing and land (landing.hpp): the checks before a REST upload and the commit and
// "where did it go" after it. Server behaviour: xnat-server-api.md §3.10, §3.11, §4.3, §4.5,
// §11.1-§11.3.

#include "xnatctl/upload/landing.hpp"

#include <Poco/String.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "landing_internal.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/xnat/request_paths.hpp"

namespace xnatctl::upload {
namespace {

using namespace landing_detail;

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

enum class UriKind { kDirectArchive, kPrearchive, kArchive, kOther };

UriKind kind_of(const std::string& path) {
  if (starts_with(path, "/xapi/direct-archive/")) return UriKind::kDirectArchive;
  if (starts_with(path, "/data/prearchive/projects/")) return UriKind::kPrearchive;
  if (starts_with(path, "/data/archive/") || starts_with(path, "/data/experiments/") ||
      starts_with(path, "/data/projects/"))
    return UriKind::kArchive;
  return UriKind::kOther;
}

// The distinct session URIs the server returned for stored files, as request paths, in the
// order they first appeared (one session normally; two when XNAT switched a direct-archive
// upload to the prearchive part-way, §3.11).
std::vector<std::string> session_paths(const http::Client& client,
                                       const std::vector<FileOutcome>& outcomes) {
  std::vector<std::string> paths;
  for (const auto& o : outcomes) {
    if (o.outcome != Outcome::kStored || o.uri.empty()) continue;
    // A batch's answer may list several lines (text/uri-list); each is one session.
    std::size_t pos = 0;
    while (pos < o.uri.size()) {
      auto end = o.uri.find_first_of("\r\n", pos);
      if (end == std::string::npos) end = o.uri.size();
      auto line = Poco::trim(o.uri.substr(pos, end - pos));
      pos = end + 1;
      if (line.empty()) continue;
      auto path =
          with_data_prefix(xnat::server_uri_to_request_path(line, client.options().base_url));
      if (std::find(paths.begin(), paths.end(), path) == paths.end()) paths.push_back(path);
    }
  }
  return paths;
}

std::string response_text(const http::TextResponse& r) {
  auto text = first_line(r.body);
  return "HTTP " + std::to_string(r.status) + (text.empty() ? "" : ": " + text);
}

// One place a session of the upload ended up in.
struct Place {
  std::string uri;
  bool in_archive = false;
  std::string status;  // "archived", or the prearchive row's status
};

struct Committer {
  http::Client& client;
  const Job& job;
  const LandingPlan& plan;
  Landing& landing;
  bool committed = false;                     // a request that archives returned success
  std::string archived_uri;                   // what that request answered
  std::vector<std::string> prearchive_paths;  // sessions of this upload seen in the prearchive
  // StudyInstanceUIDs of direct-archive sessions XNAT failed to archive: it moves them into the
  // prearchive as ERROR or CONFLICT (§3.11), where locate() looks for them.
  std::vector<std::string> failed_direct_uids;

  void archive_direct(const std::string& path) {
    // POST /xapi/direct-archive/P/UID/label archives the session now (§3.11).
    http::Request request;
    request.method = "POST";
    request.path = path;
    auto r = client.fetch(request);
    if (r.ok()) {
      committed = true;
      auto body = Poco::trim(first_line(r.body));
      if (starts_with(body, "/data/archive/") || starts_with(body, "/archive/"))
        archived_uri = with_data_prefix(body);
      return;
    }
    if (r.status == 404) return;  // no longer receiving: built by XNAT already; located below
    // On failure XNAT moves the files to the prearchive (ERROR, or CONFLICT when the label
    // exists); the location check below finds them there.
    // /xapi/direct-archive/P/UID/label
    const auto uid_start = path.find('/', std::string("/xapi/direct-archive/").size()) + 1;
    failed_direct_uids.push_back(path.substr(uid_start, path.rfind('/') - uid_start));
    landing.messages.push_back("XNAT could not archive the direct-archive session (" +
                               response_text(r) + ")");
  }

  void archive_from_prearchive(const std::string& path) {
    // POST /data/services/archive?src=/prearchive/projects/P/TS/F&overwrite=append|delete
    // (§4.5): the merge XNAT honours for an existing session; on the import service the same
    // overwrite would be ignored without a commit (§11.2).
    http::Request request;
    request.method = "POST";
    request.path = "/data/services/archive";
    request.query = {{"src", path}, {"overwrite", to_string(job.settings.overwrite)}};
    auto r = client.fetch(request);
    if (r.ok() || r.status == 301 || r.status == 302 || r.status == 303) {
      committed = true;
      auto body = Poco::trim(first_line(r.body));
      if (auto location = r.header("Location"); body.empty() && location) body = *location;
      if (!body.empty()) {
        try {
          archived_uri =
              with_data_prefix(xnat::server_uri_to_request_path(body, client.options().base_url));
        } catch (const Error&) {
        }
      }
      return;
    }
    prearchive_paths.push_back(path);
    landing.messages.push_back("XNAT refused to archive " + path + " with --overwrite " +
                               to_string(job.settings.overwrite) + " (" + response_text(r) + ")");
  }

  void build_in_prearchive(const std::string& path) {
    // action=build makes it READY without archiving it; action=commit would archive it on an
    // auto-archive project (§4.3), which a --prearchive upload did not ask for.
    prearchive_paths.push_back(path);
    http::Request request;
    request.method = "POST";
    request.path = path;
    request.query = {{"action", "build"}};
    auto r = client.fetch(request);
    if (!r.ok())
      landing.messages.push_back("XNAT could not build " + path + " (" + response_text(r) + ")");
  }
};

// Where this upload's sessions are now: each session of it still in the prearchive (built, or
// refused by the archiver), and the archived session of the label when something of this
// upload was archived, or when nothing else is found. Sessions of this upload in the
// prearchive win over an archived session of the same label (a --prearchive upload onto an
// existing label). `archived_found` tells whether the archive listing had the label.
std::vector<Place> locate(http::Client& client, const Job& job, const Committer& committer,
                          bool archived_expected, bool& archived_found) {
  const auto& t = job.target;
  std::vector<Place> places;
  const auto rows = find_prearchive(client, t.project, t.session, study_uid_of(job));
  for (const auto& path : committer.prearchive_paths) {
    for (const auto& row : rows) {
      if (row.url == path) {
        places.push_back({row.url, false, row.status});
        break;
      }
    }
  }
  // A prearchive session of this upload that is listed no more was archived (or deleted).
  if (places.size() < committer.prearchive_paths.size()) archived_expected = true;
  for (const auto& row : rows) {
    const bool failed = row.status == "CONFLICT" || row.status == "ERROR";
    const bool listed =
        std::any_of(places.begin(), places.end(), [&](const Place& p) { return p.uri == row.url; });
    if (failed && !listed &&
        std::find(committer.failed_direct_uids.begin(), committer.failed_direct_uids.end(),
                  row.study_uid) != committer.failed_direct_uids.end())
      places.push_back({row.url, false, row.status});
  }
  const auto archived = find_archived(client, t.project, t.session);
  archived_found = archived.has_value();
  if (archived && (archived_expected || places.empty()))
    places.insert(places.begin(),
                  {committer.archived_uri.empty() ? archived->uri : committer.archived_uri, true,
                   "archived"});
  if (places.empty() && !rows.empty())
    places.push_back({rows.front().url, false, rows.front().status});
  return places;
}

}  // namespace

Landing land_earlier(http::Client& client, const Job& job) {
  Job earlier = job;
  LandingPlan plan;
  if (earlier.settings.destination == Destination::kArchive) {
    // The earlier run was sent to the prearchive to be merged afterwards when the label
    // already existed (prepare_landing); its session is then RECEIVING there.
    if (find_archived(client, job.target.project, job.target.session)) {
      plan.session_exists = true;
      for (const auto& row :
           find_prearchive(client, job.target.project, job.target.session, study_uid_of(job)))
        if (row.status == "RECEIVING" || row.status == "READY") plan.archive_after = true;
      if (plan.archive_after) earlier.settings.destination = Destination::kPrearchive;
    }
  }
  return land(client, earlier, plan, {});
}

LandingPlan prepare_landing(http::Client& client, Job& job) {
  LandingPlan plan;
  if (job.settings.dry_run) return plan;  // a dry run contacts no server
  const auto& t = job.target;
  if (!project_exists(client, t.project)) {
    throw Error("project '" + t.project + "' not found on " + client.options().base_url +
                " (XNAT would file the data under Unassigned); nothing was sent");
  }
  auto existing = find_archived(client, t.project, t.session);
  if (!existing) return plan;
  plan.session_exists = true;
  if (job.settings.overwrite == Overwrite::kNone) {
    throw Error("session " + t.session + " already exists in " + t.project +
                "; --overwrite none leaves it untouched (nothing was sent)");
  }
  if (!existing->subject.empty() && existing->subject != t.subject) {
    // XNAT's archiver refuses this merge ("Invalid modification of session subject", §3.8);
    // better said before anything is sent.
    throw Error("session " + t.session + " in " + t.project + " belongs to subject " +
                existing->subject + ", not " + t.subject + "; nothing was sent");
  }
  if (job.settings.destination == Destination::kArchive) {
    // Direct-Archive onto an existing label falls back to the prearchive (§11.3): send there
    // and archive once with the user's --overwrite.
    job.settings.destination = Destination::kPrearchive;
    plan.archive_after = true;
  }
  return plan;
}

Landing land(http::Client& client, const Job& job, const LandingPlan& plan,
             const std::vector<FileOutcome>& outcomes) {
  Landing landing;
  const bool want_archive = job.settings.destination == Destination::kArchive || plan.archive_after;
  const auto paths = session_paths(client, outcomes);

  if (!job.settings.commit) {
    // --no-commit: no request that changes anything; say where the data waits and who
    // finishes it.
    std::optional<std::vector<PrearchiveRow>> rows;  // listed once, when needed
    for (const auto& path : paths) {
      landing.uris.push_back(path);
      switch (kind_of(path)) {
        case UriKind::kDirectArchive:
          landing.uri = path;
          landing.messages.push_back(
              "receiving in the archive (direct-archive): " + path +
              "; with --no-commit XNAT archives it once it has been idle (5 minutes by default)");
          break;
        case UriKind::kPrearchive: {
          landing.uri = path;
          // RECEIVING, or READY when the import built it (DICOM-zip with a dest, §3.5).
          if (!rows) rows = find_prearchive(client, job.target.project, job.target.session);
          std::string status = "RECEIVING";
          for (const auto& row : *rows)
            if (row.url == path) status = row.status;
          landing.messages.push_back(
              "in the prearchive (" + status + "): " + path +
              (status == "RECEIVING" ? "; with --no-commit XNAT builds it once it has been idle"
                                     : ""));
          if (want_archive) {
            landing.as_requested = false;
            landing.messages.push_back(
                plan.archive_after
                    ? "session " + job.target.session +
                          " already existed, so this upload waits in the prearchive; archive it "
                          "there, or upload again without --no-commit"
                    : "XNAT put the session in the prearchive, not in the archive as asked");
          }
          break;
        }
        case UriKind::kArchive:
          landing.uri = path;
          landing.in_archive = true;
          landing.messages.push_back("archived: " + path);
          break;
        case UriKind::kOther:
          landing.messages.push_back("the server answered " + path);
          break;
      }
    }
    return landing;
  }

  Committer committer{client, job, plan, landing, false, {}, {}, {}};
  std::vector<std::string> work = paths;
  if (work.empty()) {
    // Nothing new was acknowledged (e.g. --resume after every file of an earlier run was
    // sent): the earlier run's session may still be receiving, in the archive (direct-archive,
    // not listed in the prearchive, §11.8) or in the prearchive, and wait to be finished.
    const std::string uid = study_uid_of(job);
    if (want_archive && !plan.archive_after) {
      if (auto direct = find_direct_archive(client, job.target.project, uid, job.target.session))
        work.push_back(*direct);
    }
    // A merge that waits to be archived may have been built already (DICOM-zip with a dest
    // builds, §3.5).
    for (const auto& row : find_prearchive(client, job.target.project, job.target.session, uid))
      if ((row.status == "RECEIVING" || (plan.archive_after && row.status == "READY")) &&
          (uid.empty() || row.study_uid == uid))
        work.push_back(row.url);
  }
  // Sessions that archive by themselves first: when one upload made several (several studies
  // under one label, §3.5), the others merge into the session those created.
  std::stable_partition(work.begin(), work.end(), [](const std::string& path) {
    return kind_of(path) != UriKind::kPrearchive;
  });
  const bool archived_by_upload = std::any_of(work.begin(), work.end(), [](const std::string& p) {
    return kind_of(p) == UriKind::kDirectArchive || kind_of(p) == UriKind::kArchive;
  });
  for (const auto& path : work) {
    switch (kind_of(path)) {
      case UriKind::kDirectArchive:
        committer.archive_direct(path);
        break;
      case UriKind::kPrearchive:
        if (plan.archive_after) {
          committer.archive_from_prearchive(path);
        } else if (want_archive && archived_by_upload) {
          // Another study of this same upload took the label in the archive first, so XNAT
          // filed this one in the prearchive (§3.11, §11.3). --allow-multi-study asked for one
          // session: it is archived into that label with --overwrite, where XNAT decides the
          // merge (a different StudyInstanceUID needs delete, §3.8).
          committer.archive_from_prearchive(path);
        } else {
          if (want_archive) {
            landing.messages.push_back(
                "XNAT put the session in the prearchive instead of the archive (a session " +
                job.target.session + " may exist already, or the project's settings say so)");
          }
          committer.build_in_prearchive(path);
        }
        break;
      case UriKind::kArchive:
        break;  // archived by the request itself
      case UriKind::kOther:
        landing.messages.push_back("the server answered an unexpected URI: " + path);
        break;
    }
  }

  bool archived_found = false;
  auto places = locate(client, job, committer, archived_by_upload, archived_found);
  // A real XNAT may archive asynchronously after it accepted the request; give it a moment.
  for (int i = 0; i < 10 && committer.committed && !archived_found; ++i) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    places = locate(client, job, committer, archived_by_upload, archived_found);
  }
  if (places.empty()) {
    landing.messages.push_back("session " + job.target.session +
                               " was found neither in the archive nor in the prearchive of "
                               "project " +
                               job.target.project);
  }
  landing.in_archive = !places.empty();
  if (paths.size() > 1) {
    const bool merged = places.size() == 1 && places.front().in_archive;
    landing.messages.push_back("the server filed this upload into " + std::to_string(paths.size()) +
                               " sessions (one per study)" +
                               (merged ? ", now merged into one" : ""));
  }
  for (const auto& place : places) {
    landing.uris.push_back(place.uri);
    landing.in_archive = landing.in_archive && place.in_archive;
    landing.messages.push_back(place.in_archive
                                   ? "archived: " + place.uri
                                   : "in the prearchive (" + place.status + "): " + place.uri);
  }
  if (!places.empty()) landing.uri = places.front().uri;
  const bool anywhere_else = std::any_of(
      places.begin(), places.end(), [&](const Place& p) { return p.in_archive != want_archive; });
  if (places.empty() || anywhere_else) {
    landing.as_requested = false;
    landing.messages.push_back(
        want_archive ? "the session is in the prearchive, not in the archive as asked"
                     : "the session was archived although --prearchive was asked (the project "
                       "archives automatically)");
  }
  return landing;
}

}  // namespace xnatctl::upload
