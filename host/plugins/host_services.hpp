#pragma once

// The xc_host_api table (sdk.h) implemented over the host's own facilities: logging,
// option lookup, result rendering, confirmation, HTTP, progress and cancellation.

#include <functional>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "plugins/host_objects.hpp"
#include "xnatctl/auth/connection.hpp"

namespace xnatctl::host {

class HostServices {
 public:
  // Makes the authenticated connection to the active server. Called on the first
  // http_send of a command, so commands that never talk to XNAT never need a profile.
  using Connector = std::function<auth::Connection()>;
  using ProfileLookup = std::function<std::optional<std::string>(const std::string& key)>;

  HostServices(std::ostream& out, std::ostream& err, int verbosity);

  const xc_host_api* api() const { return &api_; }
  std::unique_ptr<xc_host> make_host_handle(const std::string& plugin_id);

  void set_connector(Connector connector);
  // The connection, made on first use. Throws xnatctl::Error when it cannot be made.
  http::Client& client();
  void set_profile_lookup(ProfileLookup lookup) { profile_ = std::move(lookup); }
  using SettingLookup = std::function<std::optional<std::string>(const std::string& plugin_id,
                                                                 const std::string& key)>;
  void set_plugin_settings(SettingLookup lookup) { settings_ = std::move(lookup); }
  const SettingLookup& plugin_settings() const { return settings_; }

  // Wraps `inv` for a plugin call (output format resolved once: --quiet > --output >
  // config output_format > table); after the call, finish() flushes any records.
  std::unique_ptr<xc_invocation> wrap(const ParsedCommand& inv, output::Format format);
  static void finish(xc_invocation& inv);

  // Members of the C table reach back to the instance through these.
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  int verbosity() const { return verbosity_; }
  const ProfileLookup& profile() const { return profile_; }

 private:
  xc_host_api api_{};
  std::ostream& out_;
  std::ostream& err_;
  int verbosity_;
  std::mutex connection_mutex_;
  Connector connector_;
  std::optional<auth::Connection> connection_;
  ProfileLookup profile_;
  SettingLookup settings_;
};

}  // namespace xnatctl::host
