// `config init|show|add-profile|remove-profile|use-context|current-context`: edit and inspect
// ~/.config/xnatctl/config.yaml. Passwords stored in a profile are never shown.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <unistd.h>

#include <iostream>
#include <ostream>

#include "cli/command_registry.hpp"
#include "commands/builtin_command_support.hpp"
#include "xnatctl/auth/token_cache.hpp"
#include "xnatctl/config/paths.hpp"
#include "xnatctl/config/resolve.hpp"
#include "xnatctl/config/url.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/http/proxy.hpp"
#include "xnatctl/output/records.hpp"

namespace xnatctl::host {
namespace {

std::string yes_no(const std::optional<bool>& value, bool fallback) {
  return value.value_or(fallback) ? "true" : "false";
}

// The profile fields a command line can set (init, add-profile).
config::Profile profile_from_options(const ParsedCommand& invocation, const std::string& name,
                                     const std::string& url) {
  // A name is a YAML key and (made file-safe) a token-cache file name: any printable text.
  if (name.empty()) throw UsageError("a profile name must not be empty");
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f)
      throw UsageError("a profile name must not contain control characters");
  }
  config::Profile profile;
  profile.name = name;
  profile.url = config::normalize_server_url(url);
  profile.verify_ssl = !invocation.flag("no-verify-ssl");
  if (auto timeout = invocation.integer("timeout")) {
    if (*timeout <= 0 || *timeout > config::kMaxTimeoutSeconds) {
      throw UsageError("--timeout must be a number of seconds between 1 and " +
                       std::to_string(config::kMaxTimeoutSeconds));
    }
    profile.timeout = *timeout;
  } else {
    profile.timeout = config::kDefaultTimeout.count();
  }
  profile.default_project = invocation.value("project");
  profile.username = invocation.value("username");
  return profile;
}

void add_profile_options(CommandSpec& spec) {
  spec.options.push_back(make_option("url", 0, OptionKind::kString, "XNAT server URL", "URL"));
  spec.options.push_back(
      make_option("project", 'P', OptionKind::kString, "default project for commands", "PROJECT"));
  spec.options.push_back(make_option("username", 'u', OptionKind::kString,
                                     "user name to log in with (the password is never stored "
                                     "by these commands)",
                                     "USER"));
  spec.options.push_back(make_option("timeout", 0, OptionKind::kInt,
                                     "HTTP timeout in seconds (default 21600)", "SECONDS"));
  spec.options.push_back(
      make_option("no-verify-ssl", 0, OptionKind::kFlag,
                  "do not verify the server's TLS certificate (self-signed servers)"));
}

void print_saved(const ParsedCommand& invocation, const config::ConfigFile& file,
                 const config::Profile& profile, const char* verb) {
  const auto format = output_format(invocation, file.config());
  if (format == output::Format::kTable) {
    invocation.out() << verb << " profile '" << profile.name << "' (" << *profile.url << ") in "
                     << file.path().string() << "\n";
    return;
  }
  output::print_record(invocation.out(), format, {},
                       {{"profile", profile.name},
                        {"url", *profile.url},
                        {"default_project", profile.default_project.value_or("")},
                        {"path", file.path().string()}},
                       "profile");
}

int run_init(ParsedCommand& invocation) {
  auto file = load_config_file(invocation);
  const std::string name = invocation.globals().profile.value_or(config::kDefaultProfileName);
  std::optional<std::string> url = invocation.value("url");
  if (!url) {
    if (::isatty(STDIN_FILENO) != 1) throw UsageError("config init: --url is required");
    std::cerr << "XNAT server URL: " << std::flush;
    std::string answer;
    if (!std::getline(invocation.in(), answer) || answer.empty()) {
      throw UsageError("config init: no server URL given");
    }
    url = answer;
  }
  if (file.config().find(name) && !invocation.flag("force")) {
    throw UsageError("profile '" + name + "' already exists in " + file.path().string() +
                     "; use --force to replace it");
  }
  // --force replaces this one profile; the others stay (the Python tool wiped them all).
  if (file.config().find(name)) file.remove_profile(name);
  auto profile = profile_from_options(invocation, name, *url);
  file.put_profile(profile);
  if (!file.config().default_profile || file.config().profiles.size() == 1) {
    file.set_default_profile(name);
  }
  file.save();
  print_saved(invocation, file, profile, "Saved");
  return 0;
}

int run_add_profile(ParsedCommand& invocation) {
  auto file = load_config_file(invocation);
  const std::string name = invocation.positionals().at(0);
  auto url = invocation.value("url");
  if (!url) throw UsageError("config add-profile: --url is required");
  if (file.config().find(name)) {
    throw UsageError("profile '" + name + "' already exists in " + file.path().string());
  }
  auto profile = profile_from_options(invocation, name, *url);
  file.put_profile(profile);
  if (!file.config().default_profile) file.set_default_profile(name);
  file.save();
  print_saved(invocation, file, profile, "Added");
  return 0;
}

int run_remove_profile(ParsedCommand& invocation) {
  auto file = load_config_file(invocation);
  const std::string name = invocation.positionals().at(0);
  if (!file.config().find(name)) {
    throw UsageError("profile '" + name + "' not found in " + file.path().string());
  }
  if (file.config().default_profile == name && file.config().profiles.size() > 1) {
    throw UsageError("profile '" + name +
                     "' is the default; choose another with 'xnatctl config use-context' first");
  }
  if (invocation.flag("dry-run")) {
    invocation.out() << "Would remove profile '" << name << "' from " << file.path().string()
                     << "\n";
    return 0;
  }
  file.remove_profile(name);
  file.save();
  auth::TokenCache(config::token_cache_directory(config::Environment::process())).remove(name);
  if (!invocation.globals().quiet) {
    invocation.out() << "Removed profile '" << name << "' from " << file.path().string() << "\n";
  }
  return 0;
}

int run_use_context(ParsedCommand& invocation) {
  auto file = load_config_file(invocation);
  const std::string name = invocation.positionals().at(0);
  if (!file.config().find(name)) {
    throw UsageError("profile '" + name + "' not found in " + file.path().string());
  }
  file.set_default_profile(name);
  file.save();
  if (!invocation.globals().quiet) invocation.out() << "Default profile is now '" << name << "'\n";
  return 0;
}

std::string source_name(config::ProfileSource source) {
  switch (source) {
    case config::ProfileSource::kCommandLine:
      return "--profile";
    case config::ProfileSource::kEnvironment:
      return "XNAT_PROFILE";
    case config::ProfileSource::kConfigDefault:
      return "default_profile";
    case config::ProfileSource::kBuiltIn:
      break;
  }
  return "built-in default";
}

int run_current_context(ParsedCommand& invocation) {
  auto file = load_config_file(invocation);
  auto [name, source] = config::select_profile_name(file.config(), config::Environment::process(),
                                                    invocation.globals().profile);
  const auto format = output_format(invocation, file.config());
  if (format == output::Format::kTable) {
    invocation.out() << name << "\n";
    return 0;
  }
  output::print_record(invocation.out(), format, {},
                       {{"profile", name},
                        {"source", source_name(source)},
                        {"exists", file.config().find(name) ? "true" : "false"}},
                       "profile");
  return 0;
}

int run_show(ParsedCommand& invocation) {
  auto file = load_config_file(invocation);
  const auto& config = file.config();
  auto [active, source] = config::select_profile_name(config, config::Environment::process(),
                                                      invocation.globals().profile);
  (void)source;
  std::vector<output::Record> rows;
  for (const auto& p : config.profiles) {
    rows.push_back(
        {{"name", p.name},
         {"active", p.name == active ? "*" : ""},
         {"url", p.url.value_or("")},
         {"username", p.username.value_or("")},
         {"password", p.password ? "(stored)" : ""},
         {"verify_ssl", yes_no(p.verify_ssl, true)},
         {"timeout", std::to_string(p.timeout.value_or(config::kDefaultTimeout.count()))},
         {"default_project", p.default_project.value_or("")}});
  }
  const auto format = output_format(invocation, config);
  if (format == output::Format::kJson) {
    Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
    root.set("path", file.path().string());
    root.set("exists", file.exists());
    root.set("default_profile", config.default_profile.value_or(""));
    root.set("active_profile", active);
    root.set("output_format", config.output_format.value_or("table"));
    Poco::JSON::Array profiles;
    for (const auto& p : config.profiles) {
      Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      object->set("name", p.name);
      object->set("url", p.url.value_or(""));
      object->set("username", p.username.value_or(""));
      object->set("password_stored", p.password.has_value());
      object->set("verify_ssl", p.verify_ssl.value_or(true));
      object->set("timeout", p.timeout.value_or(config::kDefaultTimeout.count()));
      object->set("default_project", p.default_project.value_or(""));
      if (p.workers) object->set("workers", *p.workers);
      if (p.overwrite) object->set("overwrite", *p.overwrite);
      if (p.direct_archive) object->set("direct_archive", *p.direct_archive);
      if (p.archive_mode) object->set("archive_mode", *p.archive_mode);
      // A proxy URL may carry credentials: shown redacted, like everywhere else.
      if (p.proxy) object->set("proxy", http::redact_url_credentials(*p.proxy));
      if (p.ca_bundle) object->set("ca_bundle", *p.ca_bundle);
      profiles.add(object);
    }
    root.set("profiles", profiles);
    root.stringify(invocation.out(), 2);
    invocation.out() << "\n";
    return 0;
  }
  if (format == output::Format::kQuiet) {
    for (const auto& p : config.profiles) invocation.out() << p.name << "\n";
    return 0;
  }
  invocation.out() << "Config file:     " << file.path().string()
                   << (file.exists() ? "" : " (not created yet)")
                   << "\nDefault profile: " << config.default_profile.value_or("-")
                   << "\nActive profile:  " << active
                   << "\nOutput format:   " << config.output_format.value_or("table") << "\n\n";
  output::print_list(invocation.out(), format,
                     {{"active", " "},
                      {"name", "Profile"},
                      {"url", "URL"},
                      {"username", "User"},
                      {"password", "Password"},
                      {"verify_ssl", "Verify TLS"},
                      {"timeout", "Timeout"},
                      {"default_project", "Default project"}},
                     rows, "name");
  return 0;
}

CommandSpec command(std::string path, std::string summary, std::function<int(ParsedCommand&)> run) {
  CommandSpec spec;
  spec.path = std::move(path);
  spec.summary = std::move(summary);
  spec.run = std::move(run);
  return spec;
}

PositionalSpec profile_positional() {
  PositionalSpec positional;
  positional.name = "NAME";
  positional.help = "profile name";
  return positional;
}

}  // namespace

void register_config_commands(CommandRegistry& registry) {
  auto init = command("config init", "Create the config file with a first profile", run_init);
  init.description =
      "Writes ~/.config/xnatctl/config.yaml (mode 0600). The profile is named by --profile "
      "(default 'default'); the first profile becomes the default one.";
  init.examples = {"xnatctl config init --url https://xnat.example.org -P MYPROJECT",
                   "xnatctl --profile dev config init --url http://localhost:8080 --no-verify-ssl"};
  add_profile_options(init);
  init.options.push_back(
      make_option("force", 0, OptionKind::kFlag, "replace an existing profile of that name"));
  registry.add(std::move(init));

  auto add = command("config add-profile", "Add a profile", run_add_profile);
  add.positionals.push_back(profile_positional());
  add_profile_options(add);
  registry.add(std::move(add));

  auto remove = command("config remove-profile", "Remove a profile and its cached session",
                        run_remove_profile);
  remove.positionals.push_back(profile_positional());
  remove.options.push_back(
      make_option("dry-run", 0, OptionKind::kFlag, "say what would be removed"));
  auto yes =
      make_option("yes", 'y', OptionKind::kFlag, "accepted for compatibility; nothing is asked");
  yes.hidden = true;
  remove.options.push_back(yes);
  registry.add(std::move(remove));

  auto use = command("config use-context", "Make a profile the default", run_use_context);
  use.positionals.push_back(profile_positional());
  registry.add(std::move(use));

  registry.add(command("config current-context", "Print the profile commands would use",
                       run_current_context));
  registry.add(
      command("config show", "Show the configuration (passwords are never shown)", run_show));
}

}  // namespace xnatctl::host
