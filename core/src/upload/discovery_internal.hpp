#pragma once

// The steps of discover() (internal to core/src/upload): walking a directory tree, probing
// the files it found in parallel, and reading a pre-built archive.

#include <sys/types.h>

#include <string>
#include <vector>

#include "xnatctl/upload/discovery.hpp"

namespace xnatctl::upload::detail {

// A plain file the walk found, to be probed.
struct Candidate {
  std::string path;       // absolute (through links where the walk followed one)
  std::string relative;   // '/'-separated, relative to the source
  bool via_link = false;  // the file itself or a directory above it was reached through a link
};

struct WalkResult {
  std::vector<Candidate> candidates;
  std::vector<SkippedFile> skipped;
};

// Walks `root` (a directory): hidden entries, DICOMDIRs, archives, special files, broken
// links and link loops are skipped with a reason; everything else is a candidate. Real
// directories are walked before linked ones, so a file reached both ways keeps its real path.
WalkResult walk_directory(const std::string& root, const DiscoveryOptions& options);

// Probes the candidates (open, fstat, header) on options.threads threads; appends the
// DICOM files to `files` and the rest to `skipped`. Files reached twice (a link to a file in
// the tree, hard links) are kept once: the real path wins, then the first name.
void probe_candidates(std::vector<Candidate> candidates, const DiscoveryOptions& options,
                      std::vector<JobFile>& files, std::vector<SkippedFile>& skipped);

// Reads a .zip/.tar/.tar.gz/.tgz while streaming, probing each member from memory.
void discover_archive(const std::string& archive, const DiscoveryOptions& options,
                      std::vector<JobFile>& files, std::vector<SkippedFile>& skipped);

// Rules shared by the walk and the archive reader.
bool is_hidden_name(const std::string& name);
bool is_dicomdir_name(const std::string& name);
// A DICOMDIR by content: Media Storage Directory Storage in the meta header or the dataset.
bool is_dicomdir(const dicom::DicomAttributes& attributes);

// Throws xnatctl::Error(kCancelled) when options.cancelled is set.
void throw_if_cancelled(const DiscoveryOptions& options);

}  // namespace xnatctl::upload::detail
