#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "support/fake_xnat.hpp"
#include "support/temp_dir.hpp"
#include "xnatctl/auth/connection.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/output/format.hpp"
#include "xnatctl/output/records.hpp"
#include "xnatctl/xnat/listings.hpp"
#include "xnatctl/xnat/request_paths.hpp"
#include "xnatctl/xnat/result_set.hpp"

using namespace xnatctl;
using output::Format;

namespace {

const std::vector<output::Column> kColumns{{"id", "ID"}, {"label", "Label"}};
const std::vector<output::Record> kRecords{{{"id", "E1"}, {"label", "first"}, {"extra", "x"}},
                                           {{"id", "E22"}, {"label", ""}, {"extra", "y"}}};

}  // namespace

TEST_CASE("lists print as aligned tables with titles", "[output]") {
  std::ostringstream out;
  output::print_list(out, Format::kTable, kColumns, kRecords, "id");
  CHECK(out.str() ==
        "ID   Label\n"
        "---  -----\n"
        "E1   first\n"
        "E22  -\n");
  std::ostringstream empty;
  output::print_list(empty, Format::kTable, kColumns, {}, "id");
  CHECK(empty.str() == "No results\n");
}

TEST_CASE("lists print as JSON carrying every field, and --quiet prints IDs", "[output]") {
  std::ostringstream out;
  output::print_list(out, Format::kJson, kColumns, kRecords, "id");
  Poco::JSON::Parser parser;
  auto array = parser.parse(out.str()).extract<Poco::JSON::Array::Ptr>();
  REQUIRE(array->size() == 2);
  CHECK(array->getObject(0)->getValue<std::string>("extra") == "x");
  std::ostringstream quiet;
  output::print_list(quiet, Format::kQuiet, kColumns, kRecords, "id");
  CHECK(quiet.str() == "E1\nE22\n");
  std::ostringstream none;
  output::print_list(none, Format::kJson, kColumns, {}, "id");
  CHECK(none.str() == "[]\n");
}

TEST_CASE("single records print as key/value blocks", "[output]") {
  std::ostringstream out;
  output::print_record(out, Format::kTable, {{"user", "User"}, {"url", "Server"}},
                       {{"user", "alice"}, {"url", "https://x"}}, "user");
  CHECK(out.str() == "User:   alice\nServer: https://x\n");
}

TEST_CASE("the output format: --quiet > --output > config > table", "[output]") {
  config::Config config;
  CHECK(output::resolve_format(std::nullopt, false, config) == Format::kTable);
  config.output_format = "json";
  CHECK(output::resolve_format(std::nullopt, false, config) == Format::kJson);
  CHECK(output::resolve_format(std::string("table"), false, config) == Format::kTable);
  CHECK(output::resolve_format(std::string("json"), true, config) == Format::kQuiet);
  CHECK_THROWS_AS(output::resolve_format(std::string("yaml"), false, config), UsageError);
}

TEST_CASE("XNAT result sets and path segments", "[xnat]") {
  auto rows = xnat::parse_result_set(
      R"({"ResultSet":{"Result":[{"ID":"1","n":2}],"totalRecords":"1"}})", "t");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["ID"] == "1");
  CHECK(rows[0]["n"] == "2");
  CHECK_THROWS_WITH(xnat::parse_result_set("<html>", "scan list"), Catch::Contains("scan list"));
  CHECK(xnat::encode_segment("a.b c/d") == "a%2Eb%20c%2Fd");
  CHECK(xnat::modality_of("xnat:mrSessionData") == "MR");
  CHECK(xnat::modality_of("xnat:petmrSessionData") == "PETMR");
  CHECK(xnat::modality_of("xnat:subjectData") == "?");
  CHECK(xnat::scan_type_of("xnat:eegSessionData") == "xnat:eegScanData");
  CHECK_FALSE(xnat::scan_type_of("xnat:subjectData"));
}

TEST_CASE("session and scan listings read the server's result sets", "[xnat]") {
  testing::FakeXnat server;
  testing::TempDir home;
  auth::ConnectOptions options;
  options.env = config::Environment::fixed({{"HOME", home.path().string()},
                                            {"XNAT_URL", server.url()},
                                            {"XNAT_TOKEN", server.issue_session("u")}});
  auto connection = auth::connect(options);
  auto sessions = xnat::list_sessions(*connection.client, "P1", std::string("SUB001"));
  REQUIRE(sessions.size() == 2);
  CHECK(sessions[0].id == "XNAT_E00001");
  CHECK(sessions[0].modality == "MR");
  CHECK(sessions[1].modality == "EEG");
  CHECK(server.requests().back().uri ==
        "/data/projects/P1/"
        "experiments?columns=ID,label,subject_label,date,xsiType&subject_label=SUB001&format=json");

  auto scans = xnat::list_scans(*connection.client, "SESS001", std::string("P1"));
  REQUIRE(scans.size() == 2);
  CHECK(scans[0].series_description == "T1 MPRAGE");
  CHECK(server.requests().back().uri ==
        "/data/projects/P1/experiments/SESS001/scans?xsiType=xnat:mrScanData&format=json");
  CHECK_THROWS_WITH(xnat::list_scans(*connection.client, "NOPE", std::nullopt),
                    Catch::Contains("not found"));
}
