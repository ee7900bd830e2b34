// rest_zip end to end: the real xnatctl binary against the real xnat-emulator, with the
// command lines of the upload guide's "REST Import API: DICOM-zip" sections (verbatim apart
// from paths and ids), pre-built archives, and injected faults. What reached the server is
// read from the emulator's storage tree and its request log (-v), not from xnatctl's output.

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <signal.h>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "xnatctl/test_support/child_process.hpp"
#include "xnatctl/test_support/emulator_fixture.hpp"

namespace fs = std::filesystem;
using xnatctl::test_support::ChildOptions;
using xnatctl::test_support::ChildProcess;
using xnatctl::test_support::EmulatorFixture;
using xnatctl::test_support::EmulatorOptions;
using xnatctl::test_support::run_process;
using xnatctl::test_support::RunResult;

namespace {

// A private directory for one test: HOME, sources, archives. Removed afterwards.
class Workspace {
 public:
  Workspace() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("rest_zip_e2e_" + std::to_string(rd()));
    fs::create_directories(path_ / "home");
  }
  ~Workspace() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path home() const { return path_ / "home"; }
  // ~/.config/xnatctl/config.yaml with `text`.
  void config(const std::string& text) const {
    fs::create_directories(home() / ".config" / "xnatctl");
    std::ofstream(home() / ".config" / "xnatctl" / "config.yaml") << text;
  }

 private:
  fs::path path_;
};

EmulatorOptions emulator_options(std::vector<std::string> extra = {}) {
  EmulatorOptions options;
  options.extra_args = {"--project", "MYPROJECT", "-v"};  // -v: the request log we count
  for (auto& a : extra) options.extra_args.push_back(std::move(a));
  options.max_runtime_seconds = 240;
  return options;
}

// A synthetic session: `series` series of `slices` small slices each. Returns its directory.
fs::path generate(const Workspace& ws, const std::string& name, int series, int slices,
                  int seed = 1) {
  const fs::path dir = ws.path() / name;
  const RunResult r = run_process(XNAT_GEN_SESSION_BINARY,
                                  {"--out", dir.string(), "--series", std::to_string(series),
                                   "--slices", std::to_string(slices), "--rows", "32", "--cols",
                                   "32", "--seed", std::to_string(seed), "-q"},
                                  std::chrono::seconds(60));
  REQUIRE(r.exit_status == 0);
  return dir;
}

// "series<s>/IM<n>.dcm" of every generated file under `dir`.
std::multiset<std::string> generated_names(const fs::path& dir) {
  std::multiset<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file())
      names.insert(e.path().parent_path().filename().string() + "/" + e.path().filename().string());
  return names;
}

void pack(const std::vector<std::string>& command, const fs::path& cwd) {
  ChildOptions options;
  options.working_dir = cwd;
  const RunResult r = run_process(command.front(), {command.begin() + 1, command.end()},
                                  std::chrono::seconds(60), options);
  INFO(r.stderr_text);
  REQUIRE(r.exit_status == 0);
}

RunResult run_xnatctl(const Workspace& ws, const EmulatorFixture& emu,
                      const std::vector<std::string>& args,
                      std::map<std::string, std::string> env = {{"XNAT_USER", "admin"},
                                                                {"XNAT_PASS", "admin"}}) {
  ChildOptions options;
  for (const char* name : {"XNAT_URL", "XNAT_USER", "XNAT_PASS", "XNAT_TOKEN", "XNAT_PROFILE",
                           "XNAT_TIMEOUT", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME",
                           "XNATCTL_PLUGIN_PATH", "XNATCTL_DISABLE_PLUGINS"})
    options.extra_env[name] = "";
  options.extra_env["HOME"] = ws.home().string();
  options.extra_env["XNAT_URL"] = emu.base_url();
  for (auto& [k, v] : env) options.extra_env[k] = v;
  return run_process(XNATCTL_BINARY, args, std::chrono::seconds(150), options);
}

// The objects the emulator archived for a session: "<scan>/<file>" under
// archive/<project>/arc001/<label>/SCANS/<scan>/DICOM/.
std::multiset<std::string> archived(const EmulatorFixture& emu, const std::string& label,
                                    const std::string& project = "MYPROJECT") {
  std::multiset<std::string> names;
  const fs::path scans = emu.data_dir() / "archive" / project / "arc001" / label / "SCANS";
  std::error_code ec;
  if (!fs::is_directory(scans, ec)) return names;
  for (const auto& e : fs::recursive_directory_iterator(scans))
    if (e.is_regular_file() && e.path().parent_path().filename() == "DICOM")
      names.insert(e.path().parent_path().parent_path().filename().string() + "/" +
                   e.path().filename().string());
  return names;
}

// The generator names series<s> with SeriesNumber s, which is XNAT's scan directory.
std::multiset<std::string> as_scans(const std::multiset<std::string>& generated) {
  std::multiset<std::string> out;
  for (const auto& n : generated) out.insert(n.substr(std::string("series").size()));
  return out;
}

// Import requests in the emulator's request log so far.
std::size_t imports(EmulatorFixture& emu) {
  std::istringstream log(emu.process().stderr_text());
  std::size_t n = 0;
  for (std::string line; std::getline(log, line);)
    if (line.find("POST /data/services/import") != std::string::npos) ++n;
  return n;
}

std::vector<Poco::JSON::Object::Ptr> json_lines(const std::string& text) {
  std::vector<Poco::JSON::Object::Ptr> out;
  std::istringstream in(text);
  Poco::JSON::Parser parser;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    out.push_back(parser.parse(line).extract<Poco::JSON::Object::Ptr>());
    parser.reset();
  }
  return out;
}

bool session_listed(const Workspace& ws, const EmulatorFixture& emu, const std::string& label) {
  const RunResult list = run_xnatctl(ws, emu, {"session", "list", "-P", "MYPROJECT", "-o", "json"});
  REQUIRE(list.exit_status == 0);
  return list.stdout_text.find("\"label\":\"" + label + "\"") != std::string::npos ||
         list.stdout_text.find("\"label\": \"" + label + "\"") != std::string::npos;
}

// A --fault-seed whose draws (the emulator's FaultInjector::draw_5xx, replayed) fail at
// least two of the first 15 requests and at most 4 of the first 100, never with 500 (XNAT's
// processing failure, rightly not retried): every failure is then retryable whatever order
// the requests arrive in, and no request can meet five in a row.
std::string retryable_5xx_seed(double rate) {
  for (std::uint64_t seed = 1; seed < 100000; ++seed) {
    std::mt19937_64 rng(seed);
    int early = 0, hits = 0;
    bool ok = true;
    for (int draw = 0; draw < 100 && ok; ++draw) {
      std::uniform_real_distribution<double> u(0.0, 1.0);
      if (u(rng) >= rate) continue;
      const int status = std::array<int, 3>{500, 502, 503}[rng() % 3];
      ok = status != 500;
      ++hits;
      if (draw < 15) ++early;
    }
    if (ok && early >= 2 && hits <= 4) return std::to_string(seed);
  }
  FAIL("no suitable fault seed");
  return "";
}

}  // namespace

TEST_CASE("seed: a directory upload is archived and listed as soon as the command returns",
          "[rest_zip][emulator]") {
  EmulatorFixture emu(emulator_options());  // idle build left at XNAT's 5 minutes
  Workspace ws;
  const fs::path dicom = generate(ws, "DICOM_ROOT", 3, 4);
  const RunResult r = run_xnatctl(ws, emu,
                                  {"session", "upload", dicom.string(), "-P", "MYPROJECT", "-S",
                                   "MYSUBJECT", "-E", "MYSESSION"});
  INFO(r.stdout_text << r.stderr_text);
  REQUIRE(r.exit_status == 0);
  CHECK(archived(emu, "MYSESSION") == as_scans(generated_names(dicom)));
  CHECK(imports(emu) == 3);  // one batch per series, under 4 workers
  CHECK(session_listed(ws, emu, "MYSESSION"));
}

TEST_CASE("seed: --workers 8, tar and zip batches", "[rest_zip][emulator]") {
  EmulatorFixture emu(emulator_options());
  Workspace ws;
  const fs::path dicom = generate(ws, "DICOM_ROOT", 10, 3);
  const auto expected = as_scans(generated_names(dicom));

  RunResult r = run_xnatctl(ws, emu,
                            {"session", "upload", dicom.string(), "-P", "MYPROJECT", "-S",
                             "MYSUBJECT", "-E", "TARSESSION", "--workers", "8", "-v"});
  INFO(r.stdout_text << r.stderr_text);
  REQUIRE(r.exit_status == 0);
  CHECK(r.stderr_text.find("8 batches (tar) on 8 connections") != std::string::npos);
  CHECK(archived(emu, "TARSESSION") == expected);
  CHECK(imports(emu) == 8);

  r = run_xnatctl(ws, emu,
                  {"session", "upload", dicom.string(), "-P", "MYPROJECT", "-S", "MYSUBJECT", "-E",
                   "ZIPSESSION", "--workers", "8", "--archive-format", "zip", "-v"});
  INFO(r.stdout_text << r.stderr_text);
  REQUIRE(r.exit_status == 0);
  CHECK(r.stderr_text.find("8 batches (zip) on 8 connections") != std::string::npos);
  // 30 files: all of them inside the level chooser's first 4 MiB, which go as stored blocks.
  CHECK(r.stderr_text.find("zip entries: 0 deflated, 30 in stored blocks") != std::string::npos);
  CHECK(archived(emu, "ZIPSESSION") == expected);
  CHECK(imports(emu) == 16);
}

TEST_CASE("seed: pre-built zip, tar and tgz are sent as they are, in one request",
          "[rest_zip][emulator]") {
  EmulatorFixture emu(emulator_options());
  Workspace ws;
  const fs::path dicom = generate(ws, "session_data", 3, 3);
  const auto expected = as_scans(generated_names(dicom));
  const std::vector<std::pair<std::string, std::vector<std::string>>> kinds = {
      {"session_data.zip", {"zip", "-qr"}},
      {"session_data.tar", {"tar", "-cf"}},
      {"session_data.tgz", {"tar", "-czf"}}};
  std::size_t before = imports(emu);
  int n = 0;
  for (const auto& [name, tool] : kinds) {
    INFO(name);
    const fs::path archive = ws.path() / name;
    pack({tool[0], tool[1], archive.string(), "."}, dicom);
    const std::string label = "PREBUILT" + std::to_string(++n);
    const RunResult r = run_xnatctl(ws, emu,
                                    {"session", "upload", archive.string(), "-P", "MYPROJECT", "-S",
                                     "MYSUBJECT", "-E", label, "-v"});
    INFO(r.stdout_text << r.stderr_text);
    REQUIRE(r.exit_status == 0);
    CHECK(r.stderr_text.find("sending the pre-built archive " + archive.string() + " as it is") !=
          std::string::npos);
    CHECK(archived(emu, label) == expected);
    CHECK(imports(emu) == before + 1);
    before = imports(emu);
  }
}

TEST_CASE("seed: --zip-to-tar sends a pre-built zip's files as tar batches",
          "[rest_zip][emulator]") {
  EmulatorFixture emu(emulator_options());
  Workspace ws;
  const fs::path dicom = generate(ws, "session", 2, 3);
  const fs::path zip = ws.path() / "session.zip";
  pack({"zip", "-qr", zip.string(), "."}, dicom);
  const RunResult r = run_xnatctl(ws, emu,
                                  {"session", "upload", zip.string(), "-P", "MYPROJECT", "-S",
                                   "MYSUBJECT", "-E", "MYSESSION", "--zip-to-tar", "-v"});
  INFO(r.stdout_text << r.stderr_text);
  REQUIRE(r.exit_status == 0);
  CHECK(r.stderr_text.find("--zip-to-tar: the zip's files are sent as tar batches") !=
        std::string::npos);
  CHECK(r.stderr_text.find("2 batches (tar)") != std::string::npos);
  CHECK(archived(emu, "MYSESSION") == as_scans(generated_names(dicom)));
  CHECK(imports(emu) == 2);
}

TEST_CASE("seed: --direct-archive with --username/--password, and --prearchive",
          "[rest_zip][emulator]") {
  EmulatorFixture emu(emulator_options());
  Workspace ws;
  const fs::path dicom = generate(ws, "DICOM_ROOT", 2, 2);
  RunResult r =
      run_xnatctl(ws, emu,
                  {"session", "upload", dicom.string(), "-P", "MYPROJECT", "-S", "MYSUBJECT", "-E",
                   "MYSESSION", "--direct-archive", "--username", "admin", "--password", "admin"},
                  {});
  INFO(r.stdout_text << r.stderr_text);
  REQUIRE(r.exit_status == 0);
  CHECK(archived(emu, "MYSESSION") == as_scans(generated_names(dicom)));

  r = run_xnatctl(ws, emu,
                  {"session", "upload", dicom.string(), "-P", "MYPROJECT", "-S", "MYSUBJECT", "-E",
                   "STAGED", "--prearchive"});
  INFO(r.stdout_text << r.stderr_text);
  REQUIRE(r.exit_status == 0);
  CHECK(archived(emu, "STAGED").empty());
  const RunResult listing =
      run_process("curl",
                  {"-s", "-u", "admin:admin",
                   emu.base_url() + "/data/prearchive/projects/MYPROJECT?format=json"},
                  std::chrono::seconds(30));
  CHECK(listing.stdout_text.find("\"name\":\"STAGED\"") != std::string::npos);
  CHECK_FALSE(session_listed(ws, emu, "STAGED"));
}

TEST_CASE("an unknown project is refused before anything is sent", "[rest_zip][emulator]") {
  EmulatorFixture emu(emulator_options());
  Workspace ws;
  const fs::path dicom = generate(ws, "DICOM_ROOT", 1, 2);
  const RunResult r = run_xnatctl(
      ws, emu, {"session", "upload", dicom.string(), "-P", "NOSUCH", "-S", "S", "-E", "E"});
  CHECK(r.exit_status != 0);
  CHECK(r.stderr_text.find("NOSUCH") != std::string::npos);
  CHECK(imports(emu) == 0);
}

TEST_CASE("dry run: prints the request and the batch plan, and sends nothing",
          "[rest_zip][emulator]") {
  EmulatorFixture emu(emulator_options());
  Workspace ws;
  const fs::path dicom = generate(ws, "DICOM_ROOT", 3, 2);
  const RunResult r =
      run_xnatctl(ws, emu,
                  {"session", "upload", dicom.string(), "-P", "MYPROJECT", "-S", "MYSUBJECT", "-E",
                   "MYSESSION", "--workers", "2", "--overwrite", "none", "--dry-run"});
  INFO(r.stdout_text << r.stderr_text);
  REQUIRE(r.exit_status == 0);
  CHECK(r.stdout_text.find("rest_zip: POST /data/services/import?import-handler=DICOM-zip&"
                           "PROJECT_ID=MYPROJECT&SUBJECT_ID=MYSUBJECT&EXPT_LABEL=MYSESSION&"
                           "Direct-Archive=true\n") != std::string::npos);
  CHECK(r.stdout_text.find("rest_zip: 2 batches (tar) on 2 connections, 6 files") !=
        std::string::npos);
  CHECK(imports(emu) == 0);
  CHECK(archived(emu, "MYSESSION").empty());
}

TEST_CASE("injected faults: every file reaches the server exactly once and the run succeeds",
          "[rest_zip][emulator]") {
  struct Fault {
    const char* name;
    std::vector<std::string> args;
    int resent;  // import requests sent again because of the fault; -1: not known in advance
  };
  const Fault faults[] = {
      {"import 400 race", {"--fault-import-400", "3"}, 3},
      {"502s and 503s", {"--fault-5xx-rate", "0.1", "--fault-seed", retryable_5xx_seed(0.1)}, -1},
      {"reset mid-body", {"--fault-reset-after-bytes", "5000", "--fault-reset-times", "2"}, 2},
  };
  for (const Fault& f : faults) {
    INFO(f.name);
    EmulatorFixture emu(emulator_options(f.args));
    Workspace ws;
    ws.config("plugins:\n  settings:\n    rest_zip:\n      batch_max_files: 4\n");
    const fs::path dicom = generate(ws, "DICOM_ROOT", 4, 6);
    const RunResult r =
        run_xnatctl(ws, emu,
                    {"session", "upload", dicom.string(), "-P", "MYPROJECT", "-S", "MYSUBJECT",
                     "-E", "MYSESSION", "--workers", "2", "-o", "json"});
    INFO(r.stdout_text << r.stderr_text);
    CHECK(r.exit_status == 0);
    CHECK(archived(emu, "MYSESSION") == as_scans(generated_names(dicom)));
    std::size_t batches = 0, files_in_batches = 0;
    for (const auto& record : json_lines(r.stdout_text)) {
      if (record->getValue<std::string>("type") != "batch") continue;
      ++batches;
      files_in_batches += record->getArray("files")->size();
    }
    if (f.resent >= 0) CHECK(imports(emu) == 6 + static_cast<std::size_t>(f.resent));
    CHECK(batches == 6);  // 24 files in batches of at most 4
    CHECK(files_in_batches == 24);
  }
}

TEST_CASE("the HTTP session ends mid-upload: one re-login, no batch lost", "[rest_zip][emulator]") {
  EmulatorFixture emu(emulator_options({"--fault-latency-ms", "300"}));
  Workspace ws;
  ws.config("plugins:\n  settings:\n    rest_zip:\n      batch_max_files: 2\n");
  const fs::path dicom = generate(ws, "DICOM_ROOT", 2, 6);  // 6 batches, 3 per connection
  std::atomic<bool> done{false};
  std::thread killer([&] {
    while (imports(emu) < 2 && !done) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    // What an administrator's "kill this user's sessions" does (§2.2); its own Basic login
    // is one of the sessions counted below.
    run_process("curl",
                {"-s", "-o", "/dev/null", "-u", "admin:admin", "-X", "DELETE",
                 emu.base_url() + "/xapi/users/active/admin"},
                std::chrono::seconds(30));
  });
  const RunResult r = run_xnatctl(ws, emu,
                                  {"session", "upload", dicom.string(), "-P", "MYPROJECT", "-S",
                                   "MYSUBJECT", "-E", "MYSESSION", "--workers", "2"});
  done = true;
  killer.join();
  INFO(r.stdout_text << r.stderr_text);
  CHECK(r.exit_status == 0);
  CHECK(archived(emu, "MYSESSION") == as_scans(generated_names(dicom)));
  std::istringstream log(emu.process().stderr_text());
  int sessions = 0;
  for (std::string line; std::getline(log, line);)
    if (line.find("new HTTP session for admin") != std::string::npos) ++sessions;
  CHECK(sessions == 3);  // xnatctl's login, curl's, and xnatctl's one shared re-login
}

TEST_CASE("a batch the server refuses is reported with its message and a non-zero exit",
          "[rest_zip][emulator]") {
  // 30 import 400s outlast every retry: the batch fails, retryable, with the server's words.
  EmulatorFixture emu(emulator_options({"--fault-import-400", "30"}));
  Workspace ws;
  const fs::path dicom = generate(ws, "DICOM_ROOT", 1, 2);
  const RunResult r = run_xnatctl(ws, emu,
                                  {"session", "upload", dicom.string(), "-P", "MYPROJECT", "-S",
                                   "MYSUBJECT", "-E", "MYSESSION", "-o", "json"});
  INFO(r.stdout_text << r.stderr_text);
  CHECK(r.exit_status == 1);
  CHECK(r.stdout_text.find("Concurrent file sends") != std::string::npos);
  CHECK(archived(emu, "MYSESSION").empty());
}

TEST_CASE("SIGKILL mid-upload, then --resume sends only the batches not acknowledged",
          "[rest_zip][emulator]") {
  EmulatorFixture emu(emulator_options({"--fault-latency-ms", "400"}));
  Workspace ws;
  ws.config("plugins:\n  settings:\n    rest_zip:\n      batch_max_files: 2\n");
  const fs::path dicom = generate(ws, "DICOM_ROOT", 1, 12);  // 6 batches in sequence
  const std::vector<std::string> args = {
      "session", "upload", dicom.string(), "-P", "MYPROJECT", "-S", "MYSUBJECT", "-E", "MYSESSION"};
  ChildOptions options;
  for (const char* name : {"XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XNAT_TOKEN"})
    options.extra_env[name] = "";
  options.extra_env["HOME"] = ws.home().string();
  options.extra_env["XNAT_URL"] = emu.base_url();
  options.extra_env["XNAT_USER"] = "admin";
  options.extra_env["XNAT_PASS"] = "admin";
  ChildProcess child = ChildProcess::spawn(XNATCTL_BINARY, args, options);
  // Killed once two batches were acknowledged (the third import request has started).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (imports(emu) < 3 && std::chrono::steady_clock::now() < deadline && child.running())
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  child.signal(SIGKILL);
  child.wait_for(std::chrono::seconds(10));
  const std::size_t first_run = imports(emu);
  REQUIRE(first_run >= 3);
  REQUIRE(first_run < 6);

  std::vector<std::string> resume = args;
  resume.push_back("--resume");
  const RunResult r = run_xnatctl(ws, emu, resume);
  INFO(r.stdout_text << r.stderr_text);
  REQUIRE(r.exit_status == 0);
  CHECK(r.stderr_text.find("resuming:") != std::string::npos);
  // At least the two acknowledged batches were not sent again.
  CHECK(imports(emu) - first_run <= 6 - 2);
  CHECK(archived(emu, "MYSESSION") == as_scans(generated_names(dicom)));
}
