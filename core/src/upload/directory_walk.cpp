// The directory half of discovery: which entries of a tree are candidates for the probe.
// Written against POSIX opendir/readdir rather than std::filesystem because the walk needs
// the entry type readdir already returns (no stat per file, as in `find -type f`), the
// device/inode of each directory (to recognise link loops) and per-entry error handling
// that never stops the walk.

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <utility>

#include "discovery_internal.hpp"

namespace xnatctl::upload::detail {
namespace {

using DirId = std::pair<dev_t, ino_t>;

struct Directory {
  std::string path, relative;    // relative is empty for the root
  std::vector<DirId> ancestors;  // of the directory itself, root first
  bool via_link = false;
};

// A link to a directory, walked after every real directory.
struct PendingLink {
  std::string path, relative;
  std::vector<DirId> ancestors;  // of the directory that holds the link
};

std::string join(const std::string& a, const char* name) {
  if (a.empty()) return name;
  std::string out;
  out.reserve(a.size() + 1 + std::strlen(name));
  out += a;
  out += '/';
  out += name;
  return out;
}

const char* kind_of(mode_t mode) {
  if (S_ISFIFO(mode)) return "a named pipe";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

class Walker {
 public:
  Walker(const DiscoveryOptions& options, WalkResult& out) : options_(options), out_(out) {}

  void run(const std::string& root) {
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0) return skip_errno(root, ".", SkipReason::kUnreadable);
    visited_.emplace(DirId{st.st_dev, st.st_ino}, ".");
    queue_.push_back({root, "", {DirId{st.st_dev, st.st_ino}}, false});
    while (true) {
      while (!queue_.empty()) {
        Directory d = std::move(queue_.back());
        queue_.pop_back();
        read_directory(d);
      }
      if (links_.empty()) break;
      PendingLink link = std::move(links_.front());
      links_.pop_front();
      follow_directory_link(link);
    }
  }

 private:
  void read_directory(const Directory& d) {
    throw_if_cancelled(options_);
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(d.path.c_str()), ::closedir);
    if (!dir)
      return skip_errno(d.path, d.relative.empty() ? "." : d.relative, SkipReason::kUnreadable,
                        "cannot open directory: ");
    while (true) {
      errno = 0;
      const dirent* e = ::readdir(dir.get());
      if (e == nullptr) {
        if (errno != 0) {
          skip_errno(d.path, d.relative.empty() ? "." : d.relative, SkipReason::kUnreadable,
                     "directory not read to the end: ");
        }
        break;
      }
      const char* name = e->d_name;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
      entry(d, name, e->d_type);
    }
  }

  void entry(const Directory& d, const char* name, unsigned char type) {
    std::string relative = join(d.relative, name);
    if (is_hidden_name(name)) {
      skip(std::move(relative), SkipReason::kHidden,
           type == DT_DIR ? "hidden directory (not searched)" : "hidden file");
      return;
    }
    std::string path = join(d.path, name);
    if (type == DT_UNKNOWN) {
      // Some file systems do not report the type in readdir.
      struct stat st {};
      if (::lstat(path.c_str(), &st) != 0)
        return skip_errno(path, relative, SkipReason::kUnreadable);
      type = S_ISDIR(st.st_mode)   ? DT_DIR
             : S_ISREG(st.st_mode) ? DT_REG
             : S_ISLNK(st.st_mode) ? DT_LNK
                                   : DT_FIFO;
      if (type == DT_FIFO)
        return skip(std::move(relative), SkipReason::kUnreadable, kind_of(st.st_mode));
    }
    switch (type) {
      case DT_DIR: {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0)
          return skip_errno(path, relative, SkipReason::kUnreadable, "cannot open directory: ");
        // A bind mount can make a real directory its own ancestor.
        if (!mark_visited(st, relative, d.ancestors)) return;
        Directory child{std::move(path), std::move(relative), d.ancestors, d.via_link};
        child.ancestors.emplace_back(st.st_dev, st.st_ino);
        queue_.push_back(std::move(child));
        return;
      }
      case DT_REG:
        return file(std::move(path), std::move(relative), d.via_link);
      case DT_LNK:
        return link(std::move(path), std::move(relative), d);
      case DT_FIFO:
        return skip(std::move(relative), SkipReason::kUnreadable, "a named pipe");
      case DT_SOCK:
        return skip(std::move(relative), SkipReason::kUnreadable, "a socket");
      default:
        return skip(std::move(relative), SkipReason::kUnreadable, "a device file");
    }
  }

  void file(std::string path, std::string relative, bool via_link) {
    const std::string name = relative.substr(relative.rfind('/') + 1);
    if (is_dicomdir_name(name)) {
      return skip(std::move(relative), SkipReason::kDicomdir,
                  "a DICOMDIR index (lists files, is not an image)");
    }
    if (is_archive_name(name)) {
      return skip(std::move(relative), SkipReason::kNotDicom,
                  "an archive inside the source (archives are read only when named as the "
                  "source)");
    }
    out_.candidates.push_back({std::move(path), std::move(relative), via_link});
  }

  void link(std::string path, std::string relative, const Directory& d) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ELOOP) {
        return skip(std::move(relative), SkipReason::kSymlinkLoop,
                    "symbolic links that lead to each other");
      }
      if (errno == ENOENT) {
        return skip(std::move(relative), SkipReason::kUnreadable,
                    "broken symbolic link (its target does not exist)");
      }
      return skip_errno(path, relative, SkipReason::kUnreadable);
    }
    if (S_ISREG(st.st_mode)) return file(std::move(path), std::move(relative), true);
    if (S_ISDIR(st.st_mode)) {
      links_.push_back({std::move(path), std::move(relative), d.ancestors});
      return;
    }
    skip(std::move(relative), SkipReason::kUnreadable,
         std::string("symbolic link to ") + kind_of(st.st_mode));
  }

  void follow_directory_link(PendingLink& link) {
    struct stat st {};
    if (::stat(link.path.c_str(), &st) != 0) {
      return skip_errno(link.path, link.relative, SkipReason::kUnreadable,
                        "cannot open directory: ");
    }
    if (!mark_visited(st, link.relative, link.ancestors)) return;
    Directory d{std::move(link.path), std::move(link.relative), std::move(link.ancestors), true};
    d.ancestors.emplace_back(st.st_dev, st.st_ino);
    queue_.push_back(std::move(d));
    while (!queue_.empty()) {
      Directory next = std::move(queue_.back());
      queue_.pop_back();
      read_directory(next);
    }
  }

  // False (and the entry skipped) when the directory leads back to one of its ancestors or
  // was searched already under another name.
  bool mark_visited(const struct stat& st, const std::string& relative,
                    const std::vector<DirId>& ancestors) {
    const DirId id{st.st_dev, st.st_ino};
    for (const auto& a : ancestors) {
      if (a == id) {
        skip(std::string(relative), SkipReason::kSymlinkLoop,
             "leads back to a directory it is inside of");
        return false;
      }
    }
    auto [it, inserted] = visited_.emplace(id, relative);
    if (!inserted) {
      skip(std::string(relative), SkipReason::kDuplicate,
           "the same directory as '" + it->second + "', searched once");
      return false;
    }
    return true;
  }

  void skip(std::string relative, SkipReason reason, std::string detail) {
    out_.skipped.push_back({std::move(relative), reason, std::move(detail)});
  }

  void skip_errno(const std::string& /*path*/, const std::string& relative, SkipReason reason,
                  const char* prefix = "") {
    skip(std::string(relative), reason, std::string(prefix) + std::strerror(errno));
  }

  const DiscoveryOptions& options_;
  WalkResult& out_;
  std::vector<Directory> queue_;
  std::deque<PendingLink> links_;
  std::map<DirId, std::string> visited_;
};

}  // namespace

WalkResult walk_directory(const std::string& root, const DiscoveryOptions& options) {
  WalkResult out;
  Walker(options, out).run(root);
  return out;
}

}  // namespace xnatctl::upload::detail
