// Streaming reads of zip / tar / tar.gz bodies with libarchive, straight from the request
// stream: nothing is buffered beyond libarchive's block, so a multi-GB upload never sits in
// memory (issue 4 §1). Nested archives are read from the outer entry's stream the same way.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <istream>
#include <stdexcept>
#include <string>

namespace xnatctl::emulator {

// Detection by file name only, case-sensitive, like XNAT's Format.java (§3.3).
enum class ArchiveFormat { Zip, Tar, Tgz, Gz, Unknown };
ArchiveFormat detect_archive_format(const std::string& name);
const char* format_name(ArchiveFormat f);  // "ZIP", "TAR", "TGZ", "GZ", "UNKNOWN"

struct ArchiveReadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class EntryKind { File, Directory, Symlink, Hardlink, Other };

struct ArchiveEntry {
  std::string path;  // as stored in the archive
  EntryKind kind = EntryKind::File;
  std::int64_t size = -1;  // -1 when unknown (streamed zip entries)
};

// Called for every entry; `data` reads the entry's bytes (only meaningful for files). Whatever
// the visitor does not read is skipped.
using EntryVisitor = std::function<void(const ArchiveEntry& entry, std::istream& data)>;

// How far an archive may expand (a zip bomb is a small body that unpacks to gigabytes).
struct ArchiveLimits {
  std::int64_t max_bytes = -1;  // total entry bytes; -1 = no limit
  double max_ratio = 0;         // entry bytes / body bytes, checked past kRatioFloor; 0 = none
  static constexpr std::int64_t kRatioFloor = std::int64_t{64} << 20;
};

// Reads `source` as `format` (Zip, Tar or Tgz) and visits each entry in order. Throws
// ArchiveReadError for a broken archive or one that expands past `limits`; a zip stream with
// no recognisable entry at all yields no entries (XNAT's streaming zip reader behaves so,
// §11.6). Exceptions thrown by `source` or the visitor propagate unchanged. `check_zip_crc`
// false skips the CRC-32 check of zip entries (the emulator's --skip-zip-crc).
void read_archive_stream(std::istream& source, ArchiveFormat format, const EntryVisitor& visit,
                         const ArchiveLimits& limits = {}, bool check_zip_crc = true);

// The same for an archive in a file. A zip is then read through its central directory, the
// only place a zip records that an entry is a symlink (a streamed zip cannot tell).
void read_archive_file(const std::filesystem::path& file, ArchiveFormat format,
                       const EntryVisitor& visit, const ArchiveLimits& limits = {});

}  // namespace xnatctl::emulator
