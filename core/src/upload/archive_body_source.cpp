#include "archive_body_source.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

#include "entry_names.hpp"
#include "utf8_ctype_scope.hpp"
#include "xnatctl/error.hpp"

namespace xnatctl::upload {
namespace {

// Large enough that per-call overhead is noise, small enough that memory stays flat.
constexpr std::size_t kChunk = std::size_t{256} * 1024;
// A reader's buffer at least this large gets level-0 zip data read straight into it; smaller
// reads go through the output buffer, so stored blocks never get tiny.
constexpr std::size_t kDirectMin = 4096;

// ustar's mtime field holds 11 octal digits of seconds since 1970. An entry's time is only
// informative (XNAT reads the DICOM header), so a time it cannot hold becomes the epoch
// instead of failing the upload.
std::int64_t storable_mtime_s(std::int64_t mtime_ns, ArchiveFormat format) {
  const std::int64_t seconds = mtime_ns / 1'000'000'000;
  if (format == ArchiveFormat::kTar && (seconds < 0 || seconds > 077777777777LL)) return 0;
  return seconds;
}

}  // namespace

ArchiveBodySource::ArchiveBodySource(const Job& job, const std::vector<std::size_t>& indices,
                                     ArchiveFormat format, ProgressHook hook,
                                     std::shared_ptr<ZipLevelChooser> chooser)
    : format_(format),
      hook_(std::move(hook)),
      size_(format == ArchiveFormat::kTar ? tar_body_size(job, indices) : -1),
      chooser_(format == ArchiveFormat::kZip ? std::move(chooser) : nullptr),
      chunk_(kChunk) {
  auto names = entry_names(job, indices, format);
  entries_.reserve(indices.size());
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const JobFile& file = job.files.at(indices[i]);
    entries_.push_back(
        Entry{indices[i], file.location, file.size, file.mtime_ns, std::move(names[i])});
  }
  start();
}

ArchiveBodySource::~ArchiveBodySource() {
  if (writer_) archive_write_free(writer_);
  report_sent();
}

la_ssize_t ArchiveBodySource::collect(struct archive* writer, void* self, const void* data,
                                      std::size_t size) {
  // No exception may cross libarchive's C frames.
  try {
    static_cast<ArchiveBodySource*>(self)->output_.append(data, size);
    return static_cast<la_ssize_t>(size);
  } catch (const std::bad_alloc&) {
    archive_set_error(writer, ENOMEM, "out of memory");
    return -1;
  }
}

void ArchiveBodySource::fail(const std::string& what) {
  const char* why = writer_ ? archive_error_string(writer_) : nullptr;
  const char* kind = format_ == ArchiveFormat::kTar ? "tar" : "zip";
  throw Error(std::string("cannot build the ") + kind + " body: " + what +
              (why ? std::string(": ") + why : std::string()));
}

void ArchiveBodySource::start() {
  const Utf8CtypeScope utf8;
  if (writer_) archive_write_free(writer_);
  writer_ = nullptr;
  zip_.reset();
  current_.reset();
  output_.clear();
  produced_ = 0;
  next_entry_ = 0;
  step_ = Step::kHeader;
  handed_out_ = false;
  if (format_ == ArchiveFormat::kZip) {
    zip_ = std::make_unique<ZipStreamWriter>(output_);
    return;
  }
  writer_ = archive_write_new();
  if (!writer_) throw Error("cannot build the archive body: out of memory");
  if (archive_write_set_format_ustar(writer_) != ARCHIVE_OK) fail("unsupported format");
  // Unblocked: output reaches collect() as soon as it exists, and the last block is not
  // padded, so a tar is exactly headers + padded data + the two end blocks.
  archive_write_set_bytes_per_block(writer_, 0);
  archive_write_set_bytes_in_last_block(writer_, 1);
  if (archive_write_open(writer_, this, nullptr, &ArchiveBodySource::collect, nullptr) !=
      ARCHIVE_OK) {
    fail("cannot start");
  }
}

void ArchiveBodySource::write_header() {
  if (next_entry_ == entries_.size()) {
    finish();
    return;
  }
  const Entry& e = entries_[next_entry_];
  // Open the file first: a missing or changed file fails before its header goes out.
  current_ =
      open_file_source(JobFile{e.location, e.name, e.size, e.mtime_ns, {}, {}}, e.index, hook_);
  if (zip_) {
    // Level 1 without a chooser: image data gains little from higher levels, and the
    // default level was the bottleneck of zip uploads (200 MB, 4 workers, loopback: 1.8 s,
    // against 1.0 s at level 1).
    level_ = chooser_ ? chooser_->level_for_entry(e.size) : 1;
    entry_seconds_ = 0;
    zip_->begin_entry(e.name, e.size, storable_mtime_s(e.mtime_ns, format_), level_);
    step_ = Step::kData;
    return;
  }
  std::unique_ptr<struct archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(),
                                                                             archive_entry_free);
  archive_entry_copy_pathname(entry.get(), e.name.c_str());
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(e.size));
  archive_entry_set_mtime(entry.get(), static_cast<time_t>(storable_mtime_s(e.mtime_ns, format_)),
                          0);
  if (archive_write_header(writer_, entry.get()) != ARCHIVE_OK) fail("entry '" + e.name + "'");
  step_ = Step::kData;
}

void ArchiveBodySource::write_data() {
  const std::size_t n = current_->read(chunk_.data(), chunk_.size());
  if (n == 0) {
    if (zip_) {
      end_zip_entry();
    } else if (archive_write_finish_entry(writer_) != ARCHIVE_OK) {  // pads the entry
      fail("entry end");
    }
    current_.reset();
    ++next_entry_;
    step_ = Step::kHeader;
    return;
  }
  if (zip_) {
    zip_->write(chunk_.data(), n);
    return;
  }
  const la_ssize_t written = archive_write_data(writer_, chunk_.data(), n);
  if (written < 0 || static_cast<std::size_t>(written) != n) {
    fail("data of '" + entries_[next_entry_].name + "'");
  }
}

void ArchiveBodySource::end_zip_entry() {
  zip_->end_entry();  // its data descriptor
  if (!chooser_) return;
  const Entry& e = entries_[next_entry_];
  chooser_->record(
      ZipLevelChooser::Produced{level_, e.size, zip_->entry_compressed_size(), entry_seconds_});
  report_sent();
}

void ArchiveBodySource::report_sent() {
  if (!chooser_) return;
  for (auto& sent : sent_) {
    if (sent.bytes > 0) chooser_->record(sent);
    sent = ZipLevelChooser::Sent{sent.level, 0, 0};
  }
}

void ArchiveBodySource::finish() {
  if (zip_) {
    zip_->finish();
  } else if (archive_write_close(writer_) != ARCHIVE_OK) {
    fail("end of archive");
  }
  step_ = Step::kDone;
}

void ArchiveBodySource::step() {
  const Utf8CtypeScope utf8;
  if (step_ == Step::kHeader) {
    write_header();
  } else if (step_ == Step::kData) {
    write_data();
  }
}

std::size_t ArchiveBodySource::read(char* buffer, std::size_t capacity) {
  if (capacity == 0) return 0;
  if (handed_out_) {
    // The reader was away since the last return: sending what it took.
    sent_[handed_level_].seconds +=
        std::chrono::duration<double>(Clock::now() - handed_at_).count();
    handed_out_ = false;
  }
  while (output_.unread_size() == 0) {
    if (step_ == Step::kDone) {
      // The promised Content-Length is a contract with the server; never break it quietly.
      if (size_ >= 0 && produced_ != static_cast<std::uint64_t>(size_)) {
        throw Error("internal error: the tar body has " + std::to_string(produced_) +
                    " bytes, not the " + std::to_string(size_) + " announced");
      }
      report_sent();
      return 0;
    }
    output_.clear();
    const auto began = chooser_ ? Clock::now() : Clock::time_point{};
    std::size_t direct = 0;
    if (zip_ && step_ == Step::kData && zip_->entry_level() == 0 && capacity >= kDirectMin) {
      direct = zip_->stored_blocks_into(buffer, capacity, *current_);
    }
    if (direct == 0) step();
    if (chooser_) entry_seconds_ += std::chrono::duration<double>(Clock::now() - began).count();
    if (direct > 0) return handed_out(direct);
  }
  const std::size_t n = std::min(capacity, output_.unread_size());
  std::memcpy(buffer, output_.unread(), n);
  output_.take(n);
  return handed_out(n);
}

std::size_t ArchiveBodySource::handed_out(std::size_t n) {
  produced_ += n;
  if (chooser_) {
    sent_[level_].bytes += n;
    handed_level_ = level_;
    handed_at_ = Clock::now();
    handed_out_ = true;
  }
  return n;
}

void ArchiveBodySource::rewind() {
  start();
}

}  // namespace xnatctl::upload
