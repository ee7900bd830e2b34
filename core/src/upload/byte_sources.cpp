// The public factories of byte_source.hpp; the sources themselves live in their own files.

#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

#include "archive_body_source.hpp"
#include "archive_member_source.hpp"
#include "plain_file_source.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/upload/byte_source.hpp"

namespace xnatctl::upload {
namespace {

constexpr std::int64_t kTarBlock = 512;
// ustar's size field holds 11 octal digits.
constexpr std::uint64_t kUstarMaxSize = 077777777777ULL;

}  // namespace

std::unique_ptr<ByteSource> open_file_source(const JobFile& file, std::size_t index,
                                             ProgressHook hook) {
  if (file.location.in_archive()) {
    return std::make_unique<ArchiveMemberSource>(file.location, file.size, index, std::move(hook));
  }
  return std::make_unique<PlainFileSource>(file.location.path, file.size, index, std::move(hook));
}

std::unique_ptr<ByteSource> open_job_file(const Job& job, std::size_t index, ProgressHook hook) {
  if (index >= job.files.size()) {
    throw Error("internal error: job file " + std::to_string(index) + " of " +
                std::to_string(job.files.size()) + " requested");
  }
  return open_file_source(job.files[index], index, std::move(hook));
}

std::unique_ptr<ByteSource> open_source_archive(const Job& job, ProgressHook hook) {
  if (job.source_kind != SourceKind::kArchive) {
    throw Error("internal error: " + job.source.string() + " is not a pre-built archive");
  }
  struct stat st {};
  if (::stat(job.source.c_str(), &st) != 0) {
    throw Error("cannot read " + job.source.string() + ": " + std::strerror(errno));
  }
  return std::make_unique<PlainFileSource>(job.source, static_cast<std::uint64_t>(st.st_size),
                                           std::numeric_limits<std::size_t>::max(),
                                           std::move(hook));
}

// The public signature takes the indices by value (fixed by the header); the source only
// reads them while it is built.
std::unique_ptr<ByteSource> open_archive_body(
    const Job& job,
    std::vector<std::size_t> indices,  // NOLINT(performance-unnecessary-value-param)
    ArchiveFormat format, ProgressHook hook, std::shared_ptr<ZipLevelChooser> chooser) {
  return std::make_unique<ArchiveBodySource>(job, indices, format, std::move(hook),
                                             std::move(chooser));
}

std::int64_t tar_body_size(const Job& job, const std::vector<std::size_t>& indices) {
  std::int64_t total = 2 * kTarBlock;  // end-of-archive marker
  for (std::size_t index : indices) {
    const JobFile& file = job.files.at(index);
    if (file.size > kUstarMaxSize) {
      throw Error(file.relative_path + " is too large for a tar entry (" +
                  std::to_string(file.size) + " bytes; use --archive-format zip)");
    }
    const auto size = static_cast<std::int64_t>(file.size);
    total += kTarBlock + (size + kTarBlock - 1) / kTarBlock * kTarBlock;
  }
  return total;
}

}  // namespace xnatctl::upload
