// `xnatctl session verify` through the real binary against the emulator.

#include <catch2/catch.hpp>

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

#endif
