// `auth login`, `auth logout`, `auth status`: the JSESSION life cycle of a profile.

#include <ostream>

#include "cli/command_registry.hpp"
#include "commands/builtin_command_support.hpp"
#include "xnatctl/auth/credentials.hpp"
#include "xnatctl/auth/jsession.hpp"
#include "xnatctl/auth/whoami.hpp"
#include "xnatctl/config/paths.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/output/records.hpp"

namespace xnatctl::host {
namespace {

int run_login(ParsedCommand& invocation) {
  auto options = connect_options(invocation);
  options.use_token_cache = false;  // a login always starts a fresh session
  if (auto username = invocation.value("username")) options.credentials.username = *username;
  if (invocation.flag("password-stdin")) {
    options.credentials.password = read_secret_line(invocation.in());
  } else if (auto password = invocation.value("password")) {
    options.credentials.password = *password;
  }
  auto connection = auth::connect(options);
  const auto& profile = connection.profile;
  const auth::Credentials credentials =
      auth::resolve_credentials(options.credentials, profile, options.prompter.get());
  const std::string token = auth::login(*connection.client, credentials);

  // Ask the server who we are with the new session; it knows the canonical spelling.
  auth::JSessionProvider::Options session;
  session.initial_token = token;
  connection.client->set_session_provider(std::make_shared<auth::JSessionProvider>(session));
  std::string username = credentials.username;
  try {
    if (auto name = auth::whoami(*connection.client)) username = *name;
  } catch (const Error&) {
    // The login itself succeeded; a missing whoami endpoint is no reason to fail.
  }
  try {
    connection.token_cache.store(profile.name, profile.url, username, token);
  } catch (const std::exception& e) {
    // Logged in all the same; only the next command will have to log in again.
    invocation.err() << "warning: " << auth::token_cache_warning(e) << '\n';
  }

  const auto format = output_format(invocation, connection.config_file.config());
  if (format == output::Format::kTable) {
    invocation.out() << "Logged in to " << profile.url << " as " << username << " (profile '"
                     << profile.name << "')\n";
    return 0;
  }
  output::print_record(invocation.out(), format, {},
                       {{"status", "authenticated"},
                        {"username", username},
                        {"url", profile.url},
                        {"profile", profile.name}},
                       "username");
  return 0;
}

int run_logout(ParsedCommand& invocation) {
  auto options = connect_options(invocation);
  auto connection = auth::connect(options);
  const auto& profile = connection.profile;
  std::string status = "not_logged_in";
  bool confirmed = false;
  if (auto cached = connection.token_cache.load(profile.name, profile.url)) {
    confirmed = auth::logout(*connection.client, cached->token);
    status = "logged_out";
  }
  // A token issued by another server URL is useless now; drop it as well.
  if (connection.token_cache.remove(profile.name) && status == "not_logged_in")
    status = "logged_out";

  const auto format = output_format(invocation, connection.config_file.config());
  if (format == output::Format::kTable) {
    if (status == "logged_out") {
      invocation.out() << "Logged out of " << profile.url
                       << (confirmed ? "" : " (session removed locally)") << "\n";
    } else {
      invocation.out() << "No cached session for profile '" << profile.name << "'\n";
    }
    return 0;
  }
  output::print_record(invocation.out(), format, {},
                       {{"status", status},
                        {"profile", profile.name},
                        {"url", profile.url},
                        {"server_confirmed", confirmed ? "true" : "false"}},
                       "status");
  return 0;
}

int run_status(ParsedCommand& invocation) {
  auto options = connect_options(invocation);
  config::ConfigFile file;
  const auto profile = auth::resolve(options, &file);
  auth::TokenCache cache(config::token_cache_directory(options.env));
  auto cached = cache.load(profile.name, profile.url);

  std::string token_source = "none";
  if (profile.token) {
    token_source = "XNAT_TOKEN";
  } else if (cached) {
    token_source = "cache";
  }
  const bool env_user = options.env.get("XNAT_USER").has_value();
  const bool env_pass = options.env.get("XNAT_PASS").has_value();
  std::string credentials = "none";
  if (profile.username && profile.password) {
    credentials = env_user || env_pass ? "environment" : "profile";
  } else if (profile.username) {
    credentials = "username only";
  }
  std::string username =
      cached && !cached->username.empty() ? cached->username : profile.username.value_or("");
  const output::Record record{{"profile", profile.name},
                              {"url", profile.url},
                              {"username", username},
                              {"session", token_source},
                              {"session_created", cached ? cached->created_at : ""},
                              {"credentials", credentials},
                              {"verify_ssl", profile.verify_ssl ? "true" : "false"},
                              {"timeout", std::to_string(profile.timeout.count())}};
  output::print_record(invocation.out(), output_format(invocation, file.config()),
                       {{"profile", "Profile"},
                        {"url", "Server"},
                        {"username", "User"},
                        {"session", "Session"},
                        {"session_created", "Session created"},
                        {"credentials", "Credentials"},
                        {"verify_ssl", "Verify TLS"},
                        {"timeout", "Timeout (s)"}},
                       record, "profile");
  return 0;
}

}  // namespace

void register_auth_commands(CommandRegistry& registry) {
  CommandSpec login;
  login.path = "auth login";
  login.summary = "Log in and cache a session token for the profile";
  login.description =
      "Logs in with POST /data/JSESSION and caches the session token (not the password) in "
      "~/.config/xnatctl/sessions/<profile>.json, mode 0600. Credentials come from "
      "--username/--password-stdin, then XNAT_USER/XNAT_PASS, then the profile, then a prompt "
      "when stdin is a terminal.";
  login.examples = {"xnatctl auth login", "xnatctl auth login -u alice --password-stdin < pw.txt"};
  login.options.push_back(make_option("username", 'u', OptionKind::kString, "user name", "USER"));
  login.options.push_back(make_option("password-stdin", 0, OptionKind::kFlag,
                                      "read the password from the first line of stdin"));
  auto password = make_option("password", 0, OptionKind::kString,
                              "password (visible to other users in the process list; prefer "
                              "--password-stdin)",
                              "PASSWORD");
  password.secret = true;
  password.hidden = true;
  login.options.push_back(password);
  login.run = run_login;
  registry.add(std::move(login));

  CommandSpec logout;
  logout.path = "auth logout";
  logout.summary = "End the cached session on the server and forget it";
  logout.run = run_logout;
  registry.add(std::move(logout));

  CommandSpec status;
  status.path = "auth status";
  status.summary = "Show the profile, server and where the session comes from (no network)";
  status.run = run_status;
  registry.add(std::move(status));
}

}  // namespace xnatctl::host
