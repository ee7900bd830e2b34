#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command_registry.hpp"
#include "plugins/plugin_loader.hpp"
#include "plugins/plugin_policy.hpp"
#include "xnatctl/sdk.h"

struct xc_host;

namespace xnatctl::host {

class HostServices;

// One candidate plugin and everything known about it.
struct PluginRecord {
  std::string id;
  std::filesystem::path path;
  std::string origin;  // which search dir it came from
  PluginState state = PluginState::kEnabled;
  std::string reason;
  OpenedPlugin opened;  // library + descriptor, only for plugins that were opened
  // Set when an earlier run's init() of this very file failed (InitFailureLog): listed as
  // "init failed", while its commands stay registered so the next use tries again.
  std::string previous_init_failure;
  // Lazily initialised on first use (so --help and `plugin list` run no plugin code).
  bool initialised = false;
  void* context = nullptr;
  std::unique_ptr<xc_host> handle;

  PluginRecord();
  ~PluginRecord();
  PluginRecord(PluginRecord&&) noexcept;
  PluginRecord& operator=(PluginRecord&&) noexcept;
  const xc_plugin_desc* desc() const { return opened.desc; }
  // The state and reason `plugin list` and `plugin info` show.
  PluginState shown_state() const;
  std::string shown_reason() const;
};

struct TransportRef {
  PluginRecord* plugin;
  const xc_transport_desc* desc;
};

struct RouterRef {
  PluginRecord* plugin;
  const xc_router_desc* desc;
};

struct CatalogSettings {
  std::vector<std::filesystem::path> cli_dirs;  // --plugin-dir
  std::vector<std::filesystem::path> system_files;
  std::shared_ptr<ConfigSource> user_config;  // config.yaml, read once for the whole process
};

// Settings for this process: system files under /etc and <prefix>/etc, the user's config,
// and the environment.
CatalogSettings default_catalog_settings(const std::vector<std::string>& cli_dirs,
                                         std::shared_ptr<ConfigSource> user_config);

class PluginCatalog {
 public:
  // Applies the policy, opens enabled candidates in search order (sequentially, on this
  // thread), validates them, and shadows later duplicates of a plugin that loaded (one that
  // failed shadows nothing). A plugin the administrator locked is only taken from the
  // administrator's locations. Never throws for a bad plugin: every
  // problem becomes the plugin's state and reason. Throws Error for a malformed policy file.
  static PluginCatalog discover(const CatalogSettings& settings,
                                std::vector<std::string>* warnings);

  PluginCatalog() = default;
  PluginCatalog(PluginCatalog&&) = default;
  ~PluginCatalog();

  // Registers enabled plugins' commands; a plugin whose command path or transport name is
  // already taken is marked kConflict as a whole and contributes nothing.
  void register_commands(CommandRegistry& registry, HostServices& services);

  const std::vector<PluginRecord>& plugins() const { return plugins_; }
  const PluginRecord* find(const std::string& id) const;
  std::optional<TransportRef> transport(const std::string& name);
  std::vector<TransportRef> transports_for(const std::string& command);
  // Every enabled plugin's routers, in load order (the order they run in).
  std::vector<RouterRef> routers();

  // Calls the plugin's init() once. Throws Error (and marks kInitFailed) when it fails.
  void* ensure_initialised(PluginRecord& plugin, HostServices& services);
  // Calls shutdown() on every initialised plugin, in reverse order of initialisation.
  void shutdown();

  // `plugins.settings.<id>.<key>` from the policy files.
  std::optional<std::string> setting(const std::string& id, const std::string& key) const {
    return policy_.setting(id, key);
  }

  // Explains why no transport `name` is available (disabled, failed, missing).
  std::string unavailable_reason(const std::string& transport_name) const;

 private:
  PluginPolicy policy_;
  std::vector<PluginRecord> plugins_;
  std::vector<PluginRecord*> init_order_;
};

}  // namespace xnatctl::host
