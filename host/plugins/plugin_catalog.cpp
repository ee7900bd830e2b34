#include "plugins/plugin_catalog.hpp"

#include <cstdlib>
#include <set>

#include "plugins/host_services.hpp"
#include "plugins/init_failure_log.hpp"
#include "plugins/plugin_command_adapter.hpp"
#include "plugins/plugin_discovery.hpp"
#include "plugins/plugin_trust.hpp"
#include "xnatctl/config/environment.hpp"
#include "xnatctl/config/paths.hpp"
#include "xnatctl/error.hpp"

namespace xnatctl::host {
namespace fs = std::filesystem;

PluginRecord::PluginRecord() = default;
PluginRecord::~PluginRecord() = default;
PluginRecord::PluginRecord(PluginRecord&&) noexcept = default;
PluginRecord& PluginRecord::operator=(PluginRecord&&) noexcept = default;

PluginState PluginRecord::shown_state() const {
  if (state == PluginState::kEnabled && !previous_init_failure.empty())
    return PluginState::kInitFailed;
  return state;
}

std::string PluginRecord::shown_reason() const {
  if (state == PluginState::kEnabled && !previous_init_failure.empty())
    return "init() failed when last used: " + previous_init_failure;
  return reason;
}

namespace {

bool administrator_location(const std::string& origin) {
  return origin == "system" || origin == "install";
}

}  // namespace

CatalogSettings default_catalog_settings(const std::vector<std::string>& cli_dirs,
                                         std::shared_ptr<ConfigSource> user_config) {
  CatalogSettings settings;
  for (const auto& d : cli_dirs) settings.cli_dirs.emplace_back(d);
  // The administrator's files: the distribution-wide one, then the one of this install
  // prefix (an install under /opt or a test tree carries its own etc/).
  settings.system_files.emplace_back("/etc/xnatctl/plugins.yaml");
  const fs::path prefixed = install_prefix() / "etc" / "xnatctl" / "plugins.yaml";
  if (prefixed != settings.system_files.front()) settings.system_files.push_back(prefixed);
  // The same file, read once, that the rest of xnatctl uses.
  settings.user_config = std::move(user_config);
  return settings;
}

PluginCatalog PluginCatalog::discover(const CatalogSettings& settings,
                                      std::vector<std::string>* warnings) {
  const PluginPolicy policy = PluginPolicy::load(settings.system_files, settings.user_config.get(),
                                                 std::getenv("XNATCTL_DISABLE_PLUGINS"));

  DiscoveryInputs inputs;
  inputs.cli_dirs = settings.cli_dirs;
  if (const char* env = std::getenv("XNATCTL_PLUGIN_PATH")) inputs.env_path = env;
  inputs.user_dir = user_plugin_dir();
  inputs.system_dirs = policy.system_search_paths();
  inputs.install_dir = install_plugin_dir();
  const bool privileged = running_privileged();
  inputs.user_paths_allowed = policy.user_paths_allowed() && !privileged;
  if (!inputs.user_paths_allowed && warnings != nullptr &&
      (!inputs.cli_dirs.empty() || !inputs.env_path.empty())) {
    warnings->push_back(
        privileged ? "running as root: ignoring --plugin-dir and XNATCTL_PLUGIN_PATH"
                   : "the administrator disabled user plugin paths: ignoring --plugin-dir and "
                     "XNATCTL_PLUGIN_PATH");
  }

  PluginCatalog catalog;
  catalog.policy_ = policy;
  const InitFailureLog init_failures = InitFailureLog::for_process();
  std::set<std::string> loaded;  // ids already provided by a plugin that loaded
  for (const SearchDir& dir : plugin_search_dirs(inputs)) {
    for (PluginCandidate& candidate : scan_plugin_dir(dir)) {
      PluginRecord record;
      record.id = candidate.id;
      record.path = candidate.path;
      record.origin = candidate.origin;
      const PluginDecision decision = policy.decide(candidate.id);
      if (loaded.count(candidate.id) != 0) {
        record.state = PluginState::kShadowed;
        record.reason = "a plugin with this id was found earlier in the search path";
      } else if (decision.state != PluginState::kEnabled) {
        record.state = decision.state;
        record.reason = decision.reason;
      } else if (decision.pinned && !administrator_location(candidate.origin)) {
        record.state = PluginState::kDisabledBySystem;
        record.reason =
            "locked by the administrator: only loaded from the administrator's plugin "
            "directories";
      } else if (const std::string unsafe = untrusted_reason(candidate.path); !unsafe.empty()) {
        record.state = PluginState::kRefused;
        record.reason = unsafe;
      } else {
        record.opened = open_plugin(candidate.path, candidate.id);
        record.state = record.opened.state;
        record.reason =
            record.opened.state == PluginState::kEnabled ? decision.reason : record.opened.reason;
        if (record.state == PluginState::kEnabled) {
          loaded.insert(candidate.id);
          if (auto failed = init_failures.failure(candidate.path))
            record.previous_init_failure = *failed;
        }
      }
      catalog.plugins_.push_back(std::move(record));
    }
  }
  return catalog;
}

PluginCatalog::~PluginCatalog() {
  shutdown();
}

void PluginCatalog::register_commands(CommandRegistry& registry, HostServices& services) {
  std::set<std::string> transport_names;
  for (PluginRecord& plugin : plugins_) {
    if (plugin.state != PluginState::kEnabled) continue;
    const xc_plugin_desc* d = plugin.desc();
    std::string clash;
    for (size_t i = 0; i < d->command_count && clash.empty(); ++i) {
      if (const CommandSpec* taken = registry.find(d->commands[i]->path)) {
        clash = std::string("command '") + d->commands[i]->path + "' is already provided by " +
                taken->provider;
      }
    }
    for (size_t i = 0; i < d->transport_count && clash.empty(); ++i) {
      if (transport_names.count(d->transports[i]->name) != 0) {
        clash = std::string("transport '") + d->transports[i]->name +
                "' is already provided by another plugin";
      }
    }
    if (!clash.empty()) {
      plugin.state = PluginState::kConflict;
      plugin.reason = clash;
      continue;
    }
    for (size_t i = 0; i < d->transport_count; ++i) transport_names.insert(d->transports[i]->name);
    for (size_t i = 0; i < d->command_count; ++i) {
      registry.add(adapt_plugin_command(*this, plugin, *d->commands[i], services));
    }
  }
}

const PluginRecord* PluginCatalog::find(const std::string& id) const {
  // The one that loaded, else the first candidate that did not (it says why).
  const PluginRecord* first = nullptr;
  for (const auto& p : plugins_) {
    if (p.id != id || p.state == PluginState::kShadowed) continue;
    if (p.state == PluginState::kEnabled) return &p;
    if (first == nullptr) first = &p;
  }
  return first;
}

std::optional<TransportRef> PluginCatalog::transport(const std::string& name) {
  for (auto& p : plugins_) {
    if (p.state != PluginState::kEnabled) continue;
    for (size_t i = 0; i < p.desc()->transport_count; ++i) {
      if (name == p.desc()->transports[i]->name) return TransportRef{&p, p.desc()->transports[i]};
    }
  }
  return std::nullopt;
}

std::vector<TransportRef> PluginCatalog::transports_for(const std::string& command) {
  std::vector<TransportRef> found;
  for (auto& p : plugins_) {
    if (p.state != PluginState::kEnabled) continue;
    for (size_t i = 0; i < p.desc()->transport_count; ++i) {
      if (command == p.desc()->transports[i]->command)
        found.push_back({&p, p.desc()->transports[i]});
    }
  }
  return found;
}

std::vector<RouterRef> PluginCatalog::routers() {
  std::vector<RouterRef> found;
  for (auto& p : plugins_) {
    if (p.state != PluginState::kEnabled) continue;
    for (size_t i = 0; i < p.desc()->router_count; ++i) found.push_back({&p, p.desc()->routers[i]});
  }
  return found;
}

void* PluginCatalog::ensure_initialised(PluginRecord& plugin, HostServices& services) {
  if (plugin.initialised) return plugin.context;
  if (plugin.state == PluginState::kInitFailed)
    throw Error("plugin '" + plugin.id + "' failed to initialise: " + plugin.reason);
  plugin.handle = services.make_host_handle(plugin.id);
  if (plugin.desc()->init != nullptr) {
    xc_error error{};
    error.struct_size = sizeof(error);
    const xc_status status =
        plugin.desc()->init(services.api(), plugin.handle.get(), &plugin.context, &error);
    if (status != XC_OK) {
      plugin.state = PluginState::kInitFailed;
      plugin.reason = error.message[0] != '\0' ? error.message
                                               : "init() returned status " + std::to_string(status);
      InitFailureLog::for_process().record(plugin.path, plugin.reason);
      throw Error("plugin '" + plugin.id + "' failed to initialise: " + plugin.reason);
    }
  }
  if (!plugin.previous_init_failure.empty()) {
    InitFailureLog::for_process().clear(plugin.path);
    plugin.previous_init_failure.clear();
  }
  plugin.initialised = true;
  init_order_.push_back(&plugin);
  return plugin.context;
}

void PluginCatalog::shutdown() {
  for (auto it = init_order_.rbegin(); it != init_order_.rend(); ++it) {
    PluginRecord* p = *it;
    if (p->desc()->shutdown != nullptr) p->desc()->shutdown(p->context);
    p->initialised = false;
  }
  init_order_.clear();
}

std::string PluginCatalog::unavailable_reason(const std::string& transport_name) const {
  // Bundled transports are named after their plugin, which is how a disabled plugin (never
  // opened, so its transports are unknown) can still be named in the message.
  if (const PluginRecord* p = find(transport_name);
      p != nullptr && p->state != PluginState::kEnabled) {
    std::string who;
    switch (p->state) {
      case PluginState::kDisabledBySystem:
        who = "disabled by the administrator";
        break;
      case PluginState::kDisabledByUser:
        who = "disabled in your config.yaml";
        break;
      case PluginState::kDisabledByEnv:
        who = "disabled by XNATCTL_DISABLE_PLUGINS";
        break;
      default:
        who = "unavailable (" + std::string(to_string(p->state)) + ")";
        break;
    }
    return "the '" + transport_name + "' transport is " + who + ": " + p->reason;
  }
  return "no plugin provides the '" + transport_name + "' transport (see 'xnatctl plugin list')";
}

}  // namespace xnatctl::host
