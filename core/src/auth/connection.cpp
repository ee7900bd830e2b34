#include "xnatctl/auth/connection.hpp"

#include "xnatctl/config/paths.hpp"

namespace xnatctl::auth {

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

  http::ClientOptions client_options;
  client_options.base_url = profile.url;
  client_options.verify_tls = profile.verify_ssl;
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
                                    log = options.log](const std::string& token,
                                                       const std::string& username) {
      try {
        cache.store(name, url, username, token);
      } catch (const std::exception& e) {
        // A read-only home must not fail the command; the next one just logs in again.
        if (log) log(std::string("cannot cache the session token: ") + e.what());
      }
    };
  }
  auto session = std::make_shared<JSessionProvider>(std::move(session_options));
  client->set_session_provider(session);
  return Connection{std::move(file), std::move(profile), std::move(client), std::move(session),
                    std::move(cache)};
}

}  // namespace xnatctl::auth
