// `xnatctl session verify` through the real binary against the emulator.

#include <catch2/catch.hpp>

#include "landing_test_support.hpp"
#include "xnatctl/test_support/child_process.hpp"

#ifdef XNATCTL_BINARY

using namespace landing_test;
using Catch::Contains;

namespace {

test_support::RunResult run_xnatctl(const fs::path& home, const std::string& url,
                                    const std::vector<std::string>& args) {
  test_support::ChildOptions options;
  for (const char* name : {"XNAT_TOKEN", "XNAT_PROFILE", "XNAT_VERIFY_SSL", "XNAT_TIMEOUT",
                           "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"})
    options.extra_env[name] = "";
  options.extra_env["HOME"] = home.string();
  options.extra_env["XNAT_URL"] = url;
  options.extra_env["XNAT_USER"] = "admin";
  options.extra_env["XNAT_PASS"] = "admin";
  return test_support::run_process(XNATCTL_BINARY, args, std::chrono::seconds(60), options);
}

}  // namespace

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
