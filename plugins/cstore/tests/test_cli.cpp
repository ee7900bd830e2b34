// End to end through the real binary: `xnatctl session upload-dicom` with the cstore plugin
// loaded from the build tree, against the emulator's receiver (and a closed port).
#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "peer_support.hpp"
#include "session_generator.hpp"
#include "xnatctl/test_support/child_process.hpp"
#include "xnatctl/test_support/emulator_fixture.hpp"

namespace fs = std::filesystem;
using cstore_test::TempDir;
using xnatctl::test_support::ChildOptions;
using xnatctl::test_support::ChildProcess;
using xnatctl::test_support::EmulatorFixture;
using xnatctl::test_support::EmulatorOptions;
using xnatctl::test_support::run_process;

namespace {

// HOME and the XDG dirs in the test's own directory: no user config, a fresh journal.
ChildOptions isolated(const fs::path& home) {
  ChildOptions o;
  o.extra_env = {{"HOME", home.string()},
                 {"XDG_CONFIG_HOME", (home / "config").string()},
                 {"XDG_STATE_HOME", (home / "state").string()},
                 {"XDG_CACHE_HOME", (home / "cache").string()},
                 {"XNAT_PROFILE", ""}};
  return o;
}

fs::path generate(const fs::path& dir, int slices, int size) {
  xnatctl::emulator::SessionSpec spec;
  spec.out_dir = dir;
  spec.series = 1;
  spec.slices = slices;
  spec.rows = size;
  spec.cols = size;
  spec.project = "P1";
  spec.subject = "S1";
  spec.session = "E1";
  xnatctl::emulator::generate_session(spec);
  return dir;
}

std::size_t stored(const fs::path& data) {
  std::size_t n = 0;
  if (!fs::exists(data / "prearchive")) return 0;
  for (const auto& e : fs::recursive_directory_iterator(data / "prearchive"))
    if (e.is_regular_file() && e.path().parent_path().filename() == "DICOM") ++n;
  return n;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

EmulatorOptions receiver() {
  EmulatorOptions o;
  o.with_dicom_receiver = true;
  o.extra_args = {"--project", "P1"};
  return o;
}

}  // namespace

TEST_CASE("upload-dicom to a closed port: one line naming host:port and XNAT's usual port") {
  TempDir tmp;
  const auto dir = generate(tmp.path() / "gen", 2, 16);
  const auto port = cstore_test::free_port();
  const auto r = run_process(XNATCTL_BINARY,
                             {"session", "upload-dicom", dir.string(), "--host", "127.0.0.1",
                              "--port", std::to_string(port), "--called-aet", "XNAT"},
                             std::chrono::seconds(60), isolated(tmp.path()));
  INFO(r.stdout_text << r.stderr_text);
  CHECK(r.exit_status != 0);
  // The host prints the transport's line in the session summary.
  const std::string out = r.stdout_text + r.stderr_text;
  CHECK_THAT(out, Catch::Contains("127.0.0.1:" + std::to_string(port)) &&
                      Catch::Contains("check the port: XNAT often uses 8104"));
  CHECK(count(out, "8104") == 1);  // said once, not buried in log lines
}

TEST_CASE("upload-dicom to the emulator: every file stored, JSON lines per file, no REST login") {
  TempDir tmp;
  const auto dir = generate(tmp.path() / "gen", 8, 32);
  EmulatorFixture emu(receiver());
  const auto r = run_process(
      XNATCTL_BINARY,
      {"-o", "json", "session", "upload-dicom", dir.string(), "--host", "127.0.0.1", "--port",
       std::to_string(*emu.dicom_port()), "--called-aet", "XNAT", "--workers", "2"},
      std::chrono::seconds(60), isolated(tmp.path()));
  INFO(r.stdout_text << r.stderr_text);
  CHECK(r.exit_status == 0);
  CHECK(count(r.stdout_text, "\"type\":\"file\"") == 8);
  CHECK(count(r.stdout_text, "\"outcome\":\"stored\"") >= 8);
  CHECK(stored(emu.data_dir()) == 8);
}

TEST_CASE("upload-dicom with a wrong called AE title names the AE title sent") {
  TempDir tmp;
  const auto dir = generate(tmp.path() / "gen", 2, 16);
  EmulatorFixture emu(receiver());
  const auto r =
      run_process(XNATCTL_BINARY,
                  {"session", "upload-dicom", dir.string(), "--host", "127.0.0.1", "--port",
                   std::to_string(*emu.dicom_port()), "--called-aet", "NOTXNAT"},
                  std::chrono::seconds(60), isolated(tmp.path()));
  INFO(r.stdout_text << r.stderr_text);
  CHECK(r.exit_status != 0);
  CHECK_THAT(r.stdout_text + r.stderr_text,
             Catch::Contains("called AE title 'NOTXNAT' not recognised"));
  CHECK(stored(emu.data_dir()) == 0);
}

TEST_CASE("upload-dicom --dry-run prints the plan and sends nothing") {
  TempDir tmp;
  const auto dir = generate(tmp.path() / "gen", 3, 16);
  EmulatorFixture emu(receiver());
  const auto r =
      run_process(XNATCTL_BINARY,
                  {"session", "upload-dicom", dir.string(), "--host", "127.0.0.1", "--port",
                   std::to_string(*emu.dicom_port()), "--called-aet", "XNAT", "--dry-run"},
                  std::chrono::seconds(60), isolated(tmp.path()));
  INFO(r.stdout_text << r.stderr_text);
  CHECK(r.exit_status == 0);
  CHECK_THAT(r.stdout_text, Catch::Contains("association plan 1 of 1") &&
                                Catch::Contains("MRImageStorage") &&
                                Catch::Contains("calling AE title: XNATCTL"));
  CHECK(stored(emu.data_dir()) == 0);
}

TEST_CASE("upload-dicom killed with SIGKILL mid-upload, then --resume sends only the rest") {
  TempDir tmp;
  constexpr int kFiles = 300;
  const auto dir = generate(tmp.path() / "gen", kFiles, 256);
  EmulatorFixture emu(receiver());
  const std::vector<std::string> args = {"-o",
                                         "json",
                                         "session",
                                         "upload-dicom",
                                         dir.string(),
                                         "--host",
                                         "127.0.0.1",
                                         "--port",
                                         std::to_string(*emu.dicom_port()),
                                         "--called-aet",
                                         "XNAT",
                                         "--workers",
                                         "1"};
  auto first = ChildProcess::spawn(XNATCTL_BINARY, args, isolated(tmp.path()));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (stored(emu.data_dir()) < 20 && std::chrono::steady_clock::now() < deadline &&
         first.running())
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  first.signal(SIGKILL);
  first.wait_for(std::chrono::seconds(10));
  const std::size_t reported_before_kill = count(first.stdout_text(), "\"type\":\"file\"");
  const std::size_t on_server = stored(emu.data_dir());
  INFO("first run reported " << reported_before_kill << ", server has " << on_server);
  REQUIRE(on_server >= 20);
  REQUIRE(on_server < static_cast<std::size_t>(kFiles));  // killed before the end

  std::vector<std::string> resume = args;
  resume.push_back("--resume");
  const auto second =
      run_process(XNATCTL_BINARY, resume, std::chrono::seconds(120), isolated(tmp.path()));
  INFO(second.stdout_text << second.stderr_text);
  CHECK(second.exit_status == 0);
  const std::size_t sent_again = count(second.stdout_text, "\"type\":\"file\"");
  CHECK(sent_again < static_cast<std::size_t>(kFiles));
  CHECK(sent_again <= kFiles - reported_before_kill);
  CHECK(stored(emu.data_dir()) == static_cast<std::size_t>(kFiles));
}

TEST_CASE("the receiver can come from the profile (dicom_host, dicom_port, dicom_called_aet)") {
  TempDir tmp;
  const auto dir = generate(tmp.path() / "gen", 2, 16);
  fs::create_directories(tmp.path() / "config" / "xnatctl");
  std::ofstream(tmp.path() / "config" / "xnatctl" / "config.yaml")
      << "default_profile: site\nprofiles:\n  site:\n    dicom_host: 127.0.0.1\n"
         "    dicom_port: 4242\n    dicom_called_aet: SITEAE\n    dicom_calling_aet: ME\n";
  const auto r = run_process(XNATCTL_BINARY, {"session", "upload-dicom", dir.string(), "--dry-run"},
                             std::chrono::seconds(60), isolated(tmp.path()));
  INFO(r.stdout_text << r.stderr_text);
  CHECK(r.exit_status == 0);
  CHECK_THAT(r.stdout_text, Catch::Contains("C-STORE to 127.0.0.1:4242") &&
                                Catch::Contains("called AE title:  SITEAE") &&
                                Catch::Contains("calling AE title: ME"));
}
