// The least discovery can cost on a machine: the walk (readdir, as `find`) plus, for every
// file, openat relative to its directory, fstat, one read of the first 16 KiB and close, on
// THREADS threads; nothing kept, nothing parsed. BENCHMARKS.md compares it with `find` and
// with xnatctl_discovery_driver to show how much of discovery is the system calls.
// Build: g++ -O2 -std=c++20 -pthread bench/discovery_floor.cpp -o discovery_floor
// Usage: discovery_floor TREE [THREADS]
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Directory {
  std::string path;
  std::vector<std::string> files;
};

void walk(const std::string& path, std::vector<Directory>& out) {
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return;
  Directory here{path, {}};
  std::vector<std::string> below;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    if (e->d_type == DT_DIR) {
      below.push_back(path + "/" + e->d_name);
    } else if (e->d_type == DT_REG) {
      here.files.emplace_back(e->d_name);
    }
  }
  ::closedir(d);
  if (!here.files.empty()) out.push_back(std::move(here));
  for (const auto& b : below) walk(b, out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s TREE [THREADS]\n", argv[0]);
    return 2;
  }
  const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Directory> dirs;
  walk(argv[1], dirs);
  const auto t1 = std::chrono::steady_clock::now();
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> files{0};
  auto work = [&] {
    static thread_local char buffer[16384];
    std::size_t n = 0;
    for (std::size_t i; (i = next.fetch_add(1)) < dirs.size();) {
      const int dir = ::open(dirs[i].path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
      for (const auto& name : dirs[i].files) {
        const int fd = ::openat(dir, name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) continue;
        struct stat st {};
        if (::fstat(fd, &st) == 0 && ::pread(fd, buffer, sizeof buffer, 0) >= 0) ++n;
        ::close(fd);
      }
      ::close(dir);
    }
    files += n;
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  const auto t2 = std::chrono::steady_clock::now();
  std::printf("files %zu walk %.3f s probe %.3f s\n", files.load(),
              std::chrono::duration<double>(t1 - t0).count(),
              std::chrono::duration<double>(t2 - t1).count());
  return 0;
}
