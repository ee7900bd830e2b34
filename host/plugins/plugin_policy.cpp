#include "plugins/plugin_policy.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/algorithm/string/classification.hpp>
#include <boost/algorithm/string/split.hpp>

#include "plugins/plugin_trust.hpp"
#include "xnatctl/error.hpp"

namespace xnatctl::host {
namespace {

std::set<std::string> id_list(const YAML::Node& node, const std::filesystem::path& file,
                              const char* key) {
  std::set<std::string> ids;
  if (!node) return ids;
  if (!node.IsSequence()) {
    throw Error(file.string() + ": plugins." + key + " must be a list of plugin ids",
                ExitCode::kUsage);
  }
  for (const auto& item : node) ids.insert(item.as<std::string>());
  return ids;
}

// Runs `read` over one policy file so that every YAML problem in it, a syntax error or a
// value of the wrong type (`locked: maybe`, a list where a setting string belongs), becomes
// the same one-line usage error naming the file and the line.
template <typename Read>
void read_policy_document(const std::filesystem::path& file, const YAML::Node& document,
                          Read&& read) {
  try {
    if (!document.IsMap()) return;
    if (const YAML::Node section = document["plugins"]) read(section);
  } catch (const YAML::Exception& e) {
    throw Error(file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg,
                ExitCode::kUsage);
  }
}

template <typename Read>
void read_policy_file(const std::filesystem::path& file, Read&& read) {
  YAML::Node document;
  try {
    document = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    throw Error(file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg,
                ExitCode::kUsage);
  }
  read_policy_document(file, document, std::forward<Read>(read));
}

void read_lists(const YAML::Node& section, const std::filesystem::path& file,
                PluginPolicy::Lists& lists) {
  for (auto& id : id_list(section["disabled"], file, "disabled")) lists.disabled.insert(id);
  if (section["enabled"]) {
    auto allowed = id_list(section["enabled"], file, "enabled");
    if (!lists.enabled) lists.enabled.emplace();
    lists.enabled->insert(allowed.begin(), allowed.end());
  }
}

void read_settings(const YAML::Node& section, const std::filesystem::path& file,
                   std::map<std::string, std::map<std::string, std::string>>& settings) {
  const YAML::Node all = section["settings"];
  if (!all) return;
  if (!all.IsMap())
    throw Error(file.string() + ": plugins.settings must map plugin ids to settings",
                ExitCode::kUsage);
  for (const auto& plugin : all) {
    for (const auto& kv : plugin.second) {
      settings[plugin.first.as<std::string>()][kv.first.as<std::string>()] =
          kv.second.as<std::string>();
    }
  }
}

}  // namespace

PluginPolicy PluginPolicy::load(const std::vector<std::filesystem::path>& system_files,
                                ConfigSource* user_config, const char* env_disable) {
  PluginPolicy policy;
  for (const auto& file : system_files) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) continue;
    if (const std::string why = untrusted_reason(file); !why.empty()) {
      // Fail closed: obeying a policy anyone could have edited would make it theirs.
      throw Error("refusing the plugin policy " + file.string() + ": " + why, ExitCode::kUsage);
    }
    policy.system_files_read_.push_back(file);
    read_policy_file(file, [&](const YAML::Node& section) {
      read_lists(section, file, policy.system_);
      read_settings(section, file, policy.settings_);
      if (const auto locked = section["locked"]) {
        if (locked.IsScalar()) {
          policy.lock_all_ = policy.lock_all_ || locked.as<bool>();
        } else {
          for (auto& id : id_list(locked, file, "locked")) policy.locked_.insert(id);
        }
      }
      if (const auto user_paths = section["user_paths"]) {
        policy.user_paths_allowed_ = policy.user_paths_allowed_ && user_paths.as<bool>();
      }
      if (const auto paths = section["search_paths"]) {
        for (const auto& p : paths) policy.system_search_paths_.emplace_back(p.as<std::string>());
      }
    });
  }
  if (user_config != nullptr) {
    if (const auto& document = user_config->document()) {
      const std::filesystem::path& file = user_config->path();
      read_policy_document(file, *document, [&](const YAML::Node& section) {
        read_lists(section, file, policy.user_);
        read_settings(section, file, policy.settings_);
      });
    }
  }
  if (env_disable != nullptr) {
    std::vector<std::string> ids;
    boost::split(ids, std::string(env_disable), boost::is_any_of(", "), boost::token_compress_on);
    for (auto& id : ids) {
      if (!id.empty()) policy.env_disabled_.insert(id);
    }
  }
  return policy;
}

std::optional<std::string> PluginPolicy::setting(const std::string& id,
                                                 const std::string& key) const {
  const auto plugin = settings_.find(id);
  if (plugin == settings_.end()) return std::nullopt;
  const auto value = plugin->second.find(key);
  if (value == plugin->second.end()) return std::nullopt;
  return value->second;
}

PluginDecision PluginPolicy::decide(const std::string& id) const {
  std::optional<PluginDecision> system_says;
  if (system_.disabled.count(id) != 0) {
    system_says = PluginDecision{PluginState::kDisabledBySystem,
                                 "listed under plugins.disabled by the administrator"};
  } else if (system_.enabled && system_.enabled->count(id) == 0) {
    system_says = PluginDecision{PluginState::kDisabledBySystem,
                                 "not in the administrator's plugins.enabled allow-list"};
  }
  const bool locked = lock_all_ || locked_.count(id) != 0;
  if (locked) {
    if (system_says) {
      system_says->reason += " (locked)";
      system_says->pinned = true;
      return *system_says;
    }
    return PluginDecision{PluginState::kEnabled, "locked on by the administrator", true};
  }

  const bool user_enables = user_.enabled && user_.enabled->count(id) != 0;
  if (env_disabled_.count(id) != 0) {
    return PluginDecision{PluginState::kDisabledByEnv, "listed in XNATCTL_DISABLE_PLUGINS"};
  }
  if (user_.disabled.count(id) != 0) {
    return PluginDecision{PluginState::kDisabledByUser,
                          "listed under plugins.disabled in the user config"};
  }
  if (system_says && user_enables) {
    return PluginDecision{PluginState::kEnabled, "re-enabled by the user config"};
  }
  if (system_says) return *system_says;
  return PluginDecision{};
}

}  // namespace xnatctl::host
