#include "socket_body_writer.hpp"

#include <Poco/Net/NetException.h>

#include <algorithm>
#include <climits>
#include <cstdio>

namespace xnatctl::http::detail {

SocketBodyWriter::SocketBodyWriter(Poco::Net::HTTPClientSession& session,
                                   std::int64_t content_length)
    : session_(session),
      chunked_(content_length < 0),
      // +1: even an empty body needs room for the read that finds its end.
      capacity_(chunked_ ? kFrame : std::min(kFrame, static_cast<std::size_t>(content_length) + 1)),
      frame_(new char[kHeaderRoom + capacity_ + kTrailerRoom]) {}

void SocketBodyWriter::write(std::size_t size) {
  if (size == 0) return;  // a zero-length chunk would end a chunked body early
  if (!chunked_) {
    send_all(data(), size);
    return;
  }
  char header[kHeaderRoom];
  const int length = std::snprintf(header, sizeof header, "%zx\r\n", size);
  char* start = data() - length;
  std::copy(header, header + length, start);
  data()[size] = '\r';
  data()[size + 1] = '\n';
  send_all(start, static_cast<std::size_t>(length) + size + kTrailerRoom);
}

void SocketBodyWriter::send_all(const char* bytes, std::size_t size) {
  // A blocking Poco socket already loops until everything is sent; a TLS socket may not
  // promise it, so loop here too.
  while (size > 0) {
    const int piece = static_cast<int>(std::min<std::size_t>(size, INT_MAX));
    const int sent = session_.socket().sendBytes(bytes, piece);
    if (sent <= 0) throw Poco::Net::NetException("connection lost while sending");
    bytes += sent;
    size -= static_cast<std::size_t>(sent);
  }
}

}  // namespace xnatctl::http::detail
