// The core commands as real `xnatctl` processes against the real xnat-emulator (not the
// in-test fake): auth life cycle, listings of a session imported through the REST API, wrong
// password and TLS. Temp HOME, stdin on /dev/null.

#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <map>

#include "support/temp_dir.hpp"
#include "xnatctl/http/body.hpp"
#include "xnatctl/http/client.hpp"
#include "xnatctl/test_support/child_process.hpp"
#include "xnatctl/test_support/emulator_fixture.hpp"

using namespace xnatctl;
using test_support::EmulatorFixture;
using test_support::RunResult;

namespace {

constexpr const char* kPassword = "Emu-Pa55word";

test_support::EmulatorOptions emulator_options(std::vector<std::string> extra_args,
                                               bool tls = false) {
  test_support::EmulatorOptions options;
  options.extra_args = std::move(extra_args);
  options.tls = tls;
  options.max_runtime_seconds = 120;
  return options;
}

RunResult xnatctl_run(const testing::TempDir& home, const std::string& url,
                      const std::vector<std::string>& args,
                      std::map<std::string, std::string> extra = {}) {
  test_support::ChildOptions options;
  for (const char* name : {"XNAT_URL", "XNAT_USER", "XNAT_PASS", "XNAT_TOKEN", "XNAT_PROFILE",
                           "XNAT_VERIFY_SSL", "XNAT_TIMEOUT", "XDG_CONFIG_HOME"}) {
    options.extra_env[name] = "";
  }
  options.extra_env["HOME"] = home.path().string();
  options.extra_env["XNAT_URL"] = url;
  for (auto& [k, v] : extra) options.extra_env[k] = v;
  return test_support::run_process(XNATCTL_BINARY, args, std::chrono::seconds(60), options);
}

struct SessionSpec {
  std::string subject = "SUB1", session = "SESS1";
  int seed = 1;  // different seeds give different StudyInstanceUIDs
};

// One small MR session (2 series x 2 slices) archived as P1/<subject>/<session> through the
// import service, the way an upload would put it there. Returns the client's statistics.
http::ClientStats import_session(const std::string& url, const testing::TempDir& work,
                                 const SessionSpec& spec = {}) {
  const auto dicom = work.path() / spec.session / "dicom";
  auto generated = test_support::run_process(
      XNAT_GEN_SESSION_BINARY,
      {"--out", dicom.string(), "--series", "2", "--slices", "2", "--rows", "16", "--cols", "16",
       "--seed", std::to_string(spec.seed), "--project", "P1", "--subject", spec.subject,
       "--session", spec.session, "-q"},
      std::chrono::seconds(60));
  REQUIRE(generated.exit_status == 0);
  const auto tar = work.path() / spec.session / "session.tar";
  auto packed = test_support::run_process("tar", {"-cf", tar.string(), "-C", dicom.string(), "."},
                                          std::chrono::seconds(60));
  REQUIRE(packed.exit_status == 0);

  http::ClientOptions options;
  options.base_url = url;
  options.retry.initial_delay = std::chrono::milliseconds(1);
  options.retry.max_delay = std::chrono::milliseconds(10);
  http::Client client(options);
  http::Request request;
  request.method = "POST";
  request.path = "/data/services/import";
  request.authenticate = false;
  request.headers = {{"Authorization", "Basic YWxpY2U6RW11LVBhNTV3b3Jk"},  // alice:Emu-Pa55word
                     {"Content-Type", "application/x-tar"}};
  request.query = {
      {"import-handler", "DICOM-zip"},
      {"dest", "/archive/projects/P1/subjects/" + spec.subject + "/experiments/" + spec.session},
      {"overwrite", "append"},
      {"inbody", "true"}};
  request.body = http::file_body(tar);
  auto response = client.fetch(request);
  INFO(response.body);
  REQUIRE(response.status == 200);
  return client.stats();
}

}  // namespace

TEST_CASE("emulator: login, whoami, listings and logout with the real binary", "[cli][emulator]") {
  EmulatorFixture emulator(
      emulator_options({"--user", std::string("alice:") + kPassword, "--project", "P1:4"}));
  testing::TempDir home, work;
  const auto url = emulator.base_url();
  import_session(url, work);
  import_session(url, work, {"SUB2", "SESS2", 2});

  auto login = xnatctl_run(home, url, {"auth", "login", "-u", "alice", "--password-stdin"});
  CHECK(login.exit_status == 2);  // --password-stdin with nothing on stdin
  login = xnatctl_run(home, url, {"auth", "login", "-v"},
                      {{"XNAT_USER", "alice"}, {"XNAT_PASS", kPassword}});
  INFO(login.stdout_text << login.stderr_text);
  REQUIRE(login.exit_status == 0);
  CHECK((login.stdout_text + login.stderr_text).find(kPassword) == std::string::npos);

  auto whoami = xnatctl_run(home, url, {"whoami", "-q"});
  CHECK(whoami.exit_status == 0);
  CHECK(whoami.stdout_text == "alice\n");

  // The subject column comes from the emulator honouring columns=...subject_label (§5.2).
  auto sessions = xnatctl_run(home, url, {"session", "list", "-P", "P1", "-o", "json"});
  INFO(sessions.stderr_text);
  REQUIRE(sessions.exit_status == 0);
  Poco::JSON::Parser parser;
  auto rows = parser.parse(sessions.stdout_text).extract<Poco::JSON::Array::Ptr>();
  REQUIRE(rows->size() == 2);
  std::map<std::string, std::string> subject_of, id_of;
  for (std::size_t i = 0; i < rows->size(); ++i) {
    auto row = rows->getObject(static_cast<unsigned>(i));
    subject_of[row->getValue<std::string>("label")] = row->getValue<std::string>("subject");
    id_of[row->getValue<std::string>("label")] = row->getValue<std::string>("id");
    CHECK(row->getValue<std::string>("modality") == "MR");
  }
  CHECK(subject_of == std::map<std::string, std::string>{{"SESS1", "SUB1"}, {"SESS2", "SUB2"}});
  const std::string id = id_of["SESS1"];

  // --subject is sent as subject_label=S and filtered by the server.
  auto of_sub2 =
      xnatctl_run(home, url, {"session", "list", "-P", "P1", "--subject", "SUB2", "-o", "json"});
  INFO(of_sub2.stderr_text);
  REQUIRE(of_sub2.exit_status == 0);
  auto sub2_rows = parser.parse(of_sub2.stdout_text).extract<Poco::JSON::Array::Ptr>();
  REQUIRE(sub2_rows->size() == 1);
  CHECK(sub2_rows->getObject(0)->getValue<std::string>("label") == "SESS2");
  CHECK(sub2_rows->getObject(0)->getValue<std::string>("subject") == "SUB2");
  CHECK(xnatctl_run(home, url, {"session", "list", "-P", "P1", "-S", "SUB1", "-q"}).stdout_text ==
        id + "\n");
  auto table = xnatctl_run(home, url, {"session", "list", "-P", "P1"});
  CHECK_THAT(table.stdout_text,
             Catch::StartsWith("ID ") && Catch::Contains("SESS1") && Catch::Contains("SUB2"));

  auto scans = xnatctl_run(home, url, {"scan", "list", "-P", "P1", "-E", "SESS1", "-q"});
  INFO(scans.stderr_text);
  CHECK(scans.exit_status == 0);
  CHECK(scans.stdout_text == "1\n2\n");
  auto scans_by_id = xnatctl_run(home, url, {"scan", "list", "-E", id, "-o", "json"});
  CHECK(parser.parse(scans_by_id.stdout_text).extract<Poco::JSON::Array::Ptr>()->size() == 2);
  CHECK_THAT(xnatctl_run(home, url, {"scan", "list", "-E", id}).stdout_text,
             Catch::StartsWith("ID  Type"));

  auto logout = xnatctl_run(home, url, {"auth", "logout"});
  CHECK(logout.exit_status == 0);
  auto after = xnatctl_run(home, url, {"whoami"});
  CHECK(after.exit_status == 3);
}

TEST_CASE("emulator: a wrong password exits 3 with one line", "[cli][emulator]") {
  EmulatorFixture emulator(emulator_options({"--user", std::string("alice:") + kPassword}));
  testing::TempDir home;
  auto result = xnatctl_run(home, emulator.base_url(), {"whoami"},
                            {{"XNAT_USER", "alice"}, {"XNAT_PASS", "not-the-password"}});
  CHECK(result.exit_status == 3);
  CHECK(result.stdout_text.empty());
  CHECK_THAT(result.stderr_text, Catch::StartsWith("error: login failed for user 'alice'"));
  CHECK(result.stderr_text.find('\n') == result.stderr_text.size() - 1);
}

TEST_CASE("emulator: self-signed TLS refused by default, accepted with XNAT_VERIFY_SSL=false",
          "[cli][emulator][tls]") {
  EmulatorFixture emulator(emulator_options({"--user", std::string("alice:") + kPassword}, true));
  testing::TempDir home;
  std::map<std::string, std::string> credentials{{"XNAT_USER", "alice"}, {"XNAT_PASS", kPassword}};
  auto refused = xnatctl_run(home, emulator.base_url(), {"whoami"}, credentials);
  CHECK(refused.exit_status == 1);
  CHECK_THAT(refused.stderr_text, Catch::Contains("verify_ssl: false"));
  credentials["XNAT_VERIFY_SSL"] = "false";
  auto accepted = xnatctl_run(home, emulator.base_url(), {"whoami", "-q"}, credentials);
  INFO(accepted.stderr_text);
  CHECK(accepted.exit_status == 0);
  CHECK(accepted.stdout_text == "alice\n");
}

TEST_CASE("emulator: a connection reset in the middle of a body is retried from the start",
          "[http][emulator]") {
  EmulatorFixture emulator(
      emulator_options({"--user", std::string("alice:") + kPassword, "--project", "P1:4",
                        "--fault-reset-after-bytes", "4096", "--fault-reset-times", "1"}));
  testing::TempDir home, work;
  auto stats = import_session(emulator.base_url(), work);
  CHECK(stats.retries == 1);
  auto scans =
      xnatctl_run(home, emulator.base_url(), {"scan", "list", "-P", "P1", "-E", "SESS1", "-q"},
                  {{"XNAT_USER", "alice"}, {"XNAT_PASS", kPassword}});
  CHECK(scans.stdout_text == "1\n2\n");
}
