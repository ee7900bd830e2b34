// `xnatctl session verify` through the real binary against the emulator.

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "landing_test_support.hpp"

#ifdef XNATCTL_BINARY

using namespace landing_test;
using Catch::Contains;

TEST_CASE("session verify: passes, then names a file removed on the server", "[landing][cli]") {
  test_support::EmulatorFixture emu(emulator_options());
  auto client = admin_client(emu.base_url());
  upload_test::TempDir dir("verify-cli"), home("verify-home");
  auto job = generated_job(dir.path / "DICOM", "S1", "E1", 2, 2, 5);
  auto plan = upload::prepare_landing(*client, job);
  REQUIRE(upload::land(*client, job, plan, send_tar(*client, job, all_files(job))).in_archive);
  const std::vector<std::string> base{
      "session", "verify", (dir.path / "DICOM").string(), "-P", "P1", "-S", "S1", "-E", "E1"};

  auto run = run_xnatctl(home.path, emu.base_url(), base);
  INFO(run.stdout_text << run.stderr_text);
  CHECK(run.exit_status == 0);
  CHECK_THAT(run.stdout_text, Contains("verified: E1 in P1: 4 of 4 files"));

  http::Request del;
  del.method = "DELETE";
  del.path = "/data/projects/P1/experiments/E1/scans/1/resources/DICOM/files/IM00002.dcm";
  REQUIRE(client->fetch(del).status == 200);
  run = run_xnatctl(home.path, emu.base_url(), base);
  INFO(run.stdout_text << run.stderr_text);
  CHECK(run.exit_status == 1);
  CHECK_THAT(run.stdout_text, Contains("study1/series1/IM00002.dcm: missing on the server"));

  auto json_args = base;
  json_args.insert(json_args.end(), {"-o", "json"});
  run = run_xnatctl(home.path, emu.base_url(), json_args);
  CHECK(run.exit_status == 1);
  CHECK_THAT(run.stdout_text, Contains("\"ok\":false"));
  CHECK_THAT(run.stdout_text, Contains("\"found\":3"));

  // Another session label: not found anywhere is an error, not a pass.
  auto missing = base;
  missing[8] = "NOSUCH";
  run = run_xnatctl(home.path, emu.base_url(), missing);
  CHECK(run.exit_status == 1);
  CHECK_THAT(run.stderr_text, Contains("NOSUCH not found"));
}

// XNAT re-writes each object's header when it stores it (xnat-server-api.md §3: new file meta,
// re-encoded header), so stored bytes differ from the sent ones; --verify must still pass.
TEST_CASE("session upload --verify passes against a server that re-writes stored headers",
          "[landing][cli]") {
  auto options = emulator_options();
  options.extra_args.push_back("--rewrite-header");
  test_support::EmulatorFixture emu(options);
  upload_test::TempDir dir("verify-rewrite"), home("verify-rewrite-home");
  // A file another implementation wrote (pydicom's test data, Debian's python3-pydicom):
  // DCMTK's re-encoding of our own generator's files happens to give the same bytes.
  const fs::path original = "/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm";
  REQUIRE(fs::exists(original));
  const fs::path source = dir.path / "DICOM";
  fs::create_directories(source);
  fs::copy_file(original, source / "MR_small.dcm");
  const auto run = run_xnatctl(
      home.path, emu.base_url(),
      {"session", "upload", source.string(), "-P", "P1", "-S", "S1", "-E", "E1", "--verify"});
  INFO(run.stdout_text << run.stderr_text);
  CHECK(run.exit_status == 0);
  CHECK_THAT(run.stdout_text, Contains("1 of 1 files stored"));
  CHECK_THAT(run.stdout_text, Contains("verify: 1 of 1 files found on the server"));
  CHECK_THAT(run.stdout_text, Contains("other bytes than were sent"));

  // The precondition the test stands on: what the server keeps is not what was sent.
  fs::path kept;
  for (const auto& e : fs::recursive_directory_iterator(emu.data_dir() / "archive" / "P1"))
    if (e.is_regular_file() && e.path().extension() == ".dcm") kept = e.path();
  REQUIRE(!kept.empty());
  auto bytes = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  CHECK(bytes(original) != bytes(kept));
}

#endif
