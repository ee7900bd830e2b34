#include "zip_body.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <type_traits>

namespace resource_zip {
namespace fs = std::filesystem;
namespace {

static_assert(std::is_same_v<la_ssize_t, long>, "collect() is declared with long");

constexpr std::size_t kChunk = std::size_t{256} * 1024;

// libarchive converts entry names through the thread's locale; in the C locale (cron, `env
// -i`) it would refuse or mangle non-ASCII names and never mark them UTF-8, so readers such as
// XNAT's Java decode them as CP437. Names on Linux are UTF-8 by convention: every libarchive
// call here runs under a UTF-8 LC_CTYPE for this thread only (the process locale is left
// alone). Same reasoning as core/src/upload/utf8_ctype_scope.hpp, which plugins cannot link.
class Utf8Scope {
 public:
  Utf8Scope() {
    static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    if (utf8 != static_cast<locale_t>(0)) previous_ = uselocale(utf8);
  }
  ~Utf8Scope() {
    if (previous_ != static_cast<locale_t>(0)) uselocale(previous_);
  }
  Utf8Scope(const Utf8Scope&) = delete;
  Utf8Scope& operator=(const Utf8Scope&) = delete;

 private:
  locale_t previous_ = static_cast<locale_t>(0);
};

}  // namespace

std::vector<Entry> collect_tree(const std::string& root) {
  std::vector<Entry> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
  if (ec) throw std::runtime_error("cannot read directory " + root + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw std::runtime_error("cannot read directory " + root + ": " + ec.message());
    std::error_code fe;
    if (!it->is_regular_file(fe)) continue;  // directories come with their files
    Entry e;
    e.path = it->path().string();
    e.name = it->path().lexically_relative(root).generic_string();
    e.size = it->file_size(fe);
    if (fe) throw std::runtime_error("cannot read " + e.path + ": " + fe.message());
    struct stat st {};
    if (::stat(e.path.c_str(), &st) == 0) e.mtime = std::max<std::int64_t>(0, st.st_mtime);
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return out;
}

ZipBody::ZipBody(std::vector<Entry> entries) : entries_(std::move(entries)), chunk_(kChunk) {
  start();
}

ZipBody::~ZipBody() {
  if (writer_ != nullptr) archive_write_free(writer_);
}

long ZipBody::collect(struct archive* writer, void* self, const void* data, std::size_t size) {
  // No exception may cross libarchive's C frames.
  try {
    static_cast<ZipBody*>(self)->output_.append(static_cast<const char*>(data), size);
    return static_cast<long>(size);
  } catch (...) {
    archive_set_error(writer, ENOMEM, "out of memory");
    return -1;
  }
}

void ZipBody::fail(const std::string& what) {
  const char* why = writer_ != nullptr ? archive_error_string(writer_) : nullptr;
  throw std::runtime_error("cannot build the zip body: " + what +
                           (why != nullptr ? std::string(": ") + why : std::string()));
}

void ZipBody::start() {
  const Utf8Scope utf8;
  if (writer_ != nullptr) archive_write_free(writer_);
  file_.close();
  output_.clear();
  taken_ = 0;
  next_ = 0;
  in_entry_ = false;
  done_ = false;
  consumed_ = 0;
  writer_ = archive_write_new();
  if (writer_ == nullptr) throw std::runtime_error("cannot build the zip body: out of memory");
  if (archive_write_set_format_zip(writer_) != ARCHIVE_OK ||
      archive_write_set_options(writer_, "zip:compression=deflate") != ARCHIVE_OK)
    fail("zip is not available");
  // Level 1: resource trees are mostly compressed already (NIfTI .nii.gz, PNG), where higher
  // levels cost CPU for nothing; the body is unpacked on the server anyway. (libarchive sets
  // compression per archive, not per entry, so the stored/deflated choice cannot follow the
  // file.) An older libarchive without the option keeps its default level.
  archive_write_set_options(writer_, "zip:compression-level=1");
  // Unblocked: bytes reach collect() as soon as they exist, the last block is not padded.
  archive_write_set_bytes_per_block(writer_, 0);
  archive_write_set_bytes_in_last_block(writer_, 1);
  if (archive_write_open(writer_, this, nullptr, &ZipBody::collect, nullptr) != ARCHIVE_OK)
    fail("cannot start");
}

void ZipBody::step() {
  const Utf8Scope utf8;
  if (!in_entry_) {
    if (next_ == entries_.size()) {
      if (archive_write_close(writer_) != ARCHIVE_OK) fail("end of archive");
      done_ = true;
      return;
    }
    const Entry& e = entries_[next_];
    // Open first: a file that vanished fails before its header goes out.
    file_.close();
    file_.clear();
    file_.open(e.path, std::ios::binary);
    if (!file_) throw std::runtime_error("cannot read " + e.path + ": " + std::strerror(errno));
    std::unique_ptr<struct archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(),
                                                                               archive_entry_free);
    archive_entry_copy_pathname(entry.get(), e.name.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0644);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(e.size));
    archive_entry_set_mtime(entry.get(), static_cast<time_t>(e.mtime), 0);
    if (archive_write_header(writer_, entry.get()) != ARCHIVE_OK) fail("entry '" + e.name + "'");
    in_entry_ = true;
    entry_left_ = e.size;
    return;
  }
  const Entry& e = entries_[next_];
  file_.read(chunk_.data(), static_cast<std::streamsize>(chunk_.size()));
  const auto n = static_cast<std::size_t>(file_.gcount());
  if (n == 0) {
    // The header promised e.size bytes: a file that shrank meanwhile is an error, not a
    // silently short resource file.
    if (entry_left_ != 0 || file_.bad())
      throw std::runtime_error(e.path + " changed while it was being sent");
    if (archive_write_finish_entry(writer_) != ARCHIVE_OK) fail("end of '" + e.name + "'");
    file_.close();
    in_entry_ = false;
    ++next_;
    return;
  }
  if (n > entry_left_) throw std::runtime_error(e.path + " grew while it was being sent");
  entry_left_ -= n;
  consumed_ += n;
  const la_ssize_t written = archive_write_data(writer_, chunk_.data(), n);
  if (written < 0 || static_cast<std::size_t>(written) != n) fail("data of '" + e.name + "'");
}

std::size_t ZipBody::read(char* buffer, std::size_t capacity) {
  if (capacity == 0) return 0;
  while (taken_ == output_.size()) {
    if (done_) return 0;
    output_.clear();
    taken_ = 0;
    step();
  }
  const std::size_t n = std::min(capacity, output_.size() - taken_);
  std::memcpy(buffer, output_.data() + taken_, n);
  taken_ += n;
  return n;
}

void ZipBody::rewind() {
  start();
}

}  // namespace resource_zip
