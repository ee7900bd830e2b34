#pragma once

// Finding the DICOM files of a source (directory tree, single file, or pre-built archive) and
// probing their headers. Nothing is ever silently dropped: every file that is not sent is
// listed with a reason.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "xnatctl/upload/job.hpp"

namespace xnatctl::upload {

enum class SkipReason {
  kHidden,       // name starts with '.', or inside a hidden directory
  kDicomdir,     // a DICOMDIR index (media directory, not an image)
  kNotDicom,     // no DICOM header (junk, text, NIfTI, ...)
  kUnreadable,   // permission denied, I/O error, vanished while reading
  kSymlinkLoop,  // a link that leads back into a directory already walked
  kDuplicate,    // the same file reached twice (through a link)
};

const char* to_string(SkipReason reason);

struct SkippedFile {
  std::string path;  // as shown to the user: relative to the source (or archive!member)
  SkipReason reason;
  std::string detail;  // one line: why (the OS error, the probe's reason)
};

struct DiscoveryOptions {
  int threads = 0;  // header probes in parallel; 0 = hardware concurrency
  // Called now and then (from any one thread at a time) with files examined so far, so a
  // long discovery can show progress. May be empty.
  std::function<void(std::size_t examined)> progress;
  // Checked between files; when it becomes true discovery stops and throws
  // xnatctl::Error(ExitCode::kCancelled).
  const std::atomic<bool>* cancelled = nullptr;
};

struct Discovery {
  SourceKind kind = SourceKind::kDirectory;
  std::filesystem::path source;      // absolute
  std::vector<JobFile> files;        // sorted by relative_path, attributes probed
  std::vector<SkippedFile> skipped;  // sorted by path
};

// Walks `source` recursively (symlinks followed, loops detected), recognises DICOM files by
// extension (.dcm .ima .img .dicom, any case) or by content ("DICM" at offset 128, or a bare
// dataset DCMTK can read), skips hidden entries and DICOMDIRs, and probes every header in
// parallel. A .zip/.tar/.tar.gz/.tgz source is read as an archive (its members probed while
// streaming, nothing extracted to disk). Throws xnatctl::UsageError when `source` does not
// exist or is neither a directory, a file nor a readable archive.
Discovery discover(const std::filesystem::path& source, const DiscoveryOptions& options = {});

// True when the name looks like an archive discover() reads as such.
bool is_archive_name(const std::filesystem::path& path);

}  // namespace xnatctl::upload
