#include "xnatctl/auth/token_cache.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Timestamp.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "xnatctl/config/private_file.hpp"
#include "xnatctl/config/url.hpp"

namespace xnatctl::auth {
namespace {

// Profile names are free text in YAML; only a safe subset may reach a file name.
std::string file_stem(const std::string& profile) {
  std::string stem;
  for (unsigned char c : profile) {
    if (std::isalnum(c) || c == '-' || c == '_') {
      stem.push_back(static_cast<char>(c));
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      stem += hex;
    }
  }
  return stem.empty() ? "%" : stem;
}

std::string normalized_or_raw(const std::string& url) {
  try {
    return config::normalize_server_url(url);
  } catch (...) {
    return url;
  }
}

}  // namespace

TokenCache::TokenCache(std::filesystem::path directory) : directory_(std::move(directory)) {}

std::filesystem::path TokenCache::file_for(const std::string& profile) const {
  return directory_ / (file_stem(profile) + ".json");
}

std::optional<CachedSession> TokenCache::load_any(const std::string& profile) const {
  std::ifstream in(file_for(profile));
  if (!in) return std::nullopt;
  try {
    Poco::JSON::Parser parser;
    auto object = parser.parse(in).extract<Poco::JSON::Object::Ptr>();
    CachedSession session;
    session.url = object->getValue<std::string>("url");
    session.token = object->getValue<std::string>("token");
    session.username = object->optValue<std::string>("username", "");
    session.created_at = object->optValue<std::string>("created_at", "");
    if (session.token.empty()) return std::nullopt;
    return session;
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<CachedSession> TokenCache::load(const std::string& profile,
                                              const std::string& url) const {
  auto session = load_any(profile);
  if (!session || normalized_or_raw(session->url) != normalized_or_raw(url)) return std::nullopt;
  return session;
}

void TokenCache::store(const std::string& profile, const std::string& url,
                       const std::string& username, const std::string& token) const {
  Poco::JSON::Object object(Poco::JSON_PRESERVE_KEY_ORDER);
  object.set("url", normalized_or_raw(url));
  object.set("username", username);
  object.set("token", token);
  object.set("created_at", Poco::DateTimeFormatter::format(Poco::Timestamp(),
                                                           Poco::DateTimeFormat::ISO8601_FORMAT));
  std::ostringstream text;
  object.stringify(text, 2);
  text << "\n";
  config::write_private_file(file_for(profile), text.str());
}

bool TokenCache::remove(const std::string& profile) const {
  std::error_code ec;
  return std::filesystem::remove(file_for(profile), ec);
}

}  // namespace xnatctl::auth
