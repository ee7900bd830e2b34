#pragma once

// The steps of discover() (internal to core/src/upload): walking a directory tree, probing
// the files it found in parallel, and reading a pre-built archive.

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "xnatctl/upload/discovery.hpp"

namespace xnatctl::upload::detail {

// A directory holding candidates. Its files are opened relative to a descriptor of it (one
// path component to look up per file instead of the whole path).
struct WalkedDirectory {
  std::string path;       // absolute (through links where the walk followed one)
  std::string relative;   // '/'-separated, relative to the source; empty for the root
  bool via_link = false;  // reached through a link to a directory
};

// A plain file the walk found, to be probed: a name (NUL-terminated, in WalkResult::names) in
// one of WalkResult::directories. Twelve bytes, not two strings: a tree has ~100,000 of them.
struct Candidate {
  std::uint32_t directory = 0;
  std::uint32_t name = 0;   // offset into WalkResult::names
  bool via_link = false;    // the file itself or a directory above it was reached through a link
  std::uint32_t early = 0;  // 1 + its index in EarlyProbe::results() if probed during the walk
};

struct WalkResult {
  std::vector<WalkedDirectory> directories;
  std::string names;
  std::vector<Candidate> candidates;  // in the order of their relative paths
  std::vector<SkippedFile> skipped;

  const char* name_of(const Candidate& c) const { return names.data() + c.name; }
};

// What probing one candidate found besides the JobFile it fills.
struct ProbeOutcome {
  dev_t dev = 0;
  ino_t ino = 0;
  bool dicom = false;
  SkipReason reason = SkipReason::kNotDicom;
  std::string why;
};

// Probes files on a second thread while the walk is still running (it leaves a core idle
// for about as long as `find` takes); probe_candidates moves what it found into place
// instead of probing those files again. Stopped (and joined) by finish() or destruction.
class EarlyProbe {
 public:
  struct Result {
    std::uint32_t candidate = 0;  // index in the walk's candidates, in the walk's own order
    JobFile file;
    ProbeOutcome outcome;
  };

  // Starts the thread when options allow more than one.
  explicit EarlyProbe(const DiscoveryOptions& options);
  ~EarlyProbe();
  EarlyProbe(const EarlyProbe&) = delete;
  EarlyProbe& operator=(const EarlyProbe&) = delete;

  // From the walk: candidates [first, first + count) are in `directory` (names in `walk`).
  void offer(const WalkResult& walk, std::uint32_t first, std::uint32_t count);
  // Stops the thread (a file being probed is finished) and makes results() safe to read.
  void finish();
  std::deque<Result>& results() { return results_; }
  std::size_t reported() const { return reported_; }

 private:
  struct Batch {
    WalkedDirectory directory;
    std::uint32_t directory_index;
    std::uint32_t first;
    std::string names;  // NUL-separated, in candidate order
  };
  void run();

  const DiscoveryOptions& options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Batch> queue_;
  bool stopping_ = false;
  std::deque<Result> results_;
  std::size_t reported_ = 0;  // the last count passed to options.progress
  std::thread thread_;
};

// Walks `root` (a directory): hidden entries, DICOMDIRs, archives, special files, broken
// links and link loops are skipped with a reason; everything else is a candidate. Real
// directories are walked before linked ones, so a file reached both ways keeps its real path.
// Each directory's files are offered to `early` (if any) as soon as it is read.
WalkResult walk_directory(const std::string& root, const DiscoveryOptions& options,
                          EarlyProbe* early = nullptr);

// The walk of a single file the user named: its directory and its name.
WalkResult single_file(const std::string& path);

// Probes the candidates (open, fstat, header) on options.threads threads; appends the
// DICOM files to `files` (in the candidates' order) and the rest to `skipped`. Files reached
// twice (a link to a file in the tree, hard links) are kept once: the real path wins, then
// the first name.
void probe_candidates(WalkResult& walk, const DiscoveryOptions& options,
                      std::vector<JobFile>& files, std::vector<SkippedFile>& skipped,
                      EarlyProbe* early = nullptr);

// Reads a .zip/.tar/.tar.gz/.tgz while streaming, probing each member from memory.
void discover_archive(const std::string& archive, const DiscoveryOptions& options,
                      std::vector<JobFile>& files, std::vector<SkippedFile>& skipped);

// Rules shared by the walk and the archive reader (ASCII case-insensitive; no allocation,
// they run once per file).
bool is_hidden_name(std::string_view name);
bool is_dicomdir_name(std::string_view name);
bool is_archive_file_name(std::string_view name);
// A DICOMDIR by content: Media Storage Directory Storage in the meta header or the dataset.
bool is_dicomdir(const dicom::DicomAttributes& attributes);

// "a" + '/' + "b", or "b" when `a` is empty (the root's relative path).
std::string join_path(const std::string& a, std::string_view name);

// Throws xnatctl::Error(kCancelled) when options.cancelled is set.
void throw_if_cancelled(const DiscoveryOptions& options);

}  // namespace xnatctl::upload::detail
