#pragma once

// The xc_host_api table (sdk.h) implemented over the host's own facilities: logging,
// option lookup, result rendering, confirmation, HTTP, progress and cancellation.

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "plugins/host_objects.hpp"

namespace xnatctl::host {

class HostServices {
 public:
  using HttpSender = std::function<xc_status(const xc_http_request&, xc_http_response&, xc_error&)>;
  using ProfileLookup = std::function<std::optional<std::string>(const std::string& key)>;

  HostServices(std::ostream& out, std::ostream& err, int verbosity);

  const xc_host_api* api() const { return &api_; }
  std::unique_ptr<xc_host> make_host_handle(const std::string& plugin_id);

  // The core HTTP client, once the command needs a server (set by the host before run()).
  void set_http(HttpSender sender) { http_ = std::move(sender); }
  void set_profile_lookup(ProfileLookup lookup) { profile_ = std::move(lookup); }
  using SettingLookup = std::function<std::optional<std::string>(const std::string& plugin_id,
                                                                 const std::string& key)>;
  void set_plugin_settings(SettingLookup lookup) { settings_ = std::move(lookup); }
  const SettingLookup& plugin_settings() const { return settings_; }

  // Wraps `inv` for a plugin call; after the call, finish() flushes any records.
  std::unique_ptr<xc_invocation> wrap(const Invocation& inv);
  static void finish(xc_invocation& inv);

  // Set from the SIGINT handler; read by plugins through xc_host_api.cancelled.
  static void request_cancel() noexcept;
  static bool cancel_requested() noexcept;

  // Members of the C table reach back to the instance through these.
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  int verbosity() const { return verbosity_; }
  const HttpSender& http() const { return http_; }
  const ProfileLookup& profile() const { return profile_; }

 private:
  xc_host_api api_{};
  std::ostream& out_;
  std::ostream& err_;
  int verbosity_;
  HttpSender http_;
  ProfileLookup profile_;
  SettingLookup settings_;
};

}  // namespace xnatctl::host
