#include "faults.hpp"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/StreamSocket.h>

#include <thread>
#include <utility>
#include <vector>

namespace xnatctl::emulator {
namespace {

// A read-through stream buffer that counts body bytes and, once the limit is reached, resets
// the TCP connection (SO_LINGER 0 + close → RST), which is what a dropped connection looks like
// to a client. Hand-written because Poco has no counting/limiting input stream.
class ResettingBuf : public std::streambuf {
 public:
  ResettingBuf(std::istream& source, Poco::Net::HTTPServerRequest& request, std::int64_t limit)
      : source_(source), request_(request), limit_(limit), buffer_(64 * 1024) {}

 protected:
  int_type underflow() override {
    if (consumed_ >= limit_) reset();
    std::int64_t want =
        std::min<std::int64_t>(static_cast<std::int64_t>(buffer_.size()), limit_ - consumed_);
    source_.read(buffer_.data(), want);
    auto got = source_.gcount();
    if (got <= 0) return traits_type::eof();
    consumed_ += got;
    setg(buffer_.data(), buffer_.data(), buffer_.data() + got);
    return traits_type::to_int_type(buffer_[0]);
  }

 private:
  [[noreturn]] void reset() {
    try {
      auto& impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(request_);
      impl.socket().setLinger(true, 0);
      impl.socket().close();
    } catch (...) {
    }
    throw ConnectionResetInjected();
  }
  std::istream& source_;
  Poco::Net::HTTPServerRequest& request_;
  std::int64_t limit_;
  std::int64_t consumed_ = 0;
  std::vector<char> buffer_;
};

class ResettingStream : public std::istream {
 public:
  ResettingStream(std::istream& source, Poco::Net::HTTPServerRequest& request, std::int64_t limit)
      : std::istream(nullptr), buf_(source, request, limit) {
    rdbuf(&buf_);
    exceptions(std::ios::badbit);  // let ConnectionResetInjected propagate out of reads
  }

 private:
  ResettingBuf buf_;
};

// Plain pass-through when no reset is armed: the request stream itself, not owned.
class BorrowedStream : public std::istream {
 public:
  explicit BorrowedStream(std::istream& source) : std::istream(source.rdbuf()) {}
};

}  // namespace

FaultInjector::FaultInjector(FaultConfig config) : config_(std::move(config)), rng_(config_.seed) {}

void FaultInjector::apply_latency() const {
  if (config_.latency_ms > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(config_.latency_ms));
}

int FaultInjector::draw_5xx() {
  if (config_.rate_5xx <= 0) return 0;
  std::lock_guard lock(rng_mutex_);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  if (u(rng_) >= config_.rate_5xx) return 0;
  static constexpr int kStatuses[] = {500, 502, 503};
  return kStatuses[rng_() % 3];
}

bool FaultInjector::take_import_400() {
  if (config_.import_400_first_n <= 0) return false;
  return imports_failed_.fetch_add(1) < config_.import_400_first_n;
}

bool FaultInjector::take_reset() {
  if (config_.reset_after_bytes < 0) return false;
  if (config_.reset_times == 0) return true;
  return resets_done_.load() < config_.reset_times;
}

std::unique_ptr<std::istream> FaultInjector::wrap_body(std::istream& source,
                                                       Poco::Net::HTTPServerRequest& request) {
  if (take_reset()) {
    // Counted as done only when the reset actually fires would need a callback; counting the
    // armed request is close enough: only bodies reaching the limit are affected anyway, and a
    // body shorter than the limit leaves the counter unchanged below.
    const auto length = request.getContentLength64();
    const bool chunked = request.getChunkedTransferEncoding();
    if (chunked || length > config_.reset_after_bytes) {
      resets_done_.fetch_add(1);
      return std::make_unique<ResettingStream>(source, request, config_.reset_after_bytes);
    }
  }
  return std::make_unique<BorrowedStream>(source);
}

}  // namespace xnatctl::emulator
