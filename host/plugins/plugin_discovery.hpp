#pragma once

// Where plugins are looked for, in order (the first plugin with a given id wins):
//   1. --plugin-dir (repeatable)            origin "--plugin-dir"
//   2. XNATCTL_PLUGIN_PATH (':'-separated)  origin "XNATCTL_PLUGIN_PATH"
//   3. the user's plugin dir                origin "user"
//   4. the administrator's search_paths     origin "system"
//   5. <prefix>/lib/.../xnatctl/plugins, found from the executable's own location (never
//      the working directory)                origin "install"
// 4–5 are the administrator's locations: a plugin the administrator locked is only taken from
// there. 1–3 are user-supplied: they are skipped when running as root or set-uid (so an
// environment variable cannot make a privileged process run someone's code) and when the
// administrator set `user_paths: false`.

#include <filesystem>
#include <string>
#include <vector>

namespace xnatctl::host {

struct SearchDir {
  std::filesystem::path path;
  std::string origin;
};

struct PluginCandidate {
  std::string id;  // the file stem: what the policy decides on, before anything is opened
  std::filesystem::path path;
  std::string origin;
};

struct DiscoveryInputs {
  std::vector<std::filesystem::path> cli_dirs;
  std::string env_path;  // value of XNATCTL_PLUGIN_PATH, or empty
  std::filesystem::path user_dir;
  std::vector<std::filesystem::path> system_dirs;
  std::filesystem::path install_dir;
  bool user_paths_allowed = true;  // false when privileged or forbidden by the system file
};

// The directories to scan, in order, without duplicates.
std::vector<SearchDir> plugin_search_dirs(const DiscoveryInputs& inputs);

// Plugin files (*.so) directly inside `dir`, sorted by name. Missing dirs yield nothing.
std::vector<PluginCandidate> scan_plugin_dir(const SearchDir& dir);

// Whether this process runs with privileges (effective uid 0 or set-uid/set-gid).
bool running_privileged();

// The host's own install layout, derived from the running executable.
std::filesystem::path install_plugin_dir();
std::filesystem::path install_prefix();
std::filesystem::path user_plugin_dir();

}  // namespace xnatctl::host
