#include "plugins/plugin_discovery.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/algorithm/string/split.hpp>
#include <boost/dll/runtime_symbol_info.hpp>
#include <cstdlib>

namespace xnatctl::host {
namespace fs = std::filesystem;

std::vector<SearchDir> plugin_search_dirs(const DiscoveryInputs& inputs) {
  std::vector<SearchDir> dirs;
  auto add = [&](const fs::path& p, const char* origin) {
    if (p.empty()) return;
    std::error_code ec;
    const fs::path normal = fs::weakly_canonical(p, ec);
    const fs::path& key = ec ? p : normal;
    const bool seen =
        std::any_of(dirs.begin(), dirs.end(), [&](const SearchDir& d) { return d.path == key; });
    if (!seen) dirs.push_back({key, origin});
  };
  if (inputs.user_paths_allowed) {
    for (const auto& d : inputs.cli_dirs) add(d, "--plugin-dir");
    std::vector<std::string> parts;
    if (!inputs.env_path.empty())
      boost::split(parts, inputs.env_path, [](char c) { return c == ':'; });
    for (const auto& part : parts) add(part, "XNATCTL_PLUGIN_PATH");
    add(inputs.user_dir, "user");
  }
  for (const auto& d : inputs.system_dirs) add(d, "system");
  add(inputs.install_dir, "install");
  return dirs;
}

std::vector<PluginCandidate> scan_plugin_dir(const SearchDir& dir) {
  std::vector<PluginCandidate> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir.path, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.extension() != ".so" || !it->is_regular_file(ec)) continue;
    found.push_back({p.stem().string(), p, dir.origin});
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  return found;
}

bool running_privileged() {
  return ::geteuid() == 0 || ::geteuid() != ::getuid() || ::getegid() != ::getgid();
}

fs::path install_prefix() {
  // bin/xnatctl -> <prefix>. Boost.DLL reads /proc/self/exe, so a symlink to the binary or
  // the current directory never changes where bundled plugins come from.
  return boost::dll::program_location().parent_path().parent_path();
}

fs::path install_plugin_dir() {
  return install_prefix() / XNATCTL_PLUGIN_SUBDIR;
}

fs::path user_plugin_dir() {
  if (const char* data = std::getenv("XDG_DATA_HOME"); data != nullptr && *data != '\0') {
    return fs::path(data) / "xnatctl" / "plugins";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return fs::path(home) / ".local" / "share" / "xnatctl" / "plugins";
  }
  return {};
}

}  // namespace xnatctl::host
