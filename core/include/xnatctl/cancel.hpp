#pragma once

// Process-wide cancellation (Ctrl-C). One mechanism for everything that waits: HTTP
// requests close their socket, back-off sleeps wake up, discovery and transports stop
// between files. The SIGINT handler only sets an atomic flag (async-signal-safe); a watcher
// thread started by install_sigint_handler() wakes the waiters.

#include <atomic>
#include <chrono>
#include <functional>

namespace xnatctl::cancel {

// True once the user asked to stop.
bool requested() noexcept;
// The flag itself, for code that polls an atomic (discovery options).
const std::atomic<bool>& flag() noexcept;

// Asks everything to stop (also what the SIGINT handler triggers). Thread-safe.
void request() noexcept;

// Sleeps up to `duration`; returns false (early) when cancellation was requested.
bool sleep_for(std::chrono::milliseconds duration);

// Runs `on_cancel` once if cancellation is requested while the guard lives (e.g. shut a
// socket down so a blocked read returns). Runs it at once if already requested. The
// callback runs on the watcher thread; it must be quick and must not throw.
class Subscription {
 public:
  explicit Subscription(std::function<void()> on_cancel);
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

 private:
  unsigned long id_;
};

// Installs the SIGINT (and SIGTERM) handler that calls request(). A second Ctrl-C while
// stopping exits at once with 130. Also ignores SIGPIPE, so a peer closing mid-send is an
// error the sender reports, not the end of the process.
void install_signal_handlers();

// For tests: back to "not requested".
void reset_for_tests() noexcept;

}  // namespace xnatctl::cancel
