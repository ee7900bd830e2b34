#pragma once

// Helpers shared by the upload tests: scratch directories, real DICOM files to copy, and
// synthetic sessions from xnat-gen-session.

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace upload_test {

namespace fs = std::filesystem;

inline const fs::path kPydicom = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

// A scratch directory under TMPDIR, removed at scope exit.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag = "upload") {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("xnatctl-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

inline std::vector<char> read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

inline void copy_pydicom(const std::string& name, const fs::path& to) {
  fs::create_directories(to.parent_path());
  fs::copy_file(kPydicom / name, to, fs::copy_options::overwrite_existing);
}

inline std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs a shell command; throws when it fails.
inline void run(const std::string& command) {
  if (std::system(command.c_str()) != 0) throw std::runtime_error("command failed: " + command);
}

// xnat-gen-session into `out` (DIR/study<k>/series<s>/IM<n>.dcm), small images.
inline void gen_session(const fs::path& out, int studies, int series, int slices, int seed = 1) {
#ifdef XNATCTL_GEN_SESSION_PATH
  run(quoted(XNATCTL_GEN_SESSION_PATH) + " --out " + quoted(out.string()) + " --studies " +
      std::to_string(studies) + " --series " + std::to_string(series) + " --slices " +
      std::to_string(slices) + " --rows 8 --cols 8 --seed " + std::to_string(seed) + " -q");
#else
  (void)out, (void)studies, (void)series, (void)slices, (void)seed;
  throw std::runtime_error("xnat-gen-session was not built");
#endif
}

// Every regular file below `dir` (relative, sorted), to show a directory stayed empty.
inline std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    out.push_back(fs::relative(e.path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace upload_test
