// Fault injection (issue 4 §3): transient 400 on the first N imports, seeded random 5xx,
// connection reset after N request-body bytes, added latency. Session expiry is the session
// timeout; the DICOM receiver's abort is passed to the receiver.
#pragma once

#include <atomic>
#include <istream>
#include <memory>
#include <mutex>
#include <random>
#include <streambuf>

#include "config.hpp"

namespace Poco::Net {
class HTTPServerRequest;
}

namespace xnatctl::emulator {

// Thrown after the connection was reset on purpose; the handler just returns.
struct ConnectionResetInjected : std::exception {
  const char* what() const noexcept override { return "fault: connection reset"; }
};

class FaultInjector {
 public:
  explicit FaultInjector(FaultConfig config);
  const FaultConfig& config() const { return config_; }

  void apply_latency() const;
  // A 5xx status to answer instead of handling the request, or 0.
  int draw_5xx();
  // True for the first N import requests (--fault-import-400).
  bool take_import_400();
  // Wraps the request body `source` so that, when armed, the connection is reset (RST) after
  // `reset_after_bytes` bytes. Returns the stream to read the body from.
  std::unique_ptr<std::istream> wrap_body(std::istream& source,
                                          Poco::Net::HTTPServerRequest& request);

 private:
  bool take_reset();
  FaultConfig config_;
  std::mutex rng_mutex_;
  std::mt19937_64 rng_;
  std::atomic<int> imports_failed_{0};
  std::atomic<int> resets_done_{0};
};

}  // namespace xnatctl::emulator
