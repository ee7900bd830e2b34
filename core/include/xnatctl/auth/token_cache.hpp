#pragma once

// Cached JSESSION tokens, one file per profile (mode 0600) holding the server URL the token
// belongs to, so a token is only ever sent to the server that issued it. Never holds a
// password.

#include <filesystem>
#include <optional>
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

  // The token cached for this profile, only when it was issued by `url` (normalised, so a
  // trailing slash does not matter). A corrupt file counts as no token.
  std::optional<CachedSession> load(const std::string& profile, const std::string& url) const;
  // Whatever is cached for the profile, whichever server it came from.
  std::optional<CachedSession> load_any(const std::string& profile) const;
  void store(const std::string& profile, const std::string& url, const std::string& username,
             const std::string& token) const;
  // Returns true when there was something to remove.
  bool remove(const std::string& profile) const;

  std::filesystem::path file_for(const std::string& profile) const;

 private:
  std::filesystem::path directory_;
};

}  // namespace xnatctl::auth
