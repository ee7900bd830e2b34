#include "xnatctl/http/heartbeat.hpp"

#include "xnatctl/http/client.hpp"

namespace xnatctl::http {

Heartbeat::Heartbeat(Client& client, std::chrono::milliseconds interval)
    : client_(client), interval_(interval), thread_([this] { run(); }) {}

Heartbeat::~Heartbeat() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Heartbeat::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    try {
      // Any authenticated request resets XNAT's inactivity timer; this one is the cheapest.
      Request ping;
      ping.path = "/data/JSESSION";
      client_.fetch(ping, 4096);
    } catch (...) {
      // A missed heartbeat is harmless: an expired session is renewed on the next 401.
    }
    lock.lock();
  }
}

}  // namespace xnatctl::http
