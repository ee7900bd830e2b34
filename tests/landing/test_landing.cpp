// prepare_landing and land against the real emulator (xnat-server-api.md §3.11, §4.3, §4.5,
// §11.1-§11.3). The emulator keeps XNAT's idle build (300 s), so a session shows up in the
// archive during a test only if land() archived it.

#include <catch2/catch.hpp>

#include "landing_test_support.hpp"
#include "xnatctl/error.hpp"

using namespace landing_test;
using Catch::Contains;

TEST_CASE("prepare_landing refuses an unknown project before anything is sent", "[landing]") {
  test_support::EmulatorFixture emu(emulator_options());
  auto client = admin_client(emu.base_url());
  upload_test::TempDir dir("landing");
  auto job = generated_job(dir.path, "S1", "E1", 1, 2, 1);
  job.target.project = "NOPE";
  try {
    upload::prepare_landing(*client, job);
    FAIL("an unknown project was accepted");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Contains("'NOPE' not found"));
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
  job.target.project = "P1";
  auto plan = upload::prepare_landing(*client, job);
  CHECK_FALSE(plan.session_exists);
  CHECK_FALSE(plan.archive_after);
  CHECK(job.settings.destination == upload::Destination::kArchive);
}

TEST_CASE("a direct-archive upload is committed and listed at once", "[landing]") {
  test_support::EmulatorFixture emu(emulator_options());
  auto client = admin_client(emu.base_url());
  upload_test::TempDir dir("landing");
  auto job = generated_job(dir.path, "S1", "E1", 2, 3, 1);
  auto plan = upload::prepare_landing(*client, job);
  auto outcomes = send_tar(*client, job, all_files(job));
  REQUIRE_THAT(outcomes[0].uri, Contains("/xapi/direct-archive/P1/"));
  // Still receiving: XNAT would archive it only after 5 idle minutes.
  REQUIRE_FALSE(listed(*client, "E1"));

  SECTION("--no-commit sends no request and says who finishes it") {
    job.settings.commit = false;
    auto landing = upload::land(*client, job, plan, outcomes);
    CHECK(landing.as_requested);
    CHECK_FALSE(landing.in_archive);
    CHECK_THAT(joined(landing.messages), Contains("idle"));
    CHECK_FALSE(listed(*client, "E1"));
  }
  SECTION("commit archives it now") {
    auto landing = upload::land(*client, job, plan, outcomes);
    INFO(joined(landing.messages));
    CHECK(landing.in_archive);
    CHECK(landing.as_requested);
    CHECK(landing.uri == "/data/archive/projects/P1/subjects/S1/experiments/E1");
    CHECK(listed(*client, "E1"));
    CHECK(xnat::list_scans(*client, "E1", std::string("P1")).size() == 2);
  }
}

TEST_CASE("overwrite none on an existing session is refused, nothing changes", "[landing]") {
  test_support::EmulatorFixture emu(emulator_options());
  auto client = admin_client(emu.base_url());
  upload_test::TempDir dir("landing");
  auto job = generated_job(dir.path, "S1", "E1", 2, 2, 1);
  auto first = subset(job, files_of_series(job, "1"));
  auto plan = upload::prepare_landing(*client, first);
  REQUIRE(
      upload::land(*client, first, plan, send_tar(*client, first, all_files(first))).in_archive);

  auto second = subset(job, files_of_series(job, "2"));
  second.settings.overwrite = upload::Overwrite::kNone;
  try {
    upload::prepare_landing(*client, second);
    FAIL("--overwrite none went ahead");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Contains("session E1 already exists in P1; --overwrite none leaves it "
                                  "untouched"));
    CHECK(e.code() != ExitCode::kOk);
  }
  CHECK(xnat::list_scans(*client, "E1", std::string("P1")).size() == 1);

  // Another subject's session of that label is refused before sending, too.
  auto other = second;
  other.settings.overwrite = upload::Overwrite::kAppend;
  other.target.subject = "S2";
  CHECK_THROWS_WITH(upload::prepare_landing(*client, other), Contains("belongs to subject S1"));
}

TEST_CASE("overwrite append onto an existing session goes through the prearchive and appends",
          "[landing]") {
  test_support::EmulatorFixture emu(emulator_options());
  auto client = admin_client(emu.base_url());
  upload_test::TempDir dir("landing");
  auto job = generated_job(dir.path, "S1", "E1", 3, 2, 1);
  auto first = subset(job, files_of_series(job, "1"));
  auto plan = upload::prepare_landing(*client, first);
  REQUIRE(
      upload::land(*client, first, plan, send_tar(*client, first, all_files(first))).in_archive);

  auto rest = files_of_series(job, "2");
  for (auto i : files_of_series(job, "3")) rest.push_back(i);
  auto second = subset(job, rest);
  second.settings.overwrite = upload::Overwrite::kAppend;
  plan = upload::prepare_landing(*client, second);
  CHECK(plan.session_exists);
  REQUIRE(plan.archive_after);
  REQUIRE(second.settings.destination == upload::Destination::kPrearchive);
  auto outcomes = send_tar(*client, second, all_files(second));
  REQUIRE_THAT(outcomes[0].uri, Contains("/data/prearchive/projects/P1/"));

  auto landing = upload::land(*client, second, plan, outcomes);
  INFO(joined(landing.messages));
  CHECK(landing.in_archive);
  CHECK(landing.as_requested);
  auto scans = xnat::list_scans(*client, "E1", std::string("P1"));
  CHECK(scans.size() == 3);
  // Every file of both uploads is in the one session.
  auto report = upload::verify(*client, job);
  INFO(report.mismatches.size());
  CHECK(report.ok());
  CHECK(report.found == job.files.size());
  // Nothing left behind in the prearchive.
  http::Request pre;
  pre.path = "/data/prearchive/projects/P1";
  pre.query = {{"format", "json"}};
  CHECK_THAT(client->fetch(pre).body, !Contains("\"E1\""));
}

TEST_CASE("a direct-archive upload that XNAT put in the prearchive is detected", "[landing]") {
  test_support::EmulatorFixture emu(emulator_options());
  auto client = admin_client(emu.base_url());
  upload_test::TempDir dir("landing");
  auto job = generated_job(dir.path, "S1", "E1", 2, 2, 1);
  auto first = subset(job, files_of_series(job, "1"));
  auto plan = upload::prepare_landing(*client, first);
  REQUIRE(
      upload::land(*client, first, plan, send_tar(*client, first, all_files(first))).in_archive);

  // The label exists, but this client did not ask first (say another upload archived it in
  // between): XNAT answers 200 and files the data in the prearchive (§11.3).
  auto second = subset(job, files_of_series(job, "2"));
  upload::LandingPlan unchecked;
  auto outcomes = send_tar(*client, second, all_files(second));
  REQUIRE_THAT(outcomes[0].uri, Contains("/data/prearchive/"));
  auto landing = upload::land(*client, second, unchecked, outcomes);
  INFO(joined(landing.messages));
  CHECK_FALSE(landing.in_archive);
  CHECK_FALSE(landing.as_requested);
  CHECK_THAT(landing.uri, Contains("/data/prearchive/projects/P1/"));
  CHECK_THAT(joined(landing.messages), Contains("prearchive instead of the archive"));
  CHECK(xnat::list_scans(*client, "E1", std::string("P1")).size() == 1);
}

TEST_CASE("a --prearchive upload is built to READY and stays in the prearchive", "[landing]") {
  test_support::EmulatorFixture emu(emulator_options());
  auto client = admin_client(emu.base_url());
  upload_test::TempDir dir("landing");
  auto job = generated_job(dir.path, "S1", "E1", 2, 2, 1);
  job.settings.destination = upload::Destination::kPrearchive;
  auto plan = upload::prepare_landing(*client, job);
  auto landing = upload::land(*client, job, plan, send_tar(*client, job, all_files(job)));
  INFO(joined(landing.messages));
  CHECK_FALSE(landing.in_archive);
  CHECK(landing.as_requested);
  CHECK_THAT(joined(landing.messages), Contains("(READY)"));
  CHECK_FALSE(listed(*client, "E1"));
  auto report = upload::verify(*client, job);
  CHECK(report.ok());
  CHECK(report.found == job.files.size());
  CHECK_THAT(report.where, Contains("/data/prearchive/projects/P1/"));
}

TEST_CASE("a merge XNAT refuses is reported, and the upload waits in the prearchive", "[landing]") {
  test_support::EmulatorFixture emu(emulator_options());
  auto client = admin_client(emu.base_url());
  upload_test::TempDir dir("landing"), other_dir("landing");
  auto first = generated_job(dir.path, "S1", "E1", 1, 2, 1);
  auto plan = upload::prepare_landing(*client, first);
  REQUIRE(
      upload::land(*client, first, plan, send_tar(*client, first, all_files(first))).in_archive);

  // Another study under the same label: --overwrite append cannot merge it (§3.8, session UID).
  auto second = generated_job(other_dir.path, "S1", "E1", 1, 2, 2);
  second.settings.overwrite = upload::Overwrite::kAppend;
  plan = upload::prepare_landing(*client, second);
  REQUIRE(plan.archive_after);
  auto landing = upload::land(*client, second, plan, send_tar(*client, second, all_files(second)));
  INFO(joined(landing.messages));
  CHECK_FALSE(landing.as_requested);
  CHECK_FALSE(landing.in_archive);
  CHECK_THAT(joined(landing.messages), Contains("XNAT refused to archive"));
  CHECK_THAT(joined(landing.messages), Contains("(CONFLICT)"));
  CHECK(xnat::list_scans(*client, "E1", std::string("P1")).size() == 1);
}
