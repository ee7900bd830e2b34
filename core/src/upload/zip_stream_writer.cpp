#include "zip_stream_writer.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "xnatctl/error.hpp"

namespace xnatctl::upload {
namespace {

constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::uint32_t kDataDescriptor = 0x08074b50;
constexpr std::uint32_t kCentralHeader = 0x02014b50;
constexpr std::uint32_t kZip64End = 0x06064b50;
constexpr std::uint32_t kZip64Locator = 0x07064b50;
constexpr std::uint32_t kEnd = 0x06054b50;
constexpr std::uint16_t kZip64Extra = 0x0001;
constexpr std::uint16_t kMethodDeflated = 8;
constexpr std::uint16_t kFlagDescriptor = 0x0008;  // sizes and CRC follow the data
constexpr std::uint16_t kFlagUtf8 = 0x0800;        // the name is UTF-8
constexpr std::uint16_t kVersion = 20;             // deflate
constexpr std::uint16_t kVersionZip64 = 45;
constexpr std::uint16_t kMadeByUnix = 3 << 8;
constexpr std::uint32_t kMax32 = 0xffffffffU;
constexpr std::uint16_t kMax16 = 0xffff;
// Level 0 adds 5 bytes per stored block of at most 64 KiB, so an entry this far below 4 GiB
// may or may not end past it; ZipInputStream picks the descriptor's form from the sizes it
// counted, a standard reader from the local header, and both must agree.
constexpr std::uint64_t kZip64Unsure = std::uint64_t{4} << 20;

// Stored deflate blocks: a header byte (BFINAL, BTYPE 00, padding to the byte), LEN, ~LEN.
constexpr std::size_t kBlockHeader = 5;
constexpr std::size_t kStoredBlock = 65535;
void stored_block_header(char* at, std::size_t length) {
  at[0] = 0;  // not final: end_entry() writes the final block
  at[1] = static_cast<char>(length & 0xff);
  at[2] = static_cast<char>((length >> 8) & 0xff);
  at[3] = static_cast<char>(~length & 0xff);
  at[4] = static_cast<char>((~length >> 8) & 0xff);
}

void put16(std::string& s, std::uint64_t v) {
  s.push_back(static_cast<char>(v & 0xff));
  s.push_back(static_cast<char>((v >> 8) & 0xff));
}
void put32(std::string& s, std::uint64_t v) {
  put16(s, v & 0xffff);
  put16(s, (v >> 16) & 0xffff);
}
void put64(std::string& s, std::uint64_t v) {
  put32(s, v & kMax32);
  put32(s, v >> 32);
}

// MS-DOS date and time in local time, as zip tools write them; clamped to what they hold
// (1980 to 2107, even seconds). The time is only informative: XNAT reads the DICOM header.
void dos_time(std::int64_t mtime_s, std::uint16_t& time, std::uint16_t& date) {
  const auto t = static_cast<std::time_t>(mtime_s);
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr || tm.tm_year < 80) {
    time = 0;
    date = (1 << 5) | 1;  // 1980-01-01
    return;
  }
  if (tm.tm_year > 80 + 127) {
    time = static_cast<std::uint16_t>((23 << 11) | (59 << 5) | 29);
    date = static_cast<std::uint16_t>((127 << 9) | (12 << 5) | 31);
    return;
  }
  time = static_cast<std::uint16_t>((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
  date = static_cast<std::uint16_t>(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

ZipStreamWriter::ZipStreamWriter(OutputBuffer& out) : out_(out) {}

ZipStreamWriter::~ZipStreamWriter() {
  if (stream_ready_) deflateEnd(&stream_);
}

void ZipStreamWriter::begin_entry(std::string_view name, std::uint64_t size, std::int64_t mtime_s,
                                  int level) {
  if (in_entry_) end_entry();
  if (name.size() > kMax16) throw Error("zip entry name longer than 65535 bytes");
  if (size <= kMax32 && size > kMax32 - kZip64Unsure) {
    throw Error("'" + std::string(name) +
                "' is within 4 MiB of 4 GiB, a size a streamed zip entry cannot describe "
                "reliably; send it with --archive-format tar");
  }
  zip64_ = size > kMax32;
  level = std::clamp(level, 0, 9);
  if (level > 0 && !stream_ready_) {
    // Raw deflate (negative window bits): zip adds its own framing and CRC.
    if (deflateInit2(&stream_, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw Error("cannot start deflate: out of memory");
    stream_ready_ = true;
    stream_level_ = level;
  } else if (level > 0 && (deflateReset(&stream_) != Z_OK ||
                           (level != stream_level_ &&
                            deflateParams(&stream_, level, Z_DEFAULT_STRATEGY) != Z_OK))) {
    throw Error("cannot restart deflate");
  }
  if (level > 0) stream_level_ = level;
  level_ = level;

  Central c{std::string(name), 0, 0, size, offset_, 0, 0, kFlagDescriptor};
  if (!is_ascii(name)) c.flags |= kFlagUtf8;
  dos_time(mtime_s, c.dos_time, c.dos_date);
  std::string header;
  put32(header, kLocalHeader);
  put16(header, zip64_ ? kVersionZip64 : kVersion);
  put16(header, c.flags);
  put16(header, kMethodDeflated);
  put16(header, c.dos_time);
  put16(header, c.dos_date);
  put32(header, 0);                    // CRC: in the descriptor
  put32(header, zip64_ ? kMax32 : 0);  // compressed size: in the descriptor
  put32(header, zip64_ ? kMax32 : 0);  // size: in the descriptor
  put16(header, name.size());
  put16(header, zip64_ ? 20 : 0);
  header.append(name);
  if (zip64_) {
    put16(header, kZip64Extra);
    put16(header, 16);
    put64(header, 0);
    put64(header, 0);
  }
  out_.append(header.data(), header.size());
  offset_ += header.size();
  entries_.push_back(std::move(c));
  in_entry_ = true;
  expected_ = size;
  written_ = 0;
  compressed_ = 0;
  crc_ = 0;
}

void ZipStreamWriter::deflate_into_out(int flush) {
  // Room for a chunk of stored blocks at level 0; deflate asks for more by filling it.
  const std::size_t room =
      std::max<std::size_t>(stream_.avail_in + stream_.avail_in / 64 + 64, std::size_t{16} * 1024);
  while (true) {
    stream_.next_out = reinterpret_cast<Bytef*>(out_.room(room));
    stream_.avail_out = static_cast<uInt>(room);
    const int rc = deflate(&stream_, flush);
    const std::size_t made = room - stream_.avail_out;
    out_.commit(made);
    compressed_ += made;
    offset_ += made;
    if (rc == Z_STREAM_ERROR) throw Error("deflate failed");
    if (flush == Z_FINISH ? rc == Z_STREAM_END : stream_.avail_out != 0) return;
  }
}

void ZipStreamWriter::account(const char* data, std::size_t size) {
  // libdeflate's CRC-32 uses carry-less multiplication where the CPU has it: several times
  // zlib's, which alone cost as much as sending the bytes on loopback.
  crc_ = libdeflate_crc32(crc_, data, size);
  written_ += size;
}

void ZipStreamWriter::write(const char* data, std::size_t size) {
  if (!in_entry_) throw Error("internal error: zip data outside an entry");
  if (size == 0) return;
  account(data, size);
  if (level_ == 0) {
    for (std::size_t at = 0; at < size;) {
      const std::size_t n = std::min<std::size_t>(size - at, kStoredBlock);
      char* block = out_.room(kBlockHeader + n);
      stored_block_header(block, n);
      std::memcpy(block + kBlockHeader, data + at, n);
      out_.commit(kBlockHeader + n);
      compressed_ += kBlockHeader + n;
      offset_ += kBlockHeader + n;
      at += n;
    }
    return;
  }
  stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  stream_.avail_in = static_cast<uInt>(size);
  deflate_into_out(Z_NO_FLUSH);
  stream_.next_in = nullptr;
}

std::size_t ZipStreamWriter::stored_blocks_into(char* buffer, std::size_t capacity,
                                                ByteSource& data) {
  if (!in_entry_ || level_ != 0)
    throw Error("internal error: stored blocks outside a level-0 entry");
  std::size_t filled = 0;
  while (capacity - filled > kBlockHeader) {
    char* block = buffer + filled;
    const std::size_t want = std::min<std::size_t>(capacity - filled - kBlockHeader, kStoredBlock);
    const std::size_t n = data.read(block + kBlockHeader, want);
    if (n == 0) break;
    stored_block_header(block, n);
    account(block + kBlockHeader, n);
    filled += kBlockHeader + n;
    compressed_ += kBlockHeader + n;
    offset_ += kBlockHeader + n;
  }
  return filled;
}

void ZipStreamWriter::end_entry() {
  if (!in_entry_) return;
  if (level_ == 0) {
    // Data blocks are never marked final, so this empty final block ends every level-0
    // entry, an empty one included.
    const char last[kBlockHeader] = {1, 0, 0, static_cast<char>(0xff), static_cast<char>(0xff)};
    out_.append(last, sizeof last);
    compressed_ += sizeof last;
    offset_ += sizeof last;
  } else {
    deflate_into_out(Z_FINISH);
  }
  in_entry_ = false;
  if (written_ != expected_) {
    throw Error("zip entry '" + entries_.back().name + "' has " + std::to_string(written_) +
                " bytes, not the " + std::to_string(expected_) + " announced");
  }
  if (!zip64_ && compressed_ > kMax32) {
    throw Error("internal error: zip entry '" + entries_.back().name +
                "' grew past 4 GiB when deflated");
  }
  Central& c = entries_.back();
  c.crc = crc_;
  c.compressed = compressed_;
  std::string descriptor;
  put32(descriptor, kDataDescriptor);
  put32(descriptor, crc_);
  if (zip64_) {
    put64(descriptor, compressed_);
    put64(descriptor, written_);
  } else {
    put32(descriptor, compressed_);
    put32(descriptor, written_);
  }
  out_.append(descriptor.data(), descriptor.size());
  offset_ += descriptor.size();
}

void ZipStreamWriter::finish() {
  end_entry();
  const std::uint64_t directory_offset = offset_;
  std::string tail;
  for (const Central& c : entries_) {
    // ZIP64 fields, in APPNOTE's order, for what the 32-bit fields cannot hold.
    std::string extra;
    const bool big_size = c.size > kMax32 || c.compressed > kMax32;
    const bool big_offset = c.offset > kMax32;
    if (big_size) {
      put64(extra, c.size);
      put64(extra, c.compressed);
    }
    if (big_offset) put64(extra, c.offset);
    put32(tail, kCentralHeader);
    put16(tail, kMadeByUnix | kVersionZip64);
    put16(tail, big_size || big_offset ? kVersionZip64 : kVersion);
    put16(tail, c.flags);
    put16(tail, kMethodDeflated);
    put16(tail, c.dos_time);
    put16(tail, c.dos_date);
    put32(tail, c.crc);
    put32(tail, big_size ? kMax32 : c.compressed);
    put32(tail, big_size ? kMax32 : c.size);
    put16(tail, c.name.size());
    put16(tail, extra.empty() ? 0 : extra.size() + 4);
    put16(tail, 0);                             // comment
    put16(tail, 0);                             // disk
    put16(tail, 0);                             // internal attributes
    put32(tail, std::uint64_t{0100644} << 16);  // external: a regular file, rw-r--r--
    put32(tail, big_offset ? kMax32 : c.offset);
    tail.append(c.name);
    if (!extra.empty()) {
      put16(tail, kZip64Extra);
      put16(tail, extra.size());
      tail.append(extra);
    }
  }
  const std::uint64_t directory_size = tail.size();
  offset_ += directory_size;
  const std::uint64_t count = entries_.size();
  if (count >= kMax16 || directory_offset >= kMax32 || directory_size >= kMax32) {
    const std::uint64_t record_offset = offset_;
    put32(tail, kZip64End);
    put64(tail, 44);  // the record's size after this field
    put16(tail, kMadeByUnix | kVersionZip64);
    put16(tail, kVersionZip64);
    put32(tail, 0);  // this disk
    put32(tail, 0);  // the directory's disk
    put64(tail, count);
    put64(tail, count);
    put64(tail, directory_size);
    put64(tail, directory_offset);
    put32(tail, kZip64Locator);
    put32(tail, 0);
    put64(tail, record_offset);
    put32(tail, 1);  // disks
  }
  put32(tail, kEnd);
  put16(tail, 0);
  put16(tail, 0);
  put16(tail, std::min<std::uint64_t>(count, kMax16));
  put16(tail, std::min<std::uint64_t>(count, kMax16));
  put32(tail, std::min<std::uint64_t>(directory_size, kMax32));
  put32(tail, std::min<std::uint64_t>(directory_offset, kMax32));
  put16(tail, 0);  // comment
  out_.append(tail.data(), tail.size());
  offset_ = 0;
  entries_.clear();
}

}  // namespace xnatctl::upload
