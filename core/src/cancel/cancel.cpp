#include "xnatctl/cancel.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

namespace xnatctl::cancel {
namespace {

std::atomic<bool> g_requested{false};

// Subscriptions and sleepers. Only touched from normal threads (request() and the watcher),
// never from the signal handler, which may not take locks.
struct Registry {
  std::mutex mutex;
  std::condition_variable wake;
  std::map<unsigned long, std::function<void()>> callbacks;
  unsigned long next_id = 1;
  bool notified = false;
};

Registry& registry() {
  static Registry r;  // never destroyed before threads using it: leaked on purpose at exit
  return r;
}

// Runs the cancel callbacks once and wakes every sleeper. Callbacks run under the lock so a
// Subscription's destructor (which takes it) cannot return while its callback still runs
// against the object it guards.
void notify() {
  Registry& r = registry();
  {
    std::lock_guard lock(r.mutex);
    if (r.notified) return;
    r.notified = true;
    for (auto& [id, callback] : r.callbacks) callback();
  }
  r.wake.notify_all();
}

// Self-pipe: the handler writes a byte, the watcher thread reads it and notifies. Writing
// to a pipe is async-signal-safe; locking a mutex or notifying a condition variable is not.
int g_pipe[2] = {-1, -1};

extern "C" void on_signal(int) {
  if (g_requested.exchange(true)) std::_Exit(130);  // second Ctrl-C: stop at once
  const char byte = 1;
  [[maybe_unused]] const ssize_t n = ::write(g_pipe[1], &byte, 1);
}

}  // namespace

bool requested() noexcept {
  return g_requested.load();
}

const std::atomic<bool>& flag() noexcept {
  return g_requested;
}

void request() noexcept {
  g_requested = true;
  notify();
}

bool sleep_for(std::chrono::milliseconds duration) {
  Registry& r = registry();
  std::unique_lock lock(r.mutex);
  return !r.wake.wait_for(lock, duration, [] { return g_requested.load(); });
}

Subscription::Subscription(std::function<void()> on_cancel) {
  Registry& r = registry();
  bool already = false;
  {
    std::lock_guard lock(r.mutex);
    id_ = r.next_id++;
    r.callbacks.emplace(id_, on_cancel);
    already = r.notified;
  }
  if (already) on_cancel();
}

Subscription::~Subscription() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.callbacks.erase(id_);
}

void install_signal_handlers() {
  if (g_pipe[0] >= 0) return;
  if (::pipe2(g_pipe, O_CLOEXEC) != 0) return;  // no watcher: polling still works
  std::thread([] {
    char byte = 0;
    while (::read(g_pipe[0], &byte, 1) < 0) {
    }
    notify();
  }).detach();  // lives for the process; blocked in read() it holds nothing
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  // A server that closes a connection while we still send (an early 401, a reset) must give
  // the sender EPIPE, which it reports and retries, not kill the process: neither Poco nor
  // DCMTK passes MSG_NOSIGNAL on Linux.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGPIPE, &ignore, nullptr);
}

void reset_for_tests() noexcept {
  g_requested = false;
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.notified = false;
}

}  // namespace xnatctl::cancel
