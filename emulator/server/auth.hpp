// Users and HTTP sessions (reference §2): Basic auth on any request, JSESSIONID cookie
// sessions with an idle timeout, and the 401/302 split between non-browser and browser agents
// (§1.5).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"

namespace xnatctl::emulator {

class SessionRegistry {
 public:
  using Clock = std::chrono::steady_clock;
  SessionRegistry(std::vector<UserAccount> users, std::chrono::seconds idle_timeout);

  bool check_password(const std::string& user, const std::string& password) const;
  // New session id (32 upper-case hex chars, like Tomcat's JSESSIONID) bound to `user`.
  std::string create_session(const std::string& user);
  // The user of a live session, refreshing its idle timer; nullopt if unknown or expired.
  std::optional<std::string> touch(const std::string& session_id);
  void invalidate(const std::string& session_id);
  // Ends every session of `user`; returns their ids (DELETE /xapi/users/active/{user}, §2.2).
  std::vector<std::string> invalidate_user(const std::string& user);
  void purge_expired();
  std::chrono::seconds idle_timeout() const { return idle_timeout_; }

 private:
  struct Session {
    std::string user;
    Clock::time_point last_access;
  };
  std::map<std::string, std::string> passwords_;
  std::chrono::seconds idle_timeout_;
  mutable std::mutex mutex_;
  std::map<std::string, Session> sessions_;
};

// Browser-like User-Agent per XNAT's interactiveAgentIds default (§1.5); blank or
// XNATDesktopClient agents are never interactive.
bool is_interactive_agent(const std::string& user_agent);

// Decodes "Basic base64(user:password)"; nullopt if not a Basic header.
std::optional<std::pair<std::string, std::string>> parse_basic_auth(const std::string& header);

}  // namespace xnatctl::emulator
