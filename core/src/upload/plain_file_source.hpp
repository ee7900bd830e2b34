#pragma once

// A plain file on disk as a ByteSource: read straight into the caller's buffer, with the size
// the job recorded checked on open, while reading and at the end, so a file that grows,
// shrinks or is rewritten while it is being sent is an error instead of a silently truncated
// (or overlong) body whose Content-Length was already promised.

#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "xnatctl/upload/byte_source.hpp"

namespace xnatctl::upload {

class PlainFileSource final : public ByteSource {
 public:
  // `expected_size` is what the job recorded; `index` is passed to `hook`.
  PlainFileSource(std::filesystem::path path, std::uint64_t expected_size, std::size_t index,
                  ProgressHook hook);
  ~PlainFileSource() override;
  PlainFileSource(const PlainFileSource&) = delete;
  PlainFileSource& operator=(const PlainFileSource&) = delete;

  std::int64_t size() const override { return static_cast<std::int64_t>(expected_size_); }
  std::size_t read(char* buffer, std::size_t capacity) override;
  void rewind() override;

 private:
  void open();
  void close();
  void check_unchanged_at_end();

  std::filesystem::path path_;
  std::uint64_t expected_size_;
  std::size_t index_;
  ProgressHook hook_;
  int fd_ = -1;
  std::uint64_t produced_ = 0;
  std::int64_t mtime_at_open_ns_ = 0;
  bool finished_ = false;
};

}  // namespace xnatctl::upload
