#pragma once

// Bodies the host streams to transports: one job file's bytes (a plain file or a member of a
// pre-built archive, read without extracting it), a pre-built archive's raw bytes, and a tar
// or zip of chosen job files produced while it is read. Nothing is written to disk and
// memory does not grow with the data: each source holds at most a few buffers.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "xnatctl/upload/job.hpp"
#include "xnatctl/upload/zip_level_chooser.hpp"

namespace xnatctl::upload {

// A restartable stream of bytes. Not thread-safe: one reader at a time.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Exact number of bytes read() produces from the start, or -1 when it is not known in
  // advance (a deflated zip).
  virtual std::int64_t size() const = 0;
  // Copies up to `capacity` bytes into `buffer`; returns 0 at the end. Throws xnatctl::Error
  // on I/O failure (e.g. the file changed size while being sent).
  virtual std::size_t read(char* buffer, std::size_t capacity) = 0;
  // Starts again from the first byte (a retried request). Throws when it cannot.
  virtual void rewind() = 0;
};

// Called with the number of payload bytes of job file `file_index` that a source has just
// produced (file content only, not archive headers). After rewind() the source reports the
// same bytes again; whoever counts progress subtracts what it had counted for that source.
using ProgressHook = std::function<void(std::size_t file_index, std::uint64_t bytes)>;

// The bytes of one job file. `index` is its position in the job (for the hook).
std::unique_ptr<ByteSource> open_job_file(const Job& job, std::size_t index,
                                          ProgressHook hook = {});

// The raw bytes of the pre-built archive the job came from (SourceKind::kArchive), for a
// transport that sends it as it is. `hook` is called with index = SIZE_MAX.
std::unique_ptr<ByteSource> open_source_archive(const Job& job, ProgressHook hook = {});

// A tar (ustar, uncompressed, exact size()) or zip (deflated, size() -1) holding the chosen
// job files, produced while it is read. Entry names are the files' relative paths made safe
// (no "..", no leading '/'; names a format cannot hold are shortened deterministically and
// stay unique). A zip's entries are deflated at the level `chooser` picks for each (share
// one across an upload's bodies), or at level 1 without one.
std::unique_ptr<ByteSource> open_archive_body(const Job& job, std::vector<std::size_t> indices,
                                              ArchiveFormat format, ProgressHook hook = {},
                                              std::shared_ptr<ZipLevelChooser> chooser = {});

// The exact byte count open_archive_body(job, indices, kTar) will produce.
std::int64_t tar_body_size(const Job& job, const std::vector<std::size_t>& indices);

}  // namespace xnatctl::upload
