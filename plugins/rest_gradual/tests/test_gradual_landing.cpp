// Where a `--gradual` upload's session ends up, through the real xnatctl against xnat-emulator:
// --overwrite none|append|delete onto an archived session (xnat-server-api.md §3.8, §4.5,
// §11.1-§11.3), and --resume with nothing left to send committing what an earlier run left
// receiving. The server's state is read with curl from its REST listings, never from
// xnatctl's own output.

#include <Poco/JSON/Array.h>

#include "gradual_cli_support.hpp"

using namespace gradual_cli;

namespace {

std::string text_of(const RunResult& r) {
  return r.stdout_text + r.stderr_text;
}

// The prearchive listing of P1 (JSON text), asked with curl.
std::string prearchive_listing(const std::string& url) {
  const auto r = xnatctl::test_support::run_process(
      "curl", {"-s", "-u", "admin:admin", url + "/data/prearchive/projects/P1?format=json"},
      std::chrono::seconds(30));
  REQUIRE(r.exit_status == 0);
  return r.stdout_text;
}

bool session_listed(const TempDir& home, const std::string& url, const std::string& label) {
  const RunResult list = run_xnatctl(home, url, {"session", "list", "-P", "P1", "-o", "json"});
  REQUIRE(list.exit_status == 0);
  Poco::JSON::Parser parser;
  const auto rows = parser.parse(list.stdout_text).extract<Poco::JSON::Array::Ptr>();
  for (std::size_t i = 0; i < rows->size(); ++i)
    if (rows->getObject(i)->getValue<std::string>("label") == label) return true;
  return false;
}

}  // namespace

TEST_CASE(
    "gradual upload onto an archived session: --overwrite none refuses, append merges, delete "
    "replaces",
    "[cli][emulator]") {
  EmulatorFixture emulator(emulator_options({"--project", "P1"}));
  TempDir home, work;
  const std::string url = emulator.base_url();
  const fs::path dicom = generate(work, "dicom", 3, 4);  // study1/series{1,2,3}, 4 files each
  // Parts of it under the same relative paths, so an object keeps its name (§3.4.8) whichever
  // part it is sent from, as when a user uploads a session again from the same place.
  auto part = [&](const std::string& name, const std::string& series) {
    const fs::path root = work.path() / name;
    fs::create_directories(root / "study1");
    fs::copy(dicom / "study1" / series, root / "study1" / series, fs::copy_options::recursive);
    return root;
  };
  const fs::path series1 = part("part1", "series1"), series2 = part("part2", "series2");
  auto upload = [&](const fs::path& source, const std::string& overwrite) {
    std::vector<std::string> args = {
        "session", "upload", source.string(), "-P",        "P1", "-S", "S1",
        "-E",      "OW",     "--gradual",     "--workers", "4"};
    if (!overwrite.empty()) args.insert(args.end(), {"--overwrite", overwrite});
    return run_xnatctl(home, url, args);
  };

  RunResult r = upload(series1, "");
  INFO(text_of(r));
  REQUIRE(r.exit_status == 0);
  REQUIRE(archived_scans(url, "P1", "OW") == 1);

  // none: refused before anything is sent; the archived session is untouched.
  r = upload(series2, "none");
  INFO(text_of(r));
  CHECK(r.exit_status == 1);
  CHECK(r.stderr_text.find("--overwrite none leaves it untouched") != std::string::npos);
  CHECK(archived_scans(url, "P1", "OW") == 1);
  CHECK(listed_rows(url, "/data/prearchive/projects/P1?format=json") == 0);

  // append: sent to the prearchive and archived into the session (§4.5): a new scan merges.
  r = upload(series2, "append");
  INFO(text_of(r));
  REQUIRE(r.exit_status == 0);
  CHECK(text_of(r).find("archived: /data/archive/projects/P1/subjects/S1/experiments/OW") !=
        std::string::npos);
  CHECK(archived_scans(url, "P1", "OW") == 2);
  CHECK(archived_files(url, "P1", "OW", "1") == 4);
  CHECK(archived_files(url, "P1", "OW", "2") == 4);
  CHECK(listed_rows(url, "/data/prearchive/projects/P1?format=json") == 0);

  // append of files the session holds already: XNAT refuses that merge (§3.8); the upload
  // waits in the prearchive as CONFLICT and the run fails, the archive unchanged.
  r = upload(series1, "append");
  INFO(text_of(r));
  CHECK(r.exit_status == 1);
  CHECK(text_of(r).find("XNAT refused to archive") != std::string::npos);
  CHECK(text_of(r).find("(CONFLICT)") != std::string::npos);
  CHECK(prearchive_listing(url).find("\"status\":\"CONFLICT\"") != std::string::npos);
  CHECK(archived_scans(url, "P1", "OW") == 2);
  CHECK(archived_files(url, "P1", "OW", "1") == 4);

  // delete: everything again; same-named files are replaced, never doubled, and the third
  // scan is added. The CONFLICT row of the same study and label is re-opened by the new
  // files (§3.4.6) and archived with them.
  r = upload(dicom, "delete");
  INFO(text_of(r));
  REQUIRE(r.exit_status == 0);
  CHECK(archived_scans(url, "P1", "OW") == 3);
  for (const char* scan : {"1", "2", "3"}) {
    INFO("scan " << scan);
    CHECK(archived_files(url, "P1", "OW", scan) == 4);
  }
  CHECK(listed_rows(url, "/data/prearchive/projects/P1?format=json") == 0);
}

TEST_CASE("resume with nothing left to send commits what an earlier run left receiving",
          "[cli][emulator]") {
  // A --no-commit run leaves the state of a run killed after its last acknowledged file and
  // before its commit: every file journaled, the session RECEIVING (XNAT's idle build is 300 s).
  EmulatorFixture emulator(emulator_options({"--project", "P1"}));
  TempDir home, work;
  const std::string url = emulator.base_url();
  const fs::path dicom = generate(work, "dicom", 2, 10);

  SECTION("direct-archive: archived and listed and verified") {
    const std::vector<std::string> args = {"session", "upload",    dicom.string(), "-P",
                                           "P1",      "-S",        "S1",           "-E",
                                           "LATE",    "--gradual", "-o",           "json"};
    auto first = args;
    first.push_back("--no-commit");
    RunResult r = run_xnatctl(home, url, first);
    INFO(text_of(r));
    REQUIRE(r.exit_status == 0);
    REQUIRE(of_type(json_lines(r.stdout_text), "file").size() == 20);
    REQUIRE_FALSE(session_listed(home, url, "LATE"));

    auto resume = args;
    resume.insert(resume.end(), {"--resume", "--verify"});
    r = run_xnatctl(home, url, resume);
    INFO(text_of(r));
    REQUIRE(r.exit_status == 0);
    const auto records = json_lines(r.stdout_text);
    CHECK(of_type(records, "file").empty());  // nothing sent again
    bool said = false;
    for (const auto& n : of_type(records, "notice"))
      said |= n->getValue<std::string>("message").find("nothing left to send; finishing") !=
              std::string::npos;
    CHECK(said);
    const auto sessions = of_type(records, "session");
    REQUIRE(sessions.size() == 1);
    CHECK(sessions[0]->getValue<int>("sent_earlier") == 20);
    CHECK(sessions[0]->getValue<bool>("in_archive"));
    CHECK(sessions[0]->getObject("verify")->getValue<bool>("ok"));
    CHECK(sessions[0]->getObject("verify")->getValue<int>("found") == 20);
    CHECK(session_listed(home, url, "LATE"));
    const auto archived = stored_objects(emulator.data_dir() / "archive" / "P1");
    REQUIRE(archived.size() == 1);
    CHECK(archived.begin()->second == 20);
    CHECK(of_type(records, "summary")[0]->getValue<int>("exit_code") == 0);
  }

  SECTION("prearchive: built to READY and not archived") {
    const std::vector<std::string> args = {"session", "upload",    dicom.string(), "-P",
                                           "P1",      "-S",        "S1",           "-E",
                                           "STAGED",  "--gradual", "--prearchive", "--no-commit"};
    RunResult r = run_xnatctl(home, url, args);
    INFO(text_of(r));
    REQUIRE(r.exit_status == 0);
    REQUIRE(prearchive_listing(url).find("\"status\":\"RECEIVING\"") != std::string::npos);

    auto resume = args;
    resume.back() = "--resume";  // without --no-commit
    r = run_xnatctl(home, url, resume);
    INFO(text_of(r));
    REQUIRE(r.exit_status == 0);
    CHECK(r.stdout_text.find("nothing left to send (20 files were sent by an earlier run)") !=
          std::string::npos);
    CHECK(text_of(r).find("in the prearchive (READY)") != std::string::npos);
    CHECK(prearchive_listing(url).find("\"status\":\"READY\"") != std::string::npos);
    CHECK_FALSE(session_listed(home, url, "STAGED"));
  }
}
