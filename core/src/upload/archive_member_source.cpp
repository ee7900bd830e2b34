#include "archive_member_source.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <utility>

#include "utf8_ctype_scope.hpp"
#include "xnatctl/error.hpp"

namespace xnatctl::upload {

ArchiveMemberSource::ArchiveMemberSource(FileLocation location, std::uint64_t expected_size,
                                         std::size_t index, ProgressHook hook)
    : location_(std::move(location)),
      expected_size_(expected_size),
      index_(index),
      hook_(std::move(hook)) {
  open();
}

ArchiveMemberSource::~ArchiveMemberSource() {
  // A reader in the middle of this member is still fine for a later one: libarchive skips
  // the rest of this entry's data when the next header is read.
  ArchiveCursorCache::instance().release(std::move(cursor_));
}

std::string ArchiveMemberSource::name() const {
  return location_.path + ":" + location_.member;
}

void ArchiveMemberSource::open() {
  auto& cache = ArchiveCursorCache::instance();
  cursor_ = cache.acquire(location_.path, location_.member_index);
  struct archive_entry* entry = nullptr;
  try {
    entry = cursor_->advance_to(location_.member_index);
  } catch (...) {
    cursor_.reset();
    throw;
  }
  const Utf8CtypeScope utf8;  // the name is converted when it is asked for
  const char* pathname = archive_entry_pathname(entry);
  const std::string found = pathname ? pathname : "";
  std::string problem;
  if (found != location_.member) {
    problem = "entry " + std::to_string(location_.member_index) + " is now '" + found + "'";
  } else if (archive_entry_size_is_set(entry) &&
             static_cast<std::uint64_t>(archive_entry_size(entry)) != expected_size_) {
    problem = std::to_string(expected_size_) + " bytes then, " +
              std::to_string(archive_entry_size(entry)) + " now";
  }
  if (!problem.empty()) {
    // The reader itself is fine (it just sits after this entry): keep it for others.
    cache.release(std::move(cursor_));
    throw Error(name() + " changed since it was scanned (" + problem + ")");
  }
  produced_ = 0;
  finished_ = false;
}

std::size_t ArchiveMemberSource::read(char* buffer, std::size_t capacity) {
  if (finished_ || capacity == 0) return 0;
  if (!cursor_) throw Error("cannot read " + name() + ": the source is closed");
  // archive_read_data fills sparse holes with zeros, so this is the member's logical content.
  const Utf8CtypeScope utf8;
  const la_ssize_t n = archive_read_data(cursor_->reader(), buffer, capacity);
  if (n < 0) {
    cursor_->mark_broken();
    const char* why = archive_error_string(cursor_->reader());
    throw Error("cannot read " + name() + ": " + (why ? why : "archive read error"));
  }
  if (n == 0) {
    if (produced_ != expected_size_) {
      throw Error(name() + " is shorter than when it was scanned (" + std::to_string(produced_) +
                  " of " + std::to_string(expected_size_) + " bytes)");
    }
    finished_ = true;
    // Done with this member: the next one can continue from here at once.
    ArchiveCursorCache::instance().release(std::move(cursor_));
    return 0;
  }
  const auto got = static_cast<std::uint64_t>(n);
  if (produced_ + got > expected_size_) {
    throw Error(name() + " is longer than when it was scanned (more than " +
                std::to_string(expected_size_) + " bytes)");
  }
  produced_ += got;
  if (hook_) hook_(index_, got);
  return static_cast<std::size_t>(n);
}

void ArchiveMemberSource::rewind() {
  ArchiveCursorCache::instance().release(std::move(cursor_));
  open();
}

}  // namespace xnatctl::upload
