#pragma once

// The upload domain model: what one `session upload` / `session upload-dicom` run sends and
// where. Discovery fills it, the study guard splits it, routers and --resume adjust it, the
// host hands it to a transport through the C ABI (sdk.h's xc_upload_job is a thin handle
// over a Job), and results come back per file. Nothing here knows about plugins.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "xnatctl/dicom/header_probe.hpp"

namespace xnatctl::upload {

// Where the server should put the data (REST transports; C-STORE ignores it: the receiver's
// configuration decides).
enum class Destination { kArchive, kPrearchive };

// What to do with an existing session of the same label (xnat-server-api.md §3.1, §11).
enum class Overwrite { kNone, kAppend, kDelete };

// Container format of the batch bodies the host streams for transports.
enum class ArchiveFormat { kTar, kZip };

// What the user named as the source.
enum class SourceKind {
  kDirectory,  // a directory tree: every file a plain file
  kFile,       // one plain file
  kArchive,    // a pre-built .zip/.tar/.tar.gz/.tgz: every job file is a member of it
};

// Where one file's bytes come from.
struct FileLocation {
  // The plain file, or the archive that holds the member. A string, not a
  // std::filesystem::path: a path splits itself into components on construction, a heap
  // list of ~350 bytes per file that discovery of 100,000 files paid for and nothing used.
  std::string path;
  std::string member;  // entry name inside the archive; empty for a plain file
  // Position of the member among the archive's entries (0-based, counting every entry), so
  // readers can stream members in order without searching by name.
  std::size_t member_index = 0;

  bool in_archive() const { return !member.empty(); }
};

// One file of a job, with what the header probe read from it.
struct JobFile {
  FileLocation location;
  // '/'-separated path relative to the source the user named (the member name for archive
  // members). Stable across runs: part of the file's identity in the resume journal.
  std::string relative_path;
  std::uint64_t size = 0;
  // Modification time in nanoseconds since the epoch (the archive's own mtime for members);
  // a changed file is re-sent on --resume.
  std::int64_t mtime_ns = 0;
  dicom::DicomAttributes attributes;
  // The name the server stores it under (object_names.hpp): unique within the run, set by
  // discover() before anything leaves files out of a job.
  std::string object_name;
};

// The settings a transport honours, typed (sdk.h xc_job_info mirrors them).
struct JobSettings {
  Destination destination = Destination::kArchive;
  Overwrite overwrite = Overwrite::kDelete;
  int workers = 4;
  ArchiveFormat archive_format = ArchiveFormat::kTar;
  bool zip_to_tar = false;
  bool dry_run = false;
  bool resume = false;
  bool commit = true;   // ask the server to build/archive at once after the last file
  bool verify = false;  // compare the server's catalog with what was sent
};

// Where the data goes on the server.
struct Target {
  std::string server_url;  // the profile's URL (REST) or "dicom://host:port" (C-STORE)
  std::string project, subject, session;
};

// One upload: one destination session and the files that belong to it.
struct Job {
  Target target;
  JobSettings settings;
  std::string transport;         // the transport's name ("rest_zip", ...)
  std::filesystem::path source;  // as the user named it, made absolute
  SourceKind source_kind = SourceKind::kDirectory;
  std::vector<JobFile> files;
  // A pre-built archive whose every member is one of `files` (nothing filtered out, split
  // off or left out by --resume), so it may be sent byte for byte as it is.
  bool whole_source = false;

  std::uint64_t total_bytes() const;
};

const char* to_string(Destination d);
const char* to_string(Overwrite o);
const char* to_string(ArchiveFormat f);
// Parsers for user input; throw xnatctl::UsageError naming the accepted values.
Overwrite parse_overwrite(const std::string& text);
ArchiveFormat parse_archive_format(const std::string& text);

}  // namespace xnatctl::upload
