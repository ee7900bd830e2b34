// Debian's tinyproxy as a test's HTTP proxy: its own config on a free loopback port, a log of
// every request it forwards (GET http://... for plain HTTP, CONNECT host:port for tunnels),
// optional Basic credentials, bounded in time by `timeout`, stopped by PID.
//
//   xnatctl::test_support::TinyproxyFixture proxy({.username = "u", .password = "p"});
//   env["HTTPS_PROXY"] = proxy.url();          // "http://127.0.0.1:PORT"
//   ... run the client ...
//   CHECK(proxy.log_contains("CONNECT localhost:"));
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "xnatctl/test_support/child_process.hpp"

namespace xnatctl::test_support {

struct TinyproxyOptions {
  std::string username, password;  // empty = no authentication required
  int max_runtime_seconds = 300;   // tinyproxy is killed by `timeout` after this
};

class TinyproxyFixture {
 public:
  explicit TinyproxyFixture(TinyproxyOptions options = {});  // throws std::runtime_error
  ~TinyproxyFixture();
  TinyproxyFixture(const TinyproxyFixture&) = delete;
  TinyproxyFixture& operator=(const TinyproxyFixture&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The request lines tinyproxy logged ("GET http://127.0.0.1:1234/data/JSESSION HTTP/1.1",
  // "CONNECT localhost:1234 HTTP/1.1"), in order.
  std::vector<std::string> requests() const;
  bool log_contains(const std::string& text) const;
  std::string log_text() const;

  static bool available();  // tinyproxy is installed

 private:
  std::filesystem::path dir_;
  std::optional<ChildProcess> process_;
  std::uint16_t port_ = 0;
};

}  // namespace xnatctl::test_support
