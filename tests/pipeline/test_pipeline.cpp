// The upload pipeline through the real xnatctl binary with the fixture transport: discovery
// to summary, the journal across SIGKILL and Ctrl-C, pre-built archives without temporary
// files, routers, the study guard and dry runs.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "pipeline_test_support.hpp"

using namespace pipeline_test;
using xnatctl::test_support::ChildOptions;
using xnatctl::test_support::ChildProcess;
using xnatctl::test_support::run_process;

namespace {

std::vector<std::string> upload(const fs::path& source, const World& w,
                                std::vector<std::string> extra = {}) {
  std::vector<std::string> a = {
      "session", "upload", source.string(), "-P",      "PROJ",          "-S",          "SUBJ",
      "-E",      "SESS",   "--transport",   "fixture", "--fixture-out", w.out.string()};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

// Files a session directory holds, flattened the way the fixture names what it receives.
std::vector<std::string> flat_files(const fs::path& session) {
  std::vector<std::string> names;
  for (auto n : files_under(session)) {
    for (char& c : n) {
      if (c == '/') c = '_';
    }
    names.push_back(n);
  }
  return names;
}

bool wait_until(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

ChildProcess spawn(const World& w, const std::vector<std::string>& command) {
  ChildOptions options;
  options.extra_env = w.env;
  return ChildProcess::spawn(w.binary(), command, options);
}

}  // namespace

TEST_CASE("every DICOM file reaches the transport byte for byte and stdout is JSON lines") {
  World w;
  const fs::path session = w.make_session("session", 3, 4);
  std::ofstream(session / "notes.txt") << "not an image";
  const auto r =
      w.run({"-o", "json", "session", "upload", session.string(), "-P", "PROJ", "-S", "SUBJ", "-E",
             "SESS", "--transport", "fixture", "--fixture-out", w.out.string()});
  INFO(r.stderr_text);
  REQUIRE(r.exit_status == 0);
  const std::vector<std::string> expected = [&] {
    auto all = flat_files(session);
    std::erase(all, "notes.txt");
    return all;
  }();
  CHECK(names_in(w.out) == expected);
  for (const auto& rel : files_under(session)) {
    if (rel == "notes.txt") continue;
    std::string flat = rel;
    for (char& c : flat) c = c == '/' ? '_' : c;
    CHECK(read_file(w.out / flat) == read_file(session / rel));
  }
  const auto lines = json_lines(r.stdout_text);
  const auto files = of_type(lines, "file");
  CHECK(files.size() == 12);
  for (const auto& f : files) {
    CHECK(f->getValue<std::string>("outcome") == "stored");
    CHECK(!f->getValue<std::string>("sop_instance_uid").empty());
  }
  const auto summary = of_type(lines, "summary");
  REQUIRE(summary.size() == 1);
  CHECK(summary[0]->getValue<int>("stored") == 12);
  CHECK(summary[0]->getValue<int>("exit_code") == 0);
  CHECK(summary[0]->getObject("skipped")->getValue<int>("not DICOM") == 1);
  CHECK(lines.back()->getValue<std::string>("type") == "summary");
}

TEST_CASE("rejected files make the exit 4 when some were stored and 1 when none were") {
  World w;
  const fs::path session = w.make_session("session", 2, 3);
  const auto some = w.run(upload(session, w, {"-o", "json", "--fixture-reject", "series2"}));
  CHECK(some.exit_status == 4);
  const auto lines = json_lines(some.stdout_text);
  const auto files = of_type(lines, "file");
  REQUIRE(files.size() == 6);  // each file reported once
  int rejected = 0;
  for (const auto& f : files) rejected += f->getValue<std::string>("outcome") == "rejected";
  CHECK(rejected == 3);
  CHECK(of_type(lines, "summary")[0]->getValue<int>("rejected") == 3);

  World w2;
  const fs::path s2 = w2.make_session("session", 1, 2);
  const auto none = w2.run(upload(s2, w2, {"--fixture-reject", "IM"}));
  CHECK(none.exit_status == 1);
  CHECK(none.stderr_text.find("rejected: ") != std::string::npos);
}

TEST_CASE("a SIGKILLed upload leaves a journal that --resume uses to send only the rest") {
  World w;
  const fs::path session = w.make_session("session", 2, 10);  // 20 files
  const auto all = flat_files(session);
  {
    ChildProcess child = spawn(w, upload(session, w, {"--fixture-delay-ms", "150"}));
    REQUIRE(wait_until([&] { return names_in(w.out).size() >= 6; }, std::chrono::seconds(60)));
    child.signal(SIGKILL);
    child.wait_for(std::chrono::seconds(10));
  }
  const auto first = names_in(w.out);
  REQUIRE(first.size() < all.size());

  const fs::path second_out = w.root / "second";
  auto args = upload(session, w, {"--resume"});
  args[12] = second_out.string();  // --fixture-out
  const auto resumed = w.run(args);
  INFO(resumed.stderr_text);
  REQUIRE(resumed.exit_status == 0);
  const auto second = names_in(second_out);
  CHECK(second.size() < all.size());
  // Together they hold every file; at most the one in flight when killed was sent twice.
  std::set<std::string> union_set(first.begin(), first.end());
  union_set.insert(second.begin(), second.end());
  CHECK(std::vector<std::string>(union_set.begin(), union_set.end()) == all);
  CHECK(first.size() + second.size() - union_set.size() <= 1);

  // The journal was completed: a new upload of the same source sends everything again and
  // mentions no earlier run.
  const fs::path third_out = w.root / "third";
  auto again = upload(session, w);
  again[12] = third_out.string();
  const auto fresh = w.run(again);
  CHECK(fresh.exit_status == 0);
  CHECK(names_in(third_out).size() == all.size());
  CHECK(fresh.stderr_text.find("earlier run") == std::string::npos);
}

// Object names (sdk.h xc_job_file.object_name) are decided over everything discovered, so a
// file left for --resume keeps the name it had: here "a_b/c.dcm" flattens like "a/b_c.dcm",
// which sorts first and takes the plain name; re-derived from the resumed job alone (where
// "a/b_c.dcm" is gone), "a_b/c.dcm" would take it over.
TEST_CASE("a file sent by --resume keeps the object name the first run gave it") {
  World w;
  const fs::path made = w.make_session("made", 1, 2);
  const auto files = files_under(made);
  REQUIRE(files.size() == 2);
  const fs::path source = w.root / "clash";
  fs::create_directories(source / "a");
  fs::create_directories(source / "a_b");
  fs::copy_file(made / files[0], source / "a" / "b_c.dcm");
  fs::copy_file(made / files[1], source / "a_b" / "c.dcm");
  auto names_of = [&w, &source](const std::string& run, std::vector<std::string> extra) {
    const fs::path names = w.root / (run + ".tsv");
    extra.insert(extra.end(), {"--fixture-names", names.string()});
    const auto r = w.run(upload(source, w, extra));
    INFO(r.stderr_text);
    std::map<std::string, std::string> by_path;
    std::ifstream in(names);
    for (std::string path, name; std::getline(in, path, '\t') && std::getline(in, name);)
      by_path[path] = name;
    return std::make_pair(r.exit_status, by_path);
  };

  // Run 1 stores a/b_c.dcm and has a_b/c.dcm rejected; run 2 resumes with a_b/c.dcm alone.
  const auto [first_exit, first] = names_of("first", {"--fixture-reject", "a_b/"});
  CHECK(first_exit == 4);
  REQUIRE(first.size() == 2);
  CHECK(first.at("a/b_c.dcm") == "a_b_c.dcm");
  const std::string later = first.at("a_b/c.dcm");
  CHECK(later.rfind("a_b_c~", 0) == 0);
  CHECK(later.substr(later.size() - 4) == ".dcm");

  const auto [second_exit, second] = names_of("second", {"--resume"});
  CHECK(second_exit == 0);
  REQUIRE(second.size() == 1);  // only the file the first run did not store
  CHECK(second.at("a_b/c.dcm") == later);
}

TEST_CASE("an interrupted upload is mentioned by the next run without --resume") {
  World w;
  const fs::path session = w.make_session("session", 1, 8);
  {
    ChildProcess child = spawn(w, upload(session, w, {"--fixture-delay-ms", "150"}));
    REQUIRE(wait_until([&] { return names_in(w.out).size() >= 3; }, std::chrono::seconds(60)));
    child.signal(SIGKILL);
    child.wait_for(std::chrono::seconds(10));
  }
  const auto killed_after = names_in(w.out).size();
  auto args = upload(session, w);
  args[12] = (w.root / "again").string();  // --fixture-out
  const auto r = w.run(args);
  CHECK(r.exit_status == 0);
  CHECK(r.stderr_text.find("files of an earlier run were already sent; add --resume") !=
        std::string::npos);
  CHECK(names_in(w.root / "again").size() == 8);  // without --resume everything is sent
  CHECK(killed_after < 8);
}

TEST_CASE("Ctrl-C stops within a second with exit 130 and prints the command that resumes") {
  World w;
  const fs::path session = w.make_session("session", 1, 12);
  ChildProcess child = spawn(w, upload(session, w, {"--fixture-delay-ms", "400"}));
  REQUIRE(wait_until([&] { return names_in(w.out).size() >= 2; }, std::chrono::seconds(60)));
  const auto sent = std::chrono::steady_clock::now();
  child.signal(SIGINT);
  const auto status = child.wait_for(std::chrono::seconds(5));
  const auto took = std::chrono::steady_clock::now() - sent;
  REQUIRE(status.has_value());
  CHECK(*status == 130);
  WARN("exit after SIGINT took "
       << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  CHECK(took < std::chrono::milliseconds(1000));
  const std::string err = child.stderr_text();
  const auto at = err.find("\n  xnatctl ");
  REQUIRE(at != std::string::npos);
  std::string command = err.substr(at + 3);
  command = command.substr(0, command.find('\n'));
  CHECK(command.find("--resume") != std::string::npos);
  CHECK(command.find("--fixture-out") != std::string::npos);

  // Run exactly the printed command (through sh, as a user would paste it).
  const std::string line = w.binary().string() + command.substr(std::string("xnatctl").size());
  ChildOptions options;
  options.extra_env = w.env;
  const auto finished = run_process("/bin/sh", {"-c", line}, std::chrono::seconds(120), options);
  INFO(finished.stderr_text);
  CHECK(finished.exit_status == 0);
  CHECK(names_in(w.out) == flat_files(session));
}

TEST_CASE("members of pre-built tar and zip archives reach the transport with no file written") {
  World w;
  const fs::path session = w.make_session("session", 2, 3);
  const fs::path tar = w.root / "session.tar";
  const fs::path zip = w.root / "session.zip";
  REQUIRE(run_process("tar", {"-C", session.string(), "-cf", tar.string(), "."},
                      std::chrono::seconds(30))
              .exit_status == 0);
  REQUIRE(run_process("python3",
                      {"-c",
                       "import os,sys,zipfile\n"
                       "z=zipfile.ZipFile(sys.argv[2],'w',zipfile.ZIP_DEFLATED)\n"
                       "for d,_,fs in os.walk(sys.argv[1]):\n"
                       "  for f in fs:\n"
                       "    p=os.path.join(d,f); z.write(p, os.path.relpath(p, sys.argv[1]))\n"
                       "z.close()\n",
                       session.string(), zip.string()},
                      std::chrono::seconds(30))
              .exit_status == 0);
  for (const fs::path& archive : {tar, zip}) {
    DYNAMIC_SECTION(archive.filename().string()) {
      // strace lists every file the run creates; only the fixture's output and the journal
      // may appear (TMPDIR and HOME otherwise stay untouched).
      const fs::path trace = w.root / ("trace-" + archive.filename().string());
      std::vector<std::string> a = {"-f",
                                    "-qq",
                                    "-e",
                                    "trace=open,openat,creat,rename,link",
                                    "-o",
                                    trace.string(),
                                    w.binary().string()};
      for (const auto& arg : upload(archive, w)) a.push_back(arg);
      ChildOptions options;
      options.extra_env = w.env;
      const auto r = run_process("strace", a, std::chrono::seconds(120), options);
      INFO(r.stderr_text);
      REQUIRE(r.exit_status == 0);
      CHECK(names_in(w.out).size() == 6);
      std::ifstream in(trace);
      for (std::string line; std::getline(in, line);) {
        if (line.find("O_CREAT") == std::string::npos && line.find("creat(") == std::string::npos)
          continue;
        const bool fixture_output = line.find(w.out.string()) != std::string::npos;
        const bool journal = line.find("/xnatctl/journal.sqlite") != std::string::npos;
        INFO(line);
        CHECK((fixture_output || journal));
      }
      CHECK(files_under(w.tmp).empty());
      fs::remove_all(w.out);
    }
  }
}

TEST_CASE("a whole pre-built tar passes through byte for byte and a filtered one is re-streamed") {
  World w;
  const fs::path session = w.make_session("session", 1, 3);
  const fs::path clean = w.root / "clean.tar";
  REQUIRE(run_process("tar", {"-C", session.string(), "-cf", clean.string(), "."},
                      std::chrono::seconds(30))
              .exit_status == 0);
  const auto r = w.run(upload(clean, w, {"--fixture-mode", "source"}));
  INFO(r.stderr_text);
  REQUIRE(r.exit_status == 0);
  CHECK(read_file(w.out / "source.bin") == read_file(clean));

  std::ofstream(session / "junk.txt") << "not DICOM";
  const fs::path dirty = w.root / "dirty.tar";
  REQUIRE(run_process("tar", {"-C", session.string(), "-cf", dirty.string(), "."},
                      std::chrono::seconds(30))
              .exit_status == 0);
  fs::remove_all(w.out);
  const auto f = w.run(upload(dirty, w, {"--fixture-mode", "source"}));
  INFO(f.stderr_text);
  REQUIRE(f.exit_status == 0);
  CHECK(names_in(w.out) == std::vector<std::string>{"archive.tar"});
  const std::string body = read_file(w.out / "archive.tar");
  CHECK(body.find("not DICOM") == std::string::npos);
  CHECK(body.size() % 512 == 0);
}

TEST_CASE("modality_router reroutes a real upload to its configured project") {
  World w;
  const fs::path session = w.make_session("session", 1, 2);
  fs::create_directories(w.home / ".config" / "xnatctl");
  std::ofstream(w.home / ".config" / "xnatctl" / "config.yaml")
      << "plugins:\n  settings:\n    modality_router:\n      modality: MR\n"
         "      project: ROUTED\n";
  w.add_plugin(MODALITY_ROUTER_PLUGIN);
  const auto r = w.run(upload(session, w, {"-o", "json"}));
  INFO(r.stderr_text);
  REQUIRE(r.exit_status == 0);
  const auto sessions = of_type(json_lines(r.stdout_text), "session");
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0]->getValue<std::string>("project") == "ROUTED");
}

TEST_CASE(
    "two studies under one label are refused and split studies upload as LABEL_1 and LABEL_2") {
  World w;
  const fs::path session = w.make_session("session", 1, 2, 2);
  const auto refused = w.run(upload(session, w));
  CHECK(refused.exit_status == 2);
  CHECK(refused.stderr_text.find("--split-studies") != std::string::npos);
  CHECK(names_in(w.out).empty());

  const auto split = w.run(upload(session, w, {"-o", "json", "--split-studies"}));
  INFO(split.stderr_text);
  REQUIRE(split.exit_status == 0);
  const auto sessions = of_type(json_lines(split.stdout_text), "session");
  REQUIRE(sessions.size() == 2);
  CHECK(sessions[0]->getValue<std::string>("session") == "SESS_1");
  CHECK(sessions[1]->getValue<std::string>("session") == "SESS_2");
  CHECK(names_in(w.out).size() == 4);
}

TEST_CASE("a dry run prints the plan and the transport's description and sends nothing") {
  World w;
  const fs::path session = w.make_session("session", 2, 2);
  const auto r = w.run(upload(session, w, {"--dry-run"}));
  INFO(r.stderr_text);
  REQUIRE(r.exit_status == 0);
  CHECK(r.stdout_text.find("Dry run") != std::string::npos);
  CHECK(r.stdout_text.find("Files: 4") != std::string::npos);
  CHECK(r.stdout_text.find("fixture: would copy 4 files") != std::string::npos);
  CHECK(!fs::exists(w.out));
  const auto j = w.run(upload(session, w, {"--dry-run", "-o", "json"}));
  REQUIRE(j.exit_status == 0);
  const auto plans = of_type(json_lines(j.stdout_text), "plan");
  REQUIRE(plans.size() == 1);
  CHECK(plans[0]->getValue<int>("files") == 4);
}
