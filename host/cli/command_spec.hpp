#pragma once

// How a command is described to the CLI. Built-in commands fill these in directly; plugin
// commands are translated from their C descriptors (sdk.h) by the plugin loader, so there is
// one CLI builder, one --help renderer and one precedence rule for both.

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace xnatctl::host {

class ParsedCommand;

enum class OptionKind { kFlag, kString, kInt, kPath, kList };

struct OptionSpec {
  std::string name;     // long name, kebab-case, without dashes: "called-aet"
  char short_name = 0;  // 'P', or 0 for none
  OptionKind kind = OptionKind::kString;
  std::string default_value;  // used when nothing else supplies a value; shown in --help
  std::string help;
  std::string value_name;   // placeholder in --help, e.g. "AET"; derived from name if empty
  std::string env_var;      // consulted after the command line, e.g. "XNAT_DICOM_HOST"
  std::string profile_key;  // consulted after the environment, e.g. "workers"
  bool required = false;    // an error if no source supplies a value
  bool secret = false;      // never shown in --help defaults, logs or error messages
  bool hidden = false;      // accepted but not listed (deprecated spellings)
  // The value when given without one (`--wait` alone); unset = a value is required. Only for
  // kString/kPath/kInt; see implicit_values.hpp for how the command line is read.
  std::optional<std::string> implicit_value;
  std::string group;  // --help section; empty = the command's own options
};

struct PositionalSpec {
  std::string name;  // "PATH"
  std::string help;
  bool required = true;
  bool repeated = false;  // only the last positional may repeat
};

struct CommandSpec {
  std::string path;         // space-separated words: "auth login", "whoami"
  std::string summary;      // one line, shown in the parent's --help
  std::string description;  // paragraph for the command's own --help (optional)
  std::vector<std::string> examples;
  std::vector<PositionalSpec> positionals;
  std::vector<OptionSpec> options;
  std::string provider = "built-in";  // or the id of the plugin that registered it
  // Non-empty when the command exists but cannot run here (e.g. its transport plugin is
  // disabled): the host says this, exits 5, and does not parse options it cannot know.
  std::string unavailable;
  // Returns the process exit code. Errors meant for the user are thrown as xnatctl::Error
  // (one line, its own exit code); the host prints "error: <message>" and exits.
  std::function<int(ParsedCommand&)> run;
};

// Options every command accepts, before or after the command words.
struct GlobalOptions {
  std::optional<std::string> profile;    // --profile/-p (XNAT_PROFILE is resolved by core)
  std::optional<std::string> output;     // --output/-o "table" | "json"; unset = config/default
  bool quiet = false;                    // --quiet/-q: IDs only, no progress
  int verbosity = 0;                     // --verbose/-v, repeatable
  std::vector<std::string> plugin_dirs;  // --plugin-dir, repeatable
  std::optional<std::string> proxy;      // --proxy URL (may hold credentials: never print it)
  bool no_proxy = false;                 // --no-proxy
};

}  // namespace xnatctl::host
