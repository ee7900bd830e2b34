// The byte sources the host streams to transports: plain job files, members of pre-built
// archives (read by libarchive without extracting), the raw source archive, and tar/zip
// bodies built while they are read. Bodies are read back by libarchive and by Python's
// tarfile/zipfile, an independent implementation.

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "stream_test_support.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/test_support/child_process.hpp"
#include "xnatctl/upload/byte_source.hpp"

using namespace xnatctl::upload;
using namespace xnatctl::upload::testing;
using Catch::Contains;

namespace {

struct Entry {
  std::string name, content;
};

// The entries of a tar or zip held in memory, read by libarchive restricted to that format
// (and no compression filter: a tar body must be a plain tar).
std::vector<Entry> read_entries(const std::string& body, ArchiveFormat format) {
  // Read as a UTF-8 consumer (XNAT's Java, Python) does, whatever this process's locale.
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  REQUIRE(utf8 != static_cast<locale_t>(0));
  const locale_t previous = uselocale(utf8);
  struct archive* a = archive_read_new();
  if (format == ArchiveFormat::kTar) {
    archive_read_support_format_tar(a);
  } else {
    archive_read_support_format_zip(a);
  }
  REQUIRE(archive_read_open_memory(a, body.data(), body.size()) == ARCHIVE_OK);
  std::vector<Entry> out;
  struct archive_entry* entry = nullptr;
  int rc = 0;
  while ((rc = archive_read_next_header(a, &entry)) == ARCHIVE_OK) {
    Entry e{archive_entry_pathname(entry), {}};
    char buffer[65536];
    la_ssize_t n = 0;
    while ((n = archive_read_data(a, buffer, sizeof buffer)) > 0) {
      e.content.append(buffer, static_cast<std::size_t>(n));
    }
    REQUIRE(n == 0);
    out.push_back(std::move(e));
  }
  CHECK(rc == ARCHIVE_EOF);
  archive_read_free(a);
  uselocale(previous);
  return out;
}

// A job over plain files written to `dir`: name -> content.
Job job_of(const ScratchDir& dir, const std::vector<Entry>& files) {
  Job job;
  job.source = dir.path();
  job.source_kind = SourceKind::kDirectory;
  for (const auto& f : files) {
    const auto path = dir.path() / ("data/" + std::to_string(job.files.size()));
    write_file(path, f.content);
    job.files.push_back(plain_job_file(path, f.name));
  }
  return job;
}

std::string body_of(const Job& job, ArchiveFormat format, std::size_t chunk = 7919) {
  auto source = open_archive_body(job, all_indices(job), format);
  return drain(*source, chunk);
}

// The body's entries match the job's files, in order, with safe and unique names.
void check_entries(const Job& job, const std::vector<Entry>& entries) {
  REQUIRE(entries.size() == job.files.size());
  std::set<std::string> names;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    INFO("entry " << i << " " << entries[i].name);
    CHECK(entries[i].content == read_file(job.files[i].location.path));
    CHECK(entries[i].name.front() != '/');
    CHECK(entries[i].name.find("..") == std::string::npos);
    CHECK(names.insert(entries[i].name).second);
  }
}

// Python's tarfile/zipfile read `body` back and compare it with the job's files; returns the
// entry names Python saw.
std::vector<std::string> python_read_back(const Job& job, const std::string& body,
                                          ArchiveFormat format, const ScratchDir& dir) {
  const auto archive = dir.path() / (format == ArchiveFormat::kTar ? "body.tar" : "body.zip");
  write_file(archive, body);
  std::string manifest;
  for (const auto& f : job.files) manifest += f.location.path + "\n";
  write_file(dir.path() / "manifest", manifest);
  const auto result = xnatctl::test_support::run_process(
      "python3",
      {STREAM_READ_BACK_SCRIPT, format == ArchiveFormat::kTar ? "tar" : "zip", archive.string(),
       (dir.path() / "manifest").string()},
      std::chrono::seconds(120));
  INFO(result.stderr_text);
  REQUIRE(result.exit_status == 0);
  std::vector<std::string> names;
  std::istringstream lines(result.stdout_text);
  for (std::string line; std::getline(lines, line);) names.push_back(line);
  return names;
}

// The shapes a tar body must get exactly right.
std::vector<Entry> shape(const std::string& which) {
  if (which == "no files") return {};
  if (which == "empty file") return {{"empty.dcm", ""}};
  if (which == "511 bytes") return {{"a.dcm", pattern_content(511, 1)}};
  if (which == "512 bytes") return {{"a.dcm", pattern_content(512, 2)}};
  if (which == "513 bytes") return {{"a.dcm", pattern_content(513, 3)}};
  if (which == "mixed sizes") {
    std::vector<Entry> out;
    for (std::size_t size : {0, 1, 100, 511, 512, 513, 1023, 1024, 1025, 65536, 300001}) {
      out.push_back({"series/" + std::to_string(size) + ".dcm", pattern_content(size, 7)});
    }
    return out;
  }
  if (which == "long names") {
    std::vector<Entry> out;
    for (std::size_t length : {99, 100, 101, 155, 156, 200, 255, 256, 257, 300, 1000}) {
      std::string flat(length - 4, 'f');
      out.push_back({flat + ".dcm", pattern_content(length, 11)});
      std::string nested;
      while (nested.size() + 14 < length) nested += "directory/";
      nested += std::string(length - nested.size() - 4, 'n') + ".dcm";
      out.push_back({nested, pattern_content(length, 13)});
    }
    return out;
  }
  if (which == "1000 files") {
    std::vector<Entry> out;
    out.reserve(1000);
    for (int i = 0; i < 1000; ++i) {
      out.push_back({"s" + std::to_string(i % 7) + "/i" + std::to_string(i) + ".dcm",
                     pattern_content(static_cast<std::size_t>(i * 37 % 2000), i)});
    }
    return out;
  }
  FAIL("unknown shape " << which);
  return {};
}

const char* kShapes[] = {"no files",  "empty file",  "511 bytes",  "512 bytes",
                         "513 bytes", "mixed sizes", "long names", "1000 files"};

// Points TMPDIR and HOME at fresh empty directories for its lifetime and reports anything
// created in them (inotify catches files created and deleted again in between).
class WatchedTempAndHome {
 public:
  explicit WatchedTempAndHome(const ScratchDir& dir)
      : tmp_(dir.path() / "watched-tmp"),
        home_(dir.path() / "watched-home"),
        tmp_env_("TMPDIR", make(tmp_).c_str()),
        home_env_("HOME", make(home_).c_str()) {
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    REQUIRE(fd_ >= 0);
    const auto mask = IN_CREATE | IN_MOVED_TO | IN_MODIFY | IN_CLOSE_WRITE;
    REQUIRE(::inotify_add_watch(fd_, tmp_.c_str(), mask) >= 0);
    REQUIRE(::inotify_add_watch(fd_, home_.c_str(), mask) >= 0);
  }
  ~WatchedTempAndHome() { ::close(fd_); }
  WatchedTempAndHome(const WatchedTempAndHome&) = delete;
  WatchedTempAndHome& operator=(const WatchedTempAndHome&) = delete;

  // Events seen so far plus whatever the directories hold now.
  std::vector<std::string> activity() const {
    std::vector<std::string> out;
    alignas(struct inotify_event) char buffer[8192];
    ssize_t n = 0;
    while ((n = ::read(fd_, buffer, sizeof buffer)) > 0) {
      for (char* p = buffer; p < buffer + n;) {
        const auto* event = reinterpret_cast<const struct inotify_event*>(p);
        out.push_back(std::string("event on ") + (event->len ? event->name : "?"));
        p += sizeof(struct inotify_event) + event->len;
      }
    }
    for (const auto& dir : {tmp_, home_}) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        out.push_back(e.path().string());
      }
    }
    return out;
  }

 private:
  static const std::filesystem::path& make(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    return dir;
  }

  std::filesystem::path tmp_, home_;
  ScopedEnv tmp_env_, home_env_;
  int fd_ = -1;
};

enum class Packing { kZip, kTar, kTgz };

// Writes a pre-built archive with a directory entry first (so member indices count every
// entry, not only files) and returns a job over its file members.
Job archive_job(const std::filesystem::path& path, Packing packing,
                const std::vector<Entry>& files) {
  struct archive* a = archive_write_new();
  if (packing == Packing::kZip) {
    archive_write_set_format_zip(a);
  } else {
    archive_write_set_format_pax_restricted(a);
    if (packing == Packing::kTgz) archive_write_add_filter_gzip(a);
  }
  REQUIRE(archive_write_open_filename(a, path.c_str()) == ARCHIVE_OK);
  struct archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, "study/");
  archive_entry_set_filetype(entry, AE_IFDIR);
  archive_entry_set_perm(entry, 0755);
  REQUIRE(archive_write_header(a, entry) == ARCHIVE_OK);
  archive_entry_free(entry);
  for (const auto& f : files) {
    entry = archive_entry_new();
    archive_entry_set_pathname(entry, f.name.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(f.content.size()));
    archive_entry_set_mtime(entry, 1700000000, 0);
    REQUIRE(archive_write_header(a, entry) == ARCHIVE_OK);
    REQUIRE(archive_write_data(a, f.content.data(), f.content.size()) ==
            static_cast<la_ssize_t>(f.content.size()));
    archive_entry_free(entry);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);

  Job job;
  job.source = path;
  job.source_kind = SourceKind::kArchive;
  for (std::size_t i = 0; i < files.size(); ++i) {
    JobFile f;
    f.location.path = path;
    f.location.member = files[i].name;
    f.location.member_index = i + 1;  // entry 0 is the directory
    f.relative_path = files[i].name;
    f.size = files[i].content.size();
    f.mtime_ns = 1700000000LL * 1'000'000'000;
    job.files.push_back(f);
  }
  return job;
}

std::vector<Entry> member_files(std::size_t count, std::size_t size) {
  std::vector<Entry> out;
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back({"study/series/" + std::to_string(i) + ".dcm",
                   pattern_content(size + i, static_cast<std::uint32_t>(i))});
  }
  return out;
}

std::int64_t proc_value(const char* file, const std::string& field) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  FAIL("no " << field << " in " << file);
  return -1;
}

}  // namespace

TEST_CASE("a plain job file streams its exact bytes and rewinds") {
  ScratchDir dir;
  const std::string content = pattern_content(300001, 5);
  Job job = job_of(dir, {{"a.dcm", content}});
  auto source = open_job_file(job, 0);
  CHECK(source->size() == 300001);
  CHECK(drain(*source) == content);
  CHECK(source->read(nullptr, 0) == 0);
  source->rewind();
  CHECK(drain(*source, 4096) == content);
  CHECK_THROWS_AS(open_job_file(job, 1), xnatctl::Error);
}

TEST_CASE("a tar body has exactly tar_body_size bytes and reads back with libarchive") {
  for (const char* name : kShapes) {
    DYNAMIC_SECTION(name) {
      ScratchDir dir;
      Job job = job_of(dir, shape(name));
      const auto expected = tar_body_size(job, all_indices(job));
      auto source = open_archive_body(job, all_indices(job), ArchiveFormat::kTar);
      CHECK(source->size() == expected);
      const std::string body = drain(*source);
      REQUIRE(static_cast<std::int64_t>(body.size()) == expected);
      CHECK(body.size() % 512 == 0);
      CHECK(body.substr(body.size() - 1024) == std::string(1024, '\0'));
      check_entries(job, read_entries(body, ArchiveFormat::kTar));
    }
  }
}

TEST_CASE("tar_body_size is 512 per header, data padded to 512, and two end blocks") {
  ScratchDir dir;
  Job job = job_of(dir, {{"a", ""}, {"b", std::string(511, 'x')}, {"c", std::string(513, 'y')}});
  CHECK(tar_body_size(job, {}) == 1024);
  CHECK(tar_body_size(job, {0}) == 512 + 1024);
  CHECK(tar_body_size(job, {1}) == 512 + 512 + 1024);
  CHECK(tar_body_size(job, {2}) == 512 + 1024 + 1024);
  CHECK(tar_body_size(job, {0, 1, 2}) == 3 * 512 + 512 + 1024 + 1024);
  job.files[0].size = 077777777777ULL + 1;  // beyond ustar's 11 octal digits
  CHECK_THROWS_WITH(tar_body_size(job, {0}), Contains("too large for a tar entry"));
}

TEST_CASE("a tar body reads back with Python's tarfile byte for byte") {
  for (const char* name : kShapes) {
    DYNAMIC_SECTION(name) {
      ScratchDir dir;
      Job job = job_of(dir, shape(name));
      const auto names =
          python_read_back(job, body_of(job, ArchiveFormat::kTar), ArchiveFormat::kTar, dir);
      CHECK(names.size() == job.files.size());
    }
  }
}

TEST_CASE("a zip body is deflated and reads back with Python's zipfile byte for byte") {
  for (const char* name : {"no files", "empty file", "mixed sizes", "long names", "1000 files"}) {
    DYNAMIC_SECTION(name) {
      ScratchDir dir;
      Job job = job_of(dir, shape(name));
      auto source = open_archive_body(job, all_indices(job), ArchiveFormat::kZip);
      CHECK(source->size() == -1);
      const std::string body = drain(*source);
      check_entries(job, read_entries(body, ArchiveFormat::kZip));
      const auto names = python_read_back(job, body, ArchiveFormat::kZip, dir);
      CHECK(names.size() == job.files.size());
    }
  }
}

TEST_CASE("entry names are safe, unique, and shortened deterministically only when needed") {
  ScratchDir dir;
  const std::string name100 = std::string(96, 'a') + ".dcm";
  const std::string split256 = std::string(155, 'p') + "/" + std::string(96, 'n') + ".dcm";
  const std::string flat101 = std::string(97, 'b') + ".dcm";
  const std::string long_tail = std::string(150, 't') + "_end.dcm";
  Job job = job_of(dir, {{"../../etc/passwd", "1"},
                         {"/absolute/x.dcm", "2"},
                         {"a/./b.dcm", "3"},
                         {"a//b.dcm", "4"},
                         {"a/b.dcm", "5"},
                         {"..", "6"},
                         {name100, "7"},
                         {split256, "8"},
                         {flat101, "9"},
                         {"x/" + long_tail, "10"},
                         {"y/" + long_tail, "11"},
                         {"ctrl\001name.dcm", "12"}});
  const auto tar = read_entries(body_of(job, ArchiveFormat::kTar), ArchiveFormat::kTar);
  check_entries(job, tar);
  CHECK(tar[0].name == "etc/passwd");
  CHECK(tar[1].name == "absolute/x.dcm");
  CHECK(tar[2].name == "a/b.dcm");
  CHECK(tar[3].name == "a/b~1.dcm");
  CHECK(tar[4].name == "a/b~2.dcm");
  CHECK(tar[5].name == "file");
  CHECK(tar[6].name == name100);   // exactly what ustar holds: kept
  CHECK(tar[7].name == split256);  // 155-byte prefix + '/' + 100: kept
  CHECK(tar[8].name != flat101);   // 101 bytes with no '/' to split at: shortened
  CHECK(tar[8].name.size() <= 100);
  CHECK(tar[8].name.substr(tar[8].name.size() - 20) == flat101.substr(flat101.size() - 20));
  CHECK(tar[9].name != tar[10].name);  // same tail, different paths: still unique
  CHECK(tar[9].name.substr(tar[9].name.size() - 8) == "_end.dcm");
  CHECK(tar[11].name == "ctrl_name.dcm");
  // Deterministic: the same job gives the same names (and bytes) every time.
  CHECK(body_of(job, ArchiveFormat::kTar) == body_of(job, ArchiveFormat::kTar));

  // A zip holds long names as they are; only safety and uniqueness apply.
  const auto zip = read_entries(body_of(job, ArchiveFormat::kZip), ArchiveFormat::kZip);
  check_entries(job, zip);
  CHECK(zip[0].name == "etc/passwd");
  CHECK(zip[3].name == "a/b~1.dcm");
  CHECK(zip[8].name == flat101);
  CHECK(zip[9].name == "x/" + long_tail);
}

TEST_CASE("rewinding a body mid-stream produces identical bytes") {
  ScratchDir dir;
  Job job = job_of(dir, shape("mixed sizes"));
  for (ArchiveFormat format : {ArchiveFormat::kTar, ArchiveFormat::kZip}) {
    DYNAMIC_SECTION(to_string(format)) {
      const std::string fresh = body_of(job, format);
      auto source = open_archive_body(job, all_indices(job), format);
      for (std::size_t stop :
           {std::size_t{1}, std::size_t{511}, fresh.size() / 3, fresh.size() - 1, fresh.size()}) {
        std::string partial;
        std::vector<char> buffer(1000);
        while (partial.size() < stop) {
          const auto n =
              source->read(buffer.data(), std::min(buffer.size(), stop - partial.size()));
          REQUIRE(n > 0);
          partial.append(buffer.data(), n);
        }
        CHECK(partial == fresh.substr(0, stop));
        source->rewind();
        CHECK(drain(*source, 65536) == fresh);
        source->rewind();
      }
    }
  }
}

TEST_CASE("archive members stream without any file written to TMPDIR or HOME") {
  ScratchDir dir;
  const auto files = member_files(25, 3000);
  for (Packing packing : {Packing::kZip, Packing::kTar, Packing::kTgz}) {
    const char* label = packing == Packing::kZip ? "zip" : packing == Packing::kTar ? "tar" : "tgz";
    DYNAMIC_SECTION(label) {
      Job job = archive_job(dir.path() / (std::string("source.") + label), packing, files);
      const std::string raw = read_file(job.source);
      WatchedTempAndHome watch(dir);
      // Each member, in order and out of order, and once more after a rewind.
      for (std::size_t i = 0; i < files.size(); ++i) {
        auto source = open_job_file(job, i);
        CHECK(source->size() == static_cast<std::int64_t>(files[i].content.size()));
        CHECK(drain(*source) == files[i].content);
      }
      for (std::size_t i = files.size(); i-- > 0;) {
        CHECK(drain(*open_job_file(job, i), 100) == files[i].content);
      }
      auto again = open_job_file(job, 3);
      CHECK(drain(*again).substr(0, 10) == files[3].content.substr(0, 10));
      again->rewind();
      CHECK(drain(*again) == files[3].content);
      // Bodies built from members, and the raw archive.
      const auto tar = read_entries(body_of(job, ArchiveFormat::kTar), ArchiveFormat::kTar);
      const auto zip = read_entries(body_of(job, ArchiveFormat::kZip), ArchiveFormat::kZip);
      REQUIRE(tar.size() == files.size());
      REQUIRE(zip.size() == files.size());
      for (std::size_t i = 0; i < files.size(); ++i) {
        CHECK(tar[i].name == files[i].name);
        CHECK(tar[i].content == files[i].content);
        CHECK(zip[i].content == files[i].content);
      }
      auto whole = open_source_archive(job);
      CHECK(whole->size() == static_cast<std::int64_t>(raw.size()));
      CHECK(drain(*whole) == raw);
      CHECK(watch.activity().empty());
    }
  }
}

TEST_CASE("reading every member of a tgz in order reads the archive about once") {
  // With a reader per member, member k would decompress the k entries before it again
  // (O(n^2)); the shared cursor makes it one pass. Measured in bytes read (/proc/self/io
  // rchar), not in time.
  ScratchDir dir;
  const auto files =
      member_files(300, std::size_t{16} * 1024);  // incompressible: the .tgz is ~5 MB
  Job job = archive_job(dir.path() / "source.tgz", Packing::kTgz, files);
  const auto archive_size = static_cast<std::int64_t>(std::filesystem::file_size(job.source));
  const auto before = proc_value("/proc/self/io", "rchar");
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto source = open_job_file(job, i);
    REQUIRE(drain(*source, 65536) == files[i].content);
  }
  const auto read_bytes = proc_value("/proc/self/io", "rchar") - before;
  INFO("archive " << archive_size << " bytes, read " << read_bytes);
  CHECK(read_bytes < 3 * archive_size);
}

TEST_CASE("the progress hook reports each file's payload, and again after a rewind") {
  ScratchDir dir;
  Job job = job_of(dir, shape("mixed sizes"));
  std::map<std::size_t, std::uint64_t> seen;
  ProgressHook hook = [&](std::size_t index, std::uint64_t bytes) { seen[index] += bytes; };

  SECTION("tar and zip bodies") {
    for (ArchiveFormat format : {ArchiveFormat::kTar, ArchiveFormat::kZip}) {
      seen.clear();
      auto body = open_archive_body(job, all_indices(job), format, hook);
      std::vector<char> buffer(100000);
      REQUIRE(body->read(buffer.data(), buffer.size()) > 0);
      REQUIRE(body->read(buffer.data(), buffer.size()) > 0);
      const auto at_rewind = seen;
      body->rewind();
      drain(*body);
      for (std::size_t i = 0; i < job.files.size(); ++i) {
        const auto earlier = at_rewind.count(i) ? at_rewind.at(i) : 0;
        CHECK(seen[i] - earlier == job.files[i].size);
      }
    }
  }
  SECTION("a subset of the files") {
    drain(*open_archive_body(job, {3, 9}, ArchiveFormat::kTar, hook));
    CHECK(seen.size() == 2);
    CHECK(seen[3] == job.files[3].size);
    CHECK(seen[9] == job.files[9].size);
  }
  SECTION("one job file, one archive member, the raw archive") {
    drain(*open_job_file(job, 9, hook));
    CHECK(seen[9] == job.files[9].size);
    Job packed = archive_job(dir.path() / "source.zip", Packing::kZip, member_files(4, 1000));
    seen.clear();
    drain(*open_job_file(packed, 2, hook));
    CHECK(seen[2] == packed.files[2].size);
    seen.clear();
    drain(*open_source_archive(packed, hook));
    CHECK(seen.size() == 1);
    CHECK(seen[std::numeric_limits<std::size_t>::max()] ==
          std::filesystem::file_size(packed.source));
  }
}

TEST_CASE("a file that changes is an error, never a silently short or long body") {
  ScratchDir dir;
  const std::string content = pattern_content(200000, 9);
  Job job = job_of(dir, {{"a.dcm", content}, {"b.dcm", "tail"}});
  const auto path = job.files[0].location.path;
  std::vector<char> buffer(1000);

  SECTION("changed size since the scan") {
    write_file(path, content + "x");
    CHECK_THROWS_WITH(open_job_file(job, 0), Contains("changed since it was scanned"));
    CHECK_THROWS_WITH(drain(*open_archive_body(job, all_indices(job), ArchiveFormat::kTar)),
                      Contains("changed since it was scanned"));
  }
  SECTION("grows while being sent") {
    auto source = open_job_file(job, 0);
    REQUIRE(source->read(buffer.data(), buffer.size()) > 0);
    std::ofstream(path, std::ios::binary | std::ios::app) << "more";
    CHECK_THROWS_WITH(drain(*source), Contains("grew while being sent"));
  }
  SECTION("shrinks while being sent") {
    auto source = open_job_file(job, 0);
    REQUIRE(source->read(buffer.data(), buffer.size()) > 0);
    std::filesystem::resize_file(path, 5000);
    CHECK_THROWS_WITH(drain(*source), Contains("shrank while being sent"));
  }
  SECTION("rewritten in place with the same size") {
    auto source = open_job_file(job, 0);
    REQUIRE(source->read(buffer.data(), buffer.size()) > 0);
    {
      std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
      f.seekp(100000);
      f << "changed";
    }
    std::filesystem::last_write_time(
        path, std::filesystem::last_write_time(path) + std::chrono::seconds(2));
    CHECK_THROWS_WITH(drain(*source), Contains("modified while being sent"));
  }
  SECTION("grows while a tar body carries it") {
    auto body = open_archive_body(job, all_indices(job), ArchiveFormat::kTar);
    REQUIRE(body->read(buffer.data(), buffer.size()) > 0);
    std::ofstream(path, std::ios::binary | std::ios::app) << "more";
    CHECK_THROWS_WITH(drain(*body), Contains("grew while being sent"));
  }
  SECTION("vanished") {
    std::filesystem::remove(path);
    CHECK_THROWS_WITH(open_job_file(job, 0), Contains("cannot open"));
  }
}

TEST_CASE("an archive member that changed since the scan is an error") {
  ScratchDir dir;
  const auto files = member_files(5, 1000);
  Job job = archive_job(dir.path() / "source.tar", Packing::kTar, files);
  SECTION("other size") {
    job.files[2].size += 1;
    CHECK_THROWS_WITH(open_job_file(job, 2), Contains("changed since it was scanned"));
  }
  SECTION("other entry at that position") {
    job.files[2].location.member_index = 4;
    CHECK_THROWS_WITH(open_job_file(job, 2), Contains("changed since it was scanned"));
  }
  SECTION("fewer entries") {
    job.files[2].location.member_index = 40;
    CHECK_THROWS_WITH(open_job_file(job, 2), Contains("no entry 40"));
  }
  SECTION("the archive was replaced") {
    auto first = open_job_file(job, 0);
    drain(*first);  // leaves a cached reader on the old archive
    archive_job(job.source, Packing::kTar, member_files(5, 2000));
    CHECK_THROWS_WITH(open_job_file(job, 1), Contains("changed since it was scanned"));
  }
}

TEST_CASE("a 1 GiB file streams through a tar body in bounded memory") {
  ScratchDir dir;
  const std::uint64_t gib = 1ULL << 30;
  Job job = job_of(dir, {{"small.dcm", pattern_content(1000, 1)}, {"big.dcm", ""}});
  // Sparse: no disk use, but read() returns a full GiB of zeros.
  std::filesystem::resize_file(job.files[1].location.path, gib);
  job.files[1] = plain_job_file(job.files[1].location.path, "big.dcm");
  const auto expected = tar_body_size(job, all_indices(job));

  // "5" resets the peak RSS (VmHWM) to the current RSS, so earlier work does not hide growth.
  std::ofstream("/proc/self/clear_refs") << "5";
  const auto hwm_before = proc_value("/proc/self/status", "VmHWM");
  auto body = open_archive_body(job, all_indices(job), ArchiveFormat::kTar);
  std::vector<char> buffer(std::size_t{64} * 1024);
  std::uint64_t total = 0, nonzero_in_big = 0;
  const std::uint64_t big_start = 512 + 1024 + 512, big_end = big_start + gib;
  while (std::size_t n = body->read(buffer.data(), buffer.size())) {
    for (std::size_t i = 0; i < n; ++i) {
      const auto at = total + i;
      if (at >= big_start && at < big_end && buffer[i] != 0) ++nonzero_in_big;
    }
    total += n;
  }
  const auto hwm_growth_kib = proc_value("/proc/self/status", "VmHWM") - hwm_before;
  CHECK(total == static_cast<std::uint64_t>(expected));
  CHECK(nonzero_in_big == 0);
  INFO("peak RSS grew by " << hwm_growth_kib << " KiB");
  CHECK(hwm_growth_kib < std::int64_t{32} * 1024);
}

TEST_CASE("a 256 MiB file streams through a zip body in bounded memory") {
  ScratchDir dir;
  Job job = job_of(dir, {{"big.dcm", ""}});
  std::filesystem::resize_file(job.files[0].location.path, 256ULL << 20);
  job.files[0] = plain_job_file(job.files[0].location.path, "big.dcm");
  std::ofstream("/proc/self/clear_refs") << "5";
  const auto hwm_before = proc_value("/proc/self/status", "VmHWM");
  auto body = open_archive_body(job, all_indices(job), ArchiveFormat::kZip);
  std::vector<char> buffer(std::size_t{64} * 1024);
  std::string zip;
  while (std::size_t n = body->read(buffer.data(), buffer.size())) zip.append(buffer.data(), n);
  const auto hwm_growth_kib = proc_value("/proc/self/status", "VmHWM") - hwm_before;
  // Zeros deflate ~1000:1, so the body itself is small and the growth is libarchive's.
  INFO("zip " << zip.size() << " bytes; peak RSS grew by " << hwm_growth_kib << " KiB");
  CHECK(zip.size() < std::size_t{2} * 1024 * 1024);
  CHECK(hwm_growth_kib < std::int64_t{32} * 1024);
  const auto entries = read_entries(zip, ArchiveFormat::kZip);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].content.size() == (256ULL << 20));
  CHECK(entries[0].content.find_first_not_of('\0') == std::string::npos);
}

TEST_CASE("non-ASCII names and out-of-range times still make a readable body") {
  ScratchDir dir;
  Job job = job_of(dir, {{"Patient_M\xc3\xbcller/\xc3\xa9tude.dcm", "1"},
                         {"t.dcm", "2"},
                         {"latin1_\xe9t\xe9.dcm", "3"},
                         {"overlong_\xc0\xaf.dcm", "4"}});
  job.files[0].mtime_ns = -5'000'000'000;                   // before 1970
  job.files[1].mtime_ns = 9'000'000'000LL * 1'000'000'000;  // past ustar's 11 octal digits
  for (ArchiveFormat format : {ArchiveFormat::kTar, ArchiveFormat::kZip}) {
    DYNAMIC_SECTION(to_string(format)) {
      const std::string body = body_of(job, format);
      const auto entries = read_entries(body, format);
      check_entries(job, entries);
      CHECK(entries[0].name == job.files[0].relative_path);
      const auto names = python_read_back(job, body, format, dir);
      REQUIRE(names.size() == 4);
      CHECK(names[0] == job.files[0].relative_path);
      CHECK(names[2] == "latin1__t_.dcm");  // bytes that are not UTF-8 become '_'
      CHECK(names[3] == "overlong___.dcm");
    }
  }
}

TEST_CASE("members with UTF-8 names are found even in the C locale") {
  // Python flags UTF-8 zip names and writes pax names as UTF-8; in the C locale libarchive
  // would return no name at all for the zip entry unless the reader handles the charset.
  ScratchDir dir;
  const std::string name = "Patient_M\xc3\xbcller/\xc3\xa9tude.dcm";
  const auto zip = dir.path() / "utf8.zip", tar = dir.path() / "utf8.tar";
  const auto made = xnatctl::test_support::run_process(
      "python3",
      {"-c",
       "import io, sys, tarfile, zipfile\n"
       "name = 'Patient_M\\u00fcller/\\u00e9tude.dcm'\n"
       "with zipfile.ZipFile(sys.argv[1], 'w') as z:\n"
       "    z.writestr('first.dcm', b'one')\n"
       "    z.writestr(name, b'two' * 100)\n"
       "with tarfile.open(sys.argv[2], 'w', format=tarfile.PAX_FORMAT) as t:\n"
       "    for n, data in (('first.dcm', b'one'), (name, b'two' * 100)):\n"
       "        info = tarfile.TarInfo(n)\n"
       "        info.size = len(data)\n"
       "        t.addfile(info, io.BytesIO(data))\n",
       zip.string(), tar.string()},
      std::chrono::seconds(60));
  INFO(made.stderr_text);
  REQUIRE(made.exit_status == 0);
  REQUIRE(std::string(setlocale(LC_CTYPE, nullptr)) == "C");
  for (const auto& archive : {zip, tar}) {
    DYNAMIC_SECTION(archive.filename().string()) {
      Job job;
      job.source = archive;
      job.source_kind = SourceKind::kArchive;
      JobFile f;
      f.location = FileLocation{archive, name, 1};
      f.relative_path = name;
      f.size = 300;
      job.files.push_back(f);
      std::string expected;
      for (int i = 0; i < 100; ++i) expected += "two";
      CHECK(drain(*open_job_file(job, 0)) == expected);
      const auto entries = read_entries(body_of(job, ArchiveFormat::kZip), ArchiveFormat::kZip);
      REQUIRE(entries.size() == 1);
      CHECK(entries[0].name == name);
    }
  }
}
