#pragma once

#include <Poco/Net/HTTPClientSession.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace xnatctl::http::detail {

// Writes a request body straight to the session's socket in large frames.
//
// Why not the std::ostream Poco's sendRequest() returns: in Poco 1.11 that stream writes
// through a 4 KiB buffer (HTTPBufferAllocator::BUFFER_SIZE), so a 1 GiB upload became about
// 257,000 send() calls and ran at a third of curl's speed on loopback; a chunked body also
// got one 4 KiB chunk per send. Poco has no way to enlarge that buffer.
//
// Use: after sendRequest(), flush the stream it returned (for a fixed-length request Poco
// keeps the headers in that stream's buffer), then call write() for every piece of the body
// and write nothing else to that stream. For a chunked body each write() becomes
// one chunk; the terminating zero-length chunk is left to Poco, whose chunked request stream
// writes it when receiveResponse() closes that stream (its buffer is then empty).
class SocketBodyWriter {
 public:
  // `content_length` < 0: chunked. A short body gets a frame of its own size, so one small
  // request (gradual-DICOM sends one per file) does not pay for a 256 KiB buffer.
  SocketBodyWriter(Poco::Net::HTTPClientSession& session, std::int64_t content_length);

  // The buffer to fill before write(): `capacity()` bytes, room for the chunk header kept
  // in front of it.
  char* data() { return frame_.get() + kHeaderRoom; }
  std::size_t capacity() const { return capacity_; }

  // Sends the first `size` bytes of data(). Throws Poco::Exception when the connection fails.
  void write(std::size_t size);

 private:
  static constexpr std::size_t kFrame = std::size_t{256} * 1024;
  static constexpr std::size_t kHeaderRoom = 16;  // hex length + CRLF
  static constexpr std::size_t kTrailerRoom = 2;  // CRLF after a chunk

  void send_all(const char* bytes, std::size_t size);

  Poco::Net::HTTPClientSession& session_;
  bool chunked_;
  std::size_t capacity_;
  std::unique_ptr<char[]> frame_;  // not value-initialised: every byte sent is written first
};

}  // namespace xnatctl::http::detail
