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

#include <array>
#include <fstream>
#include <mutex>
#include <stdexcept>

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
  if (a.has_file_meta) a.transfer_syntax_uid = get_string(*meta, DCM_TransferSyntaxUID);
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

std::optional<DicomAttributes> probe_file(const std::filesystem::path& file, std::string* why_not) {
  ensure_dcmtk_initialised();
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) {
    fail(why_not, "cannot read " + file.string() + ": " + ec.message());
    return std::nullopt;
  }
  if (size == 0) {
    fail(why_not, "empty file");
    return std::nullopt;
  }
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

std::optional<DicomAttributes> probe_buffer(const void* data, std::size_t size,
                                            std::string* why_not) {
  ensure_dcmtk_initialised();
  if (data == nullptr || size == 0) {
    fail(why_not, "empty buffer");
    return std::nullopt;
  }
  if (size > UINT32_MAX) {
    fail(why_not, "buffer too large to probe");
    return std::nullopt;
  }
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

bool has_part10_magic(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::array<char, 132> head{};
  if (!in.read(head.data(), head.size())) return false;
  return head[128] == 'D' && head[129] == 'I' && head[130] == 'C' && head[131] == 'M';
}

}  // namespace xnatctl::dicom
