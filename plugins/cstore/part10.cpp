#include "part10.hpp"

#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace cstore {
namespace {

constexpr std::size_t kMaxMetaBytes = 1 << 20;  // real meta headers are a few hundred bytes

std::uint16_t u16(const std::string& b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) |
                                    (static_cast<unsigned char>(b[at + 1]) << 8));
}
std::uint32_t u32(const std::string& b, std::size_t at) {
  return static_cast<std::uint32_t>(u16(b, at)) |
         (static_cast<std::uint32_t>(u16(b, at + 2)) << 16);
}

// VRs with a 2-byte reserved field and a 4-byte length in explicit VR (PS3.5 §7.1.2).
bool long_vr(const char* vr) {
  static const char* const kLong[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ",
                                      "SV", "UC", "UN", "UR", "UT", "UV"};
  for (const char* v : kLong)
    if (std::memcmp(v, vr, 2) == 0) return true;
  return false;
}

}  // namespace

DatasetStart read_dataset_start(const ReadFn& read) {
  std::string buf;
  bool eof = false;
  // Makes at least `n` bytes available unless the stream ends first.
  auto ensure = [&](std::size_t n) {
    char chunk[65536];
    while (buf.size() < n && !eof) {
      const std::size_t got = read(chunk, sizeof chunk);
      if (got == 0) eof = true;
      buf.append(chunk, got);
    }
    return buf.size() >= n;
  };

  DatasetStart start;
  std::size_t pos = 0;
  if (ensure(132) && std::memcmp(buf.data() + 128, "DICM", 4) == 0) {
    pos = 132;
  } else if (buf.size() >= 4 && std::memcmp(buf.data(), "DICM", 4) == 0) {
    pos = 4;  // meta without preamble: still Part-10 meta information
  } else {
    start.head = std::move(buf);  // a bare data set: every byte belongs to it
    return start;
  }
  start.has_meta = true;
  while (ensure(pos + 8) && u16(buf, pos) == 0x0002) {
    const std::uint16_t element = u16(buf, pos + 2);
    const char* vr = buf.data() + pos + 4;
    std::size_t header = 8;
    std::uint32_t length = u16(buf, pos + 6);
    if (long_vr(vr)) {
      if (!ensure(pos + 12)) break;
      header = 12;
      length = u32(buf, pos + 8);
    }
    if (length == 0xFFFFFFFFu || pos + header + length > kMaxMetaBytes)
      throw std::runtime_error("malformed file meta information (element (0002," +
                               std::to_string(element) + ") has no usable length)");
    if (!ensure(pos + header + length))
      throw std::runtime_error("the file ends inside its file meta information");
    if (element == 0x0010) {
      std::string uid = buf.substr(pos + header, length);
      while (!uid.empty() && (uid.back() == '\0' || uid.back() == ' ')) uid.pop_back();
      start.transfer_syntax_uid = std::move(uid);
    }
    pos += header + length;
  }
  start.head = buf.substr(std::min(pos, buf.size()));
  return start;
}

}  // namespace cstore
