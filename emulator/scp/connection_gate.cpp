#include "connection_gate.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace xnatctl::emulator {

using Clock = std::chrono::steady_clock;

struct ConnectionGate::Impl {
  GateOptions options;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::thread thread;
  std::map<int, Clock::time_point> waiting;  // fd -> deadline
  std::vector<char> peek_buffer;

  void run();
  void accept_all();
  void examine(int fd);
  void drop(int fd) {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    waiting.erase(fd);
  }
  void expire() {
    const auto now = Clock::now();
    for (auto it = waiting.begin(); it != waiting.end();) {
      const int fd = it->first;
      const bool late = it->second <= now;
      ++it;
      if (late) drop(fd);
    }
  }
};

ConnectionGate::ConnectionGate(GateOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->peek_buffer.resize(impl_->options.max_peek);
}

ConnectionGate::~ConnectionGate() {
  stop();
}

void ConnectionGate::start() {
  Impl& d = *impl_;
  d.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  d.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (d.epoll_fd < 0 || d.wake_fd < 0) throw std::runtime_error("connection gate: epoll/eventfd");
  epoll_event listen_event{};
  listen_event.events = EPOLLIN;
  listen_event.data.fd = d.options.listen_fd;
  epoll_event wake_event{};
  wake_event.events = EPOLLIN;
  wake_event.data.fd = d.wake_fd;
  if (::epoll_ctl(d.epoll_fd, EPOLL_CTL_ADD, d.options.listen_fd, &listen_event) != 0 ||
      ::epoll_ctl(d.epoll_fd, EPOLL_CTL_ADD, d.wake_fd, &wake_event) != 0)
    throw std::runtime_error("connection gate: epoll_ctl");
  d.thread = std::thread([&d] { d.run(); });
}

void ConnectionGate::stop() {
  Impl& d = *impl_;
  if (d.thread.joinable()) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(d.wake_fd, &one, sizeof one);
    d.thread.join();
  }
  while (!d.waiting.empty()) d.drop(d.waiting.begin()->first);
  if (d.epoll_fd >= 0) ::close(d.epoll_fd);
  if (d.wake_fd >= 0) ::close(d.wake_fd);
  d.epoll_fd = d.wake_fd = -1;
}

void ConnectionGate::Impl::run() {
  std::vector<epoll_event> events(64);
  while (true) {
    const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), 200);
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == wake_fd) return;
      if (fd == options.listen_fd) {
        accept_all();
      } else if (waiting.count(fd) != 0) {
        examine(fd);
      }
    }
    expire();
  }
}

void ConnectionGate::Impl::accept_all() {
  while (true) {
    const int fd = ::accept4(options.listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;  // EAGAIN (nothing more), or a transient error: next event retries
    if (waiting.size() >= options.max_pending) {
      ::close(fd);
      continue;
    }
    epoll_event event{};
    event.events = EPOLLIN | EPOLLET | EPOLLRDHUP;
    event.data.fd = fd;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) {
      ::close(fd);
      continue;
    }
    waiting[fd] = Clock::now() + options.deadline;
    examine(fd);  // data may have arrived with the connection
  }
}

void ConnectionGate::Impl::examine(int fd) {
  const ssize_t got = ::recv(fd, peek_buffer.data(), peek_buffer.size(), MSG_PEEK | MSG_DONTWAIT);
  if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (got <= 0) return drop(fd);  // closed before sending a request, or an error
  const auto size = static_cast<std::size_t>(got);
  Readiness verdict = options.judge(std::string_view(peek_buffer.data(), size));
  if (verdict == Readiness::kWait && size >= peek_buffer.size()) verdict = Readiness::kReady;
  if (verdict == Readiness::kWait) return;
  if (verdict == Readiness::kReject) return drop(fd);
  ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
  waiting.erase(fd);
  // Back to blocking mode: the servers behind the gate use timeouts, not non-blocking I/O.
  if (int flags = ::fcntl(fd, F_GETFL); flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  options.on_ready(fd);
}

}  // namespace xnatctl::emulator
