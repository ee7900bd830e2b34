#pragma once

// Holds freshly accepted connections until their first request has fully arrived, without a
// thread each, and closes those that take longer than a deadline. Both servers of the emulator
// hand a connection to a worker thread only once it is ready, so idle or slow-header
// connections (a few bytes, then nothing) cannot starve everyone else: a worker is never
// blocked waiting for a request head.
//
// One thread, epoll (edge-triggered), MSG_PEEK: the bytes stay in the socket for the server
// that reads the request. Linux only, like the rest of the emulator's deployment.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

namespace xnatctl::emulator {

enum class Readiness { kWait, kReady, kReject };

struct GateOptions {
  int listen_fd = -1;  // a listening socket; the gate accepts on it (it does not own it)
  std::chrono::milliseconds deadline{10000};  // from accept to a complete first request
  std::size_t max_peek = 64 * 1024;           // a head this long without an end is "ready"
  std::size_t max_pending = 4096;             // beyond this, new connections are closed
  // Judges the bytes received so far (never empty).
  std::function<Readiness(std::string_view received)> judge;
  // Takes ownership of a ready connection's descriptor (called on the gate thread).
  std::function<void(int fd)> on_ready;
};

class ConnectionGate {
 public:
  explicit ConnectionGate(GateOptions options);
  ~ConnectionGate();  // stop()s
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  void start();
  // Stops accepting, closes every connection still waiting, joins the thread. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xnatctl::emulator
