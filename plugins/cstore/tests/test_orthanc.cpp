// Against Orthanc (Debian package, foreground, own JSON config with DicomCheckCalledAet): each
// instance stored once, in its file's own transfer syntax, with our calling AE title, checked
// through Orthanc's REST API; a wrong called AE title is rejected with a line naming it.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>

#include "peer_support.hpp"

namespace fs = std::filesystem;
using cstore_test::job_file;
using cstore_test::pydicom_file;
using cstore_test::read_dicom;
using cstore_test::TempDir;
using xc::testing::FakeHost;
using xnatctl::test_support::ChildOptions;
using xnatctl::test_support::ChildProcess;
using xnatctl::test_support::run_process;

namespace {

const xc_plugin_desc& plugin() {
  static xc::testing::PluginLibrary lib(CSTORE_PLUGIN);
  return lib.descriptor();
}

class Orthanc {
 public:
  explicit Orthanc(const fs::path& dir) {
    http_ = cstore_test::free_port();
    dicom_ = cstore_test::free_port();
    fs::create_directories(dir / "db");
    const fs::path config = dir / "orthanc.json";
    std::ofstream(config) << R"({
  "Name": "cstore-test", "StorageDirectory": ")"
                          << (dir / "db").string() << R"(",
  "IndexDirectory": ")" << (dir / "db").string()
                          << R"(",
  "HttpPort": )" << http_ << R"(, "DicomPort": )"
                          << dicom_ << R"(,
  "DicomAet": "ORTHANC", "DicomCheckCalledAet": true,
  "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
  "StorageCompression": false, "Plugins": [], "ConcurrentJobs": 1
})";
    ChildOptions options;
    options.extra_env["TCP_NODELAY"] = "1";
    process_.emplace(ChildProcess::spawn("timeout", {"120", "Orthanc", config.string()}, options));
    if (!cstore_test::wait_for_port(http_, 20000) || !cstore_test::wait_for_port(dicom_, 5000))
      throw std::runtime_error("Orthanc did not start: " + process_->stderr_text());
  }
  ~Orthanc() { process_->terminate(std::chrono::milliseconds(3000)); }
  std::uint16_t dicom_port() const { return dicom_; }
  std::string get(const std::string& path) const {
    const auto r = run_process("curl", {"-s", "http://127.0.0.1:" + std::to_string(http_) + path},
                               std::chrono::seconds(20));
    return r.stdout_text;
  }

 private:
  std::uint16_t http_ = 0, dicom_ = 0;
  std::optional<ChildProcess> process_;
};

std::vector<std::string> ids(const std::string& json) {
  std::vector<std::string> out;
  const std::regex id("\"([0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8})\"");
  for (auto it = std::sregex_iterator(json.begin(), json.end(), id); it != std::sregex_iterator();
       ++it)
    out.push_back((*it)[1]);
  return out;
}

}  // namespace

TEST_CASE("Orthanc stores each instance once, in its own transfer syntax, from our AE title") {
  cstore_test::isolate_network();
  TempDir tmp;
  Orthanc orthanc(tmp.path());
  FakeHost host;
  host.set_option("host", "127.0.0.1");
  host.set_option("port", std::to_string(orthanc.dicom_port()));
  host.set_option("called-aet", "ORTHANC");
  host.set_option("calling-aet", "XNATCTL");
  host.job_info().workers = 2;
  // Distinct SOP instances (several pydicom files share one), every syntax family.
  std::map<std::string, std::string> expected;  // SOP instance -> transfer syntax
  for (const char* name :
       {"MR_small.dcm", "CT_small.dcm", "JPEG2000.dcm", "SC_rgb_jpeg_gdcm.dcm",
        "MR_small_jpeg_ls_lossless.dcm", "SC_rgb_rle.dcm", "rtplan.dcm", "test-SR.dcm",
        "liver_1frame.dcm", "JPGExtended.dcm", "693_J2KI.dcm", "ExplVR_BigEnd.dcm"}) {
    const auto path = pydicom_file(name);
    REQUIRE_FALSE(path.empty());
    const auto info = read_dicom(path);
    if (!expected.emplace(info.sop_instance_uid, info.transfer_syntax_uid).second) continue;
    host.add_file(job_file(path));
  }
  const xc_status status = host.upload(plugin(), "cstore");
  INFO(cstore_test::dump_results(host));
  REQUIRE(status == XC_OK);
  const auto instances = ids(orthanc.get("/instances"));
  CHECK(instances.size() == expected.size());
  std::set<std::string> seen;
  for (const auto& id : instances) {
    const std::string tags = orthanc.get("/instances/" + id + "/simplified-tags");
    std::smatch m;
    REQUIRE(std::regex_search(tags, m, std::regex("\"SOPInstanceUID\" : \"([0-9.]+)\"")));
    const std::string uid = m[1];
    CHECK(seen.insert(uid).second);  // stored once
    INFO("instance " << uid);
    REQUIRE(expected.count(uid));
    CHECK(orthanc.get("/instances/" + id + "/metadata/TransferSyntax") == expected[uid]);
    CHECK(orthanc.get("/instances/" + id + "/metadata/RemoteAET") == "XNATCTL");
    CHECK(orthanc.get("/instances/" + id + "/metadata/CalledAET") == "ORTHANC");
  }
}

TEST_CASE("Orthanc with DicomCheckCalledAet rejects a wrong called AE title, named in one line") {
  cstore_test::isolate_network();
  TempDir tmp;
  Orthanc orthanc(tmp.path());
  FakeHost host;
  host.set_option("host", "127.0.0.1");
  host.set_option("port", std::to_string(orthanc.dicom_port()));
  host.set_option("called-aet", "XNAT");
  host.add_file(job_file(pydicom_file("CT_small.dcm")));
  CHECK(host.upload(plugin(), "cstore") == XC_FATAL);
  CHECK_THAT(host.last_error(), Catch::Contains("called AE title 'XNAT' not recognised"));
  CHECK(ids(orthanc.get("/instances")).empty());
}
