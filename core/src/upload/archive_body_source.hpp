#pragma once

// A tar (ustar) or zip (deflate) of chosen job files, produced while it is read. Each call
// (a header, a chunk of data, an entry's end) appends what it implies to an output buffer
// that read() drains before making the next; where the reader's buffer is large enough, tar
// data and level-0 zip data are read from the file straight into it instead. Zip entries come
// from ZipStreamWriter, each at the deflate level a ZipLevelChooser picks from how long this
// body spends producing and how long its reader spends away sending. Memory is the chunk
// buffer plus one call's output, whatever the size of the data.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "output_buffer.hpp"
#include "xnatctl/upload/byte_source.hpp"
#include "xnatctl/upload/zip_level_chooser.hpp"
#include "zip_stream_writer.hpp"

namespace xnatctl::upload {

class ArchiveBodySource final : public ByteSource {
 public:
  // `chooser` (zip only) picks each entry's deflate level; without one every entry is
  // deflated at level 1.
  ArchiveBodySource(const Job& job, const std::vector<std::size_t>& indices, ArchiveFormat format,
                    ProgressHook hook, std::shared_ptr<ZipLevelChooser> chooser = {});
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
  void end_zip_entry();
  std::size_t handed_out(std::size_t n);  // bookkeeping for `n` bytes read() returns
  void report_sent();

  std::vector<Entry> entries_;
  ArchiveFormat format_;
  ProgressHook hook_;
  std::int64_t size_;
  std::shared_ptr<ZipLevelChooser> chooser_;
  std::unique_ptr<ZipStreamWriter> zip_;  // zip
  std::unique_ptr<ByteSource> current_;   // the entry whose data is being written
  std::size_t next_entry_ = 0;
  Step step_ = Step::kHeader;
  std::vector<char> chunk_;
  OutputBuffer output_;  // what the writer produced and read() has not handed out yet
  std::uint64_t produced_ = 0;

  // What the chooser is told (zip with a chooser only).
  using Clock = std::chrono::steady_clock;
  int level_ = 1;                // of the entry being written, and of what output_ holds
  double entry_seconds_ = 0;     // producing the current entry
  bool handed_out_ = false;      // read() returned bytes and has not been called since
  Clock::time_point handed_at_;  // when it returned them
  int handed_level_ = 1;         // their level
  ZipLevelChooser::Sent sent_[2] = {{0, 0, 0}, {1, 0, 0}};  // not yet reported
};

// The bytes of one file: a plain file or a member of a pre-built archive.
std::unique_ptr<ByteSource> open_file_source(const JobFile& file, std::size_t index,
                                             ProgressHook hook);

}  // namespace xnatctl::upload
