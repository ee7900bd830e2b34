#include "commands/upload_commands.hpp"

#include "cli/parsed_command.hpp"
#include "commands/builtin_command_support.hpp"
#include "commands/upload_flow.hpp"
#include "plugins/host_services.hpp"
#include "plugins/plugin_catalog.hpp"
#include "plugins/plugin_command_adapter.hpp"
#include "xnatctl/error.hpp"

namespace xnatctl::host {
namespace {

constexpr const char* kUploadCommand = "session upload";
constexpr const char* kUploadDicomCommand = "session upload-dicom";

// Adds the options of every transport attached to `command`, one --help section each.
// Transports of one command may share an option name (e.g. both REST transports read
// --workers from the host); the first declaration is kept.
// `borrowed`: the transports belong to another command and are used here only through
// --transport, so their options cannot be required (the transport's create() checks them).
void add_transport_options(CommandSpec& spec, PluginCatalog& catalog, const std::string& command,
                           bool borrowed = false) {
  for (const TransportRef& t : catalog.transports_for(command)) {
    const std::string group =
        "Options of the '" + std::string(t.desc->name) + "' transport (" + t.plugin->id + ")";
    for (size_t i = 0; i < t.desc->option_count; ++i) {
      OptionSpec o = to_option_spec(*t.desc->options[i], group);
      if (borrowed) o.required = false;
      const bool taken =
          std::any_of(spec.options.begin(), spec.options.end(),
                      [&](const OptionSpec& existing) { return existing.name == o.name; });
      if (!taken) spec.options.push_back(std::move(o));
    }
  }
}

// --workers of both upload commands: the profile's `workers`, else 4 (the seed's default).
OptionSpec workers_option(const char* help) {
  OptionSpec workers = make_option("workers", 'w', OptionKind::kInt, help);
  workers.profile_key = "workers";
  workers.default_value = "4";
  return workers;
}

// Options both upload commands share: how the run behaves, whatever the transport.
std::vector<OptionSpec> run_options() {
  return {make_option("dry-run", 0, OptionKind::kFlag,
                      "show what would be sent and how; contact no server"),
          make_option("resume", 0, OptionKind::kFlag,
                      "skip the files an interrupted earlier run of the same upload already "
                      "sent (the command printed on interruption adds it)")};
}
CommandSpec session_upload(PluginCatalog& catalog, HostServices& services) {
  CommandSpec spec;
  spec.path = kUploadCommand;
  spec.summary = "Upload a DICOM session (directory or archive) through the REST import API";
  spec.description =
      "Sends DICOM-zip batches (default, transport rest_zip) or one request per file with "
      "--gradual "
      "(transport rest_gradual). Directories are scanned recursively; extensionless DICOM files "
      "are found "
      "by their content.";
  spec.positionals = {
      {"PATH", "a directory of DICOM files, or a .zip/.tar/.tgz archive", true, false}};
  OptionSpec project = make_option("project", 'P', OptionKind::kString, "project ID");
  project.profile_key = "default_project";
  OptionSpec subject = make_option("subject", 'S', OptionKind::kString, "subject label");
  subject.required = true;
  OptionSpec session =
      make_option("session", 'E', OptionKind::kString, "session (experiment) label");
  session.required = true;
  const OptionSpec workers = workers_option("parallel uploads");
  OptionSpec format =
      make_option("archive-format", 0, OptionKind::kString, "batch archive format: tar or zip");
  format.profile_key = "archive_mode";
  format.default_value = "tar";
  OptionSpec overwrite = make_option("overwrite", 0, OptionKind::kString,
                                     "what to do with an existing session: none, append or delete");
  overwrite.profile_key = "overwrite";
  overwrite.default_value = "delete";
  OptionSpec password = make_option("password", 0, OptionKind::kString,
                                    "password (prefer XNAT_PASS or 'auth login')");
  password.secret = true;
  spec.options = {
      project,
      subject,
      session,
      workers,
      format,
      make_option("gradual", 0, OptionKind::kFlag, "send one request per file (gradual-DICOM)"),
      make_option("zip-to-tar", 0, OptionKind::kFlag,
                  "convert a .zip archive to tar while streaming it"),
      make_option("direct-archive", 0, OptionKind::kFlag,
                  "archive directly, bypassing the prearchive (default)"),
      make_option("prearchive", 0, OptionKind::kFlag, "stage in the prearchive for review"),
      overwrite,
      make_option("transport", 0, OptionKind::kString,
                  "use this transport instead (see 'xnatctl plugin list')"),
      make_option("split-studies", 0, OptionKind::kFlag,
                  "several studies under one label: upload each as its own session "
                  "LABEL_1, LABEL_2, ... (in StudyDate/StudyTime order)"),
      make_option("allow-multi-study", 0, OptionKind::kFlag,
                  "several studies under one label: send them as one session (XNAT merges)"),
      make_option("no-commit", 0, OptionKind::kFlag,
                  "leave the session for the server to build when idle instead of archiving "
                  "it as soon as the last file is acknowledged"),
      make_option("verify", 0, OptionKind::kFlag,
                  "afterwards, compare the server's scans and files with what was sent"),
      make_option("username", 'u', OptionKind::kString,
                  "user name (prefer XNAT_USER or 'auth login')"),
      password};
  for (OptionSpec& o : run_options()) spec.options.push_back(std::move(o));
  spec.examples = {"xnatctl session upload ./DICOM -P MYPROJECT -S MYSUBJECT -E MYSESSION",
                   "xnatctl session upload ./DICOM -P MYPROJECT -S MYSUBJECT -E MYSESSION "
                   "--gradual --workers 16"};
  add_transport_options(spec, catalog, kUploadCommand);
  // --transport cstore: the C-STORE options are accepted here too.
  add_transport_options(spec, catalog, kUploadDicomCommand, true);
  spec.run = [&catalog, &services](ParsedCommand& inv) -> int {
    return run_upload(UploadCommand::kRest, inv, catalog, services);
  };
  return spec;
}

CommandSpec session_upload_dicom(PluginCatalog& catalog, HostServices& services) {
  CommandSpec spec;
  spec.path = kUploadDicomCommand;
  spec.summary = "Upload DICOM files to an XNAT DICOM receiver with C-STORE";
  spec.description =
      "Speaks native DICOM to the XNAT DICOM receiver (transport cstore). Where the data lands "
      "depends on the "
      "receiver's configuration and routing rules.";
  spec.positionals = {{"PATH", "a directory of DICOM files", true, false}};
  spec.options = {workers_option("parallel associations")};
  for (OptionSpec& o : run_options()) spec.options.push_back(std::move(o));
  spec.examples = {
      "xnatctl session upload-dicom ./DICOM --host xnat.example.org --port 8104 --called-aet XNAT"};
  if (!catalog.transport("cstore")) {
    spec.unavailable = catalog.unavailable_reason("cstore");
  }
  add_transport_options(spec, catalog, kUploadDicomCommand);
  spec.run = [&catalog, &services](ParsedCommand& inv) -> int {
    return run_upload(UploadCommand::kDicom, inv, catalog, services);
  };
  return spec;
}

}  // namespace

void register_upload_commands(CommandRegistry& registry, PluginCatalog& catalog,
                              HostServices& services) {
  registry.add(session_upload(catalog, services));
  registry.add(session_upload_dicom(catalog, services));
}

}  // namespace xnatctl::host
