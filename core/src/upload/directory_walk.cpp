// The directory half of discovery: which entries of a tree are candidates for the probe.
// Written against POSIX opendir/readdir rather than std::filesystem because the walk needs
// the entry type readdir already returns (no stat per file, as in `find -type f`), the
// device/inode of each directory (to recognise link loops) and per-entry error handling
// that never stops the walk. A file costs the walk its name in one shared buffer and twelve
// bytes, nothing more: paths are built when it is probed.

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
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

// What a directory holds that ends up in the output, for putting it in order afterwards.
struct Entry {
  std::uint32_t name = 0;  // offset into WalkResult::names (directories' names too)
  std::uint32_t length = 0;
  std::uint32_t index = 0;  // into candidates, or into directories
  bool directory = false;
};

struct Directory {
  std::string path, relative;    // relative is empty for the root
  std::vector<DirId> ancestors;  // of the directory itself, root first
  bool via_link = false;
  std::uint32_t index = 0;  // into WalkResult::directories
};

// A link to a directory, walked after every real directory.
struct PendingLink {
  std::string path, relative;
  std::vector<DirId> ancestors;  // of the directory that holds the link
  std::uint32_t parent = 0;      // the directory that holds the link
  std::uint32_t name = 0, length = 0;
};

const char* kind_of(mode_t mode) {
  if (S_ISFIFO(mode)) return "a named pipe";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

class Walker {
 public:
  Walker(const DiscoveryOptions& options, WalkResult& out, EarlyProbe* early)
      : options_(options), out_(out), early_(early) {}

  void run(const std::string& root) {
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0) return skip_errno(".", SkipReason::kUnreadable);
    visited_.emplace(DirId{st.st_dev, st.st_ino}, ".");
    queue_.push_back(
        {root, "", {DirId{st.st_dev, st.st_ino}}, false, add_directory(root, "", false)});
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
    if (early_ != nullptr) {
      early_->finish();
      std::uint32_t k = 0;
      for (const auto& r : early_->results()) out_.candidates[r.candidate].early = ++k;
    }
    put_in_order();
  }

 private:
  std::uint32_t add_directory(const std::string& path, const std::string& relative, bool via_link) {
    out_.directories.push_back({path, relative, via_link});
    entries_.emplace_back();
    return static_cast<std::uint32_t>(out_.directories.size() - 1);
  }

  std::uint32_t add_name(const char* name, std::size_t length) {
    const auto at = static_cast<std::uint32_t>(out_.names.size());
    out_.names.append(name, length + 1);  // with its NUL
    return at;
  }

  void read_directory(const Directory& d) {
    throw_if_cancelled(options_);
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(d.path.c_str()), ::closedir);
    if (!dir)
      return skip_errno(d.relative.empty() ? "." : d.relative, SkipReason::kUnreadable,
                        "cannot open directory: ");
    const int fd = ::dirfd(dir.get());
    const auto first = static_cast<std::uint32_t>(out_.candidates.size());
    while (true) {
      errno = 0;
      const dirent* e = ::readdir(dir.get());
      if (e == nullptr) {
        if (errno != 0) {
          skip_errno(d.relative.empty() ? "." : d.relative, SkipReason::kUnreadable,
                     "directory not read to the end: ");
        }
        break;
      }
      const char* name = e->d_name;
      if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
      entry(d, fd, name, e->d_type);
    }
    const auto count = static_cast<std::uint32_t>(out_.candidates.size()) - first;
    if (early_ != nullptr && count > 0) early_->offer(out_, first, count);
  }

  void entry(const Directory& d, int fd, const char* name, unsigned char type) {
    const std::size_t length = std::strlen(name);
    if (is_hidden_name({name, length})) {
      skip(join_path(d.relative, name), SkipReason::kHidden,
           type == DT_DIR ? "hidden directory (not searched)" : "hidden file");
      return;
    }
    if (type == DT_UNKNOWN) {
      // Some file systems do not report the type in readdir.
      struct stat st {};
      if (::fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return skip_errno(join_path(d.relative, name), SkipReason::kUnreadable);
      type = S_ISDIR(st.st_mode)   ? DT_DIR
             : S_ISREG(st.st_mode) ? DT_REG
             : S_ISLNK(st.st_mode) ? DT_LNK
                                   : DT_FIFO;
      if (type == DT_FIFO)
        return skip(join_path(d.relative, name), SkipReason::kUnreadable, kind_of(st.st_mode));
    }
    switch (type) {
      case DT_DIR: {
        struct stat st {};
        if (::fstatat(fd, name, &st, 0) != 0) {
          return skip_errno(join_path(d.relative, name), SkipReason::kUnreadable,
                            "cannot open directory: ");
        }
        std::string relative = join_path(d.relative, name);
        // A bind mount can make a real directory its own ancestor.
        if (!mark_visited(st, relative, d.ancestors)) return;
        std::string path = join_path(d.path, name);
        const std::uint32_t index = add_directory(path, relative, d.via_link);
        add_entry(d.index, add_name(name, length), length, index, true);
        Directory child{std::move(path), std::move(relative), d.ancestors, d.via_link, index};
        child.ancestors.emplace_back(st.st_dev, st.st_ino);
        queue_.push_back(std::move(child));
        return;
      }
      case DT_REG:
        return file(d, name, length, d.via_link);
      case DT_LNK:
        return link(d, fd, name, length);
      case DT_FIFO:
        return skip(join_path(d.relative, name), SkipReason::kUnreadable, "a named pipe");
      case DT_SOCK:
        return skip(join_path(d.relative, name), SkipReason::kUnreadable, "a socket");
      default:
        return skip(join_path(d.relative, name), SkipReason::kUnreadable, "a device file");
    }
  }

  void file(const Directory& d, const char* name, std::size_t length, bool via_link) {
    if (is_dicomdir_name({name, length})) {
      return skip(join_path(d.relative, name), SkipReason::kDicomdir,
                  "a DICOMDIR index (lists files, is not an image)");
    }
    if (is_archive_file_name({name, length})) {
      return skip(join_path(d.relative, name), SkipReason::kNotDicom,
                  "an archive inside the source (archives are read only when named as the "
                  "source)");
    }
    const std::uint32_t at = add_name(name, length);
    add_entry(d.index, at, length, static_cast<std::uint32_t>(out_.candidates.size()), false);
    out_.candidates.push_back({d.index, at, via_link});
  }

  void link(const Directory& d, int fd, const char* name, std::size_t length) {
    struct stat st {};
    if (::fstatat(fd, name, &st, 0) != 0) {
      if (errno == ELOOP) {
        return skip(join_path(d.relative, name), SkipReason::kSymlinkLoop,
                    "symbolic links that lead to each other");
      }
      if (errno == ENOENT) {
        return skip(join_path(d.relative, name), SkipReason::kUnreadable,
                    "broken symbolic link (its target does not exist)");
      }
      return skip_errno(join_path(d.relative, name), SkipReason::kUnreadable);
    }
    if (S_ISREG(st.st_mode)) return file(d, name, length, true);
    if (S_ISDIR(st.st_mode)) {
      links_.push_back({join_path(d.path, name), join_path(d.relative, name), d.ancestors, d.index,
                        add_name(name, length), static_cast<std::uint32_t>(length)});
      return;
    }
    skip(join_path(d.relative, name), SkipReason::kUnreadable,
         std::string("symbolic link to ") + kind_of(st.st_mode));
  }

  void follow_directory_link(PendingLink& link) {
    struct stat st {};
    if (::stat(link.path.c_str(), &st) != 0) {
      return skip_errno(link.relative, SkipReason::kUnreadable, "cannot open directory: ");
    }
    if (!mark_visited(st, link.relative, link.ancestors)) return;
    const std::uint32_t index = add_directory(link.path, link.relative, true);
    add_entry(link.parent, link.name, link.length, index, true);
    Directory d{std::move(link.path), std::move(link.relative), std::move(link.ancestors), true,
                index};
    d.ancestors.emplace_back(st.st_dev, st.st_ino);
    queue_.push_back(std::move(d));
    while (!queue_.empty()) {
      Directory next = std::move(queue_.back());
      queue_.pop_back();
      read_directory(next);
    }
  }

  void add_entry(std::uint32_t directory, std::uint32_t name, std::size_t length,
                 std::uint32_t index, bool is_directory) {
    entries_[directory].push_back({name, static_cast<std::uint32_t>(length), index, is_directory});
  }

  // Candidates in the order of their relative paths, without building or comparing them:
  // within a directory, entries sort by name, a subdirectory as its name followed by '/'
  // (everything below it shares that prefix, so it sorts as one block); the blocks are then
  // laid out depth first. This is exactly std::string's order of the full relative paths.
  void put_in_order() {
    const char* names = out_.names.data();
    auto less = [names](const Entry& a, const Entry& b) {
      const std::uint32_t n = std::min(a.length, b.length);
      const int c = std::memcmp(names + a.name, names + b.name, n);
      if (c != 0) return c < 0;
      // Equal up to the shorter: what follows is the next character, '/' for a directory,
      // or the end of the key (before anything).
      auto next = [names, n](const Entry& e) {
        if (e.length > n) return static_cast<int>(static_cast<unsigned char>(names[e.name + n]));
        return e.directory ? static_cast<int>('/') : -1;
      };
      return next(a) < next(b);
    };
    std::vector<Candidate> ordered;
    ordered.reserve(out_.candidates.size());
    // Depth first from the root (directory 0), an explicit stack of (directory, next entry).
    std::vector<std::pair<std::uint32_t, std::size_t>> stack;
    if (!entries_.empty()) {
      std::sort(entries_[0].begin(), entries_[0].end(), less);
      stack.emplace_back(0, 0);
    }
    while (!stack.empty()) {
      auto& [directory, next] = stack.back();
      if (next == entries_[directory].size()) {
        stack.pop_back();
        continue;
      }
      const Entry& e = entries_[directory][next++];
      if (e.directory) {
        std::sort(entries_[e.index].begin(), entries_[e.index].end(), less);
        stack.emplace_back(e.index, 0);
      } else {
        ordered.push_back(out_.candidates[e.index]);
      }
    }
    out_.candidates = std::move(ordered);
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

  // Reads errno first: building the message may overwrite it.
  void skip_errno(std::string relative, SkipReason reason, const char* prefix = "") {
    const int error = errno;
    skip(std::move(relative), reason, std::string(prefix) + std::strerror(error));
  }

  const DiscoveryOptions& options_;
  WalkResult& out_;
  EarlyProbe* early_;
  std::vector<Directory> queue_;
  std::deque<PendingLink> links_;
  std::map<DirId, std::string> visited_;
  std::vector<std::vector<Entry>> entries_;  // per directory of out_.directories
};

}  // namespace

WalkResult walk_directory(const std::string& root, const DiscoveryOptions& options,
                          EarlyProbe* early) {
  WalkResult out;
  Walker(options, out, early).run(root);
  return out;
}

WalkResult single_file(const std::string& path) {
  WalkResult out;
  const std::size_t slash = path.rfind('/');
  std::string directory = slash == 0 ? "/" : path.substr(0, slash);
  out.directories.push_back({std::move(directory), "", false});
  out.names.assign(path, slash + 1);
  out.names.push_back('\0');
  out.candidates.push_back({0, 0, false});
  return out;
}

std::string join_path(const std::string& a, std::string_view name) {
  if (a.empty()) return std::string(name);
  std::string out;
  out.reserve(a.size() + 1 + name.size());
  out += a;
  if (a.back() != '/') out += '/';
  out += name;
  return out;
}

}  // namespace xnatctl::upload::detail
