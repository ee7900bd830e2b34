#pragma once

#include <string>
#include <vector>

#include "cli/command_spec.hpp"

namespace xnatctl::host {

// The command line with the global options taken out, wherever they stood.
struct SplitArgs {
  GlobalOptions globals;
  bool help = false;              // --help/-h anywhere
  bool version = false;           // --version
  std::vector<std::string> rest;  // command words, command options and positionals, in order
};

// Removes --profile/-p, --output/-o, --quiet/-q, --verbose/-v (repeatable, also -vv),
// --plugin-dir, --proxy, --no-proxy, --help/-h and --version from anywhere in argv, so they work
// before or after the command words. Throws UsageError for a global option missing its value or a
// bad
// --output. Everything after a bare "--" is left alone.
SplitArgs split_global_options(const std::vector<std::string>& args);

}  // namespace xnatctl::host
