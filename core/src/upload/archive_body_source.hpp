#pragma once

// A tar (ustar) or zip (deflate) of chosen job files, produced while it is read. libarchive's
// writer is used as a transformer without threads: its write callback appends to an in-memory
// buffer and it is unblocked (bytes_per_block 0), so every call we make (a header, a chunk of
// file data, the close) immediately yields the output it implies; read() makes the next call
// only once the caller has taken everything the previous one produced. Memory is the chunk
// buffer plus one call's output, whatever the size of the data.

#include <archive.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "xnatctl/upload/byte_source.hpp"

namespace xnatctl::upload {

class ArchiveBodySource final : public ByteSource {
 public:
  ArchiveBodySource(const Job& job, const std::vector<std::size_t>& indices, ArchiveFormat format,
                    ProgressHook hook);
  ~ArchiveBodySource() override;
  ArchiveBodySource(const ArchiveBodySource&) = delete;
  ArchiveBodySource& operator=(const ArchiveBodySource&) = delete;

  std::int64_t size() const override { return size_; }
  std::size_t read(char* buffer, std::size_t capacity) override;
  void rewind() override;

 private:
  struct Entry {
    std::size_t index;  // in the job, for the progress hook
    FileLocation location;
    std::uint64_t size;
    std::int64_t mtime_ns;
    std::string name;
  };
  enum class Step { kHeader, kData, kDone };

  void start();
  void step();
  void write_header();
  void write_data();
  void finish();
  [[noreturn]] void fail(const std::string& what);
  static la_ssize_t collect(struct archive* writer, void* self, const void* data, std::size_t size);

  std::vector<Entry> entries_;
  ArchiveFormat format_;
  ProgressHook hook_;
  std::int64_t size_;
  struct archive* writer_ = nullptr;
  std::unique_ptr<ByteSource> current_;  // the entry whose data is being written
  std::size_t next_entry_ = 0;
  Step step_ = Step::kHeader;
  std::vector<char> chunk_;
  std::string output_;  // what the writer produced and read() has not handed out yet
  std::size_t output_taken_ = 0;
  std::uint64_t produced_ = 0;
};

// The bytes of one file: a plain file or a member of a pre-built archive.
std::unique_ptr<ByteSource> open_file_source(const JobFile& file, std::size_t index,
                                             ProgressHook hook);

}  // namespace xnatctl::upload
