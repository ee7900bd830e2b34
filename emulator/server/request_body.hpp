// The request body as the handlers read it: exactly what the client declared, or an error.
// Poco's own body streams end quietly when a client closes before Content-Length bytes, and
// its chunked decoder takes a malformed chunk size for the end of the body; both would store
// a truncated upload as if it were complete.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>

#include <istream>
#include <memory>

#include "http_util.hpp"

namespace xnatctl::emulator {

// The body could not be read to its declared end. Answered 400 and the connection closed;
// whatever was being stored from it is discarded.
struct BrokenBody : HttpError {
  explicit BrokenBody(const std::string& message) : HttpError(400, message) {}
};

class RequestBody : public std::istream {
 public:
  // Reads may throw BrokenBody (the stream's exceptions include badbit, so it propagates).
  explicit RequestBody(Poco::Net::HTTPServerRequest& request);
  ~RequestBody() override;
  // False once a read found the body short or malformed, even where a wrapping stream (a
  // multipart part, a decompressor) swallowed the exception: check it before keeping data.
  bool intact() const;

 private:
  std::unique_ptr<std::streambuf> buf_;
};

}  // namespace xnatctl::emulator
