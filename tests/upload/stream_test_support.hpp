#pragma once

// Helpers shared by the byte-source and journal tests: a scratch directory, files with
// known content, jobs over them, and draining a ByteSource.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "xnatctl/upload/byte_source.hpp"
#include "xnatctl/upload/job.hpp"

namespace xnatctl::upload::testing {

// Scratch directories: the core tests' TempDir (a fresh directory, removed with its content).
using ScratchDir = xnatctl::testing::TempDir;

// Sets (or, with nullptr, unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) saved_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (saved_) {
      ::setenv(name_.c_str(), saved_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> saved_;
};

// Deterministic, poorly compressible content: file `seed` of `size` bytes.
inline std::string pattern_content(std::size_t size, std::uint32_t seed) {
  std::string out(size, '\0');
  std::uint32_t x = seed * 2654435761U + 1;
  for (auto& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xff);
  }
  return out;
}

inline void write_file(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A job file for a plain file that exists now (size and mtime from disk).
inline JobFile plain_job_file(const std::filesystem::path& path, const std::string& relative) {
  JobFile f;
  f.location.path = path;
  f.relative_path = relative;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("cannot stat " + path.string());
  f.size = static_cast<std::uint64_t>(st.st_size);
  // Like discovery: nanoseconds since the Unix epoch (file_clock's epoch differs).
  f.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return f;
}

inline std::vector<std::size_t> all_indices(const Job& job) {
  std::vector<std::size_t> out(job.files.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = i;
  return out;
}

// Reads to the end in chunks of `chunk` bytes (odd sizes exercise the buffering).
inline std::string drain(ByteSource& source, std::size_t chunk = 7919) {
  std::string out;
  std::vector<char> buffer(chunk);
  while (std::size_t n = source.read(buffer.data(), buffer.size())) out.append(buffer.data(), n);
  return out;
}

}  // namespace xnatctl::upload::testing
