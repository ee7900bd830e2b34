#pragma once

// One member of a pre-built archive as a ByteSource, decompressed on the fly by libarchive
// (nothing is extracted to disk). The reader comes from ArchiveCursorCache and goes back to
// it once the member has been read, so the next member of the same archive continues from
// there.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "archive_cursor_cache.hpp"
#include "xnatctl/upload/byte_source.hpp"

namespace xnatctl::upload {

class ArchiveMemberSource final : public ByteSource {
 public:
  ArchiveMemberSource(FileLocation location, std::uint64_t expected_size, std::size_t index,
                      ProgressHook hook);
  ~ArchiveMemberSource() override;
  ArchiveMemberSource(const ArchiveMemberSource&) = delete;
  ArchiveMemberSource& operator=(const ArchiveMemberSource&) = delete;

  std::int64_t size() const override { return static_cast<std::int64_t>(expected_size_); }
  std::size_t read(char* buffer, std::size_t capacity) override;
  void rewind() override;

 private:
  void open();
  std::string name() const;

  FileLocation location_;
  std::uint64_t expected_size_;
  std::size_t index_;
  ProgressHook hook_;
  std::unique_ptr<ArchiveCursor> cursor_;
  std::uint64_t produced_ = 0;
  bool finished_ = false;
};

}  // namespace xnatctl::upload
