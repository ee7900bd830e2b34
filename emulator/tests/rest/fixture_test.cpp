// tests/support's EmulatorFixture and ChildProcess, exercised the way other teams use them:
// start an emulator, talk to it with curl (a client we did not write), stop it by PID.
#include <catch2/catch.hpp>

#include "xnatctl/test_support/emulator_fixture.hpp"

using namespace xnatctl::test_support;

TEST_CASE("EmulatorFixture starts xnat-emulator on a free port and stops it", "[support]") {
  EmulatorOptions options;
  options.extra_args = {"--project", "P1"};
  EmulatorFixture emu(options);
  REQUIRE(emu.http_port() != 0);
  auto r = run_process("curl", {"-s", "-u", "admin:admin", emu.base_url() + "/data/auth"},
                       std::chrono::seconds(20));
  CHECK(r.exit_status == 0);
  CHECK(r.stdout_text == "User 'admin' is logged in");
  const pid_t pid = emu.process().pid();
  CHECK(emu.stop() == 0);  // SIGTERM → clean exit 0
  CHECK_FALSE(emu.process().running());
  CHECK(pid > 0);
}

TEST_CASE("EmulatorFixture serves HTTPS with a generated self-signed certificate", "[support]") {
  EmulatorOptions options;
  options.tls = true;
  EmulatorFixture emu(options);
  auto r = run_process("curl",
                       {"-s", "--cacert", emu.tls_cert_file().string(), "-u", "admin:admin",
                        emu.base_url() + "/xapi/users/username"},
                       std::chrono::seconds(20));
  CHECK(r.stdout_text == "admin");
}

TEST_CASE("ChildProcess captures output, exit status and timeouts", "[support]") {
  auto r = run_process("sh", {"-c", "echo out; echo err >&2; exit 3"}, std::chrono::seconds(10));
  CHECK(r.exit_status == 3);
  CHECK(r.stdout_text == "out\n");
  CHECK(r.stderr_text == "err\n");
  auto slow = run_process("sleep", {"30"}, std::chrono::milliseconds(200));
  CHECK(slow.timed_out);
  auto child = ChildProcess::spawn("sleep", {"30"});
  CHECK(child.running());
  CHECK(child.terminate(std::chrono::seconds(2)) == 128 + 15);
}
