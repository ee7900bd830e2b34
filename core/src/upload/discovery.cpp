#include "xnatctl/upload/discovery.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "discovery_internal.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/upload/object_names.hpp"

namespace xnatctl::upload {
namespace {

bool ends_with_ignoring_case(std::string_view s, std::string_view suffix) {
  if (s.size() <= suffix.size()) return false;
  const std::string_view tail = s.substr(s.size() - suffix.size());
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(tail[i])) != suffix[i]) return false;
  }
  return true;
}

void sort_result(Discovery& d) {
  // Directory discovery already produces its files in order; moving JobFiles (a path and
  // eighteen attribute strings each) through a sort would cost more than the probe.
  if (!std::is_sorted(d.files.begin(), d.files.end(), [](const JobFile& a, const JobFile& b) {
        return a.relative_path < b.relative_path;
      })) {
    std::vector<std::size_t> order(d.files.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&d](std::size_t a, std::size_t b) {
      return d.files[a].relative_path < d.files[b].relative_path;
    });
    std::vector<JobFile> sorted;
    sorted.reserve(d.files.size());
    for (const std::size_t i : order) sorted.push_back(std::move(d.files[i]));
    d.files = std::move(sorted);
  }
  std::sort(d.skipped.begin(), d.skipped.end(),
            [](const SkippedFile& a, const SkippedFile& b) { return a.path < b.path; });
}

void discover_one_file(const std::filesystem::path& file, const DiscoveryOptions& options,
                       Discovery& d) {
  const std::string name = file.filename().string();
  // The user named this file, so a leading dot does not hide it; a DICOMDIR is still no image.
  if (detail::is_dicomdir_name(name)) {
    d.skipped.push_back(
        {name, SkipReason::kDicomdir, "a DICOMDIR index (lists files, is not an image)"});
    return;
  }
  auto one = detail::single_file(file.string());
  detail::probe_candidates(one, options, d.files, d.skipped);
}

}  // namespace

const char* to_string(SkipReason reason) {
  switch (reason) {
    case SkipReason::kHidden:
      return "hidden";
    case SkipReason::kDicomdir:
      return "DICOMDIR";
    case SkipReason::kNotDicom:
      return "not DICOM";
    case SkipReason::kUnreadable:
      return "unreadable";
    case SkipReason::kSymlinkLoop:
      return "symlink loop";
    case SkipReason::kDuplicate:
      break;
  }
  return "duplicate";
}

bool is_archive_name(const std::filesystem::path& path) {
  return detail::is_archive_file_name(path.filename().native());
}

Discovery discover(const std::filesystem::path& source, const DiscoveryOptions& options) {
  Discovery d;
  std::error_code ec;
  d.source = std::filesystem::absolute(source, ec).lexically_normal();
  if (ec) throw UsageError("cannot use " + source.string() + ": " + ec.message());
  // lexically_normal keeps a trailing separator as an empty last component.
  if (d.source.has_relative_path() && d.source.filename().empty()) {
    d.source = d.source.parent_path();
  }
  struct stat st {};
  if (::stat(d.source.c_str(), &st) != 0) {
    throw UsageError("cannot use " + source.string() + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    d.kind = SourceKind::kDirectory;
    detail::EarlyProbe early(options);
    auto walk = detail::walk_directory(d.source.string(), options, &early);
    d.skipped = std::move(walk.skipped);
    detail::probe_candidates(walk, options, d.files, d.skipped, &early);
  } else if (!S_ISREG(st.st_mode)) {
    throw UsageError(source.string() + " is neither a directory nor a regular file");
  } else if (is_archive_name(d.source)) {
    d.kind = SourceKind::kArchive;
    detail::discover_archive(d.source.string(), options, d.files, d.skipped);
  } else {
    d.kind = SourceKind::kFile;
    discover_one_file(d.source, options, d);
  }
  sort_result(d);
  // Now, over everything found: nothing has been left out of a job yet (object_names.hpp).
  assign_object_names(d.files);
  return d;
}

namespace detail {

bool is_hidden_name(std::string_view name) {
  return !name.empty() && name.front() == '.';
}

bool is_dicomdir_name(std::string_view name) {
  constexpr std::string_view kDicomdir = "dicomdir";
  if (name.size() != kDicomdir.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(name[i])) != kDicomdir[i]) return false;
  }
  return true;
}

bool is_archive_file_name(std::string_view name) {
  return ends_with_ignoring_case(name, ".zip") || ends_with_ignoring_case(name, ".tar") ||
         ends_with_ignoring_case(name, ".tar.gz") || ends_with_ignoring_case(name, ".tgz");
}

bool is_dicomdir(const dicom::DicomAttributes& attributes) {
  constexpr const char* kMediaStorageDirectoryStorage = "1.2.840.10008.1.3.10";
  return attributes.media_storage_sop_class_uid == kMediaStorageDirectoryStorage ||
         attributes.sop_class_uid == kMediaStorageDirectoryStorage;
}

void throw_if_cancelled(const DiscoveryOptions& options) {
  if (options.cancelled != nullptr && options.cancelled->load()) {
    throw Error("discovery cancelled", ExitCode::kCancelled);
  }
}

}  // namespace detail
}  // namespace xnatctl::upload
