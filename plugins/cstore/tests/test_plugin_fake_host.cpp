// The built cstore.so driven through the SDK's FakeHost: option checks in create(), the dry
// run, per-file reports for unplannable files, and the one-line error for a closed port.
#include <catch2/catch.hpp>

#include "peer_support.hpp"
#include "xnatctl/sdk_testing.hpp"

using xc::testing::FakeHost;
using xc::testing::PluginLibrary;

namespace {

constexpr const char* kCt = "1.2.840.10008.5.1.4.1.1.2";
constexpr const char* kJpegLossless = "1.2.840.10008.1.2.4.70";

const xc_plugin_desc& plugin() {
  static PluginLibrary lib(CSTORE_PLUGIN);
  return lib.descriptor();
}

void base_options(FakeHost& host) {
  host.set_option("host", "127.0.0.1");
  host.set_option("port", "11112");
  host.set_option("called-aet", "XNAT");
  host.set_option("calling-aet", "XNATCTL");
  host.set_option("max-pdu", "116794");
}

FakeHost::File synthetic(const std::string& name, const std::string& sop_class,
                         const std::string& syntax) {
  FakeHost::File f;
  f.relative_path = name;
  f.content = std::string(1000, 'x');
  f.attributes = {
      {"SOPClassUID", sop_class},
      {"SOPInstanceUID", "2.25." + std::to_string(std::hash<std::string>{}(name) % 100000)},
      {"TransferSyntaxUID", syntax}};
  return f;
}

}  // namespace

TEST_CASE("the transport declares what the host needs and never asks for HTTP") {
  const xc_transport_desc& t = *plugin().transports[0];
  CHECK(std::string(t.name) == "cstore");
  CHECK(std::string(t.command) == "session upload-dicom");
  CHECK((t.capabilities & XC_TRANSPORT_NEEDS_HTTP) == 0);
  const uint32_t wanted = XC_TRANSPORT_PER_FILE_RESULTS | XC_TRANSPORT_PARALLEL |
                          XC_TRANSPORT_RESUME | XC_TRANSPORT_DRY_RUN;
  CHECK((t.capabilities & wanted) == wanted);
  CHECK(t.describe != nullptr);
  std::map<std::string, const xc_option_desc*> options;
  for (size_t i = 0; i < t.option_count; ++i) options[t.options[i]->name] = t.options[i];
  REQUIRE(options.count("host"));
  CHECK(std::string(options["host"]->env_var) == "XNAT_DICOM_HOST");
  CHECK(std::string(options["host"]->profile_key) == "dicom_host");
  CHECK(std::string(options["port"]->env_var) == "XNAT_DICOM_PORT");
  CHECK(std::string(options["port"]->default_value) == "104");
  CHECK(std::string(options["called-aet"]->env_var) == "XNAT_DICOM_CALLED_AET");
  CHECK(std::string(options["calling-aet"]->default_value) == "XNATCTL");
  CHECK(std::string(options["calling-aet"]->profile_key) == "dicom_calling_aet");
  CHECK(options.count("max-pdu") == 1);
  CHECK(options["allow-transcode"]->type == XC_OPTION_FLAG);
}

TEST_CASE("bad option values are usage errors in create(), before anything is sent") {
  struct Case {
    const char* option;
    const char* value;
    const char* says;
  };
  const Case cases[] = {
      {"port", "0", "--port must be between 1 and 65535"},
      {"port", "70000", "--port must be between 1 and 65535"},
      {"port", "12ab", "--port must be a whole number"},
      {"called-aet", "ABCDEFGHIJKLMNOPQ", "at most 16 characters"},
      {"called-aet", "A\\B", "backslash"},
      {"called-aet", "   ", "--called-aet is required"},
      {"calling-aet", "ÄRZTE", "printable ASCII"},
      {"max-pdu", "1000", "--max-pdu must be between 4096 and 131072"},
      {"host", "dicom://x", "is not a host name"},
  };
  for (const Case& c : cases) {
    FakeHost host;
    base_options(host);
    host.set_option(c.option, c.value);
    host.add_file(synthetic("a.dcm", kCt, kJpegLossless));
    INFO(c.option << "=" << c.value);
    CHECK(host.upload(plugin(), "cstore") == XC_INVALID_INPUT);
    CHECK_THAT(host.last_error(), Catch::Contains(c.says));
    CHECK(host.file_results().empty());
  }
  FakeHost missing;
  missing.set_option("called-aet", "XNAT");
  CHECK(missing.upload(plugin(), "cstore") == XC_INVALID_INPUT);
  CHECK_THAT(missing.last_error(), Catch::Contains("--host is required (or set XNAT_DICOM_HOST)"));
}

TEST_CASE("the dry run prints the connection, the workers and the association plan") {
  FakeHost host;
  base_options(host);
  host.set_option("allow-transcode", "true");
  host.job_info().flags = XC_JOB_DRY_RUN;
  host.job_info().workers = 3;
  host.add_file(synthetic("a.dcm", kCt, kJpegLossless));
  host.add_file(synthetic("b.dcm", kCt, kJpegLossless));
  host.add_file(synthetic("c.dcm", "1.2.840.10008.5.1.4.1.1.4", "1.2.840.10008.1.2.5"));
  REQUIRE(host.upload(plugin(), "cstore") == XC_OK);
  const std::string out = host.printed_stdout();
  CHECK_THAT(out, Catch::Contains("C-STORE to 127.0.0.1:11112"));
  CHECK_THAT(out, Catch::Contains("called AE title:  XNAT"));
  CHECK_THAT(out, Catch::Contains("calling AE title: XNATCTL"));
  CHECK_THAT(out, Catch::Contains("workers:          3"));
  CHECK_THAT(out, Catch::Contains("files:            3"));
  CHECK_THAT(out, Catch::Contains("association plan 1 of 1: 5 presentation contexts"));
  CHECK_THAT(out,
             Catch::Contains(
                 "CTImageStorage (1.2.840.10008.5.1.4.1.1.2) / JPEG Lossless, Non-hierarchical, "
                 "1st Order Prediction (1.2.840.10008.1.2.4.70): 2 file(s)"));
  CHECK_THAT(out, Catch::Contains(": 2 file(s)"));
  CHECK_THAT(out, Catch::Contains("uncompressed fallback"));
  CHECK(host.file_results().empty());
  CHECK(host.started_files().empty());
}

TEST_CASE("the dry run shows a plan of several associations past 128 contexts") {
  FakeHost host;
  base_options(host);
  host.job_info().flags = XC_JOB_DRY_RUN;
  for (int c = 0; c < 200; ++c)
    host.add_file(
        synthetic("f" + std::to_string(c), "1.2.3.4." + std::to_string(c), kJpegLossless));
  REQUIRE(host.upload(plugin(), "cstore") == XC_OK);
  CHECK_THAT(host.printed_stdout(), Catch::Contains("association plan 2 of 2: 74 presentation"));
}

TEST_CASE("a closed port fails the job with one line naming host:port and the usual port") {
  FakeHost host;
  base_options(host);
  const auto port = cstore_test::free_port();  // bound and released: nobody listens there
  host.set_option("port", std::to_string(port));
  host.add_file(synthetic("a.dcm", kCt, kJpegLossless));
  CHECK(host.upload(plugin(), "cstore") == XC_FATAL);
  const std::string error = host.last_error();
  CHECK_THAT(error, Catch::Contains("127.0.0.1:" + std::to_string(port)));
  CHECK_THAT(error, Catch::Contains("connection refused"));
  CHECK_THAT(error, Catch::Contains("check the port: XNAT often uses 8104"));
  CHECK(error.find('\n') == std::string::npos);
  CHECK(host.file_results().empty());  // nothing was sent, nothing is claimed
}

TEST_CASE("files the probe found no SOP class or transfer syntax for are reported, not sent") {
  FakeHost host;
  base_options(host);
  host.set_option("port", std::to_string(cstore_test::free_port()));
  host.add_file(synthetic("a.dcm", "", kJpegLossless));
  host.add_file(synthetic("b.dcm", kCt, ""));
  CHECK(host.upload(plugin(), "cstore") == XC_PARTIAL);
  REQUIRE(host.file_results().size() == 2);
  CHECK(host.file_results().at(0).outcome == XC_FATAL);
  CHECK_THAT(host.file_results().at(0).message, Catch::Contains("no SOP Class UID"));
  CHECK(host.file_results().at(1).attempts == 0);
}

TEST_CASE("a cancelled job sends nothing and says so") {
  FakeHost host;
  base_options(host);
  host.set_cancelled(true);
  host.add_file(synthetic("a.dcm", kCt, kJpegLossless));
  CHECK(host.upload(plugin(), "cstore") == XC_CANCELLED);
  CHECK(host.file_results().empty());
}
