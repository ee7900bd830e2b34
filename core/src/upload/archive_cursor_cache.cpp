#include "archive_cursor_cache.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "utf8_ctype_scope.hpp"
#include "xnatctl/error.hpp"

namespace xnatctl::upload {
namespace {

constexpr std::size_t kReadBlock = std::size_t{64} * 1024;

std::string archive_message(struct archive* a) {
  const char* text = archive_error_string(a);
  return text ? text : "unreadable archive";
}

}  // namespace

ArchiveCursor::ArchiveCursor(std::filesystem::path path, std::uint64_t stamp_size,
                             std::int64_t stamp_mtime_ns)
    : path_(std::move(path)), stamp_size_(stamp_size), stamp_mtime_ns_(stamp_mtime_ns) {
  const Utf8CtypeScope utf8;
  reader_ = archive_read_new();
  if (!reader_) throw Error("cannot read " + path_.string() + ": out of memory");
  // The same reader set-up as discovery, so entry indices count the same entries.
  archive_read_support_filter_all(reader_);
  archive_read_support_format_all(reader_);
  if (archive_read_open_filename(reader_, path_.c_str(), kReadBlock) != ARCHIVE_OK) {
    const std::string why = archive_message(reader_);
    archive_read_free(reader_);
    reader_ = nullptr;
    throw Error("cannot read " + path_.string() + ": " + why);
  }
}

ArchiveCursor::~ArchiveCursor() {
  if (reader_) archive_read_free(reader_);
}

struct archive_entry* ArchiveCursor::advance_to(std::size_t index) {
  const Utf8CtypeScope utf8;
  struct archive_entry* entry = nullptr;
  while (next_index_ <= index) {
    // archive_read_next_header skips whatever is left of the current entry's data.
    const int rc = archive_read_next_header(reader_, &entry);
    if (rc == ARCHIVE_EOF) {
      broken_ = true;
      throw Error(path_.string() + " changed since it was scanned: it has no entry " +
                  std::to_string(index) + " any more");
    }
    if (rc < ARCHIVE_WARN) {
      broken_ = true;
      throw Error("cannot read " + path_.string() + ": " + archive_message(reader_));
    }
    ++next_index_;
  }
  return entry;
}

ArchiveCursorCache& ArchiveCursorCache::instance() {
  static ArchiveCursorCache cache;
  return cache;
}

std::unique_ptr<ArchiveCursor> ArchiveCursorCache::acquire(const std::filesystem::path& path,
                                                           std::size_t index) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw Error("cannot read " + path.string() + ": " + std::strerror(errno));
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  const std::int64_t mtime =
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  {
    std::lock_guard lock(mutex_);
    auto best = idle_.end();
    for (auto it = idle_.begin(); it != idle_.end();) {
      if ((*it)->path() == path && !(*it)->same_file(path, size, mtime)) {
        it = idle_.erase(it);  // the archive was replaced: its old readers are useless
        continue;
      }
      if ((*it)->same_file(path, size, mtime) && (*it)->next_index() <= index &&
          (best == idle_.end() || (*it)->next_index() > (*best)->next_index())) {
        best = it;
      }
      ++it;
    }
    if (best != idle_.end()) {
      auto cursor = std::move(*best);
      idle_.erase(best);
      return cursor;
    }
  }
  return std::make_unique<ArchiveCursor>(path, size, mtime);
}

void ArchiveCursorCache::release(std::unique_ptr<ArchiveCursor> cursor) {
  if (!cursor || cursor->broken()) return;
  std::unique_ptr<ArchiveCursor> evicted;  // freed outside the lock
  std::lock_guard lock(mutex_);
  idle_.push_front(std::move(cursor));
  if (idle_.size() > kMaxIdle) {
    evicted = std::move(idle_.back());
    idle_.pop_back();
  }
}

}  // namespace xnatctl::upload
