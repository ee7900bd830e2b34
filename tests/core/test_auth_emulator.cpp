// The JSESSION provider against the real xnat-emulator (not the in-test fake): when the server
// has expired the HTTP session (reference §2.2), 16 threads that meet the 401 at once must share
// one re-login. Counted on both sides: the client's login counter and the emulator's own log.

#include <catch2/catch.hpp>
#include <latch>
#include <sstream>
#include <thread>

#include "support/temp_dir.hpp"
#include "xnatctl/auth/connection.hpp"
#include "xnatctl/test_support/emulator_fixture.hpp"

using namespace xnatctl;

namespace {

constexpr const char* kPassword = "Emu-Pa55word";
constexpr int kThreads = 16;

// Lines of the emulator's -v log that `wanted` accepts. The emulator writes each line with one
// call, so concurrent requests cannot split a line.
template <typename Predicate>
int count_log_lines(test_support::EmulatorFixture& emulator, Predicate wanted) {
  std::istringstream in(emulator.process().stderr_text());
  int count = 0;
  for (std::string line; std::getline(in, line);) {
    if (wanted(line)) ++count;
  }
  return count;
}

// What the server counts as a login: a session created from Basic credentials
// (emulator/server/request_router.cpp logs one line for each with -v).
int server_logins(test_support::EmulatorFixture& emulator) {
  return count_log_lines(emulator, [](const std::string& line) {
    return line.rfind("xnat-emulator: new HTTP session for ", 0) == 0;
  });
}

// The client's login requests (auth::login is POST /data/JSESSION) as the server received them.
int login_requests(test_support::EmulatorFixture& emulator) {
  return count_log_lines(emulator, [](const std::string& line) {
    return line == "POST /data/JSESSION" || line.rfind("POST /data/JSESSION?", 0) == 0;
  });
}

std::string username_of(http::Client& client) {
  http::Request request;
  request.path = "/xapi/users/username";  // any authenticated GET (§2.3)
  auto response = client.fetch(request);
  return response.status == 200 ? response.body : "HTTP " + std::to_string(response.status);
}

}  // namespace

TEST_CASE("emulator: 16 threads meeting an expired session cause exactly one re-login",
          "[auth][emulator]") {
  test_support::EmulatorOptions emulator_options;
  emulator_options.extra_args = {"--user", std::string("alice:") + kPassword, "--session-timeout",
                                 "2", "-v"};
  emulator_options.max_runtime_seconds = 120;
  test_support::EmulatorFixture emulator(emulator_options);

  testing::TempDir home;
  auth::ConnectOptions options;
  options.env = config::Environment::fixed({{"HOME", home.path().string()},
                                            {"XNAT_URL", emulator.base_url()},
                                            {"XNAT_USER", "alice"},
                                            {"XNAT_PASS", kPassword},
                                            {"XNAT_TIMEOUT", "30"}});  // bounds every request
  options.prompter = nullptr;
  options.retry.initial_delay = std::chrono::milliseconds(1);
  options.retry.max_delay = std::chrono::milliseconds(5);
  auto connection = auth::connect(options);

  REQUIRE(username_of(*connection.client) == "alice");
  REQUIRE(connection.session->logins() == 1);
  REQUIRE(server_logins(emulator) == 1);
  REQUIRE(login_requests(emulator) == 1);
  const auto renewals_before = connection.client->stats().renewals;

  // Idle past --session-timeout 2, so the server has forgotten the cookie the client holds.
  std::this_thread::sleep_for(std::chrono::seconds(3));

  // Catch2 v2 assertions are not thread-safe: the threads only record, the checks come after.
  std::latch start(kThreads);
  std::vector<std::string> answers(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();  // all send with the stale cookie at once
      try {
        answers[i] = username_of(*connection.client);
      } catch (const std::exception& e) {
        answers[i] = std::string("exception: ") + e.what();
      }
    });
  }
  for (auto& t : threads) t.join();

  for (const auto& answer : answers) CHECK(answer == "alice");
  // At least one thread met the expired session (else this test proves nothing) …
  const auto renewals = connection.client->stats().renewals - renewals_before;
  CHECK(renewals >= 1);
  CHECK(renewals <= kThreads);
  // … and all of them together logged in once more: the first login plus one.
  CHECK(connection.session->logins() == 2);
  CHECK(server_logins(emulator) == 2);
  CHECK(login_requests(emulator) == 2);
}
