#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace xnatctl::http {

class Client;

// Touches the JSESSION every `interval` while it lives, so XNAT's inactivity timeout
// (15 minutes by default) cannot expire the session in the middle of a long upload whose
// single request outlasts it. Stops and joins in the destructor.
class Heartbeat {
 public:
  Heartbeat(Client& client, std::chrono::milliseconds interval);
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

 private:
  void run();

  Client& client_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace xnatctl::http
