#pragma once

// A zip archive written front to back into memory the caller drains, entry by entry, each
// entry deflated at a level chosen when it starts.
//
// Why by hand (zlib does the compressing; this writes only the zip records): the reader
// that matters is XNAT's, java.util.zip.ZipInputStream, which accepts a size written after
// the data (a data descriptor, needed because the CRC is known only at the end) for
// DEFLATED entries only. A DEFLATED entry at level 0 is the data in stored blocks, as cheap
// to make as a copy, so a body can skip compression wherever it does not pay. Those blocks
// are framed here too (a 5-byte header each, RFC 1951 3.2.4), so their data can be read
// straight into the reader's buffer; zlib makes levels 1-9. libarchive
// cannot write that: it turns level 0 into the STORED method, with a data descriptor
// ZipInputStream refuses, and fixes the level for the whole archive. Poco::Zip pushes
// through an ostream and has no level 0 either.
//
// Layout: local header (no sizes, flag bit 3), deflate data, data descriptor; then the
// central directory and its end records, ZIP64 where a size, an offset or the entry count
// needs it (APPNOTE 6.3.x, sections 4.3 and 4.5.3).

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "output_buffer.hpp"
#include "xnatctl/upload/byte_source.hpp"

namespace xnatctl::upload {

class ZipStreamWriter {
 public:
  // Everything the writer produces is appended to `out`; the caller may take bytes from it
  // (and clear it) between calls.
  explicit ZipStreamWriter(OutputBuffer& out);
  ~ZipStreamWriter();
  ZipStreamWriter(const ZipStreamWriter&) = delete;
  ZipStreamWriter& operator=(const ZipStreamWriter&) = delete;

  // `size` is the entry's exact uncompressed size (it decides ZIP64 up front); `level` is
  // zlib's, 0 (stored blocks) to 9. Throws xnatctl::Error for a size too close to 4 GiB to
  // know in advance which descriptor form ZipInputStream will expect.
  void begin_entry(std::string_view name, std::uint64_t size, std::int64_t mtime_s, int level);
  void write(const char* data, std::size_t size);
  // Level 0 only: fills `buffer` with stored blocks of the entry's data read from `data`
  // into place, so those bytes are copied once, from the file to the caller's buffer.
  // Returns the bytes filled (needs capacity > 5), 0 once `data` is exhausted.
  std::size_t stored_blocks_into(char* buffer, std::size_t capacity, ByteSource& data);
  // Throws xnatctl::Error when the data written differs from the size begin_entry() named.
  void end_entry();
  void finish();

  // Compressed bytes of the current or last entry (without its records), and its level.
  std::uint64_t entry_compressed_size() const { return compressed_; }
  int entry_level() const { return level_; }

 private:
  struct Central {
    std::string name;
    std::uint32_t crc;
    std::uint64_t compressed;
    std::uint64_t size;
    std::uint64_t offset;
    std::uint16_t dos_time;
    std::uint16_t dos_date;
    std::uint16_t flags;
  };

  void deflate_into_out(int flush);
  void account(const char* data, std::size_t size);

  OutputBuffer& out_;
  z_stream stream_{};
  bool stream_ready_ = false;
  int level_ = -1;         // of the entry being written
  int stream_level_ = -1;  // zlib's stream is at (levels 1-9)
  std::vector<Central> entries_;
  std::uint64_t offset_ = 0;  // bytes of the archive so far
  // The entry being written.
  bool in_entry_ = false;
  bool zip64_ = false;
  std::uint64_t expected_ = 0;
  std::uint64_t written_ = 0;
  std::uint64_t compressed_ = 0;
  std::uint32_t crc_ = 0;
};

}  // namespace xnatctl::upload
