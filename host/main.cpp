// xnatctl: the host executable. It loads plugins, assembles the command line from built-in
// commands and plugin descriptors, and runs one command.

#include <iostream>
#include <string>
#include <vector>

#include "cli/dispatch.hpp"
#include "cli/global_options.hpp"
#include "cli/profile_defaults.hpp"
#include "cli/standard_streams.hpp"
#include "commands/builtin.hpp"
#include "commands/plugin_commands.hpp"
#include "commands/upload_commands.hpp"
#include "plugins/host_services.hpp"
#include "plugins/plugin_catalog.hpp"
#include "xnatctl/cancel.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/version.hpp"

namespace {

int run(const std::vector<std::string>& args) {
  using namespace xnatctl::host;
  const SplitArgs split = split_global_options(args);
  if (split.version && split.rest.empty()) {
    std::cout << "xnatctl " << xnatctl::version() << " (plugin ABI " << XC_ABI_MAJOR << "."
              << XC_ABI_MINOR << ")\n";
    return 0;
  }

  // config.yaml is read once, here, and shared by the plugin policy, option defaults, the
  // output mode and every connection.
  const auto config = ConfigSource::for_process();
  std::vector<std::string> warnings;
  PluginCatalog catalog = PluginCatalog::discover(
      default_catalog_settings(split.globals.plugin_dirs, config), &warnings);
  if (split.globals.verbosity > 0 || !split.globals.plugin_dirs.empty()) {
    for (const auto& w : warnings) std::cerr << "warning: " << w << '\n';
  }
  HostServices services(std::cout, std::cerr, split.globals.verbosity);
  services.set_plugin_settings([&catalog](const std::string& id, const std::string& key) {
    return catalog.setting(id, key);
  });

  CommandRegistry registry;
  register_builtin_commands(registry);
  register_plugin_commands(registry, catalog);
  register_upload_commands(registry, catalog, services);
  catalog.register_commands(registry, services);

  const int code = dispatch(registry, split, process_value_sources_with_profile(config),
                            {&std::cin, &std::cout, &std::cerr});
  catalog.shutdown();
  return code;
}

int run_reporting_errors(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const xnatctl::Error& e) {
    std::cout.flush();
    std::cerr << "error: " << e.what() << '\n';
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "error: unexpected: " << e.what() << '\n';
    return static_cast<int>(xnatctl::ExitCode::kFailure);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything opens a file: a closed stdout must not be taken over by one.
  xnatctl::host::reserve_standard_descriptors();
  // The first Ctrl-C asks running work to stop cleanly (requests are aborted, transports
  // stop, what was acknowledged is kept); a second one exits at once.
  xnatctl::cancel::install_signal_handlers();
  int code = run_reporting_errors(argc, argv);
  // Output that never arrived is a failure whatever the command thought, so a script reading
  // `-o json` never takes "exit 0, no data" for success. One place for every command.
  if (auto failure = xnatctl::host::stdout_failure()) {
    std::cerr << "error: " << *failure << '\n';
    if (code == 0) code = static_cast<int>(xnatctl::ExitCode::kFailure);
  }
  return code;
}
