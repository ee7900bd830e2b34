// `session list`: the experiments of a project, optionally of one subject.

#include <Poco/String.h>

#include "cli/command_registry.hpp"
#include "commands/builtin_command_support.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/output/records.hpp"
#include "xnatctl/xnat/listings.hpp"

namespace xnatctl::host {
namespace {

int run_session_list(ParsedCommand& invocation) {
  auto connection = auth::connect(connect_options(invocation));
  const std::string project = required_project(invocation, connection);
  auto sessions = xnat::list_sessions(*connection.client, project, invocation.value("subject"));
  const auto modality = invocation.value("modality");
  std::vector<output::Record> records;
  for (const auto& s : sessions) {
    if (modality && Poco::icompare(s.modality, *modality) != 0) continue;
    records.push_back({{"id", s.id},
                       {"label", s.label},
                       {"subject", s.subject},
                       {"date", s.date},
                       {"modality", s.modality}});
  }
  const auto format = output_format(invocation, connection.config_file.config());
  if (records.empty() && format == output::Format::kTable) {
    // Where else a just-uploaded session can be (the seed's "Verifying Your Upload").
    invocation.err() << "note: sessions waiting for review are listed by 'xnatctl prearchive "
                        "list --project "
                     << project << "'\n";
  }
  output::print_list(invocation.out(), format,
                     {{"id", "ID"},
                      {"label", "Label"},
                      {"subject", "Subject"},
                      {"date", "Date"},
                      {"modality", "Modality"}},
                     records, "id");
  return 0;
}

}  // namespace

void register_session_list_command(CommandRegistry& registry) {
  CommandSpec spec;
  spec.path = "session list";
  spec.summary = "List the sessions (experiments) of a project";
  spec.examples = {"xnatctl session list -P MYPROJECT",
                   "xnatctl session list -P MYPROJECT -S SUB001 -o json"};
  spec.options.push_back(make_option("project", 'P', OptionKind::kString,
                                     "project ID (default: the profile's default_project)",
                                     "PROJECT"));
  spec.options.push_back(
      make_option("subject", 'S', OptionKind::kString, "only this subject (label)", "SUBJECT"));
  spec.options.push_back(make_option("modality", 0, OptionKind::kString,
                                     "only this modality (MR, PET, CT, EEG, ...)", "MODALITY"));
  spec.run = run_session_list;
  registry.add(std::move(spec));
}

}  // namespace xnatctl::host
