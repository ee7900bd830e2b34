#pragma once

// Cached JSESSION tokens, one file per profile (mode 0600) holding the server URL the token
// belongs to, so a token is only ever sent to the server that issued it. Never holds a
// password. The directory must be the caller's: one open to others is tightened to 0700
// (files to 0600), one owned by another user is not used (docs/security.md).

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace xnatctl::auth {

struct CachedSession {
  std::string url;       // normalised server URL
  std::string username;  // may be empty when unknown
  std::string token;
  std::string created_at;  // ISO-8601 UTC, for `auth status`
};

class TokenCache {
 public:
  explicit TokenCache(std::filesystem::path directory);
  // Where to say that the directory was tightened (one line, once per cache object).
  void set_warn(std::function<void(const std::string&)> warn);

  // The token cached for this profile, only when it was issued by `url` (normalised, so a
  // trailing slash does not matter). A corrupt file counts as no token.
  std::optional<CachedSession> load(const std::string& profile, const std::string& url) const;
  // Whatever is cached for the profile, whichever server it came from.
  std::optional<CachedSession> load_any(const std::string& profile) const;
  // Throws xnatctl::Error when the file cannot be written or the directory is not private.
  void store(const std::string& profile, const std::string& url, const std::string& username,
             const std::string& token) const;
  // Returns true when there was something to remove.
  bool remove(const std::string& profile) const;

  // <directory>/<profile>.json, the name made file-safe (and shortened with a digest when long).
  std::filesystem::path file_for(const std::string& profile) const;

 private:
  // Why the directory cannot be used, or nullopt (tightening it to 0700 on the way).
  std::optional<std::string> directory_problem() const;
  std::filesystem::path directory_;
  std::function<void(const std::string&)> warn_;
  mutable bool tightened_ = false;
};

// The one warning line for a token that could not be cached; the command itself succeeds.
std::string token_cache_warning(const std::exception& error);

}  // namespace xnatctl::auth
