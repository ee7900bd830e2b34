// The archive half of discovery: a pre-built .zip/.tar/.tar.gz/.tgz is read once, in order,
// with libarchive; each member's header is probed from memory while the member streams by,
// and nothing is written to disk. Members are probed on this one thread: decompression, not
// the probe, is what costs here, and it cannot be split.

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "discovery_internal.hpp"
#include "xnatctl/dicom/header_probe.hpp"
#include "xnatctl/error.hpp"

namespace xnatctl::upload::detail {
namespace {

constexpr std::size_t kFirstRead = 64 * 1024;
// A header that does not end within this many bytes is not probed (memory stays bounded).
constexpr std::size_t kMaxHeader = 64 * 1024 * 1024;

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

std::string error_text(struct archive* a) {
  const char* s = archive_error_string(a);
  return s != nullptr ? s : "unknown archive error";
}

// `tar -C dir -cf x.tar .` names every member "./..."; "." and empty components are
// position markers, not hidden directories.
bool has_hidden_component(const std::string& name) {
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find('/', start), name.size());
    const std::string part = name.substr(start, end - start);
    if (!part.empty() && part != "." && is_hidden_name(part)) return true;
    start = end + 1;
  }
  return false;
}

// The member's name without "./" and empty components: what the user sees and what the
// journal and object names use ("./a//b.dcm" -> "a/b.dcm").
std::string clean_member_name(const std::string& name) {
  std::string out;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find('/', start), name.size());
    const std::string part = name.substr(start, end - start);
    if (!part.empty() && part != ".") out += (out.empty() ? "" : "/") + part;
    start = end + 1;
  }
  return out;
}

std::string base_name(const std::string& name) {
  const std::size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

// Reads the member's data into `buffer` until it holds `want` bytes or the member ends.
// Returns false on a read error.
bool fill(struct archive* a, std::vector<char>& buffer, std::size_t want, bool& ended) {
  while (!ended && buffer.size() < want) {
    const std::size_t at = buffer.size();
    buffer.resize(want);
    const la_ssize_t got = archive_read_data(a, buffer.data() + at, want - at);
    if (got < 0) {
      buffer.resize(at);
      return false;
    }
    buffer.resize(at + static_cast<std::size_t>(got));
    if (got == 0) ended = true;
  }
  return true;
}

// Counts the member's remaining bytes (sizes not recorded in the header, e.g. streamed zips).
bool drain(struct archive* a, std::uint64_t& count) {
  std::vector<char> sink(64 * 1024);
  while (true) {
    const la_ssize_t got = archive_read_data(a, sink.data(), sink.size());
    if (got < 0) return false;
    if (got == 0) return true;
    count += static_cast<std::uint64_t>(got);
  }
}

}  // namespace

void discover_archive(const std::string& archive, const DiscoveryOptions& options,
                      std::vector<JobFile>& files, std::vector<SkippedFile>& skipped) {
  ArchivePtr a(archive_read_new(), archive_read_free);
  archive_read_support_format_zip(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_bzip2(a.get());
  archive_read_support_filter_xz(a.get());
  const std::string shown = archive.substr(archive.rfind('/') + 1);
  if (archive_read_open_filename(a.get(), archive.c_str(), 64 * 1024) != ARCHIVE_OK) {
    throw UsageError("cannot read " + archive + " as an archive: " + error_text(a.get()));
  }
  std::size_t index = 0;
  std::vector<char> buffer;
  for (;; ++index) {
    throw_if_cancelled(options);
    struct archive_entry* entry = nullptr;
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      if (index == 0) {
        throw UsageError("cannot read " + archive + " as an archive: " + error_text(a.get()));
      }
      skipped.push_back({shown + "!", SkipReason::kUnreadable,
                         "the archive is damaged after its member " + std::to_string(index) + ": " +
                             error_text(a.get()) + "; the rest was not read"});
      return;
    }
    const char* raw_name = archive_entry_pathname(entry);
    const std::string name = raw_name != nullptr ? raw_name : "";
    if (archive_entry_filetype(entry) == AE_IFDIR) continue;
    const std::string where = shown + "!" + name;
    if (name.empty()) {
      skipped.push_back({where, SkipReason::kUnreadable, "a member without a name"});
      continue;
    }
    if (has_hidden_component(name)) {
      skipped.push_back({where, SkipReason::kHidden, "hidden file or directory"});
      continue;
    }
    if (archive_entry_hardlink(entry) != nullptr) {
      skipped.push_back({where, SkipReason::kDuplicate,
                         std::string("a hard link to '") + archive_entry_hardlink(entry) + "'"});
      continue;
    }
    if (archive_entry_filetype(entry) != AE_IFREG) {
      skipped.push_back({where, SkipReason::kNotDicom,
                         archive_entry_filetype(entry) == AE_IFLNK
                             ? "a symbolic link (links inside an archive are not followed)"
                             : "not a regular file"});
      continue;
    }
    const std::string base = base_name(name);
    if (is_dicomdir_name(base)) {
      skipped.push_back(
          {where, SkipReason::kDicomdir, "a DICOMDIR index (lists files, is not an image)"});
      continue;
    }
    if (is_archive_name(base)) {
      skipped.push_back({where, SkipReason::kNotDicom,
                         "an archive inside the archive (nested archives are not read)"});
      continue;
    }

    const bool size_known = archive_entry_size_is_set(entry) != 0;
    const auto declared =
        static_cast<std::uint64_t>(std::max<la_int64_t>(0, archive_entry_size(entry)));
    buffer.clear();
    bool ended = false;
    std::size_t want = size_known
                           ? static_cast<std::size_t>(std::min<std::uint64_t>(declared, kFirstRead))
                           : kFirstRead;
    std::optional<dicom::DicomAttributes> attributes;
    std::string why;
    bool read_error = false;
    while (true) {
      if (!fill(a.get(), buffer, std::max<std::size_t>(want, 1), ended)) {
        read_error = true;
        break;
      }
      // Unknown size: the member is at least what we have, and more unless it ended.
      const std::uint64_t total =
          size_known ? declared : (ended ? buffer.size() : std::uint64_t{kMaxHeader} * 4);
      std::size_t need = 0;
      attributes = dicom::probe_prefix(buffer.data(), buffer.size(), total, &need, &why);
      if (need == 0) break;
      if (need > kMaxHeader) {
        why = "no complete DICOM header within the first 64 MiB";
        break;
      }
      want = need;
    }
    std::uint64_t size = buffer.size();
    if (!read_error && !ended) read_error = !drain(a.get(), size);
    if (read_error) {
      // A damaged stream shows again at the next header, which ends the walk there.
      skipped.push_back({where, SkipReason::kUnreadable, error_text(a.get())});
      continue;
    }
    if (size_known) size = declared;
    if (!attributes) {
      skipped.push_back({where, SkipReason::kNotDicom, why});
      continue;
    }
    if (is_dicomdir(*attributes)) {
      skipped.push_back(
          {where, SkipReason::kDicomdir, "a DICOMDIR index (lists files, is not an image)"});
      continue;
    }
    JobFile f;
    f.location.path = archive;
    f.location.member = name;
    f.location.member_index = index;
    f.relative_path = clean_member_name(name);
    f.size = size;
    f.mtime_ns = archive_entry_mtime_is_set(entry)
                     ? static_cast<std::int64_t>(archive_entry_mtime(entry)) * 1000000000 +
                           archive_entry_mtime_nsec(entry)
                     : 0;
    f.attributes = std::move(*attributes);
    files.push_back(std::move(f));
    if (options.progress && files.size() % 512 == 0) options.progress(index + 1);
  }
  if (options.progress) options.progress(index);
}

}  // namespace xnatctl::upload::detail
