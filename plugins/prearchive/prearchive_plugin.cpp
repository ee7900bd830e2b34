// prearchive: the `prearchive` command group: list, archive, delete, rebuild and move
// sessions in XNAT's staging area.
//
// Requests (../shared/reference/xnat-server-api.md §4): the listing is
// GET /data/prearchive[/projects/P]?format=json (§4.2); archiving goes through the archive
// service POST /data/services/archive with src=/prearchive/projects/P/TS/FOLDER (§4.5);
// delete, rebuild and move act on /data/prearchive/projects/P/TS/FOLDER (§4.3), rebuild with
// action=build, the only rebuild action XNAT accepts (the Python tool's action=rebuild is a
// 400 there, xnatctl-behaviour.md §4.4). Every command first finds the session in the
// project's listing, because XNAT answers DELETE of a missing session with 200 and a user
// must hear about a mistyped timestamp.

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "xnat_rest.hpp"
#include "xnatctl/sdk.hpp"

namespace {

using xnat_rest::Row;

// One prearchive session as named on the command line.
struct SessionRef {
  std::string project, timestamp, folder;
  std::string name() const { return project + "/" + timestamp + "/" + folder; }
  // The archive-service form, without /data (§4.5); segments encoded.
  std::string src() const {
    return "/prearchive/projects/" + xnat_rest::encode_segment(project) + "/" +
           xnat_rest::encode_segment(timestamp) + "/" + xnat_rest::encode_segment(folder);
  }
  std::string path() const { return "/data" + src(); }
};

// `--wait` alone waits this many seconds: XNAT's idle rebuilder builds a session 5 minutes
// after its last file, checking once a minute (xnat-server-api.md §3.10), so 600 s covers that
// and the build; it is also XNAT's own limit for a synchronous archive (§3.10).
constexpr const char* kDefaultWait = "600";

// Statuses that change by themselves: the session is still arriving, queued or being worked
// on (§4.2: RECEIVING, BUILDING, QUEUED_*, and the '_' locked variants).
bool in_transition(const std::string& status) {
  return status == "RECEIVING" || status == "BUILDING" || status == "ARCHIVING" ||
         status == "MOVING" || status == "DELETING" || status == "SEPARATING" ||
         status.rfind("QUEUED_", 0) == 0 || (!status.empty() && status.front() == '_');
}

std::string field(const Row& row, const char* key) {
  const auto it = row.find(key);
  return it == row.end() ? std::string() : it->second;
}

std::string joined(const std::vector<std::string>& items, std::size_t limit = 5) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > limit) out += ", ...";
  return out;
}

xc_status status_for_http(int32_t status) {
  return status == 401 || status == 403 ? XC_AUTH : XC_FATAL;
}

class Prearchive {
 public:
  explicit Prearchive(xc::Host h) : host_(h) {}
  const xc::Host& host() const { return host_; }

  void list(const xc::Invocation& inv) {
    const std::string project = xnat_rest::option_or(inv, "project");
    if (!project.empty()) xnat_rest::checked_segment(project, "project");
    const auto wait = wait_seconds(inv);
    std::vector<Row> rows = listing(project);
    bool settled = true;
    if (wait) {
      settled = wait_until(inv, *wait, [&](bool refresh) {
        if (refresh) rows = listing(project);
        std::vector<std::string> busy;
        for (const Row& r : rows)
          if (in_transition(field(r, "status")))
            busy.push_back(name_of(r) + " " + field(r, "status"));
        return busy;
      });
    }
    for (const Row& r : rows) emit_row(inv, r);
    for (const Row& r : rows) explain_problem(inv, r);
    if (!settled)
      throw xc::Error(XC_FATAL, "still busy after " + std::to_string(*wait) +
                                    " s (see the status column); run it again or wait longer");
  }

  void archive(const xc::Invocation& inv) {
    const SessionRef ref = session_arg(inv);
    const std::string subject = xnat_rest::option_or(inv, "subject");
    const std::string label = xnat_rest::option_or(inv, "label");
    const std::string overwrite = xnat_rest::option_or(inv, "overwrite");
    if (!overwrite.empty() && overwrite != "append" && overwrite != "delete")
      throw xc::Error(XC_INVALID_INPUT,
                      "--overwrite takes 'append' (merge into the existing "
                      "session) or 'delete' (merge, replacing its data), not '" +
                          overwrite + "'");
    if (!subject.empty()) xnat_rest::checked_segment(subject, "subject label");
    if (!label.empty()) xnat_rest::checked_segment(label, "session label");

    Row row = find(ref);
    if (const auto wait = wait_seconds(inv)) {
      const bool settled = wait_until(inv, *wait, [&](bool refresh) {
        if (refresh) row = find(ref);
        const std::string status = field(row, "status");
        return in_transition(status) ? std::vector<std::string>{ref.name() + " " + status}
                                     : std::vector<std::string>{};
      });
      if (!settled)
        throw xc::Error(XC_FATAL, ref.name() + " is still " + field(row, "status") + " after " +
                                      std::to_string(*wait) + " s; nothing was archived");
    } else if (field(row, "status") == "RECEIVING") {
      inv.print(XC_STDERR, "warning: " + ref.name() +
                               " is still RECEIVING; archiving what has arrived so far "
                               "(--wait waits up to " +
                               kDefaultWait + " s for the upload to settle)\n");
    }

    // src names the session; dest (with the subject, and the label when given) says where it
    // goes; `label` alone overrides the experiment label (§4.5). overwrite is left out for
    // "no merge": on this service anything else than append/delete means no merge (§11.1).
    xnat_rest::Query query{{"src", ref.src()}};
    if (!subject.empty()) {
      std::string dest = "/archive/projects/" + xnat_rest::encode_segment(ref.project) +
                         "/subjects/" + xnat_rest::encode_segment(subject);
      if (!label.empty()) dest += "/experiments/" + xnat_rest::encode_segment(label);
      query.emplace_back("dest", dest);
    } else if (!label.empty()) {
      query.emplace_back("label", label);
    }
    if (!overwrite.empty()) query.emplace_back("overwrite", overwrite);
    const auto reply = xnat_rest::call(host_, "POST", "/data/services/archive", query, {}, {},
                                       XC_HTTP_NO_RETRY);  // archiving is not idempotent
    if (reply.status == 200 || reply.status == 301 || reply.status == 303) {
      std::string uri = xnat_rest::first_uri(reply.body);
      if (uri.empty()) uri = "/data/archive/projects/" + ref.project;  // 303 without a body
      inv.emit({{"uri", uri},
                {"source", ref.name()},
                {"project", ref.project},
                {"subject", subject.empty() ? field(row, "subject") : subject},
                {"label", label.empty() ? field(row, "name") : label}});
      if (inv.output_mode() != XC_OUTPUT_QUIET)
        inv.print(XC_STDERR, "archived " + ref.name() + " as " + uri + "\n");
      return;
    }
    throw xc::Error(status_for_http(reply.status), "archiving " + ref.name() +
                                                       " failed: " + reply.describe() +
                                                       archive_hint(ref, reply, overwrite));
  }

  void remove(const xc::Invocation& inv) {
    const SessionRef ref = session_arg(inv);
    const Row row = find(ref);
    if (inv.flag("dry-run")) {
      inv.print(XC_STDOUT, "would delete " + ref.name() + " (" + field(row, "name") + ", " +
                               field(row, "status") + ") from the prearchive\n");
      return;
    }
    if (!inv.flag("yes") &&
        !inv.confirm(
            ("Delete " + ref.name() + " from the prearchive? This cannot be undone.").c_str()))
      throw xc::Error(XC_FATAL, "not deleted: the deletion was not confirmed");
    const auto reply = xnat_rest::call(host_, "DELETE", ref.path());
    if (!reply.ok())
      throw xc::Error(status_for_http(reply.status),
                      "deleting " + ref.name() + " failed: " + reply.describe());
    // XNAT answers 200 whatever happened (§4.3): look again.
    if (lookup(ref))
      throw xc::Error(XC_FATAL,
                      "the server accepted the deletion of " + ref.name() + " but still lists it");
    inv.emit({{"session", ref.name()}, {"status", "DELETED"}});
    if (inv.output_mode() != XC_OUTPUT_QUIET)
      inv.print(XC_STDERR, "deleted " + ref.name() + " from the prearchive\n");
  }

  void rebuild(const xc::Invocation& inv) {
    const SessionRef ref = session_arg(inv);
    find(ref);
    const auto reply = xnat_rest::call(host_, "POST", ref.path(), {{"action", "build"}});
    if (reply.status == 409)
      throw xc::Error(XC_FATAL, "cannot rebuild " + ref.name() + " now: " + reply.describe() +
                                    " (it is being built or archived; try again shortly)");
    if (!reply.ok())
      throw xc::Error(status_for_http(reply.status),
                      "rebuilding " + ref.name() + " failed: " + reply.describe());
    const auto row = lookup(ref);
    inv.emit({{"session", ref.name()}, {"status", row ? field(*row, "status") : ""}});
    if (inv.output_mode() != XC_OUTPUT_QUIET) inv.print(XC_STDERR, "rebuilt " + ref.name() + "\n");
  }

  void move(const xc::Invocation& inv) {
    const SessionRef ref = session_arg(inv);
    const std::string positional(inv.positional(3).value_or(""));
    const std::string option = xnat_rest::option_or(inv, "to");
    if (!positional.empty() && !option.empty() && positional != option)
      throw xc::Error(XC_INVALID_INPUT,
                      "two target projects given: '" + positional + "' and --to '" + option + "'");
    const std::string target = xnat_rest::checked_segment(
        positional.empty() ? option : positional, "target project (TARGET_PROJECT or --to)");
    if (target == ref.project)
      throw xc::Error(XC_INVALID_INPUT, ref.name() + " is already in project " + target);
    find(ref);
    const auto reply =
        xnat_rest::call(host_, "POST", ref.path(), {{"action", "move"}, {"newProject", target}});
    if (reply.status != 200 && reply.status != 301)
      throw xc::Error(
          status_for_http(reply.status),
          "moving " + ref.name() + " to project " + target + " failed: " + reply.describe() +
              (reply.status == 403 ? " (does project " + target + " exist, and may you edit it?)"
                                   : std::string()));
    const SessionRef moved{target, ref.timestamp, ref.folder};
    // XNAT queues the move (§4.3); the new place is known now, the listing follows shortly.
    inv.emit({{"session", moved.name()}, {"from", ref.name()}});
    if (inv.output_mode() != XC_OUTPUT_QUIET)
      inv.print(XC_STDERR, "moved " + ref.name() + " to project " + target + "\n");
  }

 private:
  SessionRef session_arg(const xc::Invocation& inv) const {
    return SessionRef{xnat_rest::checked_segment(inv.positional(0).value_or(""), "project"),
                      xnat_rest::checked_segment(inv.positional(1).value_or(""), "timestamp"),
                      xnat_rest::checked_segment(inv.positional(2).value_or(""), "session name")};
  }

  static std::optional<long> wait_seconds(const xc::Invocation& inv) {
    const auto v = inv.option("wait");
    if (!v) return std::nullopt;
    long seconds = -1;
    try {
      seconds = std::stol(std::string(*v));
    } catch (const std::exception&) {
    }
    if (seconds < 0 || seconds > 24 * 3600)
      throw xc::Error(XC_INVALID_INPUT,
                      "--wait takes seconds from 0 to 86400, not '" + std::string(*v) + "'");
    return seconds;
  }

  // Polls `busy` (which refreshes its data when asked) until it reports nothing, at most
  // `seconds`; one progress line on stderr per poll. False when time ran out.
  template <typename Busy>
  bool wait_until(const xc::Invocation& inv, long seconds, Busy&& busy) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::seconds(seconds);
    std::vector<std::string> pending = busy(false);
    while (!pending.empty()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      if (inv.output_mode() != XC_OUTPUT_QUIET)  // -q: no progress
        inv.print(XC_STDERR, "waiting (" + std::to_string((left.count() + 999) / 1000) +
                                 " s left) for " + joined(pending) + "\n");
      const auto step = std::min<long long>(left.count(), 1000);
      if (!host_.wait(static_cast<uint32_t>(step)))
        throw xc::Error(XC_CANCELLED, "cancelled while waiting");
      pending = busy(true);
    }
    return true;
  }

  std::vector<Row> listing(const std::string& project) const {
    const std::string path =
        project.empty() ? std::string("/data/prearchive")
                        : "/data/prearchive/projects/" + xnat_rest::encode_segment(project);
    const auto reply = xnat_rest::call(host_, "GET", path, {{"format", "json"}});
    if (reply.status == 403 || reply.status == 404)
      throw xc::Error(XC_FATAL, "no prearchive for project '" + project +
                                    "' (the project does not exist or you may not edit it): " +
                                    reply.describe());
    if (!reply.ok())
      throw xc::Error(status_for_http(reply.status),
                      "listing the prearchive failed: " + reply.describe());
    return xnat_rest::result_rows(reply, "prearchive listing");
  }

  std::optional<Row> lookup(const SessionRef& ref) const {
    for (const Row& r : listing(ref.project))
      if (field(r, "timestamp") == ref.timestamp && field(r, "folderName") == ref.folder) return r;
    return std::nullopt;
  }

  // The row of `ref`, or one line naming what was not found (the timestamp, or the session
  // under an existing timestamp) with what exists instead.
  Row find(const SessionRef& ref) const {
    const std::vector<Row> rows = listing(ref.project);
    std::vector<std::string> timestamps, folders;
    for (const Row& r : rows) {
      if (field(r, "timestamp") != ref.timestamp) {
        timestamps.push_back(field(r, "timestamp"));
        continue;
      }
      if (field(r, "folderName") == ref.folder) return r;
      folders.push_back(field(r, "folderName"));
    }
    if (!folders.empty())
      throw xc::Error(XC_FATAL, "no prearchive session '" + ref.folder + "' under " + ref.project +
                                    "/" + ref.timestamp + " (there: " + joined(folders) + ")");
    throw xc::Error(XC_FATAL, "no prearchive timestamp '" + ref.timestamp + "' in project " +
                                  ref.project +
                                  (timestamps.empty() ? std::string(" (its prearchive is empty)")
                                                      : " (there: " + joined(timestamps) + ")"));
  }

  static std::string name_of(const Row& r) {
    return field(r, "project") + "/" + field(r, "timestamp") + "/" + field(r, "folderName");
  }

  void emit_row(const xc::Invocation& inv, const Row& r) const {
    // --quiet prints the first field: P/TS/FOLDER is what the other commands take.
    if (inv.output_mode() == XC_OUTPUT_QUIET) {
      inv.emit({{"session", name_of(r)}});
      return;
    }
    inv.emit({{"project", field(r, "project")},
              {"timestamp", field(r, "timestamp")},
              {"folder", field(r, "folderName")},
              {"name", field(r, "name")},
              {"status", field(r, "status")},
              {"scan_date", field(r, "scan_date")},
              {"subject", field(r, "subject")},
              {"uploaded", field(r, "uploaded")}});
  }

  // A CONFLICT or ERROR row, explained on stderr with the server's last log line (§4.3
  // …/logs/last) and the way out.
  void explain_problem(const xc::Invocation& inv, const Row& r) const {
    const std::string status = field(r, "status");
    if (status != "CONFLICT" && status != "ERROR") return;
    const SessionRef ref{field(r, "project"), field(r, "timestamp"), field(r, "folderName")};
    std::string why;
    try {
      const auto log = xnat_rest::call(host_, "GET", ref.path() + "/logs/last");
      if (log.ok()) why = xnat_rest::first_line(log.body);
    } catch (const xc::Error&) {
      // the explanation is a courtesy; the listing itself succeeded
    }
    std::string text = "note: " + ref.name() + " is " + status;
    if (!why.empty()) text += ": " + why;
    if (status == "CONFLICT")
      text +=
          "; archive it with --overwrite append to merge it into the existing session "
          "(or --overwrite delete to replace that session's data), or delete it";
    else
      text += "; fix the cause, then 'xnatctl prearchive rebuild " + ref.project + " " +
              ref.timestamp + " " + ref.folder + "' and archive again, or delete it";
    inv.print(XC_STDERR, text + "\n");
  }

  std::string archive_hint(const SessionRef& ref, const xnat_rest::Reply& reply,
                           const std::string& overwrite) const {
    std::string status;
    try {
      if (const auto row = lookup(ref)) status = field(*row, "status");
    } catch (const xc::Error&) {
    }
    const bool conflict = status == "CONFLICT" || reply.status == 409 ||
                          reply.message().find("already exists") != std::string::npos;
    if (conflict && overwrite.empty())
      return "; the session stays in the prearchive" +
             (status.empty() ? std::string() : " (" + status + ")") +
             ": merge it into the existing session with --overwrite append, or replace that "
             "session's data with --overwrite delete";
    if (!status.empty()) return "; the session stays in the prearchive (" + status + ")";
    return {};
  }

  xc::Host host_;
};

constexpr xc_positional_desc kProject =
    xc::Positional("PROJECT", "project ID (or Unassigned)").desc();
constexpr xc_positional_desc kTimestamp =
    xc::Positional("TIMESTAMP", "prearchive timestamp folder, e.g. 20240115_120000123").desc();
constexpr xc_positional_desc kSession =
    xc::Positional("SESSION_NAME", "prearchive session folder (the 'folder' column)").desc();
constexpr xc_positional_desc kTarget =
    xc::Positional("TARGET_PROJECT", "project to move the session to (or --to)", 0).desc();
constexpr const xc_positional_desc* kSessionArgs[] = {&kProject, &kTimestamp, &kSession};
constexpr const xc_positional_desc* kMoveArgs[] = {&kProject, &kTimestamp, &kSession, &kTarget};

constexpr xc_option_desc kProjectFilter =
    xc::Option("project", XC_OPTION_STRING, "only this project").short_name("P").desc();
constexpr xc_option_desc kWait =
    xc::Option("wait", XC_OPTION_INT,
               "wait up to SECONDS while sessions are RECEIVING, QUEUED or BUILDING")
        .value_name("SECONDS")
        .implicit_value(kDefaultWait)
        .desc();
constexpr xc_option_desc kSubject =
    xc::Option("subject", XC_OPTION_STRING, "subject label to archive under").desc();
constexpr xc_option_desc kLabel =
    xc::Option("label", XC_OPTION_STRING, "session label to archive as").desc();
constexpr xc_option_desc kOverwrite =
    xc::Option("overwrite", XC_OPTION_STRING,
               "merge into an existing session: append, or delete (its replaced data is lost)")
        .value_name("append|delete")
        .desc();
constexpr xc_option_desc kYes =
    xc::Option("yes", XC_OPTION_FLAG, "do not ask for confirmation").short_name("y").desc();
constexpr xc_option_desc kDryRun =
    xc::Option("dry-run", XC_OPTION_FLAG, "show what would happen, change nothing").desc();
constexpr xc_option_desc kTo = xc::Option("to", XC_OPTION_STRING, "project to move the session to")
                                   .value_name("PROJECT")
                                   .desc();
constexpr const xc_option_desc* kListOptions[] = {&kProjectFilter, &kWait};
constexpr const xc_option_desc* kArchiveOptions[] = {&kSubject, &kLabel, &kOverwrite, &kWait};
constexpr const xc_option_desc* kDeleteOptions[] = {&kYes, &kDryRun};
constexpr const xc_option_desc* kMoveOptions[] = {&kTo};

using P = Prearchive;
constexpr xc_command_desc kList =
    xc::Command("prearchive list", "List sessions in the prearchive")
        .description(
            "Lists the prearchive sessions of one project (--project) or of every "
            "project you may edit. CONFLICT and ERROR sessions are explained on stderr. "
            "With -q, one PROJECT/TIMESTAMP/FOLDER per line.")
        .options(kListOptions)
        .run(xc::command_thunk<P, &P::list>)
        .desc();
constexpr xc_command_desc kArchive =
    xc::Command("prearchive archive", "Archive a prearchive session")
        .description(
            "Moves a prearchive session into the archive through XNAT's archive "
            "service and prints its archive URI. Without --overwrite an existing "
            "session of the same label is never touched.")
        .positionals(kSessionArgs)
        .options(kArchiveOptions)
        .run(xc::command_thunk<P, &P::archive>)
        .desc();
constexpr xc_command_desc kDelete =
    xc::Command("prearchive delete", "Delete a prearchive session")
        .description(
            "Deletes a session from the prearchive. Asks first on a terminal; pass "
            "--yes when there is none.")
        .positionals(kSessionArgs)
        .options(kDeleteOptions)
        .run(xc::command_thunk<P, &P::remove>)
        .desc();
constexpr xc_command_desc kRebuild =
    xc::Command("prearchive rebuild", "Rebuild a prearchive session's metadata")
        .positionals(kSessionArgs)
        .run(xc::command_thunk<P, &P::rebuild>)
        .desc();
constexpr xc_command_desc kMove =
    xc::Command("prearchive move", "Move a prearchive session to another project")
        .positionals(kMoveArgs)
        .options(kMoveOptions)
        .run(xc::command_thunk<P, &P::move>)
        .desc();
constexpr const xc_command_desc* kCommands[] = {&kList, &kArchive, &kDelete, &kRebuild, &kMove};

constexpr xc_plugin_desc kPlugin =
    xc::Plugin("prearchive", "0.3.0", "Prearchive workflow: list, archive, delete, rebuild, move")
        .abi_minor(1)  // --wait's implicit value
        .commands(kCommands)
        .lifecycle(xc::plugin_init<Prearchive>, xc::plugin_shutdown<Prearchive>)
        .desc();

}  // namespace

XC_DEFINE_PLUGIN(kPlugin)
