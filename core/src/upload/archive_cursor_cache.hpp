#pragma once

// Readers of pre-built archives (zip, tar, tar.gz/tgz: anything libarchive reads), positioned
// on a chosen member, shared process-wide so that reading an archive's members in order is
// linear: a reader is handed back after its member and the next request for a later member of
// the same archive continues from there instead of decompressing from the start again (which
// would make a whole .tgz cost O(n^2)). Nothing is extracted to disk.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <string>

struct archive;
struct archive_entry;

namespace xnatctl::upload {

// One open libarchive reader of one archive file.
class ArchiveCursor {
 public:
  ArchiveCursor(std::filesystem::path path, std::uint64_t stamp_size, std::int64_t stamp_mtime_ns);
  ~ArchiveCursor();
  ArchiveCursor(const ArchiveCursor&) = delete;
  ArchiveCursor& operator=(const ArchiveCursor&) = delete;

  // Reads headers up to and including entry `index` (>= next_index()); returns it.
  struct archive_entry* advance_to(std::size_t index);
  struct archive* reader() const {
    return reader_;
  }
  // Index of the entry whose header the next advance_to() reads first.
  std::size_t next_index() const { return next_index_; }
  const std::filesystem::path& path() const { return path_; }
  bool same_file(const std::filesystem::path& path, std::uint64_t size, std::int64_t mtime) const {
    return path == path_ && size == stamp_size_ && mtime == stamp_mtime_ns_;
  }
  // A reader that failed is not handed out again.
  void mark_broken() { broken_ = true; }
  bool broken() const { return broken_; }

 private:
  std::filesystem::path path_;
  std::uint64_t stamp_size_;
  std::int64_t stamp_mtime_ns_;
  struct archive* reader_ = nullptr;
  std::size_t next_index_ = 0;
  bool broken_ = false;
};

class ArchiveCursorCache {
 public:
  static ArchiveCursorCache& instance();

  // A reader of `path` whose next header is at most `index`: an idle one that is furthest
  // along without having passed it, else a fresh one. Throws xnatctl::Error when the archive
  // cannot be opened.
  std::unique_ptr<ArchiveCursor> acquire(const std::filesystem::path& path, std::size_t index);
  // Hands a reader back for a later member (dropped when broken or when too many are idle).
  void release(std::unique_ptr<ArchiveCursor> cursor);

 private:
  // Enough for a few parallel workers per archive; each reader holds an fd and libarchive's
  // buffers (a few hundred KiB at most), so the cache stays small.
  static constexpr std::size_t kMaxIdle = 8;
  std::mutex mutex_;
  std::list<std::unique_ptr<ArchiveCursor>> idle_;  // most recently released first
};

}  // namespace xnatctl::upload
