// Against DCMTK's storescp: every transfer syntax of pydicom's test files arrives byte for byte
// as the file holds it, many files share one association per worker, and a refused syntax is
// reported (or, with --allow-transcode, converted).
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>

#include "peer_support.hpp"

using cstore_test::job_file;
using cstore_test::pydicom_file;
using cstore_test::read_dicom;
using cstore_test::Storescp;
using cstore_test::TempDir;
using xc::testing::FakeHost;

namespace {

const xc_plugin_desc& plugin() {
  static xc::testing::PluginLibrary lib(CSTORE_PLUGIN);
  return lib.descriptor();
}

// One file per transfer syntax family plus several SOP classes (CT, MR, SC, RT, SR, SEG, ECG).
const std::vector<std::string> kEveryKind = {
    "MR_small.dcm",                   // Explicit VR LE, MR
    "MR_small_implicit.dcm",          // Implicit VR LE
    "MR_small_bigendian.dcm",         // Explicit VR BE
    "image_dfl.dcm",                  // Deflated Explicit VR LE
    "JPEG-lossy.dcm",                 // JPEG Extended (process 2+4)
    "SC_rgb_dcmtk_+eb+cy+np.dcm",     // JPEG Baseline
    "SC_rgb_jpeg_gdcm.dcm",           // JPEG Lossless SV1
    "MR_small_jpeg_ls_lossless.dcm",  // JPEG-LS lossless
    "MR_small_jp2klossless.dcm",      // JPEG 2000 lossless
    "JPEG2000.dcm",                   // JPEG 2000
    "MR_small_RLE.dcm",               // RLE
    "CT_small.dcm",                   // CT
    "rtplan.dcm",                     // RT Plan, implicit
    "rtdose.dcm",                     // RT Dose, multi-frame
    "test-SR.dcm",                    // Comprehensive SR
    "liver_1frame.dcm",               // Segmentation
    "waveform_ecg.dcm",               // 12-lead ECG
};

void connect_to(FakeHost& host, std::uint16_t port, const std::string& aet = "STORESCP") {
  host.set_option("host", "127.0.0.1");
  host.set_option("port", std::to_string(port));
  host.set_option("called-aet", aet);
  host.set_option("calling-aet", "XNATCTL");
}

// PS3.5 §A.5: a deflated data set of odd length is padded with one NUL on the wire
// (image_dfl.dcm is odd in its file); every other data set is even already.
std::string on_the_wire(const std::filesystem::path& file) {
  std::string bytes = read_dicom(file).dataset_bytes;
  if (bytes.size() % 2 != 0) bytes.push_back('\0');
  return bytes;
}

std::vector<std::string> datasets(const std::vector<std::filesystem::path>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(on_the_wire(f));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("storescp receives every transfer syntax byte for byte, in the file's own syntax") {
  cstore_test::isolate_network();
  TempDir tmp;
  Storescp scp(tmp.path() / "in");
  FakeHost host;
  connect_to(host, scp.port());
  host.job_info().workers = 2;
  std::vector<std::filesystem::path> sent;
  for (const auto& name : kEveryKind) {
    const auto path = pydicom_file(name);
    REQUIRE_FALSE(path.empty());  // scripts/install-deps.sh installs python3-pydicom
    sent.push_back(path);
    host.add_file(job_file(path));
  }
  const xc_status status = host.upload(plugin(), "cstore");
  INFO(cstore_test::dump_results(host));
  REQUIRE(status == XC_OK);
  REQUIRE(host.file_results().size() == sent.size());
  for (const auto& [index, r] : host.file_results()) {
    CHECK(r.outcome == XC_OK);
    CHECK(r.status == 0);
    CHECK(r.attempts == 1);
  }
  CHECK(host.open_bodies() == 0);
  const auto received = scp.received();
  REQUIRE(received.size() == sent.size());
  // Matched as multisets: several pydicom files share a SOP instance UID.
  std::vector<std::string> remaining = datasets(received);
  for (const auto& f : sent) {
    const auto it = std::find(remaining.begin(), remaining.end(), on_the_wire(f));
    INFO("sent " << f.filename() << ": its data set must have arrived unchanged");
    CHECK(it != remaining.end());
    if (it != remaining.end()) remaining.erase(it);
  }
  std::multiset<std::string> sent_syntaxes, received_syntaxes;
  for (const auto& f : sent) sent_syntaxes.insert(read_dicom(f).transfer_syntax_uid);
  for (const auto& f : received) received_syntaxes.insert(read_dicom(f).transfer_syntax_uid);
  CHECK(received_syntaxes == sent_syntaxes);
}

TEST_CASE("one association per worker carries all its files") {
  cstore_test::isolate_network();
  TempDir tmp;
  Storescp scp(tmp.path() / "in", "STORESCP", {"-v"});
  FakeHost host;
  connect_to(host, scp.port());
  host.job_info().workers = 2;
  const char* names[] = {"MR_small.dcm", "CT_small.dcm", "MR_small_RLE.dcm", "JPEG2000.dcm"};
  for (int copy = 0; copy < 5; ++copy)
    for (const char* n : names) host.add_file(job_file(pydicom_file(n)));
  REQUIRE(host.upload(plugin(), "cstore") == XC_OK);
  CHECK(scp.received().size() == 20);
  CHECK(host.started_files().size() == 20);
  const std::string log = scp.log();
  std::size_t associations = 0;
  for (auto at = log.find("Association Acknowledged"); at != std::string::npos;
       at = log.find("Association Acknowledged", at + 1))
    ++associations;
  INFO(log);
  CHECK(associations == 2);
}

TEST_CASE("a transfer syntax the receiver refuses is reported, never converted unasked") {
  cstore_test::isolate_network();
  TempDir tmp;
  Storescp scp(tmp.path() / "in", "STORESCP", {"+xe"});  // accepts Explicit VR LE only
  const auto jpeg = pydicom_file("SC_rgb_jpeg_gdcm.dcm");
  const auto rle = pydicom_file("MR_small_RLE.dcm");
  const auto j2k = pydicom_file("MR_small_jp2klossless.dcm");
  const auto plain = pydicom_file("CT_small.dcm");

  SECTION("without --allow-transcode") {
    FakeHost host;
    connect_to(host, scp.port());
    host.add_file(job_file(jpeg));
    host.add_file(job_file(plain));
    CHECK(host.upload(plugin(), "cstore") == XC_PARTIAL);
    INFO(cstore_test::dump_results(host));
    CHECK(host.file_results().at(0).outcome == XC_FATAL);
    CHECK_THAT(host.file_results().at(0).message,
               Catch::Contains("accepts no presentation context for SOP class "
                               "SecondaryCaptureImageStorage") &&
                   Catch::Contains("JPEG Lossless") && Catch::Contains("add --allow-transcode"));
    CHECK(host.file_results().at(1).outcome == XC_OK);
    CHECK(scp.received().size() == 1);
  }
  SECTION("with --allow-transcode: converted to what the receiver accepts") {
    FakeHost host;
    connect_to(host, scp.port());
    host.set_option("allow-transcode", "true");
    host.add_file(job_file(jpeg));
    host.add_file(job_file(rle));
    host.add_file(job_file(j2k));  // Debian's DCMTK has no JPEG 2000 decoder
    CHECK(host.upload(plugin(), "cstore") == XC_PARTIAL);
    INFO(cstore_test::dump_results(host));
    CHECK(host.file_results().at(0).outcome == XC_OK);
    CHECK(host.file_results().at(1).outcome == XC_OK);
    CHECK(host.file_results().at(2).outcome == XC_FATAL);
    CHECK_THAT(host.file_results().at(2).message, Catch::Contains("cannot convert"));
    const auto received = scp.received();
    REQUIRE(received.size() == 2);
    for (const auto& f : received)
      CHECK(read_dicom(f).transfer_syntax_uid == "1.2.840.10008.1.2.1");
  }
}

TEST_CASE("a dry run opens no connection") {
  cstore_test::isolate_network();
  TempDir tmp;
  Storescp scp(tmp.path() / "in", "STORESCP", {"-v"});
  FakeHost host;
  connect_to(host, scp.port());
  host.job_info().flags = XC_JOB_DRY_RUN;
  host.add_file(job_file(pydicom_file("CT_small.dcm")));
  REQUIRE(host.upload(plugin(), "cstore") == XC_OK);
  CHECK_THAT(host.printed_stdout(), Catch::Contains("CTImageStorage"));
  CHECK(scp.received().empty());
}

TEST_CASE("archive members (no path, bytes only through the host's stream) arrive unchanged") {
  cstore_test::isolate_network();
  TempDir tmp;
  Storescp scp(tmp.path() / "in");
  FakeHost host;
  connect_to(host, scp.port());
  std::vector<std::filesystem::path> sent;
  for (const char* name : {"MR_small_RLE.dcm", "CT_small.dcm", "JPEG2000.dcm"}) {
    const auto path = pydicom_file(name);
    auto f = job_file(path);
    std::ifstream in(path, std::ios::binary);
    f.content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    f.path.clear();  // what the host hands out for a member of a .zip/.tar
    f.relative_path = std::string("session.zip!") + name;
    host.add_file(f);
    sent.push_back(path);
  }
  REQUIRE(host.upload(plugin(), "cstore") == XC_OK);
  CHECK(datasets(scp.received()) == datasets(sent));
  // Every byte read went through the host's bodies (progress counted there), each closed.
  std::uint64_t total = 0;
  for (const auto& p : sent) total += std::filesystem::file_size(p);
  CHECK(host.progress_bytes() == total);
  CHECK(host.open_bodies() == 0);
}
