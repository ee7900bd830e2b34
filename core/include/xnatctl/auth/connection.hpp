#pragma once

// One call that turns command-line input, environment and config into an authenticated
// HTTP client: the entry point for every command (and plugin) that talks to XNAT.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "xnatctl/auth/credentials.hpp"
#include "xnatctl/auth/jsession.hpp"
#include "xnatctl/auth/token_cache.hpp"
#include "xnatctl/config/config_file.hpp"
#include "xnatctl/config/environment.hpp"
#include "xnatctl/config/resolve.hpp"
#include "xnatctl/http/client.hpp"
#include "xnatctl/http/proxy.hpp"
#include "xnatctl/http/tls_settings.hpp"

namespace xnatctl::auth {

struct ConnectOptions {
  config::Environment env = config::Environment::process();
  std::optional<std::string> profile;  // --profile; XNAT_PROFILE is read from env
  // config.yaml as this process already read it; null = read it from options.env's path.
  std::shared_ptr<const config::ConfigFile> config_file;
  CredentialInputs credentials;  // --username / --password-stdin, when a command has them
  // Who answers when credentials are missing; null = nobody (an error instead of a prompt).
  std::shared_ptr<Prompter> prompter = std::make_shared<TerminalPrompter>();
  bool use_token_cache = true;                  // read and write the per-profile token cache
  std::function<void(const std::string&)> log;  // --verbose diagnostics
  // Warnings the user should see even without -v (verification off); null = none shown.
  std::function<void(const std::string&)> warn;
  http::RetryPolicy retry;
  std::optional<std::string> proxy;  // --proxy URL
  bool no_proxy = false;             // --no-proxy
};

// How the server is reached: proxy or direct (and why), which certificates are trusted,
// and the context path XNAT is deployed under ("" or "/xnat").
struct NetworkPlan {
  http::ProxyDecision route;
  http::TlsSettings tls;
  std::string scheme, host;
  std::uint16_t port = 0;
  std::string context_path;
};

// Decides the NetworkPlan of a resolved profile (command line, profile, environment), the
// same way connect() does. Throws UsageError for an unusable proxy URL or CA bundle.
NetworkPlan plan_network(const config::ResolvedProfile& profile, const ConnectOptions& options);

struct Connection {
  config::ConfigFile config_file;
  config::ResolvedProfile profile;
  std::shared_ptr<http::Client> client;
  std::shared_ptr<JSessionProvider> session;
  TokenCache token_cache;
  NetworkPlan network;
};

// Loads the config, resolves the profile and builds the client. Does not touch the network:
// the first request logs in if no token is at hand (XNAT_TOKEN > cached token > login with
// credentials), and a 401 logs in again once and caches the new token.
Connection connect(const ConnectOptions& options);

// Only the configuration part of connect(), for commands that never reach the server.
config::ResolvedProfile resolve(const ConnectOptions& options,
                                config::ConfigFile* file_out = nullptr);

}  // namespace xnatctl::auth
