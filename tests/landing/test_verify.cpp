// verify against the real emulator: a complete session passes; a file removed on the server
// is caught by its local path; stored bytes that differ (XNAT re-writes headers on store) and
// stored names that differ are information, not failures.

#include <catch2/catch.hpp>
#include <fstream>

#include "landing_test_support.hpp"
#include "xnatctl/error.hpp"

using namespace landing_test;
using Catch::Contains;

namespace {

struct ArchivedSession {
  test_support::EmulatorFixture emu{emulator_options()};
  std::unique_ptr<http::Client> client = admin_client(emu.base_url());
  upload_test::TempDir dir{"verify"};
  upload::Job job = generated_job(dir.path, "S1", "E1", 2, 3, 7);

  ArchivedSession() {
    auto plan = upload::prepare_landing(*client, job);
    auto landing = upload::land(*client, job, plan, send_tar(*client, job, all_files(job)));
    REQUIRE(landing.in_archive);
  }
  // Where the emulator keeps a stored object (emulator/README.md, Storage).
  fs::path stored(const std::string& scan, const std::string& name) const {
    return emu.data_dir() / "archive" / "P1" / "arc001" / "E1" / "SCANS" / scan / "DICOM" / name;
  }
};

}  // namespace

TEST_CASE("verify passes on a complete session", "[landing][verify]") {
  ArchivedSession s;
  auto report = upload::verify(*s.client, s.job);
  CHECK(report.ok());
  CHECK(report.expected == 6);
  CHECK(report.found == 6);
  CHECK(report.differences.empty());
  CHECK(report.where == "/data/archive/projects/P1/subjects/S1/experiments/E1");
}

TEST_CASE("verify names a file removed on the server by its local path", "[landing][verify]") {
  ArchivedSession s;
  // DELETE through the REST API (§6.3).
  http::Request del;
  del.method = "DELETE";
  del.path = "/data/projects/P1/experiments/E1/scans/2/resources/DICOM/files/IM00002.dcm";
  REQUIRE(s.client->fetch(del).status == 200);
  auto report = upload::verify(*s.client, s.job);
  REQUIRE_FALSE(report.ok());
  REQUIRE(report.mismatches.size() == 1);
  CHECK(report.mismatches[0].path == "study1/series2/IM00002.dcm");
  CHECK_THAT(report.mismatches[0].what, Contains("missing"));
  CHECK(report.found == 5);

  SECTION("a whole scan missing") {
    std::error_code ec;
    fs::remove_all(s.stored("1", ""), ec);
    report = upload::verify(*s.client, s.job);
    CHECK(report.mismatches.size() == 4);
  }
}

TEST_CASE("verify reports an extra object on the server", "[landing][verify]") {
  ArchivedSession s;
  fs::copy_file(s.stored("1", "IM00001.dcm"), s.stored("1", "copy.dcm"));
  auto report = upload::verify(*s.client, s.job);
  REQUIRE(report.mismatches.size() == 1);
  CHECK(report.mismatches[0].path == "scan 1/copy.dcm");
  CHECK_THAT(report.mismatches[0].what, Contains("extra"));
  upload::VerifyOptions merged;
  merged.extra_is_failure = false;
  report = upload::verify(*s.client, s.job, merged);
  CHECK(report.ok());
  CHECK_THAT(joined(report.notes), Contains("scan 1/copy.dcm"));
}

TEST_CASE("verify: checksum or size differences alone are notes", "[landing][verify]") {
  ArchivedSession s;
  {
    // Same size, other bytes (the last pixel byte), as a re-serialised object may be.
    std::fstream f(s.stored("1", "IM00001.dcm"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(-1, std::ios::end);
    char c = 0;
    f.get(c);
    f.seekp(-1, std::ios::end);
    f.put(static_cast<char>(c ^ 0x5a));
  }
  {
    // Longer: trailing padding after the pixel data.
    std::ofstream f(s.stored("2", "IM00003.dcm"), std::ios::app | std::ios::binary);
    f << std::string(16, '\0');
  }
  auto report = upload::verify(*s.client, s.job);
  INFO(joined(report.notes));
  CHECK(report.ok());
  CHECK(report.found == 6);
  REQUIRE(report.differences.size() == 2);
  CHECK(report.differences[0].path == "study1/series1/IM00001.dcm");
  CHECK_THAT(report.differences[0].what, Contains("checksum"));
  CHECK(report.differences[1].path == "study1/series2/IM00003.dcm");
  CHECK_THAT(report.differences[1].what, Contains("bytes"));
  CHECK_THAT(joined(report.notes), Contains("no failure"));
}

TEST_CASE("verify finds an object stored under another name by its SOP Instance UID",
          "[landing][verify]") {
  ArchivedSession s;
  fs::rename(s.stored("2", "IM00001.dcm"), s.stored("2", "renamed-by-server.dcm"));
  auto report = upload::verify(*s.client, s.job);
  CHECK(report.ok());
  CHECK(report.found == 6);
  // An object of another series under a name that matches nothing is not taken for it.
  fs::remove(s.stored("2", "renamed-by-server.dcm"));
  fs::copy_file(s.stored("1", "IM00002.dcm"), s.stored("2", "other.dcm"));
  report = upload::verify(*s.client, s.job);
  REQUIRE(report.mismatches.size() == 2);
  CHECK(report.mismatches[0].path == "study1/series2/IM00001.dcm");
  CHECK(report.mismatches[1].path == "scan 2/other.dcm");
}

TEST_CASE("verify of a session that is nowhere is an error", "[landing][verify]") {
  test_support::EmulatorFixture emu(emulator_options());
  auto client = admin_client(emu.base_url());
  upload_test::TempDir dir("verify");
  auto job = generated_job(dir.path, "S1", "E9", 1, 1, 3);
  CHECK_THROWS_WITH(upload::verify(*client, job), Contains("E9 not found"));
}
