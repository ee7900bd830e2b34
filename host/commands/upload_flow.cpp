#include "commands/upload_flow.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <tuple>

#include "commands/builtin_command_support.hpp"
#include "commands/upload_output.hpp"
#include "plugins/status_mapping.hpp"
#include "plugins/transport_runner.hpp"
#include "xnatctl/cancel.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/upload/discovery.hpp"
#include "xnatctl/upload/journal.hpp"
#include "xnatctl/upload/landing.hpp"
#include "xnatctl/upload/run_ledger.hpp"
#include "xnatctl/upload/study_guard.hpp"

namespace xnatctl::host {
namespace {

namespace fs = std::filesystem;
using upload::Job;

constexpr int kMaxWorkers = 64;

std::string transport_name(UploadCommand command, const ParsedCommand& inv) {
  if (command == UploadCommand::kDicom) return "cstore";
  if (auto named = inv.value("transport")) return *named;
  return inv.flag("gradual") ? "rest_gradual" : "rest_zip";
}

upload::JobSettings settings_of(const ParsedCommand& inv) {
  upload::JobSettings s;
  if (inv.flag("prearchive") && inv.flag("direct-archive"))
    throw UsageError("--prearchive and --direct-archive exclude each other");
  if (inv.flag("prearchive")) s.destination = upload::Destination::kPrearchive;
  if (auto o = inv.value("overwrite")) s.overwrite = upload::parse_overwrite(*o);
  if (auto w = inv.integer("workers")) {
    if (*w < 1 || *w > kMaxWorkers)
      throw UsageError("--workers must be between 1 and " + std::to_string(kMaxWorkers));
    s.workers = static_cast<int>(*w);
  }
  if (auto f = inv.value("archive-format")) s.archive_format = upload::parse_archive_format(*f);
  s.zip_to_tar = inv.flag("zip-to-tar");
  s.dry_run = inv.flag("dry-run");
  s.resume = inv.flag("resume");
  s.commit = !inv.flag("no-commit");
  s.verify = inv.flag("verify");
  return s;
}

upload::MultiStudyPolicy study_policy(const ParsedCommand& inv) {
  const bool split = inv.flag("split-studies"), merge = inv.flag("allow-multi-study");
  if (split && merge)
    throw UsageError("--split-studies and --allow-multi-study exclude each other");
  if (split) return upload::MultiStudyPolicy::kSplit;
  return merge ? upload::MultiStudyPolicy::kMerge : upload::MultiStudyPolicy::kRefuse;
}

// The receiver a C-STORE upload goes to, as the journal identifies it.
std::string dicom_endpoint(const ParsedCommand& inv) {
  return "dicom://" + inv.value("host").value_or("") + ":" + inv.value("port").value_or("") + "/" +
         inv.value("called-aet").value_or("");
}

// Shell-quotes one word for the printed resume command.
std::string shell_word(const std::string& word) {
  const bool plain = !word.empty() && word.find_first_not_of(
                                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789-_./=:@%+,") == std::string::npos;
  if (plain) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The command that resumes this run: every option the user typed (secrets excepted), the
// destination the journal is keyed by even where it came from a profile, and --resume.
std::string resume_command(UploadCommand command, const ParsedCommand& inv,
                           const fs::path& source) {
  std::string cmd = "xnatctl";
  if (inv.globals().profile) cmd += " -p " + shell_word(*inv.globals().profile);
  cmd += command == UploadCommand::kDicom ? " session upload-dicom " : " session upload ";
  cmd += shell_word(source.string());
  for (const OptionSpec& o : inv.spec().options) {
    const bool key = o.name == "project" || o.name == "subject" || o.name == "session";
    if (o.secret || o.name == "resume" || o.name == "dry-run" || (!key && !inv.typed(o.name)))
      continue;
    if (o.kind == OptionKind::kFlag) {
      if (inv.flag(o.name)) cmd += " --" + o.name;
    } else {
      for (const auto& v : inv.values(o.name)) cmd += " --" + o.name + " " + shell_word(v);
    }
  }
  return cmd + " --resume";
}

using IdentityKey = std::tuple<std::string, std::uint64_t, std::int64_t, std::string>;

IdentityKey key_of(const upload::FileIdentity& f) {
  return {f.relative_path, f.size, f.mtime_ns, f.sop_instance_uid};
}

// Leaves out the files an earlier run of the same key had acknowledged (unchanged ones:
// identity includes size and mtime). Returns how many were left out.
std::size_t drop_acknowledged(Job& job, const std::vector<upload::FileIdentity>& acknowledged) {
  std::set<IdentityKey> done;
  for (const auto& f : acknowledged) done.insert(key_of(f));
  const std::size_t before = job.files.size();
  std::erase_if(job.files, [&](const upload::JobFile& f) {
    return done.count(key_of(upload::FileIdentity::of(f))) > 0;
  });
  return before - job.files.size();
}

upload::JournalKey journal_key(const Job& job) {
  return {job.target.server_url, job.target.project,  job.target.subject,
          job.target.session,    job.source.string(), job.transport};
}

// True when discovery kept every member of a pre-built archive (nothing filtered out).
bool kept_whole_archive(const upload::Discovery& d) {
  return d.kind == upload::SourceKind::kArchive && d.skipped.empty();
}

// --resume found nothing left to send: the earlier run may have been killed after its last
// file was acknowledged and before its commit, so the session is finished now (REST), and
// verified with --verify, as if this run had sent the files.
SessionReport finish_earlier(const Job& whole, bool rest, HostServices& services, UploadOutput& out,
                             std::vector<std::unique_ptr<upload::Landing>>& landings,
                             std::vector<std::unique_ptr<upload::VerifyReport>>& verifies) {
  SessionReport report;
  report.job = &whole;
  report.sent_earlier = whole.files.size();
  const std::string head = "session " + whole.target.session + ": all " +
                           std::to_string(whole.files.size()) +
                           " files were sent by an earlier run; nothing left to send";
  if (!rest) {
    out.notice(head);
    out.session_done(report);
    return report;
  }
  if (!whole.settings.commit) {
    out.notice(head + "; --no-commit: its session is left as it is");
    out.session_done(report);
    return report;
  }
  out.notice(head + "; finishing the session it left (commit" +
             (whole.settings.verify ? ", verify)" : ")"));
  landings.push_back(
      std::make_unique<upload::Landing>(upload::land_earlier(services.client(), whole)));
  report.landing = landings.back().get();
  if (whole.settings.verify) {
    upload::VerifyOptions options;
    options.extra_is_failure = false;  // an earlier upload may have merged into the session
    verifies.push_back(
        std::make_unique<upload::VerifyReport>(upload::verify(services.client(), whole, options)));
    report.verify = verifies.back().get();
  }
  out.session_done(report);
  return report;
}

}  // namespace

int run_upload(UploadCommand command, const ParsedCommand& inv, PluginCatalog& catalog,
               HostServices& services) {
  const std::string requested = transport_name(command, inv);
  if (!catalog.transport(requested))
    throw Error(catalog.unavailable_reason(requested), ExitCode::kUnavailable);

  Job base;
  base.transport = requested;
  base.settings = settings_of(inv);
  if (command == UploadCommand::kRest) {
    base.target.project = inv.value("project").value_or("");
    base.target.subject = inv.value("subject").value_or("");
    base.target.session = inv.value("session").value_or("");
    if (base.target.project.empty())
      throw UsageError("missing option --project/-P (or set default_project in the profile)");
  }
  const upload::MultiStudyPolicy policy =
      command == UploadCommand::kRest ? study_policy(inv) : upload::MultiStudyPolicy::kMerge;

  const config::ConfigFile config = load_config_file(inv);
  const output::Format format = output_format(inv, config.config());
  const TransportRef first = *catalog.transport(requested);
  UploadOutput out(format, inv.out(), inv.err(), inv.globals().verbosity,
                   (first.desc->capabilities & XC_TRANSPORT_PER_FILE_RESULTS) != 0);

  // Discovery reads only the source: a bad path is refused before any server is contacted.
  const fs::path source = fs::absolute(inv.positionals().at(0));
  upload::DiscoveryOptions options;
  options.cancelled = &cancel::flag();
  options.progress = [&out](std::size_t n) { out.discovering(n); };
  const upload::Discovery discovery = upload::discover(source, options);
  out.discovered(discovery);
  if (discovery.files.empty())
    throw Error("no DICOM files found in " + source.string() +
                (discovery.skipped.empty() ? ""
                                           : " (" + std::to_string(discovery.skipped.size()) +
                                                 " files skipped; -v lists them)"));
  base.source = discovery.source;
  base.source_kind = discovery.kind;
  base.files = discovery.files;
  base.whole_source = kept_whole_archive(discovery);

  // The REST server: connect() reads configuration only; the first request logs in.
  std::optional<std::string> server_problem;
  if (command == UploadCommand::kRest) {
    services.set_connector([&inv] {
      auth::ConnectOptions login = connect_options(inv);
      // The guide's `session upload ... --username U --password P` (parallel uploads).
      if (auto user = inv.value("username")) login.credentials.username = *user;
      if (auto password = inv.value("password")) login.credentials.password = *password;
      return auth::connect(login);
    });
    try {
      base.target.server_url = services.client().options().base_url;
    } catch (const Error& e) {
      if (!base.settings.dry_run) throw;
      server_problem = e.what();  // a dry run still shows its plan
    }
  } else {
    base.target.server_url = dicom_endpoint(inv);
  }

  std::vector<Job> jobs = upload::apply_study_guard(std::move(base), policy);
  if (jobs.size() > 1)
    for (Job& j : jobs) j.whole_source = false;

  TransportRunner runner(catalog, services, inv, format);
  for (Job& job : jobs) runner.route(job);

  std::unique_ptr<upload::Journal> journal;
  if (!jobs.front().settings.dry_run)
    journal = std::make_unique<upload::Journal>(upload::Journal::default_path());

  std::vector<SessionReport> reports;
  std::vector<std::unique_ptr<Job>> earlier_jobs;  // reported by --resume with nothing to send
  std::vector<std::unique_ptr<upload::Landing>> landings;
  std::vector<std::unique_ptr<upload::VerifyReport>> verifies;
  bool cancelled = false, failed_whole = false, misplaced = false, unverified = false;
  ExitCode whole_failure = ExitCode::kFailure;
  for (Job& job : jobs) {
    const TransportRef transport = *catalog.transport(job.transport);
    const bool rest = (transport.desc->capabilities & XC_TRANSPORT_NEEDS_HTTP) != 0;
    const upload::JournalKey key = journal_key(job);

    if (journal) {
      const auto acknowledged = journal->acknowledged(key);
      if (job.settings.resume) {
        auto whole = std::make_unique<Job>(job);  // what an earlier run sent, if it sent all
        const std::size_t dropped = drop_acknowledged(job, acknowledged);
        if (dropped > 0) {
          job.whole_source = false;
          out.notice("resuming: " + std::to_string(dropped) +
                     " files were acknowledged by an earlier run and are not sent again");
        }
        if (job.files.empty()) {
          earlier_jobs.push_back(std::move(whole));
          reports.push_back(
              finish_earlier(*earlier_jobs.back(), rest, services, out, landings, verifies));
          if (reports.back().landing != nullptr && !reports.back().landing->as_requested)
            misplaced = true;
          if (reports.back().verify != nullptr && !reports.back().verify->ok()) unverified = true;
          // Forgotten once the session is where it was asked to go: a failed commit, or
          // --no-commit again, is finished by the next --resume.
          const upload::Landing* landing = reports.back().landing;
          if (!rest || (landing != nullptr && landing->as_requested)) journal->complete(key);
          continue;
        }
      } else if (!acknowledged.empty()) {
        out.notice("note: " + std::to_string(acknowledged.size()) +
                   " files of an earlier run were already sent; add --resume to skip them");
      }
    }

    if (job.settings.dry_run) {
      out.plan(job, discovery);
      if (server_problem) out.notice("note: " + *server_problem);
      upload::RunLedger ledger(job, nullptr, key, out);
      const TransportOutcome described = runner.run(transport, job, ledger);
      if (described.status != XC_OK)
        throw Error(described.message, exit_code_for(described.status));
      continue;
    }

    upload::LandingPlan plan;
    if (rest) plan = upload::prepare_landing(services.client(), job);

    out.begin(job);
    upload::RunLedger ledger(job, journal.get(), key, out);
    const auto started = std::chrono::steady_clock::now();
    const TransportOutcome sent = runner.run(transport, job, ledger);
    SessionReport report;
    report.job = &job;
    report.tally = ledger.tally();
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (auto journal_error = ledger.journal_error())
      report.transport_error = "the resume journal could not be written: " + *journal_error;
    if (sent.status == XC_CANCELLED || cancel::requested()) cancelled = true;
    if (sent.status != XC_OK && sent.status != XC_PARTIAL && sent.status != XC_CANCELLED) {
      report.transport_error = sent.message;
      failed_whole = true;
      whole_failure = exit_code_for(sent.status);
    }
    if (rest && !cancelled && report.tally.stored > 0) {
      landings.push_back(std::make_unique<upload::Landing>(
          upload::land(services.client(), job, plan, ledger.outcomes())));
      report.landing = landings.back().get();
      if (!report.landing->as_requested) misplaced = true;
      if (job.settings.verify && report.tally.stored == report.tally.files) {
        // Files of an earlier upload (a merge into an existing session, or the part a
        // --resume skipped) are expected on the server: notes, not mismatches.
        upload::VerifyOptions verify_options;
        verify_options.extra_is_failure = !plan.session_exists && !job.settings.resume;
        verifies.push_back(std::make_unique<upload::VerifyReport>(
            upload::verify(services.client(), job, verify_options)));
        report.verify = verifies.back().get();
        if (!report.verify->ok()) unverified = true;
      }
    }
    // Forgotten once every file is stored and, for REST, the session was committed where it
    // was asked to go. A --no-commit run (or a failed commit) keeps it, so that --resume, with
    // nothing left to send, commits the session then.
    const bool landed =
        !rest || (job.settings.commit && report.landing != nullptr && report.landing->as_requested);
    if (journal && report.tally.stored == report.tally.files && landed) journal->complete(key);
    out.session_done(report);
    reports.push_back(report);
    if (cancelled) break;
  }

  upload::Tally total;
  for (const auto& r : reports) total += r.tally;
  ExitCode code = reports.empty() ? ExitCode::kOk : upload::exit_code_of(total, cancelled);
  if (failed_whole && (code == ExitCode::kOk || total.stored == 0)) code = whole_failure;
  if (code == ExitCode::kOk && (misplaced || unverified)) code = ExitCode::kFailure;
  // Worth resuming when the run was interrupted or got part of the way.
  const bool resumable = code != ExitCode::kOk && !jobs.front().settings.dry_run &&
                         total.stored < total.files && (cancelled || total.stored > 0);
  const std::string resume = resumable ? resume_command(command, inv, discovery.source) : "";
  if (!jobs.front().settings.dry_run)
    out.finished(reports, discovery, static_cast<int>(code), resume);
  return static_cast<int>(code);
}

}  // namespace xnatctl::host
