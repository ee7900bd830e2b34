#include "xnatctl/config/private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>

#include "xnatctl/error.hpp"

namespace xnatctl::config {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw Error("cannot " + what + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

// std::filesystem cannot create a directory with a given mode atomically, so this part is POSIX.
void create_private_directories(const std::filesystem::path& dir) {
  if (dir.empty() || std::filesystem::is_directory(dir)) return;
  create_private_directories(dir.parent_path());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) fail("create directory", dir);
}

void write_private_file(const std::filesystem::path& path, std::string_view content) {
  create_private_directories(path.parent_path());
  std::random_device random;
  const auto temp = path.string() + ".tmp" + std::to_string(random());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) fail("create", temp);
  const char* data = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      errno = saved;
      fail("write", temp);
    }
    data += written;
    left -= static_cast<size_t>(written);
  }
  const bool synced = ::fsync(fd) == 0;
  const bool closed = ::close(fd) == 0;
  if (!synced || !closed) {
    ::unlink(temp.c_str());
    fail("write", temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    fail("replace", path);
  }
}

}  // namespace xnatctl::config
