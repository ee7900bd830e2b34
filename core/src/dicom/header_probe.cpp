#include "xnatctl/dicom/header_probe.hpp"

#include <dcmtk/config/osconfig.h>  // must precede every other DCMTK header
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/oflog/logger.h>
#include <dcmtk/oflog/oflog.h>
#include <dcmtk/oflog/spi/filter.h>
#include <dcmtk/oflog/spi/logevent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "header_scan.hpp"

namespace xnatctl::dicom {
namespace {

// Values larger than this are not loaded while probing; the fields we extract are all far
// smaller (LT comments max 10 KiB), and skipping keeps big private blobs out of memory.
constexpr Uint32 kMaxReadLength = 64 * 1024;

std::string get_string(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  if (item.findAndGetOFStringArray(tag, value).good()) return std::string(value.c_str());
  return {};
}

std::optional<DicomAttributes> extract(DcmFileFormat& ff, std::string* why_not) {
  DcmDataset* ds = ff.getDataset();
  DcmMetaInfo* meta = ff.getMetaInfo();
  DicomAttributes a;
  // DCMTK creates an empty meta object even for bare datasets; "present" means it was read.
  a.has_file_meta = meta != nullptr && !meta->isEmpty();
  if (ds == nullptr || ds->isEmpty()) {
    if (why_not) *why_not = "no DICOM dataset found";
    return std::nullopt;
  }
  a.sop_class_uid = get_string(*ds, DCM_SOPClassUID);
  a.sop_instance_uid = get_string(*ds, DCM_SOPInstanceUID);
  a.study_instance_uid = get_string(*ds, DCM_StudyInstanceUID);
  // A parser in auto-detect mode can misread arbitrary bytes as a few odd "elements"; a bare
  // dataset only counts as DICOM if it carries at least one of the identifying UIDs.
  if (!a.has_file_meta && a.sop_class_uid.empty() && a.sop_instance_uid.empty() &&
      a.study_instance_uid.empty()) {
    if (why_not) *why_not = "no DICOM header found (no meta header and no SOP/Study UIDs)";
    return std::nullopt;
  }
  a.series_instance_uid = get_string(*ds, DCM_SeriesInstanceUID);
  a.series_number = get_string(*ds, DCM_SeriesNumber);
  a.instance_number = get_string(*ds, DCM_InstanceNumber);
  a.modality = get_string(*ds, DCM_Modality);
  a.patient_name = get_string(*ds, DCM_PatientName);
  a.patient_id = get_string(*ds, DCM_PatientID);
  a.patient_comments = get_string(*ds, DCM_PatientComments);
  a.study_comments = get_string(*ds, DCM_RETIRED_StudyComments);
  a.additional_patient_history = get_string(*ds, DCM_AdditionalPatientHistory);
  a.study_description = get_string(*ds, DCM_StudyDescription);
  a.accession_number = get_string(*ds, DCM_AccessionNumber);
  a.study_date = get_string(*ds, DCM_StudyDate);
  a.study_time = get_string(*ds, DCM_StudyTime);
  a.series_description = get_string(*ds, DCM_SeriesDescription);
  if (a.has_file_meta) {
    a.transfer_syntax_uid = get_string(*meta, DCM_TransferSyntaxUID);
    a.media_storage_sop_class_uid = get_string(*meta, DCM_MediaStorageSOPClassUID);
  }
  if (a.transfer_syntax_uid.empty()) {
    // Bare dataset (or meta without 0002,0010): report what the parser detected.
    const DcmXfer xfer(ds->getOriginalXfer());
    if (xfer.getXfer() != EXS_Unknown) a.transfer_syntax_uid = xfer.getXferID();
  }
  return a;
}

// While a probe runs, DCMTK's complaints about the input (e.g. "Element PixelData encountered,
// skipping rest of dataset", which we asked for, or "... larger than remaining bytes" for junk)
// belong in the probe's answer, not on the user's stderr. log4cplus calls appenders on the
// logging thread, so a thread-local capture sees only this thread's probe.
struct ProbeCapture {
  bool active = false;
  std::string first_error;
};
thread_local ProbeCapture t_capture;

class CaptureProbeMessages : public dcmtk::log4cplus::spi::Filter {
 public:
  dcmtk::log4cplus::spi::FilterResult decide(
      const dcmtk::log4cplus::spi::InternalLoggingEvent& event) const override {
    if (!t_capture.active) return dcmtk::log4cplus::spi::NEUTRAL;
    if (event.getLogLevel() >= dcmtk::log4cplus::ERROR_LOG_LEVEL && t_capture.first_error.empty()) {
      t_capture.first_error = event.getMessage().c_str();
    }
    return dcmtk::log4cplus::spi::DENY;
  }
};

// Marks the current thread as probing for the scope's lifetime.
class CaptureScope {
 public:
  CaptureScope() { t_capture = {true, {}}; }
  ~CaptureScope() { t_capture.active = false; }
  CaptureScope(const CaptureScope&) = delete;
  CaptureScope& operator=(const CaptureScope&) = delete;
  std::string reason(const OFCondition& cond) const {
    std::string r = std::string("not a readable DICOM header: ") + cond.text();
    if (!t_capture.first_error.empty()) r += " (" + t_capture.first_error + ")";
    return r;
  }
};

void install_log_filter() {
  auto appenders = dcmtk::log4cplus::Logger::getRoot().getAllAppenders();
  for (auto& appender : appenders) {
    dcmtk::log4cplus::spi::FilterPtr filter(new CaptureProbeMessages);
    if (auto existing = appender->getFilter()) {
      existing->appendFilter(filter);
    } else {
      appender->setFilter(filter);
    }
  }
}

bool fail(std::string* why_not, std::string reason) {
  if (why_not) *why_not = std::move(reason);
  return false;
}

}  // namespace

void ensure_dcmtk_initialised() {
  static std::once_flag once;
  static bool dictionary_loaded = false;
  std::call_once(once, [] {
    // DCMTK logs INFO to stderr by default; as a library it must stay quiet unless something
    // is really wrong.
    OFLog::configure(OFLogger::WARN_LOG_LEVEL);
    install_log_filter();
    // The dictionary is an external file on Debian (DCMDICTPATH); without it every tag is
    // unknown and parsing silently produces garbage, so refuse to run.
    dictionary_loaded = dcmDataDict.isDictionaryLoaded();
  });
  if (!dictionary_loaded) {
    throw std::runtime_error(
        "DCMTK data dictionary is not loaded (check DCMDICTPATH or install the DCMTK "
        "dictionary, e.g. Debian package libdcmtk17)");
  }
}

namespace {

// The first read of a file: enough for a typical header (synthetic and most scanner files
// need 1-8 KiB); longer headers are read again, larger, up to kFastPathLimit.
constexpr std::size_t kFirstRead = 16 * 1024;
// Beyond this a header is left to DCMTK, which skips large values by seeking instead of
// reading them.
constexpr std::size_t kFastPathLimit = 4 * 1024 * 1024;

// pread until `n` bytes or end of file; -1 on error (errno set).
ssize_t read_at_start(int fd, char* buffer, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd, buffer + done, n - done, static_cast<off_t>(done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return static_cast<ssize_t>(done);
}

std::optional<DicomAttributes> probe_with_dcmtk_file(const std::string& file,
                                                     std::string* why_not) {
  ensure_dcmtk_initialised();
  CaptureScope capture;
  DcmFileFormat ff;
  // Stopping at PixelData means a 500 KB image costs only its header's bytes of I/O.
  const OFCondition cond = ff.loadFileUntilTag(file.c_str(), EXS_Unknown, EGL_noChange,
                                               kMaxReadLength, ERM_autoDetect, DCM_PixelData);
  if (cond.bad()) {
    fail(why_not, capture.reason(cond));
    return std::nullopt;
  }
  return extract(ff, why_not);
}

std::optional<DicomAttributes> probe_with_dcmtk_buffer(const void* data, std::size_t size,
                                                       std::string* why_not) {
  ensure_dcmtk_initialised();
  CaptureScope capture;
  DcmInputBufferStream stream;
  stream.setBuffer(data, static_cast<offile_off_t>(size));
  stream.setEos();  // the whole object is in the buffer: no more data will follow
  DcmFileFormat ff;
  ff.transferInit();
  // A buffer stream cannot re-read skipped values later, so load every value we parse.
  const OFCondition cond =
      ff.readUntilTag(stream, EXS_Unknown, EGL_noChange, DCM_MaxReadLength, DCM_PixelData);
  ff.transferEnd();
  if (cond.bad()) {
    fail(why_not, capture.reason(cond));
    return std::nullopt;
  }
  return extract(ff, why_not);
}

}  // namespace

std::optional<DicomAttributes> probe_file(const std::filesystem::path& file, std::string* why_not) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; regular files ignore the flag.
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    fail(why_not, "cannot read " + file.string() + ": " + std::strerror(errno));
    return std::nullopt;
  }
  struct stat st {};
  std::optional<DicomAttributes> result;
  if (::fstat(fd, &st) != 0) {
    fail(why_not, "cannot read " + file.string() + ": " + std::strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    fail(why_not, "not a regular file");
  } else {
    result = probe_open_file(fd, static_cast<std::uint64_t>(st.st_size), file.native(), why_not);
  }
  ::close(fd);
  return result;
}

std::optional<DicomAttributes> probe_open_file(int fd, std::uint64_t size, const std::string& path,
                                               std::string* why_not) {
  if (size == 0) {
    fail(why_not, "empty file");
    return std::nullopt;
  }
  // One buffer per thread: discovery probes thousands of files per second per thread.
  thread_local std::vector<unsigned char> buffer;
  std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size, kFirstRead));
  while (true) {
    if (buffer.size() < want) buffer.resize(want);
    const ssize_t got = read_at_start(fd, reinterpret_cast<char*>(buffer.data()), want);
    if (got < 0) {
      fail(why_not, "cannot read " + path + ": " + std::strerror(errno));
      return std::nullopt;
    }
    const auto n = static_cast<std::size_t>(got);
    // A short read means the file ended (or shrank): what we have is all of it.
    const bool complete = n < want || n == size;
    DicomAttributes attributes;
    std::size_t need = 0;
    const auto status = detail::scan_header(buffer.data(), n, complete, attributes, &need);
    if (status == detail::ScanStatus::kDone) return attributes;
    if (status == detail::ScanStatus::kDefer || need > kFastPathLimit) break;
    want = static_cast<std::size_t>(std::min<std::uint64_t>(size, need));
  }
  return probe_with_dcmtk_file(path, why_not);
}

std::optional<DicomAttributes> probe_buffer(const void* data, std::size_t size,
                                            std::string* why_not) {
  if (data == nullptr || size == 0) {
    fail(why_not, "empty buffer");
    return std::nullopt;
  }
  if (size > UINT32_MAX) {
    fail(why_not, "buffer too large to probe");
    return std::nullopt;
  }
  DicomAttributes attributes;
  if (detail::scan_header(static_cast<const unsigned char*>(data), size, true, attributes,
                          nullptr) == detail::ScanStatus::kDone) {
    return attributes;
  }
  return probe_with_dcmtk_buffer(data, size, why_not);
}

std::optional<DicomAttributes> probe_prefix(const void* data, std::size_t size,
                                            std::uint64_t total_size, std::size_t* need_more,
                                            std::string* why_not) {
  *need_more = 0;
  if (data == nullptr || size == 0) {
    fail(why_not, total_size == 0 ? "empty file" : "empty buffer");
    return std::nullopt;
  }
  const bool complete = size >= total_size;
  DicomAttributes attributes;
  std::size_t need = 0;
  const auto status = detail::scan_header(static_cast<const unsigned char*>(data), size, complete,
                                          attributes, &need);
  if (status == detail::ScanStatus::kDone) return attributes;
  if (status == detail::ScanStatus::kNeedMore) {
    *need_more = static_cast<std::size_t>(std::min<std::uint64_t>(total_size, need));
    fail(why_not, "the header continues past the bytes read");
    return std::nullopt;
  }
  if (size > UINT32_MAX) {
    fail(why_not, "header too large to probe");
    return std::nullopt;
  }
  // DCMTK on what we have: it succeeds as soon as PixelData is within the prefix.
  auto result = probe_with_dcmtk_buffer(data, size, why_not);
  if (!result && !complete) {
    const std::uint64_t larger = std::max<std::uint64_t>(std::uint64_t{size} * 4, 1024 * 1024);
    *need_more = static_cast<std::size_t>(std::min<std::uint64_t>(total_size, larger));
  }
  return result;
}

bool has_part10_magic(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::array<char, 132> head{};
  if (!in.read(head.data(), head.size())) return false;
  return head[128] == 'D' && head[129] == 'I' && head[130] == 'C' && head[131] == 'M';
}

}  // namespace xnatctl::dicom
