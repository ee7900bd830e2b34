#include "plugins/plugin_trust.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xnatctl::host {
namespace fs = std::filesystem;
namespace {

// Hand-written with lstat(2): std::filesystem has no owner and follows links when asked for
// permissions of a link's target.
bool trusted_owner(uid_t uid) {
  return uid == 0 || uid == ::geteuid();
}

std::string stat_failure(const fs::path& p) {
  return "cannot stat " + p.string() + ": " + std::strerror(errno);
}

std::string owner_problem(const fs::path& p, const struct stat& st) {
  if (trusted_owner(st.st_uid)) return {};
  return p.string() + " is owned by another user (uid " + std::to_string(st.st_uid) +
         "), not by root or you";
}

// `file` as found by lstat: a regular file nobody else can write.
std::string file_problem(const fs::path& file, const struct stat& st) {
  if (!S_ISREG(st.st_mode)) return file.string() + " is not a regular file";
  if (auto why = owner_problem(file, st); !why.empty()) return why;
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return file.string() + " is writable by group or others";
  return {};
}

// `dir` must be absolute and free of symlinks (canonical).
std::string directory_chain_problem(const fs::path& dir) {
  for (fs::path d = dir;; d = d.parent_path()) {
    struct stat st {};
    if (::lstat(d.c_str(), &st) != 0) return stat_failure(d);
    if (!S_ISDIR(st.st_mode)) return d.string() + " is not a directory";
    if (auto why = owner_problem(d, st); !why.empty()) return why;
    const bool writable_by_others = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
    if (writable_by_others && (st.st_mode & S_ISVTX) == 0)
      return d.string() + " is writable by group or others";
    if (d == d.root_path() || d.parent_path() == d) break;
  }
  return {};
}

}  // namespace

std::string untrusted_reason(const fs::path& path) {
  std::error_code ec;
  const fs::path entry = fs::absolute(path, ec);
  if (ec) return "cannot resolve " + path.string() + ": " + ec.message();

  struct stat link_st {};
  if (::lstat(entry.c_str(), &link_st) != 0) return stat_failure(entry);
  // Where the entry lives, through any symlinked directories on the way.
  const fs::path parent = fs::canonical(entry.parent_path(), ec);
  if (ec) return "cannot resolve " + entry.parent_path().string() + ": " + ec.message();
  if (auto why = directory_chain_problem(parent); !why.empty()) return why;

  if (!S_ISLNK(link_st.st_mode)) return file_problem(entry, link_st);

  // A symlink: whoever made it must be trusted, and so must everything it leads to.
  if (auto why = owner_problem(entry, link_st); !why.empty()) return why;
  const fs::path target = fs::canonical(entry, ec);
  if (ec) return "cannot resolve the symlink " + entry.string() + ": " + ec.message();
  struct stat target_st {};
  if (::lstat(target.c_str(), &target_st) != 0) return stat_failure(target);
  if (auto why = file_problem(target, target_st); !why.empty())
    return why + " (the target of " + entry.string() + ")";
  return directory_chain_problem(target.parent_path());
}

}  // namespace xnatctl::host
