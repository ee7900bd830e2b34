// Header probe against real third-party files (Debian's python3-pydicom and python3-nibabel test
// data). Expected values were read with DCMTK's dcmdump, not with the code under test.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/oflog/oflog.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <thread>
#include <vector>

#include "xnatctl/dicom/header_probe.hpp"

namespace fs = std::filesystem;
using xnatctl::dicom::has_part10_magic;
using xnatctl::dicom::probe_buffer;
using xnatctl::dicom::probe_file;

namespace {

const fs::path kPydicom = "/usr/lib/python3/dist-packages/pydicom/data/test_files";
const fs::path kNibabel = "/usr/lib/python3/dist-packages/nibabel/nicom/tests/data";

std::vector<char> read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A scratch directory removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("xnatctl-probe-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  static std::atomic<int>& counter() {
    static std::atomic<int> c{0};
    return c;
  }
};

void write_bytes(const fs::path& p, const char* data, std::size_t n) {
  std::ofstream out(p, std::ios::binary);
  out.write(data, static_cast<std::streamsize>(n));
}

}  // namespace

TEST_CASE("probe reads an explicit VR little endian MR file", "[dicom][probe]") {
  std::string why;
  auto a = probe_file(kPydicom / "MR_small.dcm", &why);
  REQUIRE(a.has_value());
  CHECK(why.empty());
  CHECK(a->has_file_meta);
  CHECK(a->transfer_syntax_uid == "1.2.840.10008.1.2.1");
  CHECK(a->sop_class_uid == "1.2.840.10008.5.1.4.1.1.4");
  CHECK(a->sop_instance_uid == "1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457");
  CHECK(a->study_instance_uid == "1.3.6.1.4.1.5962.1.2.4.20040826185059.5457");
  CHECK(a->series_instance_uid == "1.3.6.1.4.1.5962.1.3.4.1.20040826185059.5457");
  CHECK(a->series_number == "1");
  CHECK(a->instance_number == "1");
  CHECK(a->modality == "MR");
  CHECK(a->patient_name == "CompressedSamples^MR1");
  CHECK(a->patient_id == "4MR1");
  CHECK(a->study_date == "20040826");
  CHECK(a->study_time == "185059");
  CHECK(a->accession_number.empty());  // present but empty
  CHECK(a->patient_comments.empty());  // absent
  CHECK(a->series_description.empty());
}

TEST_CASE("probe reads implicit VR and big endian variants of the same object", "[dicom][probe]") {
  auto implicit = probe_file(kPydicom / "MR_small_implicit.dcm");
  auto big = probe_file(kPydicom / "MR_small_bigendian.dcm");
  REQUIRE(implicit.has_value());
  REQUIRE(big.has_value());
  CHECK(implicit->transfer_syntax_uid == "1.2.840.10008.1.2");
  CHECK(big->transfer_syntax_uid == "1.2.840.10008.1.2.2");
  for (const auto& a : {*implicit, *big}) {
    CHECK(a.has_file_meta);
    CHECK(a.sop_instance_uid == "1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457");
    CHECK(a.patient_name == "CompressedSamples^MR1");
    CHECK(a.patient_id == "4MR1");
    CHECK(a.series_number == "1");
    CHECK(a.modality == "MR");
  }
}

TEST_CASE("probe reads a JPEG-compressed secondary capture without decoding it", "[dicom][probe]") {
  auto a = probe_file(kPydicom / "JPEG-lossy.dcm");
  REQUIRE(a.has_value());
  CHECK(a->transfer_syntax_uid == "1.2.840.10008.1.2.4.51");
  CHECK(a->sop_class_uid == "1.2.840.10008.5.1.4.1.1.7");
  CHECK(a->sop_instance_uid == "1.3.6.1.4.1.5962.1.1.8.1.5.20040826185059.5457");
  CHECK(a->modality == "NM");
  CHECK(a->instance_number == "5");
  CHECK(a->patient_id == "8NM1");
  CHECK(a->study_description == "Whole Body Bone");
}

TEST_CASE("probe reads nibabel's Siemens and J2K MR files", "[dicom][probe]") {
  auto a = probe_file(kNibabel / "0.dcm");
  REQUIRE(a.has_value());
  CHECK(a->transfer_syntax_uid == "1.2.840.10008.1.2");
  CHECK(a->sop_instance_uid == "1.3.12.2.1107.5.2.32.35119.2010011420300180088599504.0");
  CHECK(a->study_instance_uid == "1.3.12.2.1107.5.2.32.35119.30000010011408520750000000022");
  CHECK(a->series_number == "12");
  CHECK(a->patient_name == "dft patient name");
  CHECK(a->patient_id == "1234");
  CHECK(a->study_comments == "dft study comments");
  CHECK(a->study_description == "CBU^Neuroimaging");
  CHECK(a->series_description == "CBU_DTI_64D_1A");
  CHECK(a->study_time == "121314.000000");

  auto j2k = probe_file(kNibabel / "slicethickness_empty_string.dcm");
  REQUIRE(j2k.has_value());
  CHECK(j2k->transfer_syntax_uid == "1.2.840.10008.1.2.4.90");
  CHECK(j2k->series_number == "100");
  CHECK(j2k->instance_number == "17");
  CHECK(j2k->series_description == "<MIP Range>");
}

TEST_CASE("probe accepts bare datasets without a meta header", "[dicom][probe]") {
  auto le = probe_file(kPydicom / "ExplVR_LitEndNoMeta.dcm");
  auto be = probe_file(kPydicom / "ExplVR_BigEndNoMeta.dcm");
  REQUIRE(le.has_value());
  REQUIRE(be.has_value());
  CHECK_FALSE(le->has_file_meta);
  CHECK_FALSE(be->has_file_meta);
  CHECK(le->transfer_syntax_uid == "1.2.840.10008.1.2.1");
  CHECK(be->transfer_syntax_uid == "1.2.840.10008.1.2.2");
  for (const auto& a : {*le, *be}) {
    CHECK(a.sop_class_uid == "1.2.840.10008.5.1.4.1.1.481.8");  // RT Ion Plan
    CHECK(a.sop_instance_uid == "1.2.333.4444.5.6.7.8");
    CHECK(a.study_instance_uid == "1.2.333.4444.5.6.7.8.9");
    CHECK(a.modality == "RTPLAN");
  }
  CHECK_FALSE(has_part10_magic(kPydicom / "ExplVR_LitEndNoMeta.dcm"));
}

TEST_CASE("probe rejects what is not a DICOM header, with a reason", "[dicom][probe]") {
  TempDir tmp;
  std::string why;

  SECTION("text file") {
    CHECK_FALSE(probe_file(kPydicom / "README.txt", &why).has_value());
    CHECK_FALSE(why.empty());
  }
  SECTION("empty file") {
    write_bytes(tmp.path / "empty.dcm", "", 0);
    CHECK_FALSE(probe_file(tmp.path / "empty.dcm", &why).has_value());
    CHECK(why == "empty file");
    CHECK_FALSE(has_part10_magic(tmp.path / "empty.dcm"));
  }
  SECTION("missing file") {
    CHECK_FALSE(probe_file(tmp.path / "nope.dcm", &why).has_value());
    CHECK_FALSE(why.empty());
  }
  SECTION("header cut in the middle") {
    auto bytes = read_all(kPydicom / "MR_small.dcm");
    write_bytes(tmp.path / "cut.dcm", bytes.data(), 700);  // inside (0008,1090); dcmdump fails
    CHECK(has_part10_magic(tmp.path / "cut.dcm"));         // magic alone proves nothing
    CHECK_FALSE(probe_file(tmp.path / "cut.dcm", &why).has_value());
    CHECK_FALSE(why.empty());
  }
  SECTION("pydicom's no_meta.dcm, which starts with a stray byte (dcmdump rejects it too)") {
    CHECK_FALSE(probe_file(kPydicom / "no_meta.dcm", &why).has_value());
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("probe stops before PixelData, so a file truncated in its pixels still probes",
          "[dicom][probe]") {
  // MR_truncated.dcm's header is complete; its PixelData claims 8192 bytes that are missing.
  auto a = probe_file(kPydicom / "MR_truncated.dcm");
  REQUIRE(a.has_value());
  CHECK(a->patient_id == "4MR1");
  CHECK(a->sop_instance_uid == "1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457");
}

TEST_CASE("has_part10_magic checks preamble + DICM", "[dicom][probe]") {
  CHECK(has_part10_magic(kPydicom / "MR_small.dcm"));
  CHECK(has_part10_magic(kPydicom / "JPEG-lossy.dcm"));
  CHECK(has_part10_magic(kNibabel / "0.dcm"));
  CHECK_FALSE(has_part10_magic(kPydicom / "no_meta.dcm"));
  CHECK_FALSE(has_part10_magic(kPydicom / "README.txt"));
  CHECK_FALSE(has_part10_magic(kPydicom / "does-not-exist.dcm"));
}

TEST_CASE("probe_buffer gives the same answers as probe_file", "[dicom][probe]") {
  for (const char* name :
       {"MR_small.dcm", "MR_small_bigendian.dcm", "ExplVR_BigEndNoMeta.dcm", "JPEG-lossy.dcm"}) {
    INFO(name);
    const auto bytes = read_all(kPydicom / name);
    auto from_file = probe_file(kPydicom / name);
    auto from_buf = probe_buffer(bytes.data(), bytes.size());
    REQUIRE(from_file.has_value());
    REQUIRE(from_buf.has_value());
    CHECK(from_buf->sop_instance_uid == from_file->sop_instance_uid);
    CHECK(from_buf->transfer_syntax_uid == from_file->transfer_syntax_uid);
    CHECK(from_buf->patient_name == from_file->patient_name);
    CHECK(from_buf->has_file_meta == from_file->has_file_meta);
  }
  std::string why;
  const auto bytes = read_all(kPydicom / "MR_small.dcm");
  CHECK_FALSE(probe_buffer(bytes.data(), 700, &why).has_value());
  CHECK_FALSE(why.empty());
  CHECK_FALSE(probe_buffer(nullptr, 0, &why).has_value());
  const std::string text = "this is not DICOM\n";
  CHECK_FALSE(probe_buffer(text.data(), text.size(), &why).has_value());
}

TEST_CASE("probe reads the XNAT routing comments", "[dicom][probe]") {
  // None of the packaged files carry routing comments, so write one with DCMTK directly.
  TempDir tmp;
  DcmFileFormat ff;
  DcmDataset* ds = ff.getDataset();
  ds->putAndInsertString(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
  ds->putAndInsertString(DCM_SOPInstanceUID, "2.25.1234.1");
  ds->putAndInsertString(DCM_StudyInstanceUID, "2.25.1234.2");
  ds->putAndInsertString(DCM_PatientComments, "Project: P1 Subject: S1 Session: E1");
  ds->putAndInsertString(DCM_RETIRED_StudyComments, "project:P2;subject:S2");
  ds->putAndInsertString(DCM_AdditionalPatientHistory, "Session: E3");
  ds->putAndInsertString(DCM_AccessionNumber, "ACC42");
  ds->putAndInsertString(DCM_StudyDescription, "PROJ_X");
  const fs::path f = tmp.path / "routing.dcm";
  REQUIRE(ff.saveFile(f.c_str(), EXS_LittleEndianExplicit).good());

  auto a = probe_file(f);
  REQUIRE(a.has_value());
  CHECK(a->patient_comments == "Project: P1 Subject: S1 Session: E1");
  CHECK(a->study_comments == "project:P2;subject:S2");
  CHECK(a->additional_patient_history == "Session: E3");
  CHECK(a->accession_number == "ACC42");
  CHECK(a->study_description == "PROJ_X");
}

TEST_CASE("probe is safe to call from many threads at once", "[dicom][probe]") {
  const std::vector<fs::path> files = {
      kPydicom / "MR_small.dcm", kPydicom / "MR_small_implicit.dcm",
      kPydicom / "MR_small_bigendian.dcm", kPydicom / "JPEG-lossy.dcm", kNibabel / "0.dcm"};
  std::vector<std::string> expected;
  for (const auto& f : files) expected.push_back(probe_file(f).value().sop_instance_uid);

  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        const std::size_t k = static_cast<std::size_t>(t + i) % files.size();
        auto a = probe_file(files[k]);
        if (!a || a->sop_instance_uid != expected[k]) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(mismatches == 0);
}

TEST_CASE("probe failure reasons carry DCMTK's detail instead of logging it", "[dicom][probe]") {
  std::string why;
  REQUIRE_FALSE(probe_file(kPydicom / "no_meta.dcm", &why).has_value());
  CHECK_THAT(why, Catch::Contains("not a readable DICOM header"));
  CHECK_THAT(why, Catch::Contains("larger"));  // "... larger (173228800) than remaining bytes"
}

namespace {

// What DCMTK itself reads from a file (the oracle the probe's fast path must agree with).
std::optional<xnatctl::dicom::DicomAttributes> read_with_dcmtk(const fs::path& file) {
  xnatctl::dicom::ensure_dcmtk_initialised();
  OFLog::configure(OFLogger::ERROR_LOG_LEVEL);  // the oracle's own warnings are noise here
  DcmFileFormat ff;
  if (ff.loadFileUntilTag(file.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength,
                          ERM_autoDetect, DCM_PixelData)
          .bad()) {
    return std::nullopt;
  }
  DcmDataset* ds = ff.getDataset();
  auto get = [](DcmItem* item, const DcmTagKey& key) {
    OFString v;
    return item->findAndGetOFStringArray(key, v).good() ? std::string(v.c_str()) : std::string();
  };
  xnatctl::dicom::DicomAttributes a;
  a.sop_class_uid = get(ds, DCM_SOPClassUID);
  a.sop_instance_uid = get(ds, DCM_SOPInstanceUID);
  a.study_instance_uid = get(ds, DCM_StudyInstanceUID);
  a.series_instance_uid = get(ds, DCM_SeriesInstanceUID);
  a.series_number = get(ds, DCM_SeriesNumber);
  a.instance_number = get(ds, DCM_InstanceNumber);
  a.modality = get(ds, DCM_Modality);
  a.patient_name = get(ds, DCM_PatientName);
  a.patient_id = get(ds, DCM_PatientID);
  a.patient_comments = get(ds, DCM_PatientComments);
  a.study_comments = get(ds, DCM_RETIRED_StudyComments);
  a.additional_patient_history = get(ds, DCM_AdditionalPatientHistory);
  a.study_description = get(ds, DCM_StudyDescription);
  a.accession_number = get(ds, DCM_AccessionNumber);
  a.study_date = get(ds, DCM_StudyDate);
  a.study_time = get(ds, DCM_StudyTime);
  a.series_description = get(ds, DCM_SeriesDescription);
  a.transfer_syntax_uid = get(ff.getMetaInfo(), DCM_TransferSyntaxUID);
  a.media_storage_sop_class_uid = get(ff.getMetaInfo(), DCM_MediaStorageSOPClassUID);
  return a;
}

void check_same(const xnatctl::dicom::DicomAttributes& probed,
                const xnatctl::dicom::DicomAttributes& oracle) {
  CHECK(probed.sop_class_uid == oracle.sop_class_uid);
  CHECK(probed.sop_instance_uid == oracle.sop_instance_uid);
  CHECK(probed.study_instance_uid == oracle.study_instance_uid);
  CHECK(probed.series_instance_uid == oracle.series_instance_uid);
  CHECK(probed.series_number == oracle.series_number);
  CHECK(probed.instance_number == oracle.instance_number);
  CHECK(probed.modality == oracle.modality);
  CHECK(probed.patient_name == oracle.patient_name);
  CHECK(probed.patient_id == oracle.patient_id);
  CHECK(probed.patient_comments == oracle.patient_comments);
  CHECK(probed.study_comments == oracle.study_comments);
  CHECK(probed.additional_patient_history == oracle.additional_patient_history);
  CHECK(probed.study_description == oracle.study_description);
  CHECK(probed.accession_number == oracle.accession_number);
  CHECK(probed.study_date == oracle.study_date);
  CHECK(probed.study_time == oracle.study_time);
  CHECK(probed.series_description == oracle.series_description);
  CHECK(probed.media_storage_sop_class_uid == oracle.media_storage_sop_class_uid);
  if (!oracle.transfer_syntax_uid.empty()) {
    CHECK(probed.transfer_syntax_uid == oracle.transfer_syntax_uid);
  }
}

}  // namespace

TEST_CASE("probe agrees with DCMTK on every packaged Part-10 file", "[dicom][probe]") {
  // The fast path reads most of these; the rest go to DCMTK. Either way the answer must be
  // the one DCMTK gives, from a file, from a buffer, and from a prefix grown on demand.
  int compared = 0;
  for (const auto& dir : {kPydicom, kPydicom / "dicomdirtests", kNibabel}) {
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file() || !has_part10_magic(entry.path())) continue;
      const auto oracle = read_with_dcmtk(entry.path());
      if (!oracle) continue;
      INFO(entry.path().string());
      const auto probed = probe_file(entry.path());
      REQUIRE(probed.has_value());
      check_same(*probed, *oracle);
      const auto bytes = read_all(entry.path());
      const auto buffered = probe_buffer(bytes.data(), bytes.size());
      REQUIRE(buffered.has_value());
      check_same(*buffered, *oracle);
      std::size_t have = std::min<std::size_t>(bytes.size(), 200);
      std::optional<xnatctl::dicom::DicomAttributes> prefixed;
      while (true) {
        std::size_t need = 0;
        prefixed = xnatctl::dicom::probe_prefix(bytes.data(), have, bytes.size(), &need);
        if (need == 0) break;
        REQUIRE(need > have);
        have = need;
      }
      REQUIRE(prefixed.has_value());
      check_same(*prefixed, *oracle);
      ++compared;
    }
  }
  CHECK(compared > 60);
}

TEST_CASE("probe renders padded values the way DCMTK does", "[dicom][probe]") {
  // Hand-written explicit VR little endian file with padding in every wanted VR.
  TempDir tmp;
  std::string b(128, '\0');
  b += "DICM";
  auto element = [&b](std::uint16_t g, std::uint16_t e, const char* vr, std::string value) {
    if (value.size() % 2) value += ' ';
    b.push_back(static_cast<char>(g & 0xff));
    b.push_back(static_cast<char>(g >> 8));
    b.push_back(static_cast<char>(e & 0xff));
    b.push_back(static_cast<char>(e >> 8));
    b += vr;
    b.push_back(static_cast<char>(value.size() & 0xff));
    b.push_back(static_cast<char>(value.size() >> 8));
    b += value;
  };
  element(0x0002, 0x0010, "UI", std::string("1.2.840.10008.1.2.1") + '\0');
  element(0x0008, 0x0016, "UI", std::string("1.2.840.10008.5.1.4.1.1.7") + '\0');
  element(0x0008, 0x0018, "UI", " 2.25.77 ");
  element(0x0008, 0x0020, "DA", " 20240102 ");
  element(0x0008, 0x0030, "TM", " 101010.5 ");
  element(0x0008, 0x103E, "LO", "  ");
  element(0x0008, 0x0050, "SH", "  ACC 1  ");
  element(0x0008, 0x0060, "CS", " MR ");
  element(0x0008, 0x1030, "LO", " Head \\ Neck ");
  element(0x0010, 0x0010, "PN", " Doe^Jane ");
  element(0x0010, 0x4000, "LT", "  Project: P \\ x  ");
  element(0x0020, 0x000D, "UI", "2.25.78");
  element(0x0020, 0x0011, "IS", " 7 ");
  const fs::path f = tmp.path / "padded.dcm";
  write_bytes(f, b.data(), b.size());
  const auto oracle = read_with_dcmtk(f);
  REQUIRE(oracle.has_value());
  const auto probed = probe_file(f);
  REQUIRE(probed.has_value());
  check_same(*probed, *oracle);
  CHECK(probed->accession_number == oracle->accession_number);
  CHECK(probed->patient_comments == oracle->patient_comments);
}
