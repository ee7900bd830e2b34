// `whoami`: which user the profile's session belongs to, asked of the server.

#include "xnatctl/auth/whoami.hpp"

#include <ostream>

#include "cli/command_registry.hpp"
#include "commands/builtin_command_support.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/output/records.hpp"

namespace xnatctl::host {
namespace {

int run_whoami(ParsedCommand& invocation) {
  auto connection = auth::connect(connect_options(invocation));
  const auto& profile = connection.profile;
  const bool had_token =
      profile.token || connection.token_cache.load(profile.name, profile.url).has_value();
  const auto username = auth::whoami(*connection.client);
  if (!username) {
    // The local name is only what we asked to log in as; printing it as the answer would
    // claim the server said so (an old XNAT, or a proxy hiding both endpoints).
    throw Error("whoami: the server at " + profile.url +
                " did not confirm the user name (neither /xapi/users/username nor /data/auth "
                "named one)" +
                (profile.username ? "; the local user name is '" + *profile.username + "'" : ""));
  }
  std::string session = "new login";
  if (connection.session->logins() == 0)
    session = profile.token ? "XNAT_TOKEN" : "cached";
  else if (had_token)
    session = "renewed (previous session expired)";
  const output::Record record{{"username", *username},
                              {"url", profile.url},
                              {"profile", profile.name},
                              {"default_project", profile.default_project.value_or("")},
                              {"session", session}};
  output::print_record(invocation.out(), output_format(invocation, connection.config_file.config()),
                       {{"username", "User"},
                        {"url", "Server"},
                        {"profile", "Profile"},
                        {"default_project", "Default project"},
                        {"session", "Session"}},
                       record, "username");
  return 0;
}

}  // namespace

void register_whoami_command(CommandRegistry& registry) {
  CommandSpec spec;
  spec.path = "whoami";
  spec.summary = "Show the user the server sees for the current profile";
  spec.description =
      "Asks /xapi/users/username (falling back to /data/auth), logging in first if needed.";
  spec.run = run_whoami;
  registry.add(std::move(spec));
}

}  // namespace xnatctl::host
