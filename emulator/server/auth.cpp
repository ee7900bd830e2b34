#include "auth.hpp"

#include <Poco/Base64Decoder.h>

#include <random>
#include <regex>
#include <sstream>

namespace xnatctl::emulator {

SessionRegistry::SessionRegistry(std::vector<UserAccount> users, std::chrono::seconds idle_timeout)
    : idle_timeout_(idle_timeout) {
  for (auto& u : users) passwords_[u.name] = u.password;
}

bool SessionRegistry::check_password(const std::string& user, const std::string& password) const {
  // XNAT lets the user name carry an auth provider prefix ("provider/user", §2.1).
  std::string name = user;
  if (auto slash = name.find('/'); slash != std::string::npos) name = name.substr(slash + 1);
  auto it = passwords_.find(name);
  return it != passwords_.end() && it->second == password;
}

std::string SessionRegistry::create_session(const std::string& user) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789ABCDEF";
  std::string id;
  for (int i = 0; i < 32; ++i) id += hex[rng() & 15];
  std::string name = user;
  if (auto slash = name.find('/'); slash != std::string::npos) name = name.substr(slash + 1);
  std::lock_guard lock(mutex_);
  sessions_[id] = Session{name, Clock::now()};
  return id;
}

std::optional<std::string> SessionRegistry::touch(const std::string& session_id) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return std::nullopt;
  const auto now = Clock::now();
  if (now - it->second.last_access > idle_timeout_) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_access = now;
  return it->second.user;
}

void SessionRegistry::invalidate(const std::string& session_id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session_id);
}

std::vector<std::string> SessionRegistry::invalidate_user(const std::string& user) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> ids;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.user == user) {
      ids.push_back(it->first);
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  return ids;
}

void SessionRegistry::purge_expired() {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (now - it->second.last_access > idle_timeout_)
      it = sessions_.erase(it);
    else
      ++it;
  }
}

bool is_interactive_agent(const std::string& user_agent) {
  if (user_agent.empty() || user_agent.find("XNATDesktopClient") != std::string::npos) return false;
  static const std::regex browser(".*(MSIE|Mozilla|AppleWebKit|Opera).*");
  return std::regex_match(user_agent, browser);
}

std::optional<std::pair<std::string, std::string>> parse_basic_auth(const std::string& header) {
  if (header.size() < 6 || header.compare(0, 6, "Basic ") != 0) return std::nullopt;
  std::string decoded;
  try {
    std::istringstream in(header.substr(6));
    Poco::Base64Decoder decoder(in);
    decoded.assign(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
  } catch (const std::exception&) {
    return std::nullopt;  // not Base64: a failed login (401), not a server error
  }
  auto colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(decoded.substr(0, colon), decoded.substr(colon + 1));
}

}  // namespace xnatctl::emulator
