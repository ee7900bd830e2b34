// Where the emulator keeps files: an XNAT-like tree under --data (reference §3.4.9, §4.1):
//   prearchive/<project>/<timestamp>/<folder>/SCANS/<scan>/DICOM/<file>   (+ <folder>.xml)
//   prearchive/<timestamp>/<folder>/...                                    (Unassigned)
//   archive/<project>/arc001/<label>/SCANS/<scan>/<resource>/<file>
//   archive/<project>/arc001/<label>/RESOURCES/<resource>/<file>
//   tmp/                                                                   (upload spool)
#pragma once

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace xnatctl::emulator {

// A storage path that would leave the data root (answered 400; nothing is written).
struct PathOutsideDataRoot : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Storage {
 public:
  Storage(const std::filesystem::path& root, bool sink);
  // Creates the tree; refuses a root that holds a previous run unless `reset` (state is in
  // memory and is not reloaded, see README).
  void prepare(bool reset);

  bool sink() const { return sink_; }
  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path prearchive_session_dir(const std::string& project, const std::string& ts,
                                               const std::string& folder) const;
  std::filesystem::path archive_session_dir(const std::string& project,
                                            const std::string& label) const;
  // A fresh, unique temp path on the same file system as the tree (so rename() is atomic).
  std::filesystem::path temp_path();
  // `path` itself when it lies inside the data root once "." and ".." are resolved (and no
  // component is empty); throws PathOutsideDataRoot otherwise. Every path the emulator writes
  // or deletes under is computed from request data, so each one goes through here.
  const std::filesystem::path& confined(const std::filesystem::path& path) const;

 private:
  std::filesystem::path root_;
  bool sink_;
  std::atomic<std::uint64_t> temp_counter_{0};
};

// True if `name` is safe as one path component (no separators, not "."/"..").
bool is_safe_component(const std::string& name);
// XNAT's rule for project IDs and subject/session labels: letters, digits, '_' and '-' (the
// characters its DICOM identifiers keep, reference §7.3; anything else it turns into '_'),
// at most 255 of them, so every one is also a safe file name.
bool is_xnat_id(const std::string& id);
// True if a relative path has no "..", no absolute root and no empty components.
bool is_safe_relative_path(const std::string& path);

// Lower-case hex MD5 of a file (the `digest` column of file lists, §6.3).
std::string md5_of_file(const std::filesystem::path& file);

// Moves a file, falling back to copy+remove across file systems.
void move_file(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace xnatctl::emulator
