// `xnatctl session upload --gradual` end to end: the real binary (and so the real host, its
// HTTP pool, journal and output) with the real rest_gradual.so against xnat-emulator, with
// DICOM made by xnat-gen-session and DCMTK. Temp HOME (the journal lives there), stdin on
// /dev/null, every process bounded in time and stopped by PID.

#include "gradual_cli_support.hpp"

using namespace gradual_cli;

TEST_CASE("the seed's --gradual command line lands every file in one archived session",
          "[cli][emulator]") {
  EmulatorFixture emulator(emulator_options({"--project", "MYPROJECT"}));
  TempDir home, work;
  const fs::path dicom = generate(work, "DICOM_ROOT", 3, 60);  // 180 files

  const RunResult run =
      run_xnatctl(home, emulator.base_url(),
                  {"session", "upload", dicom.string(), "-P", "MYPROJECT", "-S", "MYSUBJECT", "-E",
                   "MYSESSION", "--gradual", "--workers", "16"});
  INFO(run.stdout_text << run.stderr_text);
  REQUIRE(run.exit_status == 0);
  // Piped: one line every 100 files (and the last), never one per file.
  CHECK(run.stdout_text.find("sent 100/180 files\nsent 180/180 files\n") != std::string::npos);
  CHECK(count_lines_with(run.stdout_text, "sent ") == 2);
  CHECK(run.stdout_text.find("180 of 180 files stored") != std::string::npos);
  // Committed after the last file: archived at once, one session, every object.
  const auto archived = stored_objects(emulator.data_dir() / "archive" / "MYPROJECT");
  REQUIRE(archived.size() == 1);
  CHECK(archived.begin()->first.find("MYSESSION") != std::string::npos);
  CHECK(archived.begin()->second == 180);
  CHECK(http_status(emulator.base_url(),
                    "/data/projects/MYPROJECT/experiments/MYSESSION?format=json") == 200);
  CHECK(stored_objects(emulator.data_dir() / "prearchive").empty());
}

TEST_CASE("16 workers over a multi-series session: one JSON record per file, one session",
          "[cli][emulator]") {
  EmulatorFixture emulator(emulator_options({"--project", "P1"}));
  TempDir home, work;
  const fs::path dicom = generate(work, "dicom", 6, 25);  // 150 files in 6 scans

  const RunResult run =
      run_xnatctl(home, emulator.base_url(),
                  {"session", "upload", dicom.string(), "-P", "P1", "-S", "S1", "-E", "E1",
                   "--transport", "rest_gradual", "--workers", "16", "-o", "json"});
  INFO(run.stdout_text << run.stderr_text);
  REQUIRE(run.exit_status == 0);
  const auto records = json_lines(run.stdout_text);  // nothing but JSON on stdout
  const auto files = of_type(records, "file");
  REQUIRE(files.size() == 150);
  std::set<std::string> paths, uris;
  for (const auto& r : files) {
    paths.insert(r->getValue<std::string>("path"));
    uris.insert(r->getValue<std::string>("uri"));
    CHECK(r->getValue<std::string>("outcome") == "stored");
    CHECK(r->getValue<int>("status") == 200);
    CHECK(r->getValue<int>("attempts") == 1);
    CHECK(!r->getValue<std::string>("sop_instance_uid").empty());
  }
  CHECK(paths.size() == 150);
  REQUIRE(uris.size() == 1);  // every object went to the same session
  CHECK(uris.begin()->rfind("/xapi/direct-archive/P1/", 0) == 0);
  const auto summary = of_type(records, "summary");
  REQUIRE(summary.size() == 1);
  CHECK(summary[0]->getValue<int>("stored") == 150);
  const auto archived = stored_objects(emulator.data_dir() / "archive" / "P1");
  REQUIRE(archived.size() == 1);
  CHECK(archived.begin()->second == 150);
}

TEST_CASE("each worker keeps one connection for all its files", "[cli][emulator]") {
  EmulatorFixture emulator(emulator_options({"--project", "P1"}));
  TempDir home, work;
  const fs::path dicom = generate(work, "dicom", 2, 60);  // 120 files
  // strace records every connect() of xnatctl and its threads.
  const fs::path log = work.path() / "connect.strace";
  std::vector<std::string> args = {
      "-f",      "-e",     "trace=connect", "-o",        log.string(), XNATCTL_BINARY,
      "session", "upload", dicom.string(),  "-P",        "P1",         "-S",
      "S1",      "-E",     "POOLED",        "--gradual", "--workers",  "4",
      "-q"};
  const RunResult run = xnatctl::test_support::run_process(
      "strace", args, std::chrono::seconds(150), client_env(home, emulator.base_url()));
  INFO(run.stdout_text << run.stderr_text);
  REQUIRE(run.exit_status == 0);
  std::ifstream in(log);
  const std::string port = "sin_port=htons(" + std::to_string(emulator.http_port()) + ")";
  std::size_t connects = 0;
  for (std::string line; std::getline(in, line);) connects += line.find(port) != std::string::npos;
  // 120 requests, 4 at a time: the pool's connections (one per worker, plus none or one
  // more for the login, project check and commit), never one per file.
  CHECK(connects >= 1);
  CHECK(connects <= 5);
  const auto archived = stored_objects(emulator.data_dir() / "archive" / "P1");
  REQUIRE(archived.size() == 1);
  CHECK(archived.begin()->second == 120);
}

TEST_CASE("members of a pre-built zip are sent file by file", "[cli][emulator]") {
  EmulatorFixture emulator(emulator_options({"--project", "P1"}));
  TempDir home, work;
  const fs::path dicom = generate(work, "dicom", 3, 20);  // 60 files
  const fs::path zip = work.path() / "session.zip";
  ChildOptions in_dicom;
  in_dicom.working_dir = dicom;
  const auto zipped = xnatctl::test_support::run_process("zip", {"-qr", zip.string(), "."},
                                                         std::chrono::seconds(60), in_dicom);
  REQUIRE(zipped.exit_status == 0);

  const RunResult run = run_xnatctl(home, emulator.base_url(),
                                    {"session", "upload", zip.string(), "-P", "P1", "-S", "S1",
                                     "-E", "ZIPPED", "--gradual", "--workers", "8", "-o", "json"});
  INFO(run.stdout_text << run.stderr_text);
  REQUIRE(run.exit_status == 0);
  std::set<std::string> paths;
  for (const auto& r : of_type(json_lines(run.stdout_text), "file")) {
    CHECK(r->getValue<std::string>("outcome") == "stored");
    paths.insert(r->getValue<std::string>("path"));
  }
  CHECK(paths.size() == 60);
  const auto archived = stored_objects(emulator.data_dir() / "archive" / "P1");
  REQUIRE(archived.size() == 1);
  CHECK(archived.begin()->second == 60);
}

TEST_CASE("with --prearchive the session stays in the prearchive", "[cli][emulator]") {
  EmulatorFixture emulator(emulator_options({"--project", "P1"}));
  TempDir home, work;
  const fs::path dicom = generate(work, "dicom", 2, 20);

  const RunResult run = run_xnatctl(home, emulator.base_url(),
                                    {"session", "upload", dicom.string(), "-P", "P1", "-S", "S1",
                                     "-E", "PRE1", "--gradual", "--prearchive", "-o", "json"});
  INFO(run.stdout_text << run.stderr_text);
  REQUIRE(run.exit_status == 0);
  for (const auto& r : of_type(json_lines(run.stdout_text), "file"))
    CHECK(r->getValue<std::string>("uri").rfind("/data/prearchive/projects/P1/", 0) == 0);
  CHECK(stored_objects(emulator.data_dir() / "archive").empty());
  const auto staged = stored_objects(emulator.data_dir() / "prearchive" / "P1");
  REQUIRE(staged.size() == 1);
  CHECK(staged.begin()->second == 40);
}

TEST_CASE("the emulator's import-400 race and 503s are retried with nothing lost",
          "[cli][emulator]") {
  // 8 % of all requests fail with 500, 502 or 503, and the session's first object meets the
  // "Concurrent file sends" 400 twice. 502/503 are retried by the host; a 500 gets the two
  // extra rounds (a file is lost only by three 500s in a row: about 2e-5 a file).
  EmulatorFixture emulator(emulator_options({"--project", "P1", "--fault-import-400", "2",
                                             "--fault-5xx-rate", "0.08", "--fault-seed", "11"}));
  TempDir home, work;
  const fs::path dicom = generate(work, "dicom", 3, 30);  // 90 files

  const RunResult run = run_xnatctl(home, emulator.base_url(),
                                    {"session", "upload", dicom.string(), "-P", "P1", "-S", "S1",
                                     "-E", "FAULTY", "--gradual", "--workers", "16", "-o", "json"});
  INFO(run.stdout_text << run.stderr_text);
  REQUIRE(run.exit_status == 0);
  const auto files = of_type(json_lines(run.stdout_text), "file");
  REQUIRE(files.size() == 90);
  int retried = 0;
  for (const auto& r : files) {
    CHECK(r->getValue<std::string>("outcome") == "stored");
    retried += r->getValue<int>("attempts") > 1;
  }
  CHECK(retried > 0);  // the faults did happen, and were absorbed
  const auto archived = stored_objects(emulator.data_dir() / "archive" / "P1");
  REQUIRE(archived.size() == 1);
  CHECK(archived.begin()->second == 90);
}

TEST_CASE("a poison object is reported once with the server's reason and a non-zero exit",
          "[cli][emulator]") {
  EmulatorFixture emulator(emulator_options({"--project", "P1"}));
  TempDir home, work;
  const fs::path dicom = generate(work, "dicom", 2, 30);  // 60 files
  // A DICOM file without SOPInstanceUID: read fine by the client, refused by the server.
  const fs::path poison = dicom / "study1" / "series2" / "IM00007.dcm";
  const auto modified = xnatctl::test_support::run_process(
      "dcmodify", {"-nb", "-ea", "(0008,0018)", poison.string()}, std::chrono::seconds(30));
  REQUIRE(modified.exit_status == 0);

  const RunResult run = run_xnatctl(home, emulator.base_url(),
                                    {"session", "upload", dicom.string(), "-P", "P1", "-S", "S1",
                                     "-E", "POISON", "--gradual", "--workers", "16", "-o", "json"});
  INFO(run.stdout_text << run.stderr_text);
  CHECK(run.exit_status == 4);  // partial
  const auto files = of_type(json_lines(run.stdout_text), "file");
  REQUIRE(files.size() == 60);  // one record per file: the poison one is not retried
  std::size_t rejected = 0;
  for (const auto& r : files) {
    if (r->getValue<std::string>("path") == "study1/series2/IM00007.dcm") {
      ++rejected;
      CHECK(r->getValue<std::string>("outcome") == "rejected");
      CHECK(r->getValue<int>("status") == 400);
      CHECK(r->getValue<int>("attempts") == 1);
      CHECK(r->getValue<std::string>("message").find("contains no SOP Instance UID") !=
            std::string::npos);
    } else {
      CHECK(r->getValue<std::string>("outcome") == "stored");
    }
  }
  CHECK(rejected == 1);
  const auto archived = stored_objects(emulator.data_dir() / "archive" / "P1");
  REQUIRE(archived.size() == 1);
  CHECK(archived.begin()->second == 59);
}

TEST_CASE("SIGKILL mid-upload, then --resume sends only the rest, each file once",
          "[cli][emulator]") {
  // Latency makes the upload last long enough to be killed in the middle.
  EmulatorFixture emulator(emulator_options({"--project", "P1", "--fault-latency-ms", "25"}));
  TempDir home, work;
  const fs::path dicom = generate(work, "dicom", 4, 50);  // 200 files
  const std::vector<std::string> args = {
      "session", "upload", dicom.string(), "-P",        "P1", "-S", "S1",
      "-E",      "KILLED", "--gradual",    "--workers", "4",  "-o", "json"};

  ChildProcess first =
      ChildProcess::spawn(XNATCTL_BINARY, args, client_env(home, emulator.base_url()));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (count_lines_with(first.stdout_text(), "\"type\":\"file\"") < 40 &&
         std::chrono::steady_clock::now() < deadline && first.running())
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  first.signal(SIGKILL);
  REQUIRE(first.wait_for(std::chrono::seconds(10)) == 128 + SIGKILL);
  // Whole lines only: the last one may have been cut by the kill.
  std::string printed = first.stdout_text();
  printed.erase(printed.rfind('\n') + 1);
  std::set<std::string> sent_first;
  for (const auto& r : of_type(json_lines(printed), "file")) {
    CHECK(r->getValue<std::string>("outcome") == "stored");
    sent_first.insert(r->getValue<std::string>("path"));
  }
  REQUIRE(sent_first.size() >= 40);
  REQUIRE(sent_first.size() < 200);

  std::vector<std::string> resume = args;
  resume.push_back("--resume");
  const RunResult second = run_xnatctl(home, emulator.base_url(), resume);
  INFO(second.stdout_text << second.stderr_text);
  REQUIRE(second.exit_status == 0);
  const auto files = of_type(json_lines(second.stdout_text), "file");
  CHECK(files.size() < 200);
  CHECK(files.size() + sent_first.size() >= 200);
  std::set<std::string> all = sent_first;
  for (const auto& r : files) {
    const std::string path = r->getValue<std::string>("path");
    CHECK(sent_first.count(path) == 0);  // acknowledged before the kill: not sent again
    CHECK(r->getValue<std::string>("outcome") == "stored");
    all.insert(path);
  }
  CHECK(all.size() == 200);
  // Files sent but not yet acknowledged at the kill went again under the same name: the
  // server replaced them, so the session holds every object exactly once.
  const auto archived = stored_objects(emulator.data_dir() / "archive" / "P1");
  REQUIRE(archived.size() == 1);
  CHECK(archived.begin()->second == 200);
}

TEST_CASE("with --no-commit the session stays receiving, and a dry run contacts no server",
          "[cli][emulator]") {
  EmulatorFixture emulator(emulator_options({"--project", "P1"}));
  TempDir home, work;
  const fs::path dicom = generate(work, "dicom", 2, 10);

  const RunResult run = run_xnatctl(home, emulator.base_url(),
                                    {"session", "upload", dicom.string(), "-P", "P1", "-S", "S1",
                                     "-E", "OPEN", "--gradual", "--no-commit", "-o", "json"});
  INFO(run.stdout_text << run.stderr_text);
  REQUIRE(run.exit_status == 0);
  CHECK(of_type(json_lines(run.stdout_text), "file").size() == 20);
  // Not archived: the experiment does not exist yet (XNAT would build it when idle).
  CHECK(http_status(emulator.base_url(), "/data/projects/P1/experiments/OPEN?format=json") == 404);

  // Nothing listens on port 1: a dry run that tried to connect would fail.
  const RunResult dry = run_xnatctl(home, "http://127.0.0.1:1",
                                    {"session", "upload", dicom.string(), "-P", "P1", "-S", "S1",
                                     "-E", "DRY", "--gradual", "--workers", "16", "--dry-run"});
  INFO(dry.stdout_text << dry.stderr_text);
  REQUIRE(dry.exit_status == 0);
  CHECK(dry.stdout_text.find("rest_gradual: 20 file(s)") != std::string::npos);
  CHECK(dry.stdout_text.find("16 worker(s)") != std::string::npos);
  CHECK(dry.stdout_text.find("import-handler=gradual-DICOM&PROJECT_ID=P1&SUBJECT_ID=S1"
                             "&EXPT_LABEL=DRY&Direct-Archive=true") != std::string::npos);
}
