// `session verify PATH -P P -S S -E E`: compares a session uploaded earlier with the local
// files it came from (core upload::verify), without sending anything.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <ostream>

#include "cli/command_registry.hpp"
#include "commands/builtin_command_support.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/upload/discovery.hpp"
#include "xnatctl/upload/landing.hpp"
#include "xnatctl/upload/study_guard.hpp"

namespace xnatctl::host {
namespace {

Poco::JSON::Array::Ptr to_json(const std::vector<upload::VerifyMismatch>& items) {
  Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
  for (const auto& m : items) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("path", m.path);
    o->set("what", m.what);
    array->add(o);
  }
  return array;
}

void print_report(std::ostream& out, output::Format format, int verbosity, const upload::Job& job,
                  const upload::VerifyReport& r) {
  if (format == output::Format::kQuiet) return;  // the exit status says it
  if (format == output::Format::kJson) {
    Poco::JSON::Object o;
    o.set("session", job.target.session);
    o.set("project", job.target.project);
    o.set("where", r.where);
    o.set("ok", r.ok());
    o.set("expected", r.expected);
    o.set("found", r.found);
    o.set("mismatches", to_json(r.mismatches));
    o.set("differences", to_json(r.differences));
    Poco::JSON::Array::Ptr notes = new Poco::JSON::Array;
    for (const auto& n : r.notes) notes->add(n);
    o.set("notes", notes);
    o.stringify(out);
    out << "\n";
    return;
  }
  out << (r.ok() ? "verified: " : "MISMATCH: ") << job.target.session << " in "
      << job.target.project << ": " << r.found << " of " << r.expected
      << " files found on the server, " << r.mismatches.size() << " mismatch"
      << (r.mismatches.size() == 1 ? "" : "es") << " (" << r.where << ")\n";
  for (const auto& m : r.mismatches) out << "  " << m.path << ": " << m.what << "\n";
  for (const auto& n : r.notes) out << "  note: " << n << "\n";
  if (verbosity > 0)
    for (const auto& d : r.differences) out << "  differs: " << d.path << ": " << d.what << "\n";
}

int run_session_verify(ParsedCommand& invocation) {
  auto connection = auth::connect(connect_options(invocation));
  const std::string project = required_project(invocation, connection);
  const auto format = output_format(invocation, connection.config_file.config());

  auto discovery = upload::discover(invocation.positionals().at(0));
  upload::Job job;
  job.target = {connection.profile.url, project, *invocation.value("subject"),
                *invocation.value("session")};
  job.source = discovery.source;
  job.source_kind = discovery.kind;
  job.files = std::move(discovery.files);
  if (job.files.empty())
    throw UsageError("no DICOM files found in " + invocation.positionals().at(0));
  // The same study rule as `session upload`: with --split-studies each study was its own
  // session (LABEL_1, LABEL_2, ...).
  const auto policy = invocation.flag("split-studies")       ? upload::MultiStudyPolicy::kSplit
                      : invocation.flag("allow-multi-study") ? upload::MultiStudyPolicy::kMerge
                                                             : upload::MultiStudyPolicy::kRefuse;
  upload::VerifyOptions options;
  options.extra_is_failure = !invocation.flag("allow-extra");
  bool ok = true;
  for (const auto& one : upload::apply_study_guard(std::move(job), policy)) {
    const auto report = upload::verify(*connection.client, one, options);
    print_report(invocation.out(), format, invocation.globals().verbosity, one, report);
    ok = ok && report.ok();
  }
  return ok ? 0 : static_cast<int>(ExitCode::kFailure);
}

}  // namespace

void register_session_verify_command(CommandRegistry& registry) {
  CommandSpec spec;
  spec.path = "session verify";
  spec.summary = "Compare a session on the server with the local files it was uploaded from";
  spec.description =
      "Lists the session's scans and DICOM file catalogs (archive, else prearchive) and checks "
      "that every local file is there: files per series, each object by SOP Instance UID or "
      "stored name. Missing or extra files are mismatches (exit 1). Size or checksum "
      "differences alone are reported as notes: XNAT re-writes each object's header when it "
      "stores it.";
  spec.positionals = {
      {"PATH", "the directory or .zip/.tar/.tgz archive that was uploaded", true, false}};
  OptionSpec project =
      make_option("project", 'P', OptionKind::kString,
                  "project ID (default: the profile's default_project)", "PROJECT");
  OptionSpec subject = make_option("subject", 'S', OptionKind::kString, "subject label");
  subject.required = true;
  OptionSpec session =
      make_option("session", 'E', OptionKind::kString, "session (experiment) label");
  session.required = true;
  spec.options = {
      project,
      subject,
      session,
      make_option("split-studies", 0, OptionKind::kFlag,
                  "PATH held several studies uploaded with --split-studies (LABEL_1, ...)"),
      make_option("allow-multi-study", 0, OptionKind::kFlag,
                  "PATH holds several studies merged into one session"),
      make_option("allow-extra", 0, OptionKind::kFlag,
                  "files on the server that are not in PATH are notes, not mismatches")};
  spec.examples = {"xnatctl session verify ./DICOM -P MYPROJECT -S MYSUBJECT -E MYSESSION",
                   "xnatctl session verify ./DICOM -P MYPROJECT -S MYSUBJECT -E MYSESSION -o json"};
  spec.run = run_session_verify;
  registry.add(std::move(spec));
}

}  // namespace xnatctl::host
