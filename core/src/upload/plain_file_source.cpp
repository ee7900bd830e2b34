#include "plain_file_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "xnatctl/error.hpp"

namespace xnatctl::upload {
namespace {

std::int64_t mtime_ns(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

[[noreturn]] void fail_errno(const std::string& what, const std::filesystem::path& path) {
  throw Error("cannot " + what + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

PlainFileSource::PlainFileSource(std::filesystem::path path, std::uint64_t expected_size,
                                 std::size_t index, ProgressHook hook)
    : path_(std::move(path)), expected_size_(expected_size), index_(index), hook_(std::move(hook)) {
  open();
}

PlainFileSource::~PlainFileSource() {
  close();
}

void PlainFileSource::open() {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) fail_errno("open", path_);
  struct stat st {};
  if (::fstat(fd_, &st) != 0) fail_errno("read", path_);
  if (static_cast<std::uint64_t>(st.st_size) != expected_size_) {
    const auto now = static_cast<std::uint64_t>(st.st_size);
    close();
    throw Error(path_.string() + " changed since it was scanned (" +
                std::to_string(expected_size_) + " bytes then, " + std::to_string(now) + " now)");
  }
  mtime_at_open_ns_ = mtime_ns(st);
  produced_ = 0;
  finished_ = false;
}

void PlainFileSource::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::size_t PlainFileSource::read(char* buffer, std::size_t capacity) {
  if (finished_ || capacity == 0) return 0;
  if (fd_ < 0) throw Error("cannot read " + path_.string() + ": the source is closed");
  // Never hand out more than the promised size: the rest would overrun the Content-Length.
  const auto want =
      static_cast<std::size_t>(std::min<std::uint64_t>(capacity, expected_size_ - produced_));
  if (want == 0) {
    check_unchanged_at_end();
    finished_ = true;
    return 0;
  }
  ssize_t n = 0;
  do {
    n = ::read(fd_, buffer, want);
  } while (n < 0 && errno == EINTR);
  if (n < 0) fail_errno("read", path_);
  if (n == 0) {
    throw Error(path_.string() + " shrank while being sent (" + std::to_string(produced_) + " of " +
                std::to_string(expected_size_) + " bytes read)");
  }
  produced_ += static_cast<std::uint64_t>(n);
  if (hook_) hook_(index_, static_cast<std::uint64_t>(n));
  return static_cast<std::size_t>(n);
}

// At the promised size the file must also end there and must not have been rewritten in
// place (same size, new mtime): either way the bytes sent are not one version of the file.
void PlainFileSource::check_unchanged_at_end() {
  char extra = 0;
  ssize_t n = 0;
  do {
    n = ::read(fd_, &extra, 1);
  } while (n < 0 && errno == EINTR);
  if (n < 0) fail_errno("read", path_);
  if (n > 0) {
    throw Error(path_.string() + " grew while being sent (more than " +
                std::to_string(expected_size_) + " bytes)");
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) fail_errno("read", path_);
  if (mtime_ns(st) != mtime_at_open_ns_) {
    throw Error(path_.string() + " was modified while being sent");
  }
}

void PlainFileSource::rewind() {
  // Reopen rather than seek: a file replaced by rename since is then checked afresh.
  close();
  open();
}

}  // namespace xnatctl::upload
