#include "request_body.hpp"

#include <Poco/Net/HTTPFixedLengthStream.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerSession.h>

#include <string>
#include <vector>

namespace xnatctl::emulator {
namespace {

class CheckedBuf : public std::streambuf {
 public:
  bool broken() const { return broken_; }

 protected:
  [[noreturn]] void fail(const std::string& message) {
    broken_ = true;
    throw BrokenBody(message);
  }
  std::vector<char> buffer_ = std::vector<char>(64 * 1024);

 private:
  bool broken_ = false;
};

// Content-Length: counts what Poco's fixed-length stream delivers; an early end is an error.
class LengthBuf : public CheckedBuf {
 public:
  LengthBuf(std::istream& source, std::int64_t length) : source_(source), left_(length) {}

 protected:
  int_type underflow() override {
    if (left_ == 0) return traits_type::eof();
    const auto want = std::min<std::int64_t>(left_, static_cast<std::int64_t>(buffer_.size()));
    source_.read(buffer_.data(), want);
    const auto got = source_.gcount();
    if (got <= 0) {
      fail("the request body ended after " + std::to_string(read_) + " of " +
           std::to_string(read_ + left_) + " bytes (Content-Length)");
    }
    left_ -= got;
    read_ += got;
    setg(buffer_.data(), buffer_.data(), buffer_.data() + got);
    return traits_type::to_int_type(buffer_[0]);
  }

 private:
  std::istream& source_;
  std::int64_t left_;
  std::int64_t read_ = 0;
};

// Transfer-Encoding: chunked, decoded strictly (RFC 9112 §7.1) straight from the session.
// Every read is bounded by what the grammar allows next (Poco's fixed-length stream never
// reads past its length), so not one byte of a following request is consumed.
// Hand-written because Poco's decoder cannot tell a malformed chunk from the last one.
class ChunkedBuf : public CheckedBuf {
 public:
  explicit ChunkedBuf(Poco::Net::HTTPSession& session) : session_(session) {}

 protected:
  int_type underflow() override {
    if (done_) return traits_type::eof();
    while (left_ == 0) {
      if (chunk_) {
        chunk_.reset();
        expect_line_end();
      }
      left_ = read_chunk_size();
      if (left_ == 0) {
        skip_trailers();
        done_ = true;
        return traits_type::eof();
      }
      chunk_ = std::make_unique<Poco::Net::HTTPFixedLengthInputStream>(session_, left_);
    }
    const auto want = std::min<std::int64_t>(left_, static_cast<std::int64_t>(buffer_.size()));
    chunk_->read(buffer_.data(), want);
    const auto got = chunk_->gcount();
    if (got <= 0) fail("the chunked request body ended inside a chunk");
    left_ -= got;
    setg(buffer_.data(), buffer_.data(), buffer_.data() + got);
    return traits_type::to_int_type(buffer_[0]);
  }

 private:
  int next_byte() {
    Poco::Net::HTTPFixedLengthInputStream one(session_, 1);
    const int c = one.get();
    if (c == std::char_traits<char>::eof()) fail("the chunked request body ended early");
    return c;
  }

  void expect_line_end() {
    int c = next_byte();
    if (c == '\r') c = next_byte();
    if (c != '\n') fail("invalid chunked encoding: a chunk is not followed by CRLF");
  }

  // chunk-size [; extensions] CRLF
  std::int64_t read_chunk_size() {
    std::int64_t size = 0;
    int digits = 0;
    int c = next_byte();
    for (; std::isxdigit(c) != 0; c = next_byte()) {
      if (++digits > 15) fail("invalid chunked encoding: chunk size too large");
      size = size * 16 + (std::isdigit(c) != 0 ? c - '0' : std::tolower(c) - 'a' + 10);
    }
    if (digits == 0) fail("invalid chunked encoding: no chunk size");
    if (c == ';' || c == ' ' || c == '\t') {
      for (int n = 0; c != '\n'; c = next_byte()) {
        if (++n > 4096) fail("invalid chunked encoding: chunk extension too long");
      }
      return size;
    }
    if (c == '\r') c = next_byte();
    if (c != '\n') fail("invalid chunked encoding: bad chunk size line");
    return size;
  }

  // Trailer lines up to the empty line; their content is ignored.
  void skip_trailers() {
    for (int lines = 0;; ++lines) {
      if (lines > 100) fail("invalid chunked encoding: too many trailers");
      std::size_t length = 0;
      for (int c = next_byte(); c != '\n'; c = next_byte()) {
        if (c != '\r') ++length;
        if (length > 8192) fail("invalid chunked encoding: trailer too long");
      }
      if (length == 0) return;
    }
  }

  Poco::Net::HTTPSession& session_;
  std::unique_ptr<Poco::Net::HTTPFixedLengthInputStream> chunk_;
  std::int64_t left_ = 0;
  bool done_ = false;
};

}  // namespace

RequestBody::RequestBody(Poco::Net::HTTPServerRequest& request) : std::istream(nullptr) {
  if (request.getChunkedTransferEncoding()) {
    auto& impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(request);
    buf_ = std::make_unique<ChunkedBuf>(impl.session());
  } else {
    buf_ = std::make_unique<LengthBuf>(request.stream(),
                                       std::max<std::int64_t>(0, request.getContentLength64()));
  }
  rdbuf(buf_.get());
  exceptions(std::ios::badbit);
}

RequestBody::~RequestBody() = default;

bool RequestBody::intact() const {
  return !static_cast<const CheckedBuf*>(buf_.get())->broken();
}

}  // namespace xnatctl::emulator
