#include "cli/global_options.hpp"

#include "xnatctl/error.hpp"

namespace xnatctl::host {

// Hand-written because Boost.Program_options cannot pick known options out of a command line
// whose other options are not yet known (they depend on the command, which may come from a
// plugin found through --plugin-dir): with allow_unregistered it mistakes an unknown
// option's value for a positional word.
SplitArgs split_global_options(const std::vector<std::string>& args) {
  SplitArgs split;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      split.rest.insert(split.rest.end(), args.begin() + static_cast<std::ptrdiff_t>(i),
                        args.end());
      break;
    }
    // Long options with a value: --name VALUE or --name=VALUE.
    auto long_value = [&](const std::string& name, std::string& out) {
      const std::string flag = "--" + name;
      if (arg == flag) {
        if (i + 1 >= args.size()) throw UsageError("option " + flag + " needs a value");
        out = args[++i];
        return true;
      }
      if (arg.rfind(flag + "=", 0) == 0) {
        out = arg.substr(flag.size() + 1);
        return true;
      }
      return false;
    };
    // Short options with a value: -p VALUE or -pVALUE.
    auto short_value = [&](char c, std::string& out) {
      if (arg.size() < 2 || arg[0] != '-' || arg[1] != c || arg.rfind("--", 0) == 0) return false;
      if (arg.size() > 2) {
        out = arg.substr(2);
      } else {
        if (i + 1 >= args.size()) throw UsageError(std::string("option -") + c + " needs a value");
        out = args[++i];
      }
      return true;
    };
    std::string value;
    if (long_value("profile", value) || short_value('p', value)) {
      if (value.empty()) throw UsageError("--profile needs a profile name, not an empty one");
      split.globals.profile = value;
    } else if (long_value("output", value) || short_value('o', value)) {
      if (value != "table" && value != "json") {
        throw UsageError("--output must be 'table' or 'json', not '" + value + "'");
      }
      split.globals.output = value;
    } else if (long_value("plugin-dir", value)) {
      split.globals.plugin_dirs.push_back(value);
    } else if (long_value("proxy", value)) {
      split.globals.proxy = value;
    } else if (arg == "--no-proxy") {
      split.globals.no_proxy = true;
    } else if (arg == "--quiet" || arg == "-q") {
      split.globals.quiet = true;
    } else if (arg == "--verbose") {
      ++split.globals.verbosity;
    } else if (arg.size() >= 2 && arg[0] == '-' &&
               arg.find_first_not_of('v', 1) == std::string::npos) {
      split.globals.verbosity += static_cast<int>(arg.size() - 1);  // -v, -vv, -vvv
    } else if (arg == "--help" || arg == "-h") {
      split.help = true;
    } else if (arg == "--version") {
      split.version = true;
    } else {
      split.rest.push_back(arg);
    }
  }
  if (split.globals.proxy && split.globals.no_proxy) {
    throw UsageError("--proxy and --no-proxy cannot be used together");
  }
  return split;
}

}  // namespace xnatctl::host
