#include "archive_stream_reader.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <exception>
#include <memory>
#include <vector>

namespace xnatctl::emulator {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// libarchive pulls the body through this callback; exceptions must not cross libarchive's C
// frames, so they are parked here and rethrown on our side.
struct Source {
  std::istream* in;
  std::vector<char> buffer = std::vector<char>(256 * 1024);
  std::exception_ptr error;
  ArchiveLimits limits;
  std::int64_t consumed = 0;  // body bytes handed to libarchive
  std::int64_t produced = 0;  // entry bytes handed to visitors
};

la_ssize_t read_callback(struct archive* a, void* client, const void** out) {
  auto* src = static_cast<Source*>(client);
  try {
    src->in->read(src->buffer.data(), static_cast<std::streamsize>(src->buffer.size()));
    *out = src->buffer.data();
    src->consumed += src->in->gcount();
    return static_cast<la_ssize_t>(src->in->gcount());
  } catch (...) {
    src->error = std::current_exception();
    archive_set_error(a, EIO, "request body read failed");
    return -1;
  }
}

// std::istream over the current entry, zero-copy: archive_read_data_block() hands out
// libarchive's own buffers (for tar they point into the read-callback buffer).
class EntryBuf : public std::streambuf {
 public:
  EntryBuf(struct archive* a, Source& src) : a_(a), src_(src) {}

 protected:
  int_type underflow() override {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    while (true) {
      const int rc = archive_read_data_block(a_, &block, &size, &offset);
      if (rc == ARCHIVE_EOF) return traits_type::eof();
      // A warning while reading data is an integrity failure ("ZIP bad CRC", a size that does
      // not match): XNAT's ZipInputStream throws on those, so the import fails here too.
      if (rc < ARCHIVE_OK) {
        if (src_.error) std::rethrow_exception(src_.error);
        throw ArchiveReadError(archive_error_string(a_) ? archive_error_string(a_)
                                                        : "archive read error");
      }
      if (size == 0) continue;
      count(static_cast<std::int64_t>(size));
      // Sparse entries would need zero fill at `offset`; DICOM uploads are never sparse.
      char* p = static_cast<char*>(const_cast<void*>(block));
      setg(p, p, p + size);
      return traits_type::to_int_type(*p);
    }
  }

 private:
  void count(std::int64_t bytes) {
    src_.produced += bytes;
    const ArchiveLimits& limits = src_.limits;
    if (limits.max_bytes >= 0 && src_.produced > limits.max_bytes) {
      throw ArchiveReadError("the archive expands to more than " +
                             std::to_string(limits.max_bytes) + " bytes (--max-extract-bytes)");
    }
    if (limits.max_ratio > 0 && src_.produced > ArchiveLimits::kRatioFloor &&
        static_cast<double>(src_.produced) >
            limits.max_ratio * static_cast<double>(std::max<std::int64_t>(src_.consumed, 1))) {
      throw ArchiveReadError("the archive expands more than " +
                             std::to_string(static_cast<long long>(limits.max_ratio)) +
                             "-fold (--max-extract-ratio)");
    }
  }

  struct archive* a_;
  Source& src_;
};

class EntryStream : public std::istream {
 public:
  EntryStream(struct archive* a, Source& src) : std::istream(nullptr), buf_(a, src) {
    rdbuf(&buf_);
    exceptions(std::ios::badbit);  // errors propagate instead of looking like EOF
  }

 private:
  EntryBuf buf_;
};

EntryKind kind_of(struct archive_entry* e) {
  if (archive_entry_hardlink(e)) return EntryKind::Hardlink;
  switch (archive_entry_filetype(e)) {
    case AE_IFREG:
      return EntryKind::File;
    case AE_IFDIR:
      return EntryKind::Directory;
    case AE_IFLNK:
      return EntryKind::Symlink;
    default:
      return EntryKind::Other;
  }
}

}  // namespace

ArchiveFormat detect_archive_format(const std::string& name) {
  if (ends_with(name, ".tar") || ends_with(name, ".xar")) return ArchiveFormat::Tar;
  if (ends_with(name, ".tgz") || ends_with(name, ".tar.gz")) return ArchiveFormat::Tgz;
  if (ends_with(name, ".zip") || ends_with(name, ".zar")) return ArchiveFormat::Zip;
  if (ends_with(name, ".gz")) return ArchiveFormat::Gz;
  return ArchiveFormat::Unknown;
}

const char* format_name(ArchiveFormat f) {
  switch (f) {
    case ArchiveFormat::Zip:
      return "ZIP";
    case ArchiveFormat::Tar:
      return "TAR";
    case ArchiveFormat::Tgz:
      return "TGZ";
    case ArchiveFormat::Gz:
      return "GZ";
    default:
      return "UNKNOWN";
  }
}

namespace {

void visit_entries(struct archive* a, Source& src, ArchiveFormat format,
                   const EntryVisitor& visit) {
  bool first = true;
  while (true) {
    struct archive_entry* entry = nullptr;
    const int rc = archive_read_next_header(a, &entry);
    if (rc == ARCHIVE_EOF) break;
    if (src.error) std::rethrow_exception(src.error);
    if (rc < ARCHIVE_WARN) {
      if (first && format == ArchiveFormat::Zip) return;  // not a zip: nothing imported (§11.6)
      throw ArchiveReadError(archive_error_string(a) ? archive_error_string(a) : "broken archive");
    }
    first = false;
    ArchiveEntry info;
    const char* path = archive_entry_pathname(entry);
    info.path = path ? path : "";
    info.kind = kind_of(entry);
    info.size = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : -1;
    EntryStream data(a, src);
    visit(info, data);
    // The next header call skips whatever the visitor left unread.
  }
}

using ArchivePtr = std::unique_ptr<struct archive, decltype(&archive_read_free)>;

ArchivePtr reader_for(ArchiveFormat format, bool seekable) {
  ArchivePtr a(archive_read_new(), &archive_read_free);
  switch (format) {
    case ArchiveFormat::Zip:
      if (seekable) {
        archive_read_support_format_zip_seekable(a.get());
      } else {
        archive_read_support_format_zip_streamable(a.get());
      }
      break;
    case ArchiveFormat::Tar:
      archive_read_support_format_tar(a.get());
      break;
    case ArchiveFormat::Tgz:
      archive_read_support_format_tar(a.get());
      archive_read_support_filter_gzip(a.get());
      break;
    default:
      throw ArchiveReadError(std::string("Unsupported format ") + format_name(format));
  }
  return a;
}

}  // namespace

void read_archive_stream(std::istream& source, ArchiveFormat format, const EntryVisitor& visit,
                         const ArchiveLimits& limits, bool check_zip_crc) {
  ArchivePtr a = reader_for(format, false);
  if (!check_zip_crc && format == ArchiveFormat::Zip &&
      archive_read_set_format_option(a.get(), "zip", "ignorecrc32", "1") != ARCHIVE_OK) {
    throw ArchiveReadError("libarchive cannot skip the zip CRC-32 check");
  }
  Source src{&source, std::vector<char>(256 * 1024), nullptr, limits};
  if (archive_read_open(a.get(), &src, nullptr, &read_callback, nullptr) != ARCHIVE_OK) {
    if (src.error) std::rethrow_exception(src.error);
    // An empty body or one that is no archive at all: for zip this is "no entries" (§11.6).
    if (format == ArchiveFormat::Zip) return;
    throw ArchiveReadError(archive_error_string(a.get()) ? archive_error_string(a.get())
                                                         : "cannot open archive");
  }
  visit_entries(a.get(), src, format, visit);
}

void read_archive_file(const std::filesystem::path& file, ArchiveFormat format,
                       const EntryVisitor& visit, const ArchiveLimits& limits) {
  ArchivePtr a = reader_for(format, true);
  Source src{nullptr, {}, nullptr, limits};
  std::error_code ec;
  src.consumed = static_cast<std::int64_t>(std::filesystem::file_size(file, ec));
  if (archive_read_open_filename(a.get(), file.c_str(), 256 * 1024) != ARCHIVE_OK) {
    if (format == ArchiveFormat::Zip) return;  // no zip at all: no entries (§11.6)
    throw ArchiveReadError(archive_error_string(a.get()) ? archive_error_string(a.get())
                                                         : "cannot open archive");
  }
  visit_entries(a.get(), src, format, visit);
}

}  // namespace xnatctl::emulator
