// The exact requests the prearchive plugin sends (xnat-server-api.md §4.3, §4.5), checked on
// the SDK's FakeHost: what the emulator cannot show, e.g. that overwrite is left out, that the
// folder is encoded in src, and that archiving is sent once.
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "xnatctl/sdk_testing.hpp"

namespace {

using Exchange = xc::testing::FakeHost::HttpExchange;

std::string query_value(const Exchange& rq, const std::string& key) {
  for (const auto& [k, v] : rq.query)
    if (k == key) return v;
  return "<absent>";
}

std::string listing(const std::string& folder, const std::string& status) {
  return R"({"ResultSet":{"Result":[{"project":"P","timestamp":"20240115_120000000","folderName":")" +
         folder + R"(","name":"Session1","status":")" + status +
         R"(","subject":"SUBJ","scan_date":"","uploaded":""}]}})";
}

struct Fixture {
  xc::testing::PluginLibrary lib{PREARCHIVE_PLUGIN};
  xc::testing::FakeHost host;
};

}  // namespace

TEST_CASE("archive: src names the folder encoded, dest carries subject and label, no overwrite") {
  Fixture f;
  f.host.set_positionals({"P", "20240115_120000000", "Session.1"});
  f.host.set_option("subject", "SUBJ");
  f.host.set_option("label", "MYSESSION");
  f.host.on_http([](const Exchange& rq, xc_http_response& rs) -> std::string {
    rs.status = 200;
    if (rq.method == "GET") return listing("Session.1", "READY");
    return "/data/archive/projects/P/subjects/SUBJ/experiments/MYSESSION\r\n";
  });
  REQUIRE(f.host.run_command(f.lib.descriptor(), "prearchive archive") == XC_OK);
  const auto& sent = f.host.http_requests();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].path == "/data/prearchive/projects/P");
  CHECK(sent[1].method == "POST");
  CHECK(sent[1].path == "/data/services/archive");
  CHECK(query_value(sent[1], "src") == "/prearchive/projects/P/20240115_120000000/Session%2E1");
  CHECK(query_value(sent[1], "dest") == "/archive/projects/P/subjects/SUBJ/experiments/MYSESSION");
  CHECK(query_value(sent[1], "overwrite") == "<absent>");
  REQUIRE(f.host.records().size() == 1);
  CHECK(f.host.records()[0].at("uri") ==
        "/data/archive/projects/P/subjects/SUBJ/experiments/MYSESSION");
}

TEST_CASE(
    "archive: a 500 FAILED conflict names --overwrite append and --overwrite is sent as given") {
  Fixture f;
  f.host.set_positionals({"P", "20240115_120000000", "Session1"});
  int posts = 0;
  f.host.on_http([&](const Exchange& rq, xc_http_response& rs) -> std::string {
    rs.status = 200;
    if (rq.method == "GET") return listing("Session1", posts ? "CONFLICT" : "READY");
    ++posts;
    rs.status = 500;
    return "FAILED: Session already exists, retry with overwrite enabled";
  });
  CHECK(f.host.run_command(f.lib.descriptor(), "prearchive archive") == XC_FATAL);
  CHECK(f.host.last_error().find("Session already exists") != std::string::npos);
  CHECK(f.host.last_error().find("(CONFLICT)") != std::string::npos);
  CHECK(f.host.last_error().find("--overwrite append") != std::string::npos);
  CHECK(posts == 1);  // archiving is never retried by the plugin

  f.host.set_option("overwrite", "append");
  f.host.on_http([](const Exchange& rq, xc_http_response& rs) -> std::string {
    rs.status = 200;
    if (rq.method == "GET") return listing("Session1", "CONFLICT");
    return "/data/archive/projects/P/subjects/SUBJ/experiments/Session1\r\n";
  });
  CHECK(f.host.run_command(f.lib.descriptor(), "prearchive archive") == XC_OK);
  CHECK(query_value(f.host.http_requests().back(), "overwrite") == "append");
}

TEST_CASE("rebuild sends action=build, the action XNAT accepts") {
  Fixture f;
  f.host.set_positionals({"P", "20240115_120000000", "Session1"});
  f.host.on_http([](const Exchange&, xc_http_response& rs) -> std::string {
    rs.status = 200;
    return listing("Session1", "READY");
  });
  REQUIRE(f.host.run_command(f.lib.descriptor(), "prearchive rebuild") == XC_OK);
  const auto& post = f.host.http_requests().at(1);
  CHECK(post.method == "POST");
  CHECK(post.path == "/data/prearchive/projects/P/20240115_120000000/Session1");
  CHECK(query_value(post, "action") == "build");
}

TEST_CASE("delete: no terminal without --yes is a usage error and a refusal sends nothing") {
  Fixture f;
  f.host.set_positionals({"P", "20240115_120000000", "Session1"});
  f.host.on_http([](const Exchange&, xc_http_response& rs) -> std::string {
    rs.status = 200;
    return listing("Session1", "READY");
  });
  f.host.set_confirm_answer(XC_INVALID_INPUT);
  CHECK(f.host.run_command(f.lib.descriptor(), "prearchive delete") == XC_INVALID_INPUT);
  CHECK(f.host.last_error().find("--yes") != std::string::npos);
  f.host.set_confirm_answer(XC_CANCELLED);
  CHECK(f.host.run_command(f.lib.descriptor(), "prearchive delete") == XC_FATAL);
  for (const auto& rq : f.host.http_requests()) CHECK(rq.method == "GET");
}

TEST_CASE("list --wait polls while RECEIVING and reports the settled rows") {
  Fixture f;
  f.host.set_option("project", "P");
  f.host.set_option("wait", "30");
  int gets = 0;
  f.host.on_http([&](const Exchange&, xc_http_response& rs) -> std::string {
    rs.status = 200;
    return listing("Session1", ++gets < 3 ? "RECEIVING" : "READY");
  });
  REQUIRE(f.host.run_command(f.lib.descriptor(), "prearchive list") == XC_OK);
  CHECK(gets == 3);
  CHECK(f.host.waits().size() == 2);
  REQUIRE(f.host.records().size() == 1);
  CHECK(f.host.records()[0].at("status") == "READY");
  CHECK(f.host.printed_stderr().find("waiting (") != std::string::npos);
}
