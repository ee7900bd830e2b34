// `--resume` with nothing left to send, through the real xnatctl (default transport rest_zip)
// against the emulator: the session an earlier run left receiving is finished
// (upload::land_earlier). A --no-commit run leaves exactly the state of a run killed after its
// last acknowledged file and before its commit: every file journaled, the session RECEIVING.

#include <catch2/catch.hpp>

#include "landing_test_support.hpp"

#ifdef XNATCTL_BINARY

using namespace landing_test;
using Catch::Contains;

namespace {

// `series` of the generated tree copied under the same relative path into `root`.
fs::path part_of(const fs::path& tree, const fs::path& root, const std::string& series) {
  fs::create_directories(root / "study1");
  fs::copy(tree / "study1" / series, root / "study1" / series, fs::copy_options::recursive);
  return root;
}

std::string prearchive_json(http::Client& client) {
  http::Request request;
  request.path = "/data/prearchive/projects/P1";
  request.query = {{"format", "json"}};
  return client.fetch(request).body;
}

}  // namespace

TEST_CASE("resume after a --no-commit direct-archive upload archives it", "[landing][cli]") {
  test_support::EmulatorFixture emu(emulator_options());
  auto client = admin_client(emu.base_url());
  upload_test::TempDir dir("resume-cli"), home("resume-home");
  upload_test::gen_session(dir.path / "DICOM", 1, 2, 3, 3);
  const std::vector<std::string> args{
      "session", "upload", (dir.path / "DICOM").string(), "-P", "P1", "-S", "S1", "-E", "E1"};

  auto first = args;
  first.push_back("--no-commit");
  auto run = run_xnatctl(home.path, emu.base_url(), first);
  INFO(run.stdout_text << run.stderr_text);
  REQUIRE(run.exit_status == 0);
  REQUIRE_FALSE(listed(*client, "E1"));

  auto resume = args;
  resume.insert(resume.end(), {"--resume", "--verify"});
  run = run_xnatctl(home.path, emu.base_url(), resume);
  INFO(run.stdout_text << run.stderr_text);
  REQUIRE(run.exit_status == 0);
  CHECK_THAT(run.stderr_text, Contains("all 6 files were sent by an earlier run; nothing left to "
                                       "send; finishing the session it left (commit, verify)"));
  CHECK_THAT(run.stdout_text,
             Contains("nothing left to send (6 files were sent by an earlier run)"));
  CHECK_THAT(run.stdout_text, Contains("verify: 6 of 6 files found on the server"));
  CHECK_THAT(run.stdout_text, !Contains("sent 6/6 files"));  // nothing went again
  CHECK(listed(*client, "E1"));
  CHECK(xnat::list_scans(*client, "E1", std::string("P1")).size() == 2);
}

TEST_CASE("resume after a --no-commit merge into an existing session archives it with --overwrite",
          "[landing][cli]") {
  test_support::EmulatorFixture emu(emulator_options());
  auto client = admin_client(emu.base_url());
  upload_test::TempDir dir("resume-cli"), home("resume-home");
  const fs::path tree = dir.path / "DICOM";
  upload_test::gen_session(tree, 1, 2, 3, 4);
  const fs::path first_part = part_of(tree, dir.path / "part1", "series1");
  const fs::path second_part = part_of(tree, dir.path / "part2", "series2");
  auto upload = [&](const fs::path& source, std::vector<std::string> extra) {
    std::vector<std::string> args{"session", "upload", source.string(), "-P", "P1", "-S", "S1",
                                  "-E",      "E1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_xnatctl(home.path, emu.base_url(), args);
  };
  auto run = upload(first_part, {});
  INFO(run.stdout_text << run.stderr_text);
  REQUIRE(run.exit_status == 0);
  REQUIRE(xnat::list_scans(*client, "E1", std::string("P1")).size() == 1);

  // The label exists: the upload goes to the prearchive, and with --no-commit waits there
  // (not where it was asked to go: exit 1).
  run = upload(second_part, {"--overwrite", "append", "--no-commit"});
  INFO(run.stdout_text << run.stderr_text);
  REQUIRE(run.exit_status == 1);
  // DICOM-zip with a dest builds the session (§3.5): READY, not archived.
  REQUIRE_THAT(prearchive_json(*client), Contains("\"status\":\"READY\""));
  CHECK_THAT(run.stdout_text + run.stderr_text, Contains("in the prearchive (READY)"));

  run = upload(second_part, {"--overwrite", "append", "--resume"});
  INFO(run.stdout_text << run.stderr_text);
  REQUIRE(run.exit_status == 0);
  CHECK_THAT(run.stderr_text, Contains("nothing left to send; finishing the session it left"));
  CHECK_THAT(run.stdout_text,
             Contains("archived: /data/archive/projects/P1/subjects/S1/experiments/E1"));
  CHECK(xnat::list_scans(*client, "E1", std::string("P1")).size() == 2);
  CHECK_THAT(prearchive_json(*client), !Contains("\"E1\""));
}

#endif
