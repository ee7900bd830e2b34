#pragma once

// Which plugins may load. Three voices, strongest first:
//   1. the system plugins file(s), owned by the administrator: `disabled`, `enabled`
//      (an allow-list: when present, nothing else loads) and `locked` (a list of ids, or
//      `true` for all) — a locked plugin's system decision cannot be changed by the user;
//   2. the user's config.yaml `plugins:` section: `disabled`, and `enabled` to turn back on
//      something the system disabled without locking it (for the user it is not an
//      allow-list: restricting what loads is the administrator's tool);
//   3. XNATCTL_DISABLE_PLUGINS=id,id (never re-enables anything).
// The decision is made from the file stem alone, before the library is opened.

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/config_source.hpp"
#include "plugins/plugin_state.hpp"

namespace xnatctl::host {

struct PluginDecision {
  PluginState state = PluginState::kEnabled;
  std::string reason;  // empty when enabled for no particular reason
  // Locked by the administrator: the plugin is only taken from the administrator's locations
  // (search_paths and the install dir), never from a user-supplied one.
  bool pinned = false;
};

class PluginPolicy {
 public:
  struct Lists {
    std::set<std::string> disabled;
    std::optional<std::set<std::string>> enabled;  // allow-list, when given
  };

  // Reads each existing system file (later files add to earlier ones) and the user's config.
  // Malformed files are errors naming the file: a broken policy must not silently allow all.
  // So is a system file that someone other than root or the caller could have written (see
  // plugin_trust.hpp): it is refused, not obeyed.
  // The user's config comes as this process read it (its `plugins:` section only).
  static PluginPolicy load(const std::vector<std::filesystem::path>& system_files,
                           ConfigSource* user_config, const char* env_disable);

  PluginDecision decide(const std::string& id) const;

  // A plugin's own setting, `plugins.settings.<id>.<key>`: the user's config overrides the
  // system file (settings are preferences, not policy).
  std::optional<std::string> setting(const std::string& id, const std::string& key) const;

  // The system files may also forbid user-supplied search paths (`user_paths: false`).
  bool user_paths_allowed() const { return user_paths_allowed_; }
  const std::vector<std::filesystem::path>& system_search_paths() const {
    return system_search_paths_;
  }
  const std::vector<std::filesystem::path>& system_files_read() const { return system_files_read_; }

 private:
  Lists system_;
  std::set<std::string> locked_;
  bool lock_all_ = false;
  Lists user_;
  std::set<std::string> env_disabled_;
  bool user_paths_allowed_ = true;
  std::vector<std::filesystem::path> system_search_paths_;
  std::vector<std::filesystem::path> system_files_read_;
  std::map<std::string, std::map<std::string, std::string>> settings_;  // id -> key -> value
};

}  // namespace xnatctl::host
