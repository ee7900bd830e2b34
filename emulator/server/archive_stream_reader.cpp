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
};

la_ssize_t read_callback(struct archive* a, void* client, const void** out) {
  auto* src = static_cast<Source*>(client);
  try {
    src->in->read(src->buffer.data(), static_cast<std::streamsize>(src->buffer.size()));
    *out = src->buffer.data();
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
      if (rc < ARCHIVE_WARN) {
        if (src_.error) std::rethrow_exception(src_.error);
        throw ArchiveReadError(archive_error_string(a_) ? archive_error_string(a_)
                                                        : "archive read error");
      }
      if (size == 0) continue;
      // Sparse entries would need zero fill at `offset`; DICOM uploads are never sparse.
      char* p = static_cast<char*>(const_cast<void*>(block));
      setg(p, p, p + size);
      return traits_type::to_int_type(*p);
    }
  }

 private:
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

void read_archive_stream(std::istream& source, ArchiveFormat format, const EntryVisitor& visit) {
  std::unique_ptr<struct archive, decltype(&archive_read_free)> a(archive_read_new(),
                                                                  &archive_read_free);
  switch (format) {
    case ArchiveFormat::Zip:
      archive_read_support_format_zip_streamable(a.get());
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
  Source src{&source, std::vector<char>(256 * 1024), nullptr};
  if (archive_read_open(a.get(), &src, nullptr, &read_callback, nullptr) != ARCHIVE_OK) {
    if (src.error) std::rethrow_exception(src.error);
    // An empty body or one that is no archive at all: for zip this is "no entries" (§11.6).
    if (format == ArchiveFormat::Zip) return;
    throw ArchiveReadError(archive_error_string(a.get()) ? archive_error_string(a.get())
                                                         : "cannot open archive");
  }
  bool first = true;
  while (true) {
    struct archive_entry* entry = nullptr;
    const int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (src.error) std::rethrow_exception(src.error);
    if (rc < ARCHIVE_WARN) {
      if (first && format == ArchiveFormat::Zip) return;  // not a zip: nothing imported (§11.6)
      throw ArchiveReadError(archive_error_string(a.get()) ? archive_error_string(a.get())
                                                           : "broken archive");
    }
    first = false;
    ArchiveEntry info;
    const char* path = archive_entry_pathname(entry);
    info.path = path ? path : "";
    info.kind = kind_of(entry);
    info.size = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : -1;
    EntryStream data(a.get(), src);
    visit(info, data);
    // The next header call skips whatever the visitor left unread.
  }
}

}  // namespace xnatctl::emulator
