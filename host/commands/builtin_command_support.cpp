#include "commands/builtin_command_support.hpp"

#include <mutex>
#include <ostream>
#include <set>

#include "xnatctl/config/paths.hpp"
#include "xnatctl/error.hpp"

namespace xnatctl::host {

auth::ConnectOptions connect_options(const ParsedCommand& invocation) {
  auth::ConnectOptions options;
  options.profile = invocation.globals().profile;
  options.config_file = invocation.config().file();
  options.proxy = invocation.globals().proxy;
  options.no_proxy = invocation.globals().no_proxy;
  std::ostream* warnings = &invocation.err();
  options.warn = [warnings](const std::string& line) {
    // Each warning once per command, however many connections the command makes.
    static std::mutex mutex;
    static std::set<std::string> shown;
    std::lock_guard lock(mutex);
    if (shown.insert(line).second) *warnings << "warning: " << line << '\n';
  };
  if (invocation.globals().verbosity > 0) {
    // Transport workers log from several threads; one line at a time.
    auto mutex = std::make_shared<std::mutex>();
    std::ostream* err = &invocation.err();
    options.log = [mutex, err](const std::string& line) {
      std::lock_guard lock(*mutex);
      *err << "debug: http: " << line << '\n';
    };
  }
  return options;
}

std::string required_project(const ParsedCommand& invocation, const auth::Connection& connection) {
  if (auto project = invocation.value("project")) return *project;
  if (connection.profile.default_project) return *connection.profile.default_project;
  throw UsageError("project required: pass --project/-P or set default_project in profile '" +
                   connection.profile.name + "'");
}

output::Format output_format(const ParsedCommand& invocation, const config::Config& config) {
  return output::resolve_format(invocation.globals().output, invocation.globals().quiet, config);
}

config::ConfigFile load_config_file(const ParsedCommand& invocation) {
  return *invocation.config().file();
}

std::string read_secret_line(std::istream& in) {
  std::string line;
  if (!std::getline(in, line)) throw UsageError("--password-stdin: nothing to read on stdin");
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

OptionSpec make_option(std::string name, char short_name, OptionKind kind, std::string help,
                       std::string value_name) {
  OptionSpec option;
  option.name = std::move(name);
  option.short_name = short_name;
  option.kind = kind;
  option.help = std::move(help);
  option.value_name = std::move(value_name);
  return option;
}

}  // namespace xnatctl::host
