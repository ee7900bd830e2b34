// One import request that makes several sessions (several studies under one label with
// --allow-multi-study, xnat-server-api.md §3.5): the real xnatctl against the emulator commits,
// lands and reports every one of them. The server's state is read through its REST listings.

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "landing_test_support.hpp"

#ifdef XNATCTL_BINARY

using namespace landing_test;
using Catch::Contains;
using Record = Poco::JSON::Object::Ptr;

namespace {

std::vector<Record> records_of(const std::string& text, const std::string& type) {
  std::vector<Record> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    Poco::JSON::Parser parser;
    auto r = parser.parse(line).extract<Record>();
    if (r->getValue<std::string>("type") == type) out.push_back(r);
  }
  return out;
}

// Prearchive rows of P1 named `label`: their status by StudyInstanceUID (tag).
std::map<std::string, std::string> prearchive_rows(http::Client& client, const std::string& label) {
  http::Request request;
  request.path = "/data/prearchive/projects/P1";
  request.query = {{"format", "json"}};
  const auto response = client.fetch(request);
  REQUIRE(response.status == 200);
  std::map<std::string, std::string> rows;
  Poco::JSON::Parser parser;
  auto result =
      parser.parse(response.body).extract<Record>()->getObject("ResultSet")->getArray("Result");
  for (std::size_t i = 0; i < result->size(); ++i) {
    auto row = result->getObject(i);
    if (row->getValue<std::string>("name") == label)
      rows[row->getValue<std::string>("tag")] = row->getValue<std::string>("status");
  }
  return rows;
}

// DICOM files of archived session `label`, over all its scans.
std::size_t archived_files(http::Client& client, const std::string& label) {
  std::size_t n = 0;
  for (const auto& scan : xnat::list_scans(client, label, std::string("P1"))) {
    http::Request request;
    request.path =
        "/data/projects/P1/experiments/" + label + "/scans/" + scan.id + "/resources/DICOM/files";
    request.query = {{"format", "json"}};
    const auto response = client.fetch(request);
    REQUIRE(response.status == 200);
    Poco::JSON::Parser parser;
    n += parser.parse(response.body)
             .extract<Record>()
             ->getObject("ResultSet")
             ->getArray("Result")
             ->size();
  }
  return n;
}

// Two studies of two series of two slices, and the same as a pre-built zip.
struct TwoStudies {
  upload_test::TempDir dir{"multi-study"};
  fs::path tree = dir.path / "DICOM", zip = dir.path / "two.zip";
  TwoStudies() {
    upload_test::gen_session(tree, 2, 2, 2, 7);
    upload_test::run("cd " + upload_test::quoted(tree.string()) + " && zip -qr " +
                     upload_test::quoted(zip.string()) + " .");
  }
};

}  // namespace

TEST_CASE("a pre-built zip of two studies: both sessions committed and merged into the label",
          "[landing][cli]") {
  test_support::EmulatorFixture emu(emulator_options());
  auto client = admin_client(emu.base_url());
  TwoStudies data;
  upload_test::TempDir home("multi-home");
  const auto run = run_xnatctl(home.path, emu.base_url(),
                               {"session", "upload", data.zip.string(), "-P", "P1", "-S", "S1",
                                "-E", "E1", "--allow-multi-study", "-o", "json"});
  INFO(run.stdout_text << run.stderr_text);
  REQUIRE(run.exit_status == 0);
  // One request (the archive as it is), answered with one session per study (§3.5): the
  // first direct-archive, the second filed in the prearchive since the label was taken (§11.3).
  const auto batches = records_of(run.stdout_text, "batch");
  REQUIRE(batches.size() == 1);
  const auto uris = batches[0]->getArray("uris");
  REQUIRE(uris->size() == 2);
  CHECK_THAT(uris->getElement<std::string>(0), Contains("/xapi/direct-archive/P1/"));
  CHECK_THAT(uris->getElement<std::string>(1), Contains("/data/prearchive/projects/P1/"));
  const auto sessions = records_of(run.stdout_text, "session");
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0]->getValue<bool>("in_archive"));
  CHECK(sessions[0]->getValue<bool>("as_requested"));
  REQUIRE(sessions[0]->getArray("uris")->size() == 1);
  CHECK(sessions[0]->getValue<std::string>("uri") ==
        "/data/archive/projects/P1/subjects/S1/experiments/E1");
  // Every file of both studies is in the one archived session; nothing waits in the prearchive.
  CHECK(archived_files(*client, "E1") == 8);
  CHECK(xnat::list_scans(*client, "E1", std::string("P1")).size() == 4);
  CHECK(prearchive_rows(*client, "E1").empty());
}

TEST_CASE("two studies with --prearchive: both sessions built and reported", "[landing][cli]") {
  test_support::EmulatorFixture emu(emulator_options());
  auto client = admin_client(emu.base_url());
  TwoStudies data;
  upload_test::TempDir home("multi-home");
  const auto run = run_xnatctl(home.path, emu.base_url(),
                               {"session", "upload", data.tree.string(), "-P", "P1", "-S", "S1",
                                "-E", "E2", "--allow-multi-study", "--prearchive", "-o", "json"});
  INFO(run.stdout_text << run.stderr_text);
  REQUIRE(run.exit_status == 0);
  const auto sessions = records_of(run.stdout_text, "session");
  REQUIRE(sessions.size() == 1);
  const auto uris = sessions[0]->getArray("uris");
  REQUIRE(uris->size() == 2);
  CHECK(uris->getElement<std::string>(0) != uris->getElement<std::string>(1));
  const auto rows = prearchive_rows(*client, "E2");
  REQUIRE(rows.size() == 2);  // one row per StudyInstanceUID, both built
  for (const auto& [uid, status] : rows) {
    INFO(uid);
    CHECK(status == "READY");
  }
  std::string messages;
  const auto list = sessions[0]->getArray("messages");
  for (std::size_t i = 0; i < list->size(); ++i)
    messages += list->getElement<std::string>(i) + "\n";
  CHECK_THAT(messages, Contains("into 2 sessions (one per study)"));
  CHECK_THAT(messages, Contains("in the prearchive (READY): " + uris->getElement<std::string>(0)));
  CHECK_THAT(messages, Contains("in the prearchive (READY): " + uris->getElement<std::string>(1)));
  CHECK_FALSE(listed(*client, "E2"));
}

TEST_CASE("two studies with --overwrite append: the refused merge is reported with exit 1",
          "[landing][cli]") {
  test_support::EmulatorFixture emu(emulator_options());
  auto client = admin_client(emu.base_url());
  TwoStudies data;
  upload_test::TempDir home("multi-home");
  const auto run = run_xnatctl(home.path, emu.base_url(),
                               {"session", "upload", data.zip.string(), "-P", "P1", "-S", "S1",
                                "-E", "E3", "--allow-multi-study", "--overwrite", "append"});
  INFO(run.stdout_text << run.stderr_text);
  CHECK(run.exit_status == 1);
  // append cannot merge another StudyInstanceUID into the session (§3.8).
  CHECK_THAT(run.stderr_text, Contains("XNAT refused to archive"));
  CHECK_THAT(run.stderr_text,
             Contains("archived: /data/archive/projects/P1/subjects/S1/experiments/E3"));
  CHECK_THAT(run.stderr_text, Contains("in the prearchive (CONFLICT)"));
  CHECK(archived_files(*client, "E3") == 4);  // the first study only
  const auto rows = prearchive_rows(*client, "E3");
  REQUIRE(rows.size() == 1);
  CHECK(rows.begin()->second == "CONFLICT");
}

#endif
