#include "session_generator.hpp"

#include <dcmtk/config/osconfig.h>  // must precede every other DCMTK header
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "xnatctl/dicom/header_probe.hpp"

namespace xnatctl::emulator {
namespace {

__extension__ typedef unsigned __int128 u128;  // GCC/Clang; only for UID digits

// SplitMix64: tiny, well-mixed and stable across platforms, unlike std:: distributions.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string to_decimal(u128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v != 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

std::string num(long long v) {
  return std::to_string(v);
}

std::string padded(int v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*d", width, v);
  return buf;
}

// Formats a DS value without locale or float-formatting surprises.
std::string ds(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

struct FileJob {
  int study, series, slice;
  std::filesystem::path path;
};

void check(const OFCondition& cond, const char* what) {
  if (cond.bad()) throw std::runtime_error(std::string("DCMTK: ") + what + ": " + cond.text());
}

// Deterministic phantom: a disc whose radius grows with the slice, textured inside, faint
// checkerboard outside; values fit BitsStored=12. Compresses like real images, not like zeros.
void fill_pixels(std::vector<Uint16>& px, const SessionSpec& spec, const FileJob& job) {
  const int rows = spec.rows, cols = spec.cols;
  const long long cx = cols / 2, cy = rows / 2;
  const long long r = static_cast<long long>(std::min(rows, cols)) *
                      (25LL * spec.slices + 20LL * job.slice) / (100LL * spec.slices);
  const long long r2 = r * r;
  const unsigned base = static_cast<unsigned>(400 * job.series + job.slice + 7 * job.study +
                                              static_cast<int>(spec.seed % 101));
  const unsigned salt = static_cast<unsigned>(spec.seed & 63u);
  for (int y = 0; y < rows; ++y) {
    const long long dy2 = (y - cy) * (y - cy);
    Uint16* row = px.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(cols);
    for (int x = 0; x < cols; ++x) {
      const long long dx = x - cx;
      const unsigned ux = static_cast<unsigned>(x), uy = static_cast<unsigned>(y);
      row[x] = dx * dx + dy2 < r2
                   ? static_cast<Uint16>((base + ((ux * 3 + uy * 5 + salt) & 63u)) & 0x0FFFu)
                   : static_cast<Uint16>((ux ^ uy) & 15u);
    }
  }
}

void put(DcmDataset& ds, const DcmTagKey& tag, const std::string& value) {
  check(ds.putAndInsertOFStringArray(tag, value.c_str()), "put attribute");
}

void write_file(const SessionSpec& spec, const FileJob& job, std::vector<Uint16>& px) {
  const bool ct = spec.modality == "CT";
  const std::uint64_t k = static_cast<std::uint64_t>(job.study);
  const std::uint64_t s = static_cast<std::uint64_t>(job.series);
  const std::uint64_t z = static_cast<std::uint64_t>(job.slice);
  const double thickness = 2.0;

  DcmFileFormat ff;
  DcmDataset& d = *ff.getDataset();
  // SOP Common
  put(d, DCM_SOPClassUID, ct ? UID_CTImageStorage : UID_MRImageStorage);
  put(d, DCM_SOPInstanceUID, derived_uid(spec.seed, 3, k, s, z));
  // Patient (routing: PatientComments first, then PatientName/PatientID, §7.3)
  put(d, DCM_PatientName, subject_label(spec));
  put(d, DCM_PatientID, session_label(spec, job.study));
  put(d, DCM_PatientBirthDate, "19800101");
  put(d, DCM_PatientSex, "O");
  if (!spec.project.empty() || !spec.subject.empty() || !spec.session.empty()) {
    std::string comments;
    if (!spec.project.empty()) comments += "Project: " + spec.project + " ";
    comments += "Subject: " + subject_label(spec) + " Session: " + session_label(spec, job.study);
    put(d, DCM_PatientComments, comments);
  }
  // General Study
  put(d, DCM_StudyInstanceUID, derived_uid(spec.seed, 1, k));
  put(d, DCM_StudyDate, "20240102");
  put(d, DCM_StudyTime, "10" + padded(job.study % 60, 2) + "00");
  put(d, DCM_ReferringPhysicianName, "");
  put(d, DCM_StudyID, "S" + num(job.study));
  put(d, DCM_AccessionNumber, "ACC" + padded(job.study, 4));
  put(d, DCM_StudyDescription, "Synthetic " + spec.modality + " study " + num(job.study));
  // General Series
  put(d, DCM_Modality, ct ? "CT" : "MR");
  put(d, DCM_SeriesInstanceUID, derived_uid(spec.seed, 2, k, s));
  put(d, DCM_SeriesNumber, num(job.series));
  put(d, DCM_SeriesDescription, "series_" + num(job.series));
  put(d, DCM_PatientPosition, "HFS");
  put(d, DCM_BodyPartExamined, ct ? "CHEST" : "BRAIN");
  // Frame of Reference
  put(d, DCM_FrameOfReferenceUID, derived_uid(spec.seed, 4, k));
  put(d, DCM_PositionReferenceIndicator, "");
  // General Equipment
  put(d, DCM_Manufacturer, "xnatctl");
  put(d, DCM_ManufacturerModelName, "xnat-gen-session");
  // General Image
  put(d, DCM_InstanceNumber, num(job.slice));
  put(d, DCM_ImageType, ct ? "ORIGINAL\\PRIMARY\\AXIAL" : "ORIGINAL\\PRIMARY\\OTHER");
  put(d, DCM_AcquisitionNumber, "1");
  // Image Plane
  put(d, DCM_PixelSpacing, "0.5\\0.5");
  put(d, DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
  put(d, DCM_ImagePositionPatient,
      "-128.0\\-128.0\\" + ds(thickness * static_cast<double>(job.slice)));
  put(d, DCM_SliceThickness, ds(thickness));
  put(d, DCM_SliceLocation, ds(thickness * static_cast<double>(job.slice)));
  // Modality-specific image module
  if (ct) {
    put(d, DCM_KVP, "120");
    put(d, DCM_RescaleIntercept, "-1024");
    put(d, DCM_RescaleSlope, "1");
    put(d, DCM_RescaleType, "HU");
  } else {
    put(d, DCM_ScanningSequence, "SE");
    put(d, DCM_SequenceVariant, "NONE");
    put(d, DCM_ScanOptions, "");
    put(d, DCM_MRAcquisitionType, "2D");
    put(d, DCM_RepetitionTime, "500");
    put(d, DCM_EchoTime, "20");
    put(d, DCM_EchoTrainLength, "1");
    put(d, DCM_MagneticFieldStrength, "3");
    put(d, DCM_ImagingFrequency, "127.7");
  }
  // Image Pixel
  check(d.putAndInsertUint16(DCM_SamplesPerPixel, 1), "SamplesPerPixel");
  put(d, DCM_PhotometricInterpretation, "MONOCHROME2");
  check(d.putAndInsertUint16(DCM_Rows, static_cast<Uint16>(spec.rows)), "Rows");
  check(d.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(spec.cols)), "Columns");
  check(d.putAndInsertUint16(DCM_BitsAllocated, 16), "BitsAllocated");
  check(d.putAndInsertUint16(DCM_BitsStored, 12), "BitsStored");
  check(d.putAndInsertUint16(DCM_HighBit, 11), "HighBit");
  check(d.putAndInsertUint16(DCM_PixelRepresentation, 0), "PixelRepresentation");
  fill_pixels(px, spec, job);
  check(d.putAndInsertUint16Array(DCM_PixelData, px.data(), static_cast<unsigned long>(px.size())),
        "PixelData");

  const E_TransferSyntax xfer =
      spec.implicit_vr ? EXS_LittleEndianImplicit : EXS_LittleEndianExplicit;
  check(ff.saveFile(job.path.c_str(), xfer), ("write " + job.path.string()).c_str());
}

void validate(const SessionSpec& spec) {
  if (spec.out_dir.empty()) throw std::runtime_error("no output directory given");
  if (spec.studies < 1 || spec.series < 1 || spec.slices < 1)
    throw std::runtime_error("studies, series and slices must be at least 1");
  if (spec.slices > 99999) throw std::runtime_error("at most 99999 slices per series");
  if (spec.rows < 1 || spec.cols < 1 || spec.rows > 65535 || spec.cols > 65535)
    throw std::runtime_error("rows and columns must be in 1..65535");
  if (spec.modality != "MR" && spec.modality != "CT")
    throw std::runtime_error("modality must be MR or CT");
  // XNAT's assignment values are [\w-]* (§7.3); anything else would be silently truncated.
  for (const std::string* v : {&spec.project, &spec.subject, &spec.session}) {
    for (char c : *v) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-';
      if (!ok) throw std::runtime_error("project/subject/session may only contain [A-Za-z0-9_-]");
    }
  }
}

}  // namespace

std::string derived_uid(std::uint64_t seed, std::uint64_t kind, std::uint64_t a, std::uint64_t b,
                        std::uint64_t c) {
  std::uint64_t h = mix(seed ^ 0x786e6174636c2d67ULL);  // "xnatcl-g": generator's namespace
  for (std::uint64_t part : {kind, a, b, c}) h = mix(h ^ part);
  const std::uint64_t hi = mix(h ^ 0x5555555555555555ULL);
  const std::uint64_t lo = mix(hi ^ h);
  // 2.25.<decimal of a 128-bit value> as for UUID-derived UIDs (PS3.5 B.2); at most 44 chars.
  return "2.25." + to_decimal((static_cast<u128>(hi) << 64) | lo);
}

std::string subject_label(const SessionSpec& spec) {
  return spec.subject.empty() ? "SYN" + std::to_string(spec.seed) : spec.subject;
}

std::string session_label(const SessionSpec& spec, int study) {
  // One label per study: XNAT keys prearchive sessions on (project, StudyUID, label).
  if (spec.session.empty())
    return subject_label(spec) + "_" + spec.modality + std::to_string(study);
  if (spec.studies == 1) return spec.session;
  return spec.session + "_" + std::to_string(study);
}

GeneratedSession generate_session(const SessionSpec& spec) {
  validate(spec);
  xnatctl::dicom::ensure_dcmtk_initialised();

  std::vector<FileJob> jobs;
  jobs.reserve(static_cast<std::size_t>(spec.studies) * static_cast<std::size_t>(spec.series) *
               static_cast<std::size_t>(spec.slices));
  for (int k = 1; k <= spec.studies; ++k) {
    for (int s = 1; s <= spec.series; ++s) {
      const auto dir =
          spec.out_dir / ("study" + std::to_string(k)) / ("series" + std::to_string(s));
      std::filesystem::create_directories(dir);
      for (int z = 1; z <= spec.slices; ++z)
        jobs.push_back({k, s, z, dir / ("IM" + padded(z, 5) + ".dcm")});
    }
  }

  // Files are independent, so a few writer threads keep the disk busy; output is unaffected.
  std::atomic<std::size_t> next{0};
  std::mutex error_mutex;
  std::string first_error;
  auto worker = [&] {
    std::vector<Uint16> px(static_cast<std::size_t>(spec.rows) *
                           static_cast<std::size_t>(spec.cols));
    for (std::size_t i = next++; i < jobs.size(); i = next++) {
      try {
        write_file(spec, jobs[i], px);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (first_error.empty()) first_error = e.what();
        next = jobs.size();
      }
    }
  };
  const unsigned n_threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < n_threads; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (!first_error.empty()) throw std::runtime_error(first_error);

  GeneratedSession result;
  result.files = jobs.size();
  for (const auto& j : jobs) result.bytes += std::filesystem::file_size(j.path);
  return result;
}

}  // namespace xnatctl::emulator
