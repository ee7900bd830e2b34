// The resume journal: SQLite through Poco::Data in WAL mode, private file modes, safe under
// concurrent acknowledgements, and durable against a SIGKILL right after acknowledge().

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <thread>

#include "stream_test_support.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/upload/journal.hpp"

using namespace xnatctl::upload;
using namespace xnatctl::upload::testing;
using Catch::Contains;

namespace {

JournalKey key_for(const std::string& session) {
  return JournalKey{
      "https://xnat.example.org", "PROJ", "SUBJ", session, "/data/study1", "rest_zip"};
}

FileIdentity identity(int i) {
  return FileIdentity{"series/" + std::to_string(i) + ".dcm", 1000u + static_cast<unsigned>(i),
                      1700000000LL * 1'000'000'000 + i, "1.2.3." + std::to_string(i)};
}

std::vector<FileIdentity> identities(int from, int to) {
  std::vector<FileIdentity> out;
  for (int i = from; i < to; ++i) out.push_back(identity(i));
  return out;
}

bool contains(const std::vector<FileIdentity>& list, const FileIdentity& f) {
  return std::find(list.begin(), list.end(), f) != list.end();
}

mode_t mode_of(const std::filesystem::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("acknowledged files come back for the same key, and only for it") {
  ScratchDir dir;
  Journal journal(dir.path() / "journal.sqlite");
  CHECK(journal.acknowledged(key_for("S1")).empty());
  journal.acknowledge(key_for("S1"), identities(0, 3));
  journal.acknowledge(key_for("S1"), {identity(3)});
  journal.acknowledge(key_for("S1"), {});
  const auto back = journal.acknowledged(key_for("S1"));
  REQUIRE(back.size() == 4);
  for (int i = 0; i < 4; ++i) CHECK(contains(back, identity(i)));
  CHECK(journal.acknowledged(key_for("S2")).empty());
  JournalKey other_transport = key_for("S1");
  other_transport.transport = "rest_gradual";
  CHECK(journal.acknowledged(other_transport).empty());
  // Acknowledging the same file twice keeps one row.
  journal.acknowledge(key_for("S1"), {identity(0)});
  CHECK(journal.acknowledged(key_for("S1")).size() == 4);
}

TEST_CASE("a changed file is not acknowledged") {
  ScratchDir dir;
  Journal journal(dir.path() / "journal.sqlite");
  journal.acknowledge(key_for("S1"), {identity(1)});
  FileIdentity bigger = identity(1), newer = identity(1);
  bigger.size += 1;
  newer.mtime_ns += 1;
  const auto back = journal.acknowledged(key_for("S1"));
  CHECK(contains(back, identity(1)));
  CHECK_FALSE(contains(back, bigger));
  CHECK_FALSE(contains(back, newer));
  // Sending the changed file again replaces the old record.
  journal.acknowledge(key_for("S1"), {newer});
  const auto after = journal.acknowledged(key_for("S1"));
  REQUIRE(after.size() == 1);
  CHECK(after[0] == newer);
}

TEST_CASE("FileIdentity::of takes path, size, mtime and SOP instance UID") {
  JobFile f;
  f.relative_path = "a/b.dcm";
  f.size = 42;
  f.mtime_ns = 7;
  f.attributes.sop_instance_uid = "1.2.840.1";
  CHECK(FileIdentity::of(f) == FileIdentity{"a/b.dcm", 42, 7, "1.2.840.1"});
}

TEST_CASE("complete() forgets a key and nothing else") {
  ScratchDir dir;
  {
    Journal journal(dir.path() / "journal.sqlite");
    journal.acknowledge(key_for("S1"), identities(0, 5));
    journal.acknowledge(key_for("S2"), identities(0, 2));
    journal.complete(key_for("S1"));
    journal.complete(key_for("never-seen"));
    CHECK(journal.acknowledged(key_for("S1")).empty());
    CHECK(journal.acknowledged(key_for("S2")).size() == 2);
    // A later run of the same key starts fresh.
    journal.acknowledge(key_for("S1"), {identity(9)});
    CHECK(journal.acknowledged(key_for("S1")).size() == 1);
  }
  Journal reopened(dir.path() / "journal.sqlite");
  CHECK(reopened.acknowledged(key_for("S1")).size() == 1);
  CHECK(reopened.acknowledged(key_for("S2")).size() == 2);
}

TEST_CASE("the journal file is 0600 (and its WAL too) in a 0700 directory") {
  ScratchDir dir;
  const auto path = dir.path() / "state/xnatctl/journal.sqlite";
  const mode_t old_umask = ::umask(0);  // the most permissive umask must not leak through
  {
    Journal journal(path);
    journal.acknowledge(key_for("S1"), identities(0, 3));
    CHECK(mode_of(path) == 0600);
    CHECK(mode_of(path.string() + "-wal") == 0600);
    CHECK(mode_of(path.parent_path()) == 0700);
    CHECK(mode_of(path.parent_path().parent_path()) == 0700);
  }
  ::umask(old_umask);
  // An existing database with a loose mode is tightened on open.
  ::chmod(path.c_str(), 0644);
  Journal again(path);
  CHECK(mode_of(path) == 0600);
}

TEST_CASE("the journal is in WAL mode") {
  ScratchDir dir;
  const auto path = dir.path() / "journal.sqlite";
  { Journal journal(path); }
  // The SQLite file header records WAL as file format version 2 at bytes 18 and 19.
  std::ifstream in(path, std::ios::binary);
  char header[20] = {};
  in.read(header, sizeof header);
  CHECK(std::string(header, 15) == "SQLite format 3");
  CHECK(header[18] == 2);
  CHECK(header[19] == 2);
}

TEST_CASE("16 threads acknowledging at once never fail") {
  ScratchDir dir;
  Journal journal(dir.path() / "journal.sqlite");
  constexpr int kThreads = 16, kPerThread = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        try {
          const int id = t * kPerThread + i;
          journal.acknowledge(key_for("S1"), {identity(id)});
          if (i % 10 == 0) journal.acknowledged(key_for("S1"));
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(journal.acknowledged(key_for("S1")).size() == std::size_t{kThreads} * kPerThread);
}

TEST_CASE("two journals on one file (two runs) both get their writes in") {
  ScratchDir dir;
  Journal first(dir.path() / "journal.sqlite"), second(dir.path() / "journal.sqlite");
  std::atomic<int> failures{0};
  auto writer = [&](Journal& journal, const std::string& session) {
    for (int i = 0; i < 100; ++i) {
      try {
        journal.acknowledge(key_for(session), {identity(i)});
      } catch (const std::exception&) {
        ++failures;
      }
    }
  };
  std::thread a(writer, std::ref(first), "A"), b(writer, std::ref(second), "B");
  a.join();
  b.join();
  CHECK(failures == 0);
  CHECK(first.acknowledged(key_for("B")).size() == 100);
  CHECK(second.acknowledged(key_for("A")).size() == 100);
}

TEST_CASE("acknowledgements survive a SIGKILL right after acknowledge() returns") {
  ScratchDir dir;
  const auto path = dir.path() / "journal.sqlite";
  { Journal create(path); }
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child must never return into Catch: any failure is its exit status.
    try {
      Journal journal(path);
      for (int batch = 0; batch < 10; ++batch) {
        journal.acknowledge(key_for("S1"), identities(batch * 10, batch * 10 + 10));
      }
      ::kill(::getpid(), SIGKILL);
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(4);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  // The killed process never checkpointed: the rows live in the WAL it left behind.
  CHECK(std::filesystem::file_size(path.string() + "-wal") > 0);
  Journal reopened(path);
  const auto back = reopened.acknowledged(key_for("S1"));
  CHECK(back.size() == 100);
  CHECK(contains(back, identity(99)));
}

TEST_CASE("the default journal path follows XDG_STATE_HOME, else HOME") {
  {
    ScopedEnv state("XDG_STATE_HOME", "/x/state");
    CHECK(Journal::default_path() == "/x/state/xnatctl/journal.sqlite");
  }
  {
    ScopedEnv state("XDG_STATE_HOME", nullptr);
    ScopedEnv home("HOME", "/home/u");
    CHECK(Journal::default_path() == "/home/u/.local/state/xnatctl/journal.sqlite");
  }
  ScopedEnv state("XDG_STATE_HOME", nullptr);
  ScopedEnv home("HOME", nullptr);
  CHECK_THROWS_AS(Journal::default_path(), xnatctl::Error);
}

TEST_CASE("a journal that cannot be opened is a one-line error naming the file") {
  ScratchDir dir;
  write_file(dir.path() / "not-a-dir", "x");
  const auto path = dir.path() / "not-a-dir/journal.sqlite";
  try {
    Journal journal(path);
    FAIL("opened a journal under a regular file");
  } catch (const xnatctl::Error& e) {
    const std::string message = e.what();
    CHECK_THAT(message, Contains("not-a-dir"));
    CHECK(message.find('\n') == std::string::npos);
  }
  write_file(dir.path() / "garbage.sqlite", std::string(4096, 'g'));
  try {
    Journal journal(dir.path() / "garbage.sqlite");
    FAIL("opened a file that is not a database");
  } catch (const xnatctl::Error& e) {
    const std::string message = e.what();
    CHECK_THAT(message, Contains("garbage.sqlite"));
    CHECK(message.find('\n') == std::string::npos);
  }
}
