// `scan list`: the scans of one session, by label (with a project) or XNAT ID.

#include "cli/command_registry.hpp"
#include "commands/builtin_command_support.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/output/records.hpp"
#include "xnatctl/xnat/listings.hpp"

namespace xnatctl::host {
namespace {

int run_scan_list(ParsedCommand& invocation) {
  auto connection = auth::connect(connect_options(invocation));
  auto experiment = invocation.value("experiment");
  if (!experiment) throw UsageError("scan list: --experiment/-E is required");
  const auto explicit_project = invocation.value("project");
  const auto project = explicit_project ? explicit_project : connection.profile.default_project;

  std::vector<xnat::ScanSummary> scans;
  try {
    try {
      scans = xnat::list_scans(*connection.client, *experiment, project);
    } catch (const Error& e) {
      // An XNAT ID of another project is not found under the profile's default project; it
      // is found site-wide. An explicit -P is taken at its word.
      if (explicit_project || !project || e.code() != ExitCode::kFailure) throw;
      scans = xnat::list_scans(*connection.client, *experiment, std::nullopt);
    }
  } catch (const Error& e) {
    // The seed's verification path: a session that is not archived (yet) may be waiting
    // in the prearchive, which this listing cannot see.
    if (e.code() != ExitCode::kFailure || !project) throw;
    throw Error(std::string(e.what()) +
                    "; if it was just uploaded it may be in the prearchive: 'xnatctl prearchive "
                    "list --project " +
                    *project + "'",
                e.code());
  }
  std::vector<output::Record> records;
  records.reserve(scans.size());
  for (const auto& s : scans) {
    records.push_back({{"id", s.id},
                       {"type", s.type},
                       {"series_description", s.series_description},
                       {"quality", s.quality},
                       {"frames", s.frames},
                       {"note", s.note}});
  }
  output::print_list(invocation.out(), output_format(invocation, connection.config_file.config()),
                     {{"id", "ID"},
                      {"type", "Type"},
                      {"series_description", "Series Description"},
                      {"quality", "Quality"},
                      {"frames", "Frames"}},
                     records, "id");
  return 0;
}

}  // namespace

void register_scan_list_command(CommandRegistry& registry) {
  CommandSpec spec;
  spec.path = "scan list";
  spec.summary = "List the scans of a session";
  spec.examples = {"xnatctl scan list -E XNAT_E00001",
                   "xnatctl scan list -P MYPROJECT -E SESS001 -q"};
  spec.options.push_back(make_option("experiment", 'E', OptionKind::kString,
                                     "session label (with a project) or XNAT ID", "SESSION"));
  spec.options.push_back(make_option("project", 'P', OptionKind::kString,
                                     "project ID (default: the profile's default_project)",
                                     "PROJECT"));
  spec.run = run_scan_list;
  registry.add(std::move(spec));
}

}  // namespace xnatctl::host
