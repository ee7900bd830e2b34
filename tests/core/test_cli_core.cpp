// The built-in core commands run as real `xnatctl` processes: HOME is a fresh temp dir,
// stdin is /dev/null (not a terminal), the server is the in-test fake XNAT on 127.0.0.1.

#include <Poco/JSON/Parser.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "support/fake_xnat.hpp"
#include "support/temp_dir.hpp"
#include "xnatctl/test_support/child_process.hpp"

using namespace xnatctl;
using test_support::RunResult;
using testing::FakeXnat;
using testing::TempDir;

namespace {

constexpr const char* kPassword = "Pa55-w0rd-XYZ";

struct Cli {
  TempDir home;
  std::map<std::string, std::string> env;

  Cli() {
    // Whatever the test runner's environment holds, these start unset (empty = unset).
    for (const char* name : {"XNAT_URL", "XNAT_USER", "XNAT_PASS", "XNAT_TOKEN", "XNAT_PROFILE",
                             "XNAT_VERIFY_SSL", "XNAT_TIMEOUT", "XDG_CONFIG_HOME"}) {
      env[name] = "";
    }
    env["HOME"] = home.path().string();
  }

  RunResult run(const std::vector<std::string>& args, std::map<std::string, std::string> extra = {},
                std::optional<std::string> stdin_text = std::nullopt) const {
    test_support::ChildOptions options;
    options.extra_env = env;
    for (auto& [k, v] : extra) options.extra_env[k] = v;
    options.stdin_text = std::move(stdin_text);
    return test_support::run_process(XNATCTL_BINARY, args, std::chrono::seconds(60), options);
  }

  std::filesystem::path config_dir() const { return home.path() / ".config" / "xnatctl"; }

  void write_config(const std::string& yaml) const {
    std::filesystem::create_directories(config_dir());
    std::ofstream(config_dir() / "config.yaml") << yaml;
  }
};

std::string everything(const RunResult& r) {
  return r.stdout_text + r.stderr_text;
}

bool one_line(const std::string& text) {
  return !text.empty() && text.find('\n') == text.size() - 1;
}

Poco::Dynamic::Var parse_json(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

}  // namespace

TEST_CASE("cli: login, whoami and logout, one login shared by the commands", "[cli][auth]") {
  FakeXnat server;
  server.add_user("alice", kPassword);
  Cli cli;
  cli.env["XNAT_URL"] = server.url() + "/";

  auto login = cli.run({"auth", "login", "-u", "alice", "--password-stdin"}, {},
                       std::string(kPassword) + "\n");
  INFO(everything(login));
  REQUIRE(login.exit_status == 0);
  CHECK_THAT(login.stdout_text, Catch::Contains("Logged in to " + server.url() + " as alice"));

  const auto cache = cli.config_dir() / "sessions" / "default.json";
  struct stat info {};
  REQUIRE(::stat(cache.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(read_file(cache).find(kPassword) == std::string::npos);

  auto whoami = cli.run({"whoami"});
  INFO(everything(whoami));
  CHECK(whoami.exit_status == 0);
  CHECK_THAT(whoami.stdout_text, Catch::Contains("User:") && Catch::Contains("alice"));
  CHECK(cli.run({"session", "list", "-P", "P1", "-q"}).exit_status == 0);
  CHECK(cli.run({"scan", "list", "-E", "XNAT_E00001", "-q"}).exit_status == 0);
  CHECK(server.logins() == 1);  // the cached token served every command

  auto logout = cli.run({"auth", "logout"});
  CHECK(logout.exit_status == 0);
  CHECK_THAT(logout.stdout_text, Catch::Contains("Logged out"));
  CHECK(server.logouts() == 1);
  CHECK_FALSE(std::filesystem::exists(cache));

  auto after = cli.run({"whoami"});
  CHECK(after.exit_status == 3);
  CHECK(after.stdout_text.empty());
}

TEST_CASE("cli: an expired token is replaced from XNAT_USER/XNAT_PASS without a word",
          "[cli][auth]") {
  FakeXnat server;
  server.add_user("alice", kPassword);
  Cli cli;
  cli.env["XNAT_URL"] = server.url();
  cli.env["XNAT_USER"] = "alice";
  cli.env["XNAT_PASS"] = kPassword;
  REQUIRE(cli.run({"whoami"}).exit_status == 0);
  const std::string first_token = read_file(cli.config_dir() / "sessions" / "default.json");
  server.expire_sessions();

  auto result = cli.run({"session", "list", "-P", "P1", "-o", "json"});
  INFO(everything(result));
  CHECK(result.exit_status == 0);
  CHECK(result.stderr_text.empty());
  CHECK(parse_json(result.stdout_text).extract<Poco::JSON::Array::Ptr>()->size() == 2);
  CHECK(server.logins() == 2);
  CHECK(read_file(cli.config_dir() / "sessions" / "default.json") != first_token);
}

TEST_CASE("cli: no credentials and no terminal is a clear one-line error", "[cli][auth]") {
  FakeXnat server;
  Cli cli;
  cli.env["XNAT_URL"] = server.url();
  auto result = cli.run({"session", "list", "-P", "P1"});
  CHECK(result.exit_status == 3);
  CHECK(result.stdout_text.empty());
  CHECK(one_line(result.stderr_text));
  CHECK_THAT(result.stderr_text,
             Catch::StartsWith("error: no credentials") && Catch::Contains("XNAT_USER"));
}

TEST_CASE("cli: a wrong password fails in one line with exit code 3", "[cli][auth]") {
  const bool html = GENERATE(false, true);
  testing::FakeXnatOptions options;
  options.html_on_bad_login = html;
  FakeXnat server(options);
  server.add_user("alice", "the-right-one");
  Cli cli;
  cli.env["XNAT_URL"] = server.url();
  auto result = cli.run({"auth", "login", "-u", "alice", "--password-stdin", "-v"}, {},
                        std::string(kPassword));
  CHECK(result.exit_status == 3);
  CHECK(result.stdout_text.empty());
  CHECK_THAT(result.stderr_text, Catch::Contains("error: login failed for user 'alice'"));
  CHECK(everything(result).find(kPassword) == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(cli.config_dir() / "sessions" / "default.json"));
}

TEST_CASE("cli: the password appears in no output, --verbose included", "[cli][auth]") {
  FakeXnat server;
  server.add_user("alice", kPassword);
  Cli cli;
  cli.write_config(std::string("profiles:\n  default:\n    url: ") + server.url() +
                   "\n    username: alice\n    password: " + kPassword +
                   "\n    default_project: P1\n");
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"auth", "login", "-v", "-v"},
                                             {"whoami", "-v", "-o", "json"},
                                             {"session", "list", "-v"},
                                             {"scan", "list", "-E", "SESS001", "-v", "-o", "json"},
                                             {"auth", "status", "-v"},
                                             {"auth", "status", "-o", "json"},
                                             {"config", "show", "-v"},
                                             {"config", "show", "-o", "json"},
                                             {"auth", "logout", "-v"}}) {
    auto result = cli.run(args);
    INFO(args[0] << " " << args[1] << ": " << everything(result));
    CHECK(result.exit_status == 0);
    CHECK(everything(result).find(kPassword) == std::string::npos);
  }
  auto verbose = cli.run({"whoami", "-v"}, {{"XNAT_PASS", kPassword}, {"XNAT_USER", "alice"}});
  CHECK_THAT(verbose.stderr_text, Catch::Contains("debug: http: POST /data/JSESSION -> 200"));
  CHECK(everything(verbose).find(kPassword) == std::string::npos);
}

TEST_CASE("cli: each environment variable works on its own", "[cli][config]") {
  FakeXnat server;
  server.add_user("alice", kPassword);
  Cli cli;
  auto status = [&](std::map<std::string, std::string> env) {
    auto result = cli.run({"auth", "status", "-o", "json"}, std::move(env));
    INFO(everything(result));
    REQUIRE(result.exit_status == 0);
    return parse_json(result.stdout_text).extract<Poco::JSON::Object::Ptr>();
  };

  SECTION("XNAT_URL without any config file") {
    CHECK(status({{"XNAT_URL", server.url() + "/"}})->getValue<std::string>("url") == server.url());
  }
  cli.write_config("default_profile: main\nprofiles:\n  main:\n    url: " + server.url() +
                   "\n    username: alice\n  other:\n    url: http://127.0.0.1:9\n    password: " +
                   kPassword + "\n");
  SECTION("XNAT_URL replaces the URL of a profile not named 'default'") {
    CHECK(status({{"XNAT_URL", "http://example.invalid"}})->getValue<std::string>("url") ==
          "http://example.invalid");
  }
  SECTION("XNAT_PROFILE") {
    CHECK(status({{"XNAT_PROFILE", "other"}})->getValue<std::string>("profile") == "other");
    auto missing = cli.run({"auth", "status"}, {{"XNAT_PROFILE", "nope"}});
    CHECK(missing.exit_status == 2);
    CHECK_THAT(missing.stderr_text, Catch::Contains("profile 'nope' not found"));
  }
  SECTION("XNAT_VERIFY_SSL and XNAT_TIMEOUT") {
    CHECK(status({{"XNAT_VERIFY_SSL", "false"}})->getValue<std::string>("verify_ssl") == "false");
    CHECK(status({{"XNAT_TIMEOUT", "42"}})->getValue<std::string>("timeout") == "42");
  }
  SECTION("XNAT_PASS completes the profile's username") {
    auto result = cli.run({"whoami", "-q"}, {{"XNAT_PASS", kPassword}});
    CHECK(result.exit_status == 0);
    CHECK(result.stdout_text == "alice\n");
  }
  SECTION("XNAT_USER completes the profile's password") {
    auto result =
        cli.run({"whoami", "-q"},
                {{"XNAT_PROFILE", "other"}, {"XNAT_URL", server.url()}, {"XNAT_USER", "alice"}});
    CHECK(result.exit_status == 0);
    CHECK(result.stdout_text == "alice\n");
  }
  SECTION("XNAT_TOKEN needs no credentials at all") {
    auto result = cli.run({"whoami", "-q"}, {{"XNAT_TOKEN", server.issue_session("tokenuser")}});
    CHECK(result.exit_status == 0);
    CHECK(result.stdout_text == "tokenuser\n");
    CHECK(server.logins() == 0);
  }
}

TEST_CASE("cli: malformed YAML is one line naming the file and the line", "[cli][config]") {
  Cli cli;
  cli.write_config("profiles:\n  main:\n    url: http://x\n   bad indentation: [\n");
  auto result = cli.run({"config", "show"});
  CHECK(result.exit_status == 2);
  CHECK(result.stdout_text.empty());
  CHECK(one_line(result.stderr_text));
  CHECK_THAT(result.stderr_text,
             Catch::StartsWith("error: " + (cli.config_dir() / "config.yaml").string() + ":4: "));
}

TEST_CASE("cli: config commands edit profiles", "[cli][config]") {
  Cli cli;
  CHECK(cli.run({"config", "init", "--url", "https://a.example.org/", "-P", "PA"}).exit_status ==
        0);
  CHECK(cli.run({"config", "init", "--url", "https://b.example.org"}).exit_status == 2);
  CHECK(
      cli.run({"config", "add-profile", "dev", "--url", "http://127.0.0.1:8080", "--no-verify-ssl"})
          .exit_status == 0);
  CHECK(cli.run({"config", "current-context"}).stdout_text == "default\n");
  CHECK(cli.run({"config", "use-context", "dev"}).exit_status == 0);
  CHECK(cli.run({"config", "current-context"}).stdout_text == "dev\n");
  CHECK(cli.run({"config", "remove-profile", "dev"}).exit_status == 2);  // the default
  CHECK(cli.run({"config", "use-context", "default"}).exit_status == 0);
  CHECK(cli.run({"config", "remove-profile", "dev"}).exit_status == 0);
  auto show = cli.run({"config", "show", "-o", "json"});
  auto root = parse_json(show.stdout_text).extract<Poco::JSON::Object::Ptr>();
  auto profiles = root->getArray("profiles");
  REQUIRE(profiles->size() == 1);
  CHECK(profiles->getObject(0)->getValue<std::string>("url") == "https://a.example.org");
  CHECK(profiles->getObject(0)->getValue<std::string>("default_project") == "PA");
}

TEST_CASE("cli: a self-signed TLS server is refused by default, accepted with verify_ssl false",
          "[cli][tls]") {
  testing::FakeXnatOptions options;
  options.tls = true;
  FakeXnat server(options);
  Cli cli;
  const std::string token = server.issue_session("tls-user");
  cli.write_config("profiles:\n  default:\n    url: " + server.url() +
                   "\n  lax:\n    url: " + server.url() + "\n    verify_ssl: false\n");
  auto refused = cli.run({"whoami"}, {{"XNAT_TOKEN", token}});
  CHECK(refused.exit_status == 1);
  CHECK(one_line(refused.stderr_text));
  CHECK_THAT(refused.stderr_text, Catch::Contains("verify_ssl: false"));
  auto accepted = cli.run({"whoami", "-q", "-p", "lax"}, {{"XNAT_TOKEN", token}});
  INFO(everything(accepted));
  CHECK(accepted.exit_status == 0);
  CHECK(accepted.stdout_text == "tls-user\n");
}

TEST_CASE("cli: session list and scan list as table, JSON and IDs", "[cli][listing]") {
  FakeXnat server;
  Cli cli;
  cli.env["XNAT_URL"] = server.url();
  cli.env["XNAT_TOKEN"] = server.issue_session("u");

  auto table = cli.run({"session", "list", "-P", "P1"});
  INFO(everything(table));
  CHECK(table.exit_status == 0);
  CHECK_THAT(table.stdout_text,
             Catch::StartsWith("ID           Label    Subject  Date        Modality\n"));
  CHECK_THAT(table.stdout_text, Catch::Contains("XNAT_E00002  SESS002  SUB002   -           EEG"));

  auto json = cli.run({"session", "list", "-P", "P1", "--output", "json"});
  auto sessions = parse_json(json.stdout_text).extract<Poco::JSON::Array::Ptr>();
  REQUIRE(sessions->size() == 2);
  CHECK(sessions->getObject(0)->getValue<std::string>("modality") == "MR");
  CHECK(sessions->getObject(0)->getValue<std::string>("subject") == "SUB001");
  CHECK(cli.run({"session", "list", "-P", "P1", "-q"}).stdout_text == "XNAT_E00001\nXNAT_E00002\n");
  CHECK(cli.run({"session", "list", "-P", "P1", "-q", "--modality", "eeg"}).stdout_text ==
        "XNAT_E00002\n");
  CHECK(cli.run({"session", "list", "-P", "EMPTY"}).stdout_text == "No results\n");
  CHECK(cli.run({"session", "list", "-P", "EMPTY", "-o", "json"}).stdout_text == "[]\n");
  auto no_project = cli.run({"session", "list"});
  CHECK(no_project.exit_status == 2);
  CHECK_THAT(no_project.stderr_text, Catch::Contains("project required"));

  auto scans = cli.run({"scan", "list", "-P", "P1", "-E", "SESS001"});
  INFO(everything(scans));
  CHECK(scans.exit_status == 0);
  CHECK_THAT(scans.stdout_text,
             Catch::StartsWith("ID  Type  Series Description  Quality       Frames\n"));
  CHECK_THAT(scans.stdout_text, Catch::Contains("1   T1w   T1 MPRAGE           usable        -"));
  auto scans_json = cli.run({"scan", "list", "-E", "XNAT_E00001", "-o", "json"});
  auto rows = parse_json(scans_json.stdout_text).extract<Poco::JSON::Array::Ptr>();
  REQUIRE(rows->size() == 2);
  CHECK(rows->getObject(0)->getValue<std::string>("note") == "first");
  CHECK(cli.run({"scan", "list", "-E", "XNAT_E00001", "-q"}).stdout_text == "1\n2\n");
  auto missing = cli.run({"scan", "list", "-E", "NOPE"});
  CHECK(missing.exit_status == 1);
  CHECK(one_line(missing.stderr_text));
}
