#include "xnatctl/auth/connection.hpp"

#include <Poco/URI.h>

#include "xnatctl/config/paths.hpp"

namespace xnatctl::auth {

NetworkPlan plan_network(const config::ResolvedProfile& profile, const ConnectOptions& options) {
  NetworkPlan plan;
  const Poco::URI uri(profile.url);
  plan.scheme = uri.getScheme();
  plan.host = uri.getHost();
  plan.port = uri.getPort();
  plan.context_path = uri.getPath();
  while (!plan.context_path.empty() && plan.context_path.back() == '/')
    plan.context_path.pop_back();
  http::ProxyInputs inputs;
  inputs.command_line = options.proxy;
  inputs.command_line_direct = options.no_proxy;
  inputs.profile = profile.proxy;
  inputs.profile_name = profile.name;
  plan.route = http::choose_proxy(inputs, options.env, plan.scheme, plan.host, plan.port);
  if (plan.scheme == "https") {
    plan.tls = http::choose_tls(profile.verify_ssl, profile.ca_bundle, profile.name, options.env);
  } else {
    plan.tls.ca_source = "none (plain http)";
  }
  return plan;
}

config::ResolvedProfile resolve(const ConnectOptions& options, config::ConfigFile* file_out) {
  config::ConfigFile file = options.config_file
                                ? *options.config_file
                                : config::ConfigFile::load(config::config_file_path(options.env));
  auto profile = config::resolve_profile(file, options.env, options.profile);
  if (file_out != nullptr) *file_out = std::move(file);
  return profile;
}

Connection connect(const ConnectOptions& options) {
  config::ConfigFile file;
  config::ResolvedProfile profile = resolve(options, &file);
  TokenCache cache(config::token_cache_directory(options.env));
  cache.set_warn(options.warn);

  NetworkPlan network = plan_network(profile, options);
  if (options.log) {
    options.log(profile.url + ": " +
                (network.route.proxy ? "through proxy " + network.route.proxy->redacted() + " (" +
                                           network.route.reason + ")"
                                     : network.route.reason) +
                (network.scheme == "https" ? "; TLS trusts " + network.tls.ca_source : ""));
  }
  if (network.scheme == "https" && !network.tls.verify && options.warn) {
    options.warn("TLS certificate verification is off for " + profile.url +
                 " (verify_ssl: false): anyone on the network path can impersonate the server");
  }

  http::ClientOptions client_options;
  client_options.base_url = profile.url;
  client_options.tls = network.tls;
  client_options.proxy = network.route.proxy;
  client_options.timeout = profile.timeout;
  client_options.connect_timeout = profile.connect_timeout;
  client_options.log = options.log;
  client_options.retry = options.retry;
  auto client = std::make_shared<http::Client>(client_options);

  JSessionProvider::Options session_options;
  session_options.initial_token = profile.token;
  if (!session_options.initial_token && options.use_token_cache) {
    if (auto cached = cache.load(profile.name, profile.url))
      session_options.initial_token = cached->token;
  }
  session_options.credentials = [inputs = options.credentials, profile,
                                 prompter = options.prompter]() {
    return resolve_credentials(inputs, profile, prompter.get());
  };
  if (options.use_token_cache) {
    session_options.on_new_token = [cache, name = profile.name, url = profile.url,
                                    warn = options.warn](const std::string& token,
                                                         const std::string& username) {
      try {
        cache.store(name, url, username, token);
      } catch (const std::exception& e) {
        // A read-only home must not fail the command; the next one just logs in again.
        if (warn) warn(token_cache_warning(e));
      }
    };
  }
  auto session = std::make_shared<JSessionProvider>(std::move(session_options));
  client->set_session_provider(session);
  return Connection{std::move(file),    std::move(profile), std::move(client),
                    std::move(session), std::move(cache),   std::move(network)};
}

}  // namespace xnatctl::auth
