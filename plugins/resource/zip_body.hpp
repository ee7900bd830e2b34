#pragma once

// A zip of a directory tree, produced while the HTTP client reads it: no temporary file and
// memory independent of the data (one 256 KiB chunk plus libarchive's deflate state).
//
// Why here and with libarchive: the host's own streaming archives (core's
// ArchiveBodySource) reach plugins only through job_archive_open(), which exists for upload
// transports inside an upload job; a command plugin such as `resource upload` has no job.
// libarchive is the library core already uses for the same bodies (one zip writer in the
// project's dependency set, the system's shared library, well kept, streaming by design);
// Poco::Zip's Compress wants a seekable std::ostream, so it cannot stream into a socket.

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

struct archive;

namespace resource_zip {

struct Entry {
  std::string path;  // on disk
  std::string name;  // '/'-separated, relative to the uploaded directory
  std::uint64_t size = 0;
  std::int64_t mtime = 0;  // seconds
};

// Every regular file under `root` (hidden ones too: BIDS keeps .bidsignore), sorted by name;
// symbolic links to directories are not followed, so a link cannot pull in a tree twice or
// leave the directory. Throws std::runtime_error for an unreadable tree.
std::vector<Entry> collect_tree(const std::string& root);

class ZipBody {
 public:
  explicit ZipBody(std::vector<Entry> entries);
  ~ZipBody();
  ZipBody(const ZipBody&) = delete;
  ZipBody& operator=(const ZipBody&) = delete;

  // Next bytes of the zip, 0 at its end. Throws std::runtime_error (a file vanished or
  // changed size, libarchive failed).
  std::size_t read(char* buffer, std::size_t capacity);
  // Starts again from the first byte (a retried request).
  void rewind();
  // Uncompressed file bytes read so far (progress).
  std::uint64_t consumed() const { return consumed_; }

 private:
  static long collect(struct archive* writer, void* self, const void* data, std::size_t size);
  void start();
  void step();
  [[noreturn]] void fail(const std::string& what);

  std::vector<Entry> entries_;
  struct archive* writer_ = nullptr;
  std::string output_;
  std::size_t taken_ = 0;
  std::size_t next_ = 0;
  bool in_entry_ = false;
  bool done_ = false;
  std::ifstream file_;
  std::uint64_t entry_left_ = 0;
  std::uint64_t consumed_ = 0;
  std::vector<char> chunk_;
};

}  // namespace resource_zip
