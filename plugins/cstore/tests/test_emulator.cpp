// Against the project's emulator (emulator/scp behind the XNAT import logic): routing by DICOM
// headers, a wrong called AE title, a receiver aborting mid-association, and concurrent sends
// of one SOP instance answered as client errors (0xC000), never "out of resources".
#include <catch2/catch.hpp>
#include <filesystem>

#include "peer_support.hpp"
#include "session_generator.hpp"
#include "xnatctl/test_support/emulator_fixture.hpp"

namespace fs = std::filesystem;
using cstore_test::job_file;
using cstore_test::TempDir;
using xc::testing::FakeHost;
using xnatctl::test_support::EmulatorFixture;
using xnatctl::test_support::EmulatorOptions;

namespace {

const xc_plugin_desc& plugin() {
  static xc::testing::PluginLibrary lib(CSTORE_PLUGIN);
  return lib.descriptor();
}

std::vector<fs::path> generate(const fs::path& dir, int series, int slices) {
  xnatctl::emulator::SessionSpec spec;
  spec.out_dir = dir;
  spec.series = series;
  spec.slices = slices;
  spec.rows = 64;
  spec.cols = 64;
  spec.project = "P1";
  spec.subject = "S1";
  spec.session = "E1";
  xnatctl::emulator::generate_session(spec);
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::size_t stored_under(const fs::path& dir) {
  std::size_t n = 0;
  if (!fs::exists(dir)) return 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().parent_path().filename() == "DICOM") ++n;
  return n;
}

void connect_to(FakeHost& host, const EmulatorFixture& emu, const std::string& aet = "XNAT") {
  host.set_option("host", "127.0.0.1");
  host.set_option("port", std::to_string(*emu.dicom_port()));
  host.set_option("called-aet", aet);
  host.set_option("calling-aet", "XNATCTL");
}

EmulatorOptions receiver(std::vector<std::string> extra = {}) {
  EmulatorOptions o;
  o.with_dicom_receiver = true;
  o.extra_args = {"--project", "P1"};
  o.extra_args.insert(o.extra_args.end(), extra.begin(), extra.end());
  return o;
}

}  // namespace

TEST_CASE("the emulator's receiver routes every object by its headers to P1/S1/E1") {
  TempDir tmp;
  const auto files = generate(tmp.path() / "gen", 2, 6);
  EmulatorFixture emu(receiver());
  FakeHost host;
  connect_to(host, emu);
  host.job_info().workers = 3;
  for (const auto& f : files) host.add_file(job_file(f));
  const xc_status status = host.upload(plugin(), "cstore");
  INFO(cstore_test::dump_results(host));
  REQUIRE(status == XC_OK);
  CHECK(host.file_results().size() == 12);
  // prearchive/P1/<timestamp>/E1/SCANS/<scan>/DICOM/<file>
  std::size_t in_e1 = 0;
  for (const auto& ts : fs::directory_iterator(emu.data_dir() / "prearchive" / "P1"))
    in_e1 += stored_under(ts.path() / "E1");
  CHECK(in_e1 == 12);
}

TEST_CASE("a wrong called AE title fails the job with one line naming the AE title sent") {
  TempDir tmp;
  const auto files = generate(tmp.path() / "gen", 1, 2);
  EmulatorFixture emu(receiver());
  FakeHost host;
  connect_to(host, emu, "NOTXNAT");
  for (const auto& f : files) host.add_file(job_file(f));
  CHECK(host.upload(plugin(), "cstore") == XC_FATAL);
  CHECK_THAT(host.last_error(), Catch::Contains("rejected the association: called AE title "
                                                "'NOTXNAT' not recognised; check --called-aet"));
  CHECK(host.file_results().empty());
}

TEST_CASE("a receiver aborting mid-association: re-associated, every file stored once") {
  TempDir tmp;
  const auto files = generate(tmp.path() / "gen", 1, 10);
  EmulatorFixture emu(receiver({"--fault-scp-abort-after", "3"}));
  FakeHost host;
  connect_to(host, emu);
  host.job_info().workers = 1;
  for (const auto& f : files) host.add_file(job_file(f));
  const xc_status status = host.upload(plugin(), "cstore");
  INFO(cstore_test::dump_results(host));
  REQUIRE(status == XC_OK);
  unsigned attempts = 0;
  for (const auto& [index, r] : host.file_results()) {
    CHECK(r.outcome == XC_OK);
    attempts += r.attempts;
  }
  CHECK(host.file_results().size() == 10);
  CHECK(attempts > 10);  // the files in flight when the receiver aborted went again
  CHECK(stored_under(emu.data_dir() / "prearchive") == 10);
}

TEST_CASE("concurrent sends of one SOP instance are refused as client errors, never 0xA700") {
  TempDir tmp;
  const auto files = generate(tmp.path() / "gen", 1, 1);
  EmulatorFixture emu(receiver());
  FakeHost host;
  connect_to(host, emu);
  host.job_info().workers = 4;
  for (int copy = 0; copy < 40; ++copy) host.add_file(job_file(files.at(0)));
  host.upload(plugin(), "cstore");
  INFO(cstore_test::dump_results(host));
  REQUIRE(host.file_results().size() == 40);
  std::size_t stored = 0;
  for (const auto& [index, r] : host.file_results()) {
    CHECK(r.status != 0xA700);
    if (r.outcome == XC_OK) {
      ++stored;
    } else {
      CHECK(r.status == 0xC000);
      CHECK_THAT(r.message, Catch::Contains("Concurrent file sends"));
    }
  }
  CHECK(stored >= 1);
}
