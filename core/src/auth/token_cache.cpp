#include "xnatctl/auth/token_cache.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DigestEngine.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/SHA1Engine.h>
#include <Poco/Timestamp.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "xnatctl/config/private_file.hpp"
#include "xnatctl/config/url.hpp"
#include "xnatctl/error.hpp"

namespace xnatctl::auth {
namespace {

constexpr std::size_t kMaxStem = 200;  // + ".json" + a temp suffix stays below NAME_MAX

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
  if (stem.empty()) return "%";
  // A file name has at most 255 bytes: a long profile name keeps its start, readable, and a
  // digest of the whole name, so two long names never share a file.
  if (stem.size() > kMaxStem) {
    Poco::SHA1Engine sha1;
    sha1.update(profile);
    stem.resize(kMaxStem - 41);  // 40 hex digits and the '~'
    stem += "~" + Poco::DigestEngine::digestToHex(sha1.digest());
  }
  return stem;
}

// Reads a cache file only when it is the caller's regular file; a readable one is made
// private again (0600). nullopt when missing or not to be trusted.
std::optional<std::string> read_own_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::optional<std::string> text;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid()) {
    if ((st.st_mode & 077) != 0) ::fchmod(fd, 0600);
    text.emplace();
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0 && text->size() < std::size_t{64} * 1024)
      text->append(buffer, static_cast<std::size_t>(n));
    if (n < 0) text.reset();
  }
  ::close(fd);
  return text;
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

void TokenCache::set_warn(std::function<void(const std::string&)> warn) {
  warn_ = std::move(warn);
}

std::optional<std::string> TokenCache::directory_problem() const {
  struct stat st {};
  if (::stat(directory_.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;  // created 0700 on the first store
    return "cannot use " + directory_.string() + ": " + std::strerror(errno);
  }
  if (!S_ISDIR(st.st_mode)) return directory_.string() + " is not a directory";
  if (st.st_uid != ::geteuid()) {
    return "not using " + directory_.string() +
           ": it belongs to another user (session tokens must be private)";
  }
  if ((st.st_mode & 077) != 0) {
    if (::chmod(directory_.c_str(), 0700) != 0) {
      return "not using " + directory_.string() +
             ": it is readable by others and chmod failed: " + std::strerror(errno);
    }
    if (!tightened_) {
      tightened_ = true;
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      if (warn_)
        warn_("tightened " + directory_.string() + " from mode " + mode +
              " to 0700: session tokens must be private");
    }
  }
  return std::nullopt;
}

std::filesystem::path TokenCache::file_for(const std::string& profile) const {
  return directory_ / (file_stem(profile) + ".json");
}

std::optional<CachedSession> TokenCache::load_any(const std::string& profile) const {
  if (directory_problem()) return std::nullopt;
  const auto text = read_own_file(file_for(profile));
  if (!text) return std::nullopt;
  try {
    std::istringstream in(*text);
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
  if (auto problem = directory_problem()) throw Error(*problem);
  config::write_private_file(file_for(profile), text.str());
}

bool TokenCache::remove(const std::string& profile) const {
  std::error_code ec;
  return std::filesystem::remove(file_for(profile), ec);
}

std::string token_cache_warning(const std::exception& error) {
  return std::string("cannot cache the session token (the next command logs in again): ") +
         error.what();
}

}  // namespace xnatctl::auth
