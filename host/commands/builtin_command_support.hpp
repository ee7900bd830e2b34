#pragma once

// Shared plumbing of the built-in commands that talk to XNAT (auth, whoami, config,
// session list, scan list): how a ParsedCommand becomes core's connection options and output
// format, so every command resolves profiles, credentials and formats the same way.

#include <istream>
#include <string>

#include "cli/command_spec.hpp"
#include "cli/parsed_command.hpp"
#include "xnatctl/auth/connection.hpp"
#include "xnatctl/config/config_file.hpp"
#include "xnatctl/output/format.hpp"

namespace xnatctl::host {

// --profile, the process environment, the terminal prompter, and with --verbose one stderr
// line per HTTP exchange (method, path, status: never headers, so never a secret).
auth::ConnectOptions connect_options(const ParsedCommand& invocation);

// --quiet > --output > config output_format > table.
output::Format output_format(const ParsedCommand& invocation, const config::Config& config);

// --project/-P, else the profile's default_project; a UsageError naming both when neither is
// set (session list, session verify: commands that need one project).
std::string required_project(const ParsedCommand& invocation, const auth::Connection& connection);

// The config file of this process (HOME / XDG_CONFIG_HOME), loaded and validated once per
// process (ParsedCommand::config()); a copy, so commands that edit it may.
config::ConfigFile load_config_file(const ParsedCommand& invocation);

// The first line of `in` without its line ending (for --password-stdin). Throws UsageError
// when stdin is empty.
std::string read_secret_line(std::istream& in);

OptionSpec make_option(std::string name, char short_name, OptionKind kind, std::string help,
                       std::string value_name = {});

}  // namespace xnatctl::host
