#include "xnatctl/test_support/tinyproxy_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace xnatctl::test_support {
namespace {

// tinyproxy wants a port number in its config; ask the kernel for a free one. Another
// process could take it before tinyproxy binds it: startup then fails loudly, never silently.
std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

bool accepts_connections(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

bool TinyproxyFixture::available() {
  return std::filesystem::exists("/usr/bin/tinyproxy") ||
         std::filesystem::exists("/usr/sbin/tinyproxy");
}

TinyproxyFixture::TinyproxyFixture(TinyproxyOptions options) {
  std::random_device random;
  dir_ = std::filesystem::temp_directory_path() /
         ("xnatctl-tinyproxy-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
  std::filesystem::create_directories(dir_);
  port_ = free_loopback_port();
  {
    std::ofstream config(dir_ / "tinyproxy.conf");
    config << "Port " << port_ << "\nListen 127.0.0.1\nTimeout 120\n"
           << "LogFile \"" << (dir_ / "tinyproxy.log").string() << "\"\nLogLevel Connect\n"
           << "MaxClients 64\nAllow 127.0.0.1\nDisableViaHeader Yes\n";
    // No ConnectPort line: CONNECT is allowed to any port (the emulator's is random).
    if (!options.username.empty()) {
      config << "BasicAuth " << options.username << " " << options.password << "\n";
    }
  }
  // `timeout` bounds the proxy's life even if this process dies; -d keeps it in the
  // foreground so the PID we hold is the proxy's parent, stopped with SIGTERM.
  process_.emplace(
      ChildProcess::spawn("timeout", {std::to_string(options.max_runtime_seconds), "tinyproxy",
                                      "-d", "-c", (dir_ / "tinyproxy.conf").string()}));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!accepts_connections(port_)) {
    if (!process_->running() || std::chrono::steady_clock::now() > deadline) {
      process_->terminate(std::chrono::seconds(2));
      throw std::runtime_error("tinyproxy did not start: " + process_->stderr_text() + log_text());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TinyproxyFixture::~TinyproxyFixture() {
  if (process_) process_->terminate(std::chrono::seconds(5));
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string TinyproxyFixture::log_text() const {
  std::ifstream in(dir_ / "tinyproxy.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> TinyproxyFixture::requests() const {
  std::vector<std::string> lines;
  std::istringstream in(log_text());
  std::string line;
  const std::string marker = "]: Request (file descriptor ";
  while (std::getline(in, line)) {
    const auto at = line.find(marker);
    if (at == std::string::npos) continue;
    const auto colon = line.find("): ", at);
    if (colon != std::string::npos) lines.push_back(line.substr(colon + 3));
  }
  return lines;
}

bool TinyproxyFixture::log_contains(const std::string& text) const {
  return log_text().find(text) != std::string::npos;
}

}  // namespace xnatctl::test_support
