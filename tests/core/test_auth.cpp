#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "support/fake_xnat.hpp"
#include "support/temp_dir.hpp"
#include "xnatctl/auth/connection.hpp"
#include "xnatctl/auth/token_cache.hpp"
#include "xnatctl/auth/whoami.hpp"
#include "xnatctl/config/paths.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/http/body.hpp"
#include "xnatctl/http/errors.hpp"
#include "xnatctl/http/heartbeat.hpp"

using namespace xnatctl;
using testing::FakeXnat;
using testing::TempDir;

namespace {

// Stands in for a terminal nobody sits at, or for a user typing answers.
class ScriptedPrompter : public auth::Prompter {
 public:
  explicit ScriptedPrompter(bool available, std::string user = "", std::string password = "")
      : available_(available), user_(std::move(user)), password_(std::move(password)) {}
  bool available() const override { return available_; }
  std::string ask(const std::string&) override {
    ++asked;
    return user_;
  }
  std::string ask_secret(const std::string&) override {
    ++asked;
    return password_;
  }
  int asked = 0;

 private:
  bool available_;
  std::string user_, password_;
};

auth::ConnectOptions options_for(const TempDir& home, std::map<std::string, std::string> env) {
  env["HOME"] = home.path().string();
  auth::ConnectOptions options;
  options.env = config::Environment::fixed(std::move(env));
  options.prompter = std::make_shared<ScriptedPrompter>(false);
  options.retry.initial_delay = std::chrono::milliseconds(1);
  options.retry.max_delay = std::chrono::milliseconds(5);
  return options;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

}  // namespace

TEST_CASE("login, whoami and logout against the server", "[auth]") {
  FakeXnat server;
  server.add_user("alice", "pw-alice-123");
  TempDir home;
  auto connection = auth::connect(options_for(
      home, {{"XNAT_URL", server.url()}, {"XNAT_USER", "alice"}, {"XNAT_PASS", "pw-alice-123"}}));
  CHECK(auth::whoami(*connection.client) == "alice");
  CHECK(server.logins() == 1);
  auto token = connection.session->token();
  REQUIRE(token);
  auto cached = connection.token_cache.load("default", server.url() + "/");
  REQUIRE(cached);
  CHECK(cached->token == *token);
  CHECK(cached->username == "alice");

  CHECK(auth::logout(*connection.client, *token));
  CHECK(server.logouts() == 1);
  // The logged-out token no longer works, and without credentials nothing renews it.
  auto stale = auth::connect(options_for(home, {{"XNAT_URL", server.url()}}));
  CHECK_THROWS_AS(auth::whoami(*stale.client), AuthError);
}

TEST_CASE("a cached token is reused by the next connection without logging in", "[auth]") {
  FakeXnat server;
  server.add_user("alice", "pw");
  TempDir home;
  std::map<std::string, std::string> env{
      {"XNAT_URL", server.url()}, {"XNAT_USER", "alice"}, {"XNAT_PASS", "pw"}};
  CHECK(auth::whoami(*auth::connect(options_for(home, env)).client) == "alice");
  CHECK(auth::whoami(*auth::connect(options_for(home, env)).client) == "alice");
  CHECK(server.logins() == 1);
}

TEST_CASE("an expired token is replaced transparently from XNAT_USER/XNAT_PASS", "[auth]") {
  FakeXnat server;
  server.add_user("alice", "pw");
  TempDir home;
  std::map<std::string, std::string> env{
      {"XNAT_URL", server.url()}, {"XNAT_USER", "alice"}, {"XNAT_PASS", "pw"}};
  auto first = auth::connect(options_for(home, env));
  auth::whoami(*first.client);
  auto old_token = *first.session->token();
  server.expire_sessions();

  auto second = auth::connect(options_for(home, env));
  CHECK(auth::whoami(*second.client) == "alice");
  CHECK(server.logins() == 2);
  CHECK(*second.session->token() != old_token);
  CHECK(second.token_cache.load("default", server.url())->token == *second.session->token());
}

TEST_CASE("a stale XNAT_TOKEN falls back to a login with credentials", "[auth]") {
  FakeXnat server;
  server.add_user("alice", "pw");
  TempDir home;
  auto connection = auth::connect(options_for(home, {{"XNAT_URL", server.url()},
                                                     {"XNAT_TOKEN", "BOGUS"},
                                                     {"XNAT_USER", "alice"},
                                                     {"XNAT_PASS", "pw"}}));
  CHECK(auth::whoami(*connection.client) == "alice");
  CHECK(server.logins() == 1);
}

TEST_CASE("a valid XNAT_TOKEN alone needs no credentials", "[auth]") {
  FakeXnat server;
  TempDir home;
  auto token = server.issue_session("carol");
  auto connection =
      auth::connect(options_for(home, {{"XNAT_URL", server.url()}, {"XNAT_TOKEN", token}}));
  CHECK(auth::whoami(*connection.client) == "carol");
  CHECK(server.logins() == 0);
}

TEST_CASE("no credentials and no terminal: a clear error, no prompt", "[auth]") {
  FakeXnat server;
  TempDir home;
  auto options = options_for(home, {{"XNAT_URL", server.url()}});
  auto prompter = std::make_shared<ScriptedPrompter>(false);
  options.prompter = prompter;
  auto connection = auth::connect(options);
  try {
    auth::whoami(*connection.client);
    FAIL("expected an AuthError");
  } catch (const AuthError& e) {
    CHECK(e.code() == ExitCode::kAuth);
    CHECK_THAT(e.what(), Catch::Contains("XNAT_USER"));
  }
  CHECK(prompter->asked == 0);
  CHECK(server.requests().empty());
}

TEST_CASE("with a terminal the missing credentials are asked for", "[auth]") {
  FakeXnat server;
  server.add_user("dave", "pw-dave");
  TempDir home;
  auto options = options_for(home, {{"XNAT_URL", server.url()}});
  auto prompter = std::make_shared<ScriptedPrompter>(true, "dave", "pw-dave");
  options.prompter = prompter;
  CHECK(auth::whoami(*auth::connect(options).client) == "dave");
  CHECK(prompter->asked == 2);
}

TEST_CASE("command-line credentials beat the environment", "[auth]") {
  FakeXnat server;
  server.add_user("erin", "pw-erin");
  TempDir home;
  auto options =
      options_for(home, {{"XNAT_URL", server.url()}, {"XNAT_USER", "x"}, {"XNAT_PASS", "y"}});
  options.credentials.username = "erin";
  options.credentials.password = "pw-erin";
  CHECK(auth::whoami(*auth::connect(options).client) == "erin");
}

TEST_CASE("a wrong password is an AuthError that never shows the password", "[auth]") {
  const bool html = GENERATE(false, true);
  testing::FakeXnatOptions server_options;
  server_options.html_on_bad_login = html;
  FakeXnat server(server_options);
  server.add_user("alice", "right");
  TempDir home;
  auto connection = auth::connect(options_for(
      home, {{"XNAT_URL", server.url()}, {"XNAT_USER", "alice"}, {"XNAT_PASS", "Wr0ngPassw0rd"}}));
  try {
    auth::whoami(*connection.client);
    FAIL("expected an AuthError");
  } catch (const AuthError& e) {
    std::string message = e.what();
    CHECK_THAT(message, Catch::Contains("login failed for user 'alice'"));
    CHECK(message.find("Wr0ngPassw0rd") == std::string::npos);
  }
  CHECK(server.failed_logins() == 1);
  CHECK_FALSE(std::filesystem::exists(
      config::token_cache_directory(config::Environment::fixed({{"HOME", home.path().string()}}))));
}

TEST_CASE("16 threads meeting an expired session cause exactly one re-login", "[auth]") {
  FakeXnat server;
  server.add_user("alice", "pw");
  TempDir home;
  auto connection = auth::connect(
      options_for(home, {{"XNAT_URL", server.url()}, {"XNAT_USER", "alice"}, {"XNAT_PASS", "pw"}}));
  REQUIRE(auth::whoami(*connection.client) == "alice");
  REQUIRE(server.logins() == 1);
  server.expire_sessions();

  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      http::Request request;
      request.path = "/test/protected";
      for (int j = 0; j < 3; ++j) {
        if (connection.client->fetch(request).body == "secret data") ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 48);
  CHECK(server.logins() == 2);
  CHECK(connection.session->logins() == 2);
  // The new token went to the cache.
  CHECK(connection.token_cache.load("default", server.url())->token ==
        *connection.session->token());
}

TEST_CASE("the token cache is per profile and URL, mode 0600, and holds no password", "[auth]") {
  TempDir dir;
  auth::TokenCache cache(dir.path() / "sessions");
  cache.store("prod", "https://x.org/", "alice", "TOKEN1");
  cache.store("odd name/..", "https://y.org", "bob", "TOKEN2");
  CHECK(cache.load("prod", "https://x.org")->token == "TOKEN1");
  CHECK(cache.load("prod", "https://x.org///")->token == "TOKEN1");
  CHECK_FALSE(cache.load("prod", "https://other.org"));
  CHECK_FALSE(cache.load("dev", "https://x.org"));
  CHECK(cache.load("odd name/..", "https://y.org")->username == "bob");
  CHECK(cache.file_for("odd name/..").parent_path() == dir.path() / "sessions");

  struct stat info {};
  REQUIRE(::stat(cache.file_for("prod").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  REQUIRE(::stat((dir.path() / "sessions").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0700);

  std::ofstream(cache.file_for("prod")) << "{not json";
  CHECK_FALSE(cache.load("prod", "https://x.org"));
  CHECK(cache.remove("prod"));
  CHECK_FALSE(cache.remove("prod"));
}

TEST_CASE("the login's cache file never contains the password", "[auth]") {
  FakeXnat server;
  server.add_user("alice", "Sup3rSecretPw");
  TempDir home;
  auto connection = auth::connect(options_for(
      home, {{"XNAT_URL", server.url()}, {"XNAT_USER", "alice"}, {"XNAT_PASS", "Sup3rSecretPw"}}));
  auth::whoami(*connection.client);
  auto text = read_file(connection.token_cache.file_for("default"));
  CHECK_THAT(text, Catch::Contains(*connection.session->token()));
  CHECK(text.find("Sup3rSecretPw") == std::string::npos);
}

TEST_CASE("whoami falls back to /data/auth on servers without /xapi/users/username", "[auth]") {
  FakeXnat server;
  server.set_xapi_available(false);
  auto token = server.issue_session("frank");
  TempDir home;
  auto connection =
      auth::connect(options_for(home, {{"XNAT_URL", server.url()}, {"XNAT_TOKEN", token}}));
  CHECK(auth::whoami(*connection.client) == "frank");
  auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].uri == "/xapi/users/username");
  CHECK(requests[1].uri == "/data/auth");
}

TEST_CASE("the heartbeat touches the session while it lives", "[auth][http]") {
  FakeXnat server;
  TempDir home;
  auto token = server.issue_session("gina");
  auto connection =
      auth::connect(options_for(home, {{"XNAT_URL", server.url()}, {"XNAT_TOKEN", token}}));
  auto pings = [&] {
    int n = 0;
    for (const auto& r : server.requests()) n += r.uri == "/data/JSESSION" && r.method == "GET";
    return n;
  };
  {
    http::Heartbeat heartbeat(*connection.client, std::chrono::milliseconds(5));
    for (int i = 0; i < 1000 && pings() < 2; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const int after_stop = pings();
  CHECK(after_stop >= 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK(pings() == after_stop);
}

TEST_CASE("a request body is replayed from the start after a re-login", "[auth][http]") {
  FakeXnat server;
  server.add_user("alice", "pw");
  TempDir home;
  auto connection = auth::connect(
      options_for(home, {{"XNAT_URL", server.url()}, {"XNAT_USER", "alice"}, {"XNAT_PASS", "pw"}}));
  REQUIRE(auth::whoami(*connection.client));
  server.expire_sessions();
  int rewinds = 0;
  auto body = http::string_body(std::string(200000, 'z'));
  auto rewind = body.rewind;
  body.rewind = [&] {
    ++rewinds;
    return rewind();
  };
  http::Request request;
  request.method = "POST";
  request.path = "/test/protected";
  request.body = body;
  CHECK(connection.client->fetch(request).body == "secret data");
  CHECK(rewinds == 1);
  CHECK(server.logins() == 2);
  CHECK(connection.client->stats().renewals == 1);
}

TEST_CASE("a long upload keeps its session alive with heartbeats", "[auth][http]") {
  FakeXnat server;
  TempDir home;
  auto options =
      options_for(home, {{"XNAT_URL", server.url()}, {"XNAT_TOKEN", server.issue_session("ian")}});
  auto connection = auth::connect(options);
  auto pings = [&] {
    int n = 0;
    for (const auto& r : server.requests()) n += r.uri == "/data/JSESSION" && r.method == "GET";
    return n;
  };
  // The client under test is rebuilt with a short heartbeat; the body only finishes once the
  // server has seen a heartbeat (bounded, so a broken heartbeat fails instead of hanging).
  http::ClientOptions client_options = connection.client->options();
  client_options.heartbeat_interval = std::chrono::milliseconds(5);
  http::Client client(client_options);
  client.set_session_provider(connection.session);
  http::RequestBody body;
  body.content_length = 1;
  bool sent = false;
  body.read = [&](char* buffer, std::size_t) -> std::size_t {
    if (sent) return 0;
    for (int i = 0; i < 1000 && pings() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    buffer[0] = 'x';
    sent = true;
    return 1;
  };
  http::Request request;
  request.method = "POST";
  request.path = "/test/protected";
  request.body = body;
  CHECK(client.fetch(request).status == 200);
  CHECK(pings() >= 1);
  // No upload in flight, no heartbeat.
  const int after = pings();
  http::Request plain;
  plain.path = "/test/protected";
  CHECK(client.fetch(plain).status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK(pings() == after);
}
