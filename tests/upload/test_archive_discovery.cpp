// Discovery of pre-built archives (zip, tar, tar.gz/tgz made by Python's zipfile and tarfile,
// not by our code): members found with their attributes, skipped ones with reasons, and no
// file written anywhere while reading them.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <map>
#include <optional>

#include "upload_test_support.hpp"
#include "xnatctl/dicom/header_probe.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/test_support/child_process.hpp"
#include "xnatctl/upload/discovery.hpp"

using namespace upload_test;
using xnatctl::upload::discover;
using xnatctl::upload::Discovery;
using xnatctl::upload::SkipReason;

namespace {

// Members in the order they are written; the index is the member's position among all
// entries (directories included), as the archive readers count them.
const char* kMakeArchives = R"PY(
import io, os, sys, tarfile, zipfile
src, out = sys.argv[1], sys.argv[2]
members = [
    ("s/", None),
    ("s/MR_small.dcm", "MR_small.dcm"),
    ("s/ct", "CT_small.dcm"),
    ("s/bigend.dcm", "MR_small_bigendian.dcm"),
    ("notes.txt", b"scan notes\n"),
    (".hidden/x.dcm", "MR_small.dcm"),
    ("__MACOSX/s/._MR_small.dcm", "MR_small.dcm"),
    ("DICOMDIR", "DICOMDIR"),
    ("inner.zip", b"PK\x03\x04 nested"),
    ("gen/IM00001.dcm", "gen.dcm"),
    ("s/bare", "ExplVR_LitEndNoMeta.dcm"),
]
def data(what):
    if isinstance(what, bytes):
        return what
    return open(os.path.join(src, what), "rb").read()
with zipfile.ZipFile(os.path.join(out, "session.zip"), "w") as z:
    for i, (name, what) in enumerate(members):
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 2, 3, 4, 6))
        info.compress_type = zipfile.ZIP_STORED if i % 2 else zipfile.ZIP_DEFLATED
        z.writestr(info, b"" if what is None else data(what))
def add_tar(t):
    for name, what in members:
        info = tarfile.TarInfo(name.rstrip("/"))
        info.mtime = 1600000000
        if what is None:
            info.type = tarfile.DIRTYPE
            t.addfile(info)
        else:
            payload = data(what)
            info.size = len(payload)
            t.addfile(info, io.BytesIO(payload))
    link = tarfile.TarInfo("s/link.dcm"); link.type = tarfile.SYMTYPE; link.linkname = "MR_small.dcm"
    t.addfile(link)
    hard = tarfile.TarInfo("s/hard.dcm"); hard.type = tarfile.LNKTYPE; hard.linkname = "s/MR_small.dcm"
    t.addfile(hard)
with tarfile.open(os.path.join(out, "session.tar"), "w", format=tarfile.PAX_FORMAT) as t:
    add_tar(t)
for name in ("session.tgz", "session.tar.gz"):
    with tarfile.open(os.path.join(out, name), "w:gz") as t:
        add_tar(t)
)PY";

struct Archives {
  TempDir tmp{"archives"};
  fs::path src = tmp.path / "src", out = tmp.path / "out";
  Archives() {
    fs::create_directories(src);
    fs::create_directories(out);
    for (const char* name :
         {"MR_small.dcm", "CT_small.dcm", "MR_small_bigendian.dcm", "ExplVR_LitEndNoMeta.dcm"}) {
      copy_pydicom(name, src / name);
    }
    copy_pydicom("dicomdirtests/DICOMDIR", src / "DICOMDIR");
    gen_session(tmp.path / "gen", 1, 1, 1);
    fs::copy_file(tmp.path / "gen/study1/series1/IM00001.dcm", src / "gen.dcm");
    write_file(tmp.path / "make.py", kMakeArchives);
    run("python3 " + quoted((tmp.path / "make.py").string()) + " " + quoted(src.string()) + " " +
        quoted(out.string()));
  }
};

// relative path -> (source file, member index)
const std::map<std::string, std::pair<std::string, std::size_t>> kExpectedMembers = {
    {"gen/IM00001.dcm", {"gen.dcm", 9}},
    {"s/MR_small.dcm", {"MR_small.dcm", 1}},
    {"s/bare", {"ExplVR_LitEndNoMeta.dcm", 10}},
    {"s/bigend.dcm", {"MR_small_bigendian.dcm", 3}},
    {"s/ct", {"CT_small.dcm", 2}},
};

std::map<std::string, SkipReason> expected_skips(const std::string& archive, bool tar) {
  std::map<std::string, SkipReason> m = {
      {archive + "!notes.txt", SkipReason::kNotDicom},
      {archive + "!.hidden/x.dcm", SkipReason::kHidden},
      {archive + "!__MACOSX/s/._MR_small.dcm", SkipReason::kHidden},
      {archive + "!DICOMDIR", SkipReason::kDicomdir},
      {archive + "!inner.zip", SkipReason::kNotDicom},
  };
  if (tar) {
    m.emplace(archive + "!s/link.dcm", SkipReason::kNotDicom);
    m.emplace(archive + "!s/hard.dcm", SkipReason::kDuplicate);
  }
  return m;
}

void check_archive_discovery(const Archives& a, const std::string& name) {
  INFO(name);
  const bool tar = name != "session.zip";
  const Discovery d = discover(a.out / name);
  CHECK(d.kind == xnatctl::upload::SourceKind::kArchive);
  REQUIRE(d.files.size() == kExpectedMembers.size());
  std::int64_t zip_mtime = 0;
  {
    std::tm tm{};
    tm.tm_year = 120, tm.tm_mon = 0, tm.tm_mday = 2, tm.tm_hour = 3, tm.tm_min = 4, tm.tm_sec = 6;
    tm.tm_isdst = -1;
    zip_mtime = static_cast<std::int64_t>(std::mktime(&tm)) * 1000000000;  // DOS time is local
  }
  auto expected = kExpectedMembers.begin();
  for (const auto& f : d.files) {
    INFO(f.relative_path);
    REQUIRE(expected != kExpectedMembers.end());
    CHECK(f.relative_path == expected->first);
    CHECK(f.location.in_archive());
    CHECK(f.location.path == a.out / name);
    CHECK(f.location.member == expected->first);
    CHECK(f.location.member_index == expected->second.second);
    const fs::path original = a.src / expected->second.first;
    CHECK(f.size == fs::file_size(original));
    CHECK(f.mtime_ns == (tar ? std::int64_t{1600000000} * 1000000000 : zip_mtime));
    const auto alone = xnatctl::dicom::probe_file(original);
    REQUIRE(alone.has_value());
    CHECK(f.attributes.sop_instance_uid == alone->sop_instance_uid);
    CHECK(f.attributes.study_instance_uid == alone->study_instance_uid);
    CHECK(f.attributes.series_instance_uid == alone->series_instance_uid);
    CHECK(f.attributes.transfer_syntax_uid == alone->transfer_syntax_uid);
    CHECK(f.attributes.has_file_meta == alone->has_file_meta);
    CHECK(f.attributes.patient_id == alone->patient_id);
    ++expected;
  }
  std::map<std::string, SkipReason> skipped;
  for (const auto& s : d.skipped) {
    CHECK_FALSE(s.detail.empty());
    skipped.emplace(s.path, s.reason);
  }
  CHECK(skipped == expected_skips(name, tar));
}

// Points TMPDIR and HOME at empty directories for the scope's lifetime.
class EmptyTmpAndHome {
 public:
  explicit EmptyTmpAndHome(const fs::path& base) : tmp_(base / "tmpdir"), home_(base / "home") {
    fs::create_directories(tmp_);
    fs::create_directories(home_);
    save("TMPDIR", old_tmp_);
    save("HOME", old_home_);
    ::setenv("TMPDIR", tmp_.c_str(), 1);
    ::setenv("HOME", home_.c_str(), 1);
  }
  ~EmptyTmpAndHome() {
    restore("TMPDIR", old_tmp_);
    restore("HOME", old_home_);
  }
  EmptyTmpAndHome(const EmptyTmpAndHome&) = delete;
  EmptyTmpAndHome& operator=(const EmptyTmpAndHome&) = delete;
  const fs::path& tmp() const { return tmp_; }
  const fs::path& home() const { return home_; }

 private:
  static void save(const char* name, std::optional<std::string>& into) {
    if (const char* v = std::getenv(name)) into = v;
  }
  static void restore(const char* name, const std::optional<std::string>& value) {
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  fs::path tmp_, home_;
  std::optional<std::string> old_tmp_, old_home_;
};

}  // namespace

TEST_CASE("discovery reads zip, tar and tgz members with their attributes",
          "[upload][discovery][archive]") {
  Archives a;
  for (const char* name : {"session.zip", "session.tar", "session.tgz", "session.tar.gz"}) {
    check_archive_discovery(a, name);
  }
}

TEST_CASE("discovering archives writes no file to TMPDIR or HOME", "[upload][discovery][archive]") {
  Archives a;
  // In process: TMPDIR and HOME (where libraries put temporary files) point at empty
  // directories, which must stay empty.
  {
    EmptyTmpAndHome env(a.tmp.path / "watched");
    const auto real_tmp_before = listing(a.tmp.path);
    for (const char* name : {"session.zip", "session.tar", "session.tgz"}) {
      const Discovery d = discover(a.out / name);
      CHECK(d.files.size() == kExpectedMembers.size());
    }
    CHECK(listing(env.tmp()).empty());
    CHECK(listing(env.home()).empty());
    CHECK(listing(a.tmp.path) == real_tmp_before);
  }
#ifdef XNATCTL_DISCOVERY_DRIVER_PATH
  // Out of process, under strace: not one file opened for writing, created, renamed or
  // removed anywhere on the machine (also catches a library that ignores TMPDIR).
  for (const char* name : {"session.zip", "session.tar", "session.tgz"}) {
    INFO(name);
    const fs::path log = a.tmp.path / (std::string(name) + ".strace");
    const auto r =
        xnatctl::test_support::run_process("strace",
                                           {"-f", "-qq", "-e", "trace=%file", "-o", log.string(),
                                            XNATCTL_DISCOVERY_DRIVER_PATH, (a.out / name).string()},
                                           std::chrono::seconds(60));
    REQUIRE(r.exit_status == 0);
    CHECK_THAT(r.stdout_text, Catch::StartsWith("files 5 skipped "));
    std::ifstream in(log);
    std::string line;
    int opens = 0;
    while (std::getline(in, line)) {
      INFO(line);
      if (line.find("open") != std::string::npos) ++opens;
      CHECK(line.find("O_WRONLY") == std::string::npos);
      CHECK(line.find("O_RDWR") == std::string::npos);
      CHECK(line.find("O_CREAT") == std::string::npos);
      for (const char* call : {"creat(", "mkdir", "rename", "unlink", "link(", "linkat(", "symlink",
                               "truncate", "mknod"}) {
        CHECK(line.find(call) == std::string::npos);
      }
    }
    CHECK(opens > 0);  // the trace did record the driver's file calls
  }
#endif
}

TEST_CASE("a damaged or fake archive is reported, not half-read silently",
          "[upload][discovery][archive]") {
  Archives a;
  write_file(a.out / "fake.zip", "this is not a zip file at all\n");
  CHECK_THROWS_AS(discover(a.out / "fake.zip"), xnatctl::UsageError);
  CHECK_THROWS_WITH(discover(a.out / "fake.zip"), Catch::Contains("as an archive"));

  // The tar cut after its first few members: what was read is found, the rest is reported.
  const auto tar = read_all(a.out / "session.tar");
  write_file(a.out / "cut.tar", std::string(tar.begin(), tar.begin() + 20000));
  const Discovery d = discover(a.out / "cut.tar");
  CHECK_FALSE(d.files.empty());
  CHECK(d.files.size() < kExpectedMembers.size());
  bool reported = false;
  for (const auto& s : d.skipped) {
    if (s.reason == SkipReason::kUnreadable) reported = true;
  }
  CHECK(reported);
}

TEST_CASE("archive names are recognised by their extension in any case",
          "[upload][discovery][archive]") {
  using xnatctl::upload::is_archive_name;
  CHECK(is_archive_name("a/b/session.zip"));
  CHECK(is_archive_name("SESSION.ZIP"));
  CHECK(is_archive_name("x.tar"));
  CHECK(is_archive_name("x.Tar.Gz"));
  CHECK(is_archive_name("x.tgz"));
  CHECK_FALSE(is_archive_name("x.gz"));
  CHECK_FALSE(is_archive_name("x.dcm"));
  CHECK_FALSE(is_archive_name(".zip"));
  CHECK_FALSE(is_archive_name("zip"));
}
