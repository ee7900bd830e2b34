#pragma once

// The resume journal: which files of an upload the server has acknowledged, so `--resume`
// sends only the rest and an interrupted or killed run loses nothing. SQLite (Poco::Data) in
// WAL mode, one database per user under the XDG state directory, mode 0600. Every
// acknowledgement is committed before the call returns, so a SIGKILL right after it keeps it.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "xnatctl/upload/job.hpp"

namespace xnatctl::upload {

// Identifies "the same upload" across runs.
struct JournalKey {
  std::string server;  // profile URL, or dicom://host:port/AET for C-STORE
  std::string project, subject, session;
  std::string source;  // the source's identity: its absolute path
  std::string transport;
};

// Identifies "the same file": a changed file (size or mtime) is not the same file.
struct FileIdentity {
  std::string relative_path;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::string sop_instance_uid;

  static FileIdentity of(const JobFile& file);
  bool operator==(const FileIdentity&) const = default;
};

class Journal {
 public:
  // $XDG_STATE_HOME/xnatctl/journal.sqlite, else ~/.local/state/xnatctl/journal.sqlite.
  static std::filesystem::path default_path();

  // Opens (creating with mode 0600, parent 0700) the database. Throws xnatctl::Error with
  // one line naming the file when it cannot.
  explicit Journal(const std::filesystem::path& path);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Files of earlier runs with this key that were acknowledged (and are unchanged, since
  // identity includes size and mtime).
  std::vector<FileIdentity> acknowledged(const JournalKey& key);
  // Records files as sent and acknowledged by the server (one transaction, durable on
  // return). Thread-safe.
  void acknowledge(const JournalKey& key, const std::vector<FileIdentity>& files);
  // The run for `key` completed with every file acknowledged: forget it, so a later upload
  // of the same source is a fresh upload.
  void complete(const JournalKey& key);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xnatctl::upload
