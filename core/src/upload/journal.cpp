#include "xnatctl/upload/journal.hpp"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <type_traits>

#include "xnatctl/config/environment.hpp"
#include "xnatctl/config/private_file.hpp"
#include "xnatctl/error.hpp"

namespace xnatctl::upload {

using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

namespace {

// Bumped when the tables change; an older database is migrated in open_schema().
constexpr int kSchemaVersion = 1;

void register_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Data::SQLite::Connector::registerConnector(); });
}

[[noreturn]] void fail_errno(const std::string& what, const std::filesystem::path& path) {
  throw Error("cannot " + what + " the resume journal " + path.string() + ": " +
              std::strerror(errno));
}

// SQLite creates the database with the process umask and its -wal/-shm files with the
// database's mode, so creating the file ourselves with 0600 first keeps all three private.
void create_private_database_file(const std::filesystem::path& path) {
  config::create_private_directories(path.parent_path());
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) fail_errno("create", path);
  const bool private_mode = ::fchmod(fd, 0600) == 0;
  ::close(fd);
  if (!private_mode) fail_errno("protect", path);
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string side = path.string() + suffix;
    if (::chmod(side.c_str(), 0600) != 0 && errno != ENOENT) fail_errno("protect", side);
  }
}

std::string one_line(const Poco::Exception& e) {
  std::string text = e.displayText();
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

}  // namespace

FileIdentity FileIdentity::of(const JobFile& file) {
  return FileIdentity{file.relative_path, file.size, file.mtime_ns,
                      file.attributes.sop_instance_uid};
}

std::filesystem::path Journal::default_path() {
  const auto env = config::Environment::process();
  if (auto state = env.get("XDG_STATE_HOME")) {
    return std::filesystem::path(*state) / "xnatctl" / "journal.sqlite";
  }
  if (auto home = env.get("HOME")) {
    return std::filesystem::path(*home) / ".local" / "state" / "xnatctl" / "journal.sqlite";
  }
  throw Error("cannot locate the resume journal: neither HOME nor XDG_STATE_HOME is set");
}

// One connection behind one mutex: acknowledgements come from transport worker threads, and
// serialising them here means they never meet SQLITE_BUSY from each other. Other processes
// (a second xnatctl run) are waited for through busy_timeout.
class Journal::Impl {
 public:
  explicit Impl(const std::filesystem::path& path) : path_(path), session_(open(path)) {
    configure();
  }

  std::vector<FileIdentity> acknowledged(const JournalKey& key) {
    std::lock_guard lock(mutex_);
    return guarded("read", [&] {
      std::vector<std::string> paths, uids;
      std::vector<Poco::Int64> sizes, mtimes;
      JournalKey k = key;
      session_ << "SELECT f.relative_path, f.size, f.mtime_ns, f.sop_instance_uid "
                  "FROM files f JOIN runs r ON f.run = r.id "
                  "WHERE r.server = ? AND r.project = ? AND r.subject = ? AND r.session = ? "
                  "AND r.source = ? AND r.transport = ? ORDER BY f.relative_path",
          into(paths), into(sizes), into(mtimes), into(uids), use(k.server), use(k.project),
          use(k.subject), use(k.session), use(k.source), use(k.transport), now;
      std::vector<FileIdentity> out;
      out.reserve(paths.size());
      for (std::size_t i = 0; i < paths.size(); ++i) {
        out.push_back(
            FileIdentity{paths[i], static_cast<std::uint64_t>(sizes[i]), mtimes[i], uids[i]});
      }
      return out;
    });
  }

  void acknowledge(const JournalKey& key, const std::vector<FileIdentity>& files) {
    if (files.empty()) return;
    std::lock_guard lock(mutex_);
    guarded("write", [&] {
      transaction([&] {
        Poco::Int64 run = run_id(key);
        Poco::Int64 size = 0, mtime = 0;
        std::string relative_path, uid;
        Poco::Data::Statement insert(session_);
        insert << "INSERT OR REPLACE INTO files (run, relative_path, size, mtime_ns, "
                  "sop_instance_uid) VALUES (?, ?, ?, ?, ?)",
            use(run), use(relative_path), use(size), use(mtime), use(uid);
        for (const FileIdentity& f : files) {
          relative_path = f.relative_path;
          size = static_cast<Poco::Int64>(f.size);
          mtime = f.mtime_ns;
          uid = f.sop_instance_uid;
          insert.execute();
        }
      });
      return 0;
    });
  }

  void complete(const JournalKey& key) {
    std::lock_guard lock(mutex_);
    guarded("write", [&] {
      transaction([&] {
        JournalKey k = key;
        std::vector<Poco::Int64> ids;
        session_ << "SELECT id FROM runs WHERE server = ? AND project = ? AND subject = ? "
                    "AND session = ? AND source = ? AND transport = ?",
            into(ids), use(k.server), use(k.project), use(k.subject), use(k.session), use(k.source),
            use(k.transport), now;
        run_ids_.erase(cache_key(key));
        for (Poco::Int64 id : ids) {
          session_ << "DELETE FROM files WHERE run = ?", use(id), now;
          session_ << "DELETE FROM runs WHERE id = ?", use(id), now;
        }
      });
      return 0;
    });
  }

 private:
  static Poco::Data::Session open(const std::filesystem::path& path) {
    register_sqlite_once();
    create_private_database_file(path);
    try {
      return Poco::Data::Session("SQLite", path.string());
    } catch (const Poco::Exception& e) {
      throw Error("cannot open the resume journal " + path.string() + ": " + one_line(e));
    }
  }

  void configure() {
    guarded("open", [&] {
      // WAL: readers never block the writer and a commit is one append to the -wal file.
      // synchronous=NORMAL: a commit is written to the -wal file (reaching the kernel) before
      // COMMIT returns, but fsync happens only at checkpoints. That is durable against a crash
      // or SIGKILL of this process (the kernel still writes the page cache out, and the next
      // open replays the WAL); only a power loss or OS crash can lose the last commits, and
      // then the files are merely sent again, never wrongly skipped. FULL would fsync each
      // acknowledgement for nothing we need.
      std::string mode;
      session_ << "PRAGMA journal_mode=WAL", into(mode), now;
      if (mode != "wal") throw Error("cannot switch the journal to WAL mode (got " + mode + ")");
      session_ << "PRAGMA synchronous=NORMAL", now;
      session_ << "PRAGMA busy_timeout=10000", now;
      int version = 0;
      session_ << "PRAGMA user_version", into(version), now;
      if (version > kSchemaVersion) {
        throw Error("it was written by a newer xnatctl (schema " + std::to_string(version) + ")");
      }
      transaction([&] {
        session_ << "CREATE TABLE IF NOT EXISTS runs ("
                    " id INTEGER PRIMARY KEY,"
                    " server TEXT NOT NULL, project TEXT NOT NULL, subject TEXT NOT NULL,"
                    " session TEXT NOT NULL, source TEXT NOT NULL, transport TEXT NOT NULL,"
                    " updated INTEGER NOT NULL,"
                    " UNIQUE (server, project, subject, session, source, transport))",
            now;
        session_ << "CREATE TABLE IF NOT EXISTS files ("
                    " run INTEGER NOT NULL REFERENCES runs(id),"
                    " relative_path TEXT NOT NULL, size INTEGER NOT NULL,"
                    " mtime_ns INTEGER NOT NULL, sop_instance_uid TEXT NOT NULL,"
                    " PRIMARY KEY (run, relative_path))",
            now;
        session_ << "PRAGMA user_version = " + std::to_string(kSchemaVersion), now;
      });
      return 0;
    });
  }

  static std::string cache_key(const JournalKey& k) {
    return k.server + '\0' + k.project + '\0' + k.subject + '\0' + k.session + '\0' + k.source +
           '\0' + k.transport;
  }

  // The run's row, created on first use in this process (its `updated` time, set then, lets
  // old journals be pruned). Cached: a per-file transport acknowledges thousands of files,
  // and looking the row up again for each was a third of the CPU an upload spent per file.
  Poco::Int64 run_id(const JournalKey& key) {
    const std::string cached = cache_key(key);
    if (const auto it = run_ids_.find(cached); it != run_ids_.end()) return it->second;
    JournalKey k = key;
    Poco::Int64 stamp = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    session_ << "INSERT INTO runs (server, project, subject, session, source, transport, "
                "updated) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (server, project, subject, session, source, transport) "
                "DO UPDATE SET updated = excluded.updated",
        use(k.server), use(k.project), use(k.subject), use(k.session), use(k.source),
        use(k.transport), use(stamp), now;
    Poco::Int64 id = 0;
    session_ << "SELECT id FROM runs WHERE server = ? AND project = ? AND subject = ? "
                "AND session = ? AND source = ? AND transport = ?",
        into(id), use(k.server), use(k.project), use(k.subject), use(k.session), use(k.source),
        use(k.transport), now;
    run_ids_.emplace(cached, id);
    return id;
  }

  // BEGIN IMMEDIATE takes the write lock up front, so the busy timeout applies to it; a
  // deferred transaction that reads first could fail to upgrade with SQLITE_BUSY at once.
  template <typename F>
  void transaction(F&& body) {
    session_ << "BEGIN IMMEDIATE", now;
    try {
      body();
      session_ << "COMMIT", now;
    } catch (...) {
      try {
        session_ << "ROLLBACK", now;
      } catch (const Poco::Exception&) {
        // The original error is the one worth reporting.
      }
      throw;
    }
  }

  template <typename F>
  std::invoke_result_t<F> guarded(const char* what, F&& body) {
    try {
      return body();
    } catch (const Error& e) {
      throw Error(std::string("cannot ") + what + " the resume journal " + path_.string() + ": " +
                  e.what());
    } catch (const Poco::Exception& e) {
      throw Error(std::string("cannot ") + what + " the resume journal " + path_.string() + ": " +
                  one_line(e));
    }
  }

  std::filesystem::path path_;
  std::mutex mutex_;
  Poco::Data::Session session_;
  std::map<std::string, Poco::Int64> run_ids_;  // by cache_key(); guarded by mutex_
};

Journal::Journal(const std::filesystem::path& path) : impl_(std::make_unique<Impl>(path)) {}
Journal::~Journal() = default;

std::vector<FileIdentity> Journal::acknowledged(const JournalKey& key) {
  return impl_->acknowledged(key);
}

void Journal::acknowledge(const JournalKey& key, const std::vector<FileIdentity>& files) {
  impl_->acknowledge(key, files);
}

void Journal::complete(const JournalKey& key) {
  impl_->complete(key);
}

}  // namespace xnatctl::upload
