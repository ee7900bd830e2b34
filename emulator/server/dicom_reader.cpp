#include "dicom_reader.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/oflog/oflog.h>

#include <algorithm>
#include <mutex>

namespace xnatctl::emulator {
namespace fs = std::filesystem;
namespace {

void set_why(std::string* why, const std::string& text) {
  if (why) *why = text;
}

// The dictionary is an external file on Debian; without it every tag is unknown and parsing
// produces garbage, so the emulator refuses to read rather than misfile objects. DCMTK's own
// parser warnings about odd objects are not the emulator's output: only errors are logged.
bool dcmtk_ready(std::string* why) {
  static std::once_flag once;
  static bool loaded = false;
  std::call_once(once, [] {
    OFLog::getLogger("dcmtk.dcmdata").setLogLevel(OFLogger::ERROR_LOG_LEVEL);
    loaded = dcmDataDict.isDictionaryLoaded();
  });
  if (!loaded) set_why(why, "DCMTK data dictionary is not loaded (DCMDICTPATH)");
  return loaded;
}

// A Part-10 preamble + "DICM", or a bare dataset whose first tag is in groups 0002-0008: what
// a DICOM reader can start on. Anything else is refused as dcm4che would fail on it.
bool plausible_start(const char* data, std::size_t size) {
  if (size >= 132 && std::equal(data + 128, data + 132, "DICM")) return true;
  if (size < 8) return false;
  const unsigned group = static_cast<unsigned char>(data[0]) |
                         (static_cast<unsigned>(static_cast<unsigned char>(data[1])) << 8);
  return group >= 0x0002 && group <= 0x0008 && group % 2 == 0;
}

std::string value(DcmDataset& ds, const DcmTagKey& tag) {
  OFString s;
  if (ds.findAndGetOFStringArray(tag, s).bad()) return {};
  return std::string(s.c_str(), s.length());
}

ObjectHeader header_of(DcmDataset& ds) {
  ObjectHeader h;
  h.sop_class_uid = value(ds, DCM_SOPClassUID);
  h.sop_instance_uid = value(ds, DCM_SOPInstanceUID);
  h.study_instance_uid = value(ds, DCM_StudyInstanceUID);
  h.series_instance_uid = value(ds, DCM_SeriesInstanceUID);
  h.series_number = value(ds, DCM_SeriesNumber);
  h.instance_number = value(ds, DCM_InstanceNumber);
  h.modality = value(ds, DCM_Modality);
  h.patient_name = value(ds, DCM_PatientName);
  h.patient_id = value(ds, DCM_PatientID);
  h.patient_comments = value(ds, DCM_PatientComments);
  h.study_comments = value(ds, DCM_RETIRED_StudyComments);
  h.additional_patient_history = value(ds, DCM_AdditionalPatientHistory);
  h.study_description = value(ds, DCM_StudyDescription);
  h.accession_number = value(ds, DCM_AccessionNumber);
  h.study_date = value(ds, DCM_StudyDate);
  h.study_time = value(ds, DCM_StudyTime);
  h.series_description = value(ds, DCM_SeriesDescription);
  return h;
}

}  // namespace

std::optional<ObjectHeader> read_header(const void* data, std::size_t size, bool complete,
                                        std::string* why) {
  set_why(why, "");
  if (!dcmtk_ready(why)) return std::nullopt;
  if (!plausible_start(static_cast<const char*>(data), size)) {
    set_why(why, "not a DICOM object");
    return std::nullopt;
  }
  DcmInputBufferStream in;
  in.setBuffer(data, static_cast<offile_off_t>(size));
  if (complete) in.setEos();
  DcmFileFormat ff;
  ff.transferInit();
  const OFCondition status =
      ff.readUntilTag(in, EXS_Unknown, EGL_noChange, DCM_MaxReadLength, DCM_PixelData);
  ff.transferEnd();
  if (status.bad()) {
    // A prefix that ends inside the header: the caller reads the whole object.
    if (!complete) return std::nullopt;
    set_why(why, status.text());
    return std::nullopt;
  }
  DcmDataset* ds = ff.getDataset();
  if (ds == nullptr || ds->card() == 0) {
    set_why(why, "no dataset");
    return std::nullopt;
  }
  return header_of(*ds);
}

std::optional<ObjectHeader> read_header_file(const fs::path& file, std::string* why) {
  set_why(why, "");
  if (!dcmtk_ready(why)) return std::nullopt;
  char start[132] = {};
  {
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (f == nullptr) {
      set_why(why, "cannot open the object");
      return std::nullopt;
    }
    const std::size_t n = std::fread(start, 1, sizeof start, f);
    std::fclose(f);
    if (!plausible_start(start, n)) {
      set_why(why, "not a DICOM object");
      return std::nullopt;
    }
  }
  DcmFileFormat ff;
  const OFCondition status = ff.loadFileUntilTag(file.c_str(), EXS_Unknown, EGL_noChange,
                                                 DCM_MaxReadLength, ERM_autoDetect, DCM_PixelData);
  if (status.bad()) {
    set_why(why, status.text());
    return std::nullopt;
  }
  DcmDataset* ds = ff.getDataset();
  if (ds == nullptr || ds->card() == 0) {
    set_why(why, "no dataset");
    return std::nullopt;
  }
  return header_of(*ds);
}

bool rewrite_like_xnat(const fs::path& file, std::string* why) {
  if (!dcmtk_ready(why)) return false;
  DcmFileFormat ff;
  OFCondition status = ff.loadFile(file.c_str());
  if (status.bad()) {
    set_why(why, status.text());
    return false;
  }
  const E_TransferSyntax xfer = ff.getDataset()->getOriginalXfer();
  const fs::path temp = file.string() + ".rewrite";
  // A new meta header (this implementation's class UID and version name, as XNAT writes
  // its own) and the dataset re-encoded with explicit lengths and recalculated group lengths.
  status = ff.saveFile(temp.c_str(), xfer == EXS_Unknown ? EXS_LittleEndianExplicit : xfer,
                       EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0, EWM_createNewMeta);
  std::error_code ec;
  if (status.bad()) {
    fs::remove(temp, ec);
    set_why(why, status.text());
    return false;
  }
  fs::rename(temp, file, ec);
  if (ec) {
    fs::remove(temp, ec);
    set_why(why, "cannot replace the stored object");
    return false;
  }
  return true;
}

}  // namespace xnatctl::emulator
