#include "cli/standard_streams.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace xnatctl::host {

void reserve_standard_descriptors() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    // open() returns the lowest free descriptor, which is this one (the lower ones are open).
    const int placeholder = ::open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
    if (placeholder >= 0 && placeholder != fd) {
      ::dup2(placeholder, fd);
      ::close(placeholder);
    }
  }
}

std::optional<std::string> stdout_failure() {
  // std::cout is synchronised with stdio, so its bytes sit in stdout's buffer: flush both.
  errno = 0;
  std::cout.flush();
  const bool stream_failed = !std::cout.good();
  const bool stdio_failed = std::fflush(stdout) != 0 || std::ferror(stdout) != 0;
  const int reason = errno;  // of this flush; a write that failed earlier left no reason
  if (!stream_failed && !stdio_failed) return std::nullopt;
  std::string message = "cannot write to standard output";
  if (reason != 0) message += std::string(": ") + std::strerror(reason);
  return message;
}

}  // namespace xnatctl::host
