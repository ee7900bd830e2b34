// Discovery over directory trees built by the tests: every kind of name a scanner export or a
// user's folder has, real DICOM files (pydicom's test data, xnat-gen-session), and everything
// that must be skipped with a reason. The expected sets are written out in full.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "upload_test_support.hpp"
#include "xnatctl/dicom/header_probe.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/upload/discovery.hpp"

using namespace upload_test;
using xnatctl::upload::discover;
using xnatctl::upload::Discovery;
using xnatctl::upload::DiscoveryOptions;
using xnatctl::upload::SkipReason;

namespace {

const std::string kMrSmallSop = "1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457";

// The messy tree. Unreadable files: as root, permissions do not stop a read, so the tree
// uses the two things even root cannot read as a file: a dangling symlink and a FIFO.
void build_messy_tree(const fs::path& root, const fs::path& outside) {
  // Extensions in any case.
  copy_pydicom("MR_small.dcm", root / "a/MR_small.dcm");
  copy_pydicom("CT_small.dcm", root / "a/UPPER.DCM");
  copy_pydicom("MR_small_implicit.dcm", root / "a/scan.IMA");
  copy_pydicom("JPEG-lossy.dcm", root / "a/image.Dicom");
  copy_pydicom("rtplan.dcm", root / "a/volume.img");
  // An Analyze header: a .img that is not DICOM.
  write_file(root / "a/analyze.img", std::string("\x5c\x01\x00\x00", 4) + std::string(344, 'A'));
  // UID-named, extensionless, bare datasets and a Part-10 file without its preamble.
  copy_pydicom("MR_small_bigendian.dcm", root / "b/1.2.840.113619.2.55.3.1234");
  copy_pydicom("dicomdirtests/77654033/CR1/6154", root / "b/2.25.123456789");
  copy_pydicom("ExplVR_BigEnd.dcm", root / "b/IM0001");
  copy_pydicom("ExplVR_LitEndNoMeta.dcm", root / "b/bare_dataset");
  const auto mr = read_all(kPydicom / "MR_small.dcm");
  write_file(root / "b/no_preamble", std::string(mr.begin() + 132, mr.end()));
  // Synthetic session.
  gen_session(root / "gen", 1, 1, 3);
  // Junk of every kind.
  write_file(root / "junk.bin",
             std::string("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", 16) + std::string(300, '\x07'));
  write_file(root / "notes.txt", "scan notes: patient moved during series 3\n");
  write_file(root / "empty.dcm", "");
  write_file(root / "truncated.dcm", std::string(mr.begin(), mr.begin() + 700));
  write_file(root / "nested.zip", "PK\x03\x04 not really");
  // DICOMDIRs, by name and by content.
  copy_pydicom("dicomdirtests/DICOMDIR", root / "DICOMDIR");
  copy_pydicom("dicomdirtests/DICOMDIR-bigEnd", root / "c/index_big_endian");
  // Hidden files and directories (a valid DICOM file inside, still skipped).
  copy_pydicom("MR_small.dcm", root / ".hidden.dcm");
  copy_pydicom("MR_small.dcm", root / "a/._MR_small.dcm");
  copy_pydicom("CT_small.dcm", root / ".git/objects/CT.dcm");
  // Links: loops, a chain, duplicates of files and directories, a target outside the tree.
  fs::create_directory_symlink(".", root / "loop");
  fs::create_directory_symlink("..", root / "a/up");
  fs::create_symlink("chain2", root / "chain1");
  fs::create_symlink("chain1", root / "chain2");
  fs::create_symlink("a/MR_small.dcm", root / "0_link_to_mr.dcm");
  fs::create_hard_link(root / "a/MR_small.dcm", root / "a/hardlink.dcm");
  fs::create_directory_symlink("b", root / "b_again");
  copy_pydicom("MR_small_expb.dcm", outside / "dir/elsewhere.dcm");
  copy_pydicom("CT_small.dcm", outside / "file.dcm");
  fs::create_directory_symlink(outside / "dir", root / "outside_link");
  fs::create_symlink(outside / "file.dcm", root / "link_to_outside_file.dcm");
  // Unreadable.
  fs::create_symlink("does-not-exist.dcm", root / "dangling");
  REQUIRE(::mkfifo((root / "pipe").c_str(), 0644) == 0);
}

std::map<std::string, SkipReason> skipped_map(const Discovery& d) {
  std::map<std::string, SkipReason> out;
  for (const auto& s : d.skipped) {
    CHECK_FALSE(s.detail.empty());
    out.emplace(s.path, s.reason);
  }
  CHECK(out.size() == d.skipped.size());  // each skipped once
  return out;
}

std::vector<std::string> relative_paths(const Discovery& d) {
  std::vector<std::string> out;
  for (const auto& f : d.files) out.push_back(f.relative_path);
  return out;
}

const xnatctl::upload::JobFile& file_named(const Discovery& d, const std::string& relative) {
  for (const auto& f : d.files) {
    if (f.relative_path == relative) return f;
  }
  FAIL("no discovered file " << relative);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("discovery finds exactly the DICOM files of a messy tree", "[upload][discovery]") {
  TempDir tmp("discovery");
  const fs::path root = tmp.path / "tree";
  const fs::path outside = tmp.path / "outside";
  build_messy_tree(root, outside);

  const Discovery d = discover(root);
  CHECK(d.kind == xnatctl::upload::SourceKind::kDirectory);
  CHECK(d.source == root);

  const std::vector<std::string> expected_files = {
      "a/MR_small.dcm",
      "a/UPPER.DCM",
      "a/image.Dicom",
      "a/scan.IMA",
      "a/volume.img",
      "b/1.2.840.113619.2.55.3.1234",
      "b/2.25.123456789",
      "b/IM0001",
      "b/bare_dataset",
      "b/no_preamble",
      "gen/study1/series1/IM00001.dcm",
      "gen/study1/series1/IM00002.dcm",
      "gen/study1/series1/IM00003.dcm",
      "link_to_outside_file.dcm",
      "outside_link/elsewhere.dcm",
  };
  CHECK(relative_paths(d) == expected_files);

  const std::map<std::string, SkipReason> expected_skips = {
      {".git", SkipReason::kHidden},
      {".hidden.dcm", SkipReason::kHidden},
      {"0_link_to_mr.dcm", SkipReason::kDuplicate},  // the real a/MR_small.dcm is kept
      {"DICOMDIR", SkipReason::kDicomdir},
      {"a/._MR_small.dcm", SkipReason::kHidden},
      {"a/analyze.img", SkipReason::kNotDicom},
      {"a/hardlink.dcm", SkipReason::kDuplicate},
      {"a/up", SkipReason::kSymlinkLoop},
      {"b_again", SkipReason::kDuplicate},
      {"c/index_big_endian", SkipReason::kDicomdir},
      {"chain1", SkipReason::kSymlinkLoop},
      {"chain2", SkipReason::kSymlinkLoop},
      {"dangling", SkipReason::kUnreadable},
      {"empty.dcm", SkipReason::kNotDicom},
      {"junk.bin", SkipReason::kNotDicom},
      {"loop", SkipReason::kSymlinkLoop},
      {"nested.zip", SkipReason::kNotDicom},
      {"notes.txt", SkipReason::kNotDicom},
      {"pipe", SkipReason::kUnreadable},
      {"truncated.dcm", SkipReason::kNotDicom},
  };
  CHECK(skipped_map(d) == expected_skips);
  // Sorted by path, as promised.
  CHECK(std::is_sorted(d.skipped.begin(), d.skipped.end(),
                       [](const auto& a, const auto& b) { return a.path < b.path; }));

  // Details say why, in words a user can act on.
  for (const auto& s : d.skipped) {
    INFO(s.path << ": " << s.detail);
    if (s.path == "0_link_to_mr.dcm") CHECK(s.detail == "the same file as 'a/MR_small.dcm'");
    if (s.path == "b_again") CHECK_THAT(s.detail, Catch::Contains("'b'"));
    if (s.path == "empty.dcm") CHECK(s.detail == "empty file");
    if (s.path == "pipe") CHECK(s.detail == "a named pipe");
    if (s.path == "dangling") CHECK_THAT(s.detail, Catch::Contains("broken symbolic link"));
    if (s.path == ".git") CHECK_THAT(s.detail, Catch::Contains("not searched"));
    if (s.path == "truncated.dcm") CHECK_THAT(s.detail, Catch::Contains("not a readable DICOM"));
  }

  // Attributes, size and mtime come with every file.
  const auto& mr = file_named(d, "a/MR_small.dcm");
  CHECK(mr.location.path == root / "a/MR_small.dcm");
  CHECK_FALSE(mr.location.in_archive());
  CHECK(mr.attributes.sop_instance_uid == kMrSmallSop);
  CHECK(mr.attributes.transfer_syntax_uid == "1.2.840.10008.1.2.1");
  CHECK(mr.size == fs::file_size(root / "a/MR_small.dcm"));
  struct stat st {};
  REQUIRE(::stat((root / "a/MR_small.dcm").c_str(), &st) == 0);
  CHECK(mr.mtime_ns ==
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
  CHECK(file_named(d, "b/1.2.840.113619.2.55.3.1234").attributes.transfer_syntax_uid ==
        "1.2.840.10008.1.2.2");
  CHECK(file_named(d, "a/scan.IMA").attributes.transfer_syntax_uid == "1.2.840.10008.1.2");
  const auto& bare = file_named(d, "b/bare_dataset");
  CHECK_FALSE(bare.attributes.has_file_meta);
  CHECK(bare.attributes.sop_instance_uid == "1.2.333.4444.5.6.7.8");
  CHECK(file_named(d, "b/no_preamble").attributes.sop_instance_uid == kMrSmallSop);
  CHECK(file_named(d, "outside_link/elsewhere.dcm").location.path ==
        root / "outside_link/elsewhere.dcm");
  // Every file's attributes are what the probe reads from it on its own.
  for (const auto& f : d.files) {
    INFO(f.relative_path);
    const auto alone = xnatctl::dicom::probe_file(f.location.path);
    REQUIRE(alone.has_value());
    CHECK(f.attributes.sop_instance_uid == alone->sop_instance_uid);
    CHECK(f.attributes.study_instance_uid == alone->study_instance_uid);
    CHECK(f.attributes.series_instance_uid == alone->series_instance_uid);
    CHECK(f.attributes.transfer_syntax_uid == alone->transfer_syntax_uid);
    CHECK(f.size == fs::file_size(f.location.path));
  }
  // The synthetic series is one study, one series, numbered 1.
  std::set<std::string> studies, series;
  for (int n = 1; n <= 3; ++n) {
    const auto& g = file_named(d, "gen/study1/series1/IM0000" + std::to_string(n) + ".dcm");
    studies.insert(g.attributes.study_instance_uid);
    series.insert(g.attributes.series_instance_uid);
    CHECK(g.attributes.series_number == "1");
    CHECK(g.attributes.modality == "MR");
    CHECK(g.attributes.instance_number == std::to_string(n));
  }
  CHECK(studies.size() == 1);
  CHECK(series.size() == 1);
}

TEST_CASE("discovery lists files in the order of their relative paths, '/' included",
          "[upload][discovery]") {
  // The walk orders each directory by name and lays directories out depth first; that must
  // be exactly string order, where '-' < '.' < '/' < '0' puts x-y/ before x.dcm before x/
  // before x0.dcm.
  TempDir tmp("discovery");
  const fs::path root = tmp.path / "tree";
  for (const char* name :
       {"x0.dcm", "x/1.dcm", "x.dcm", "w.dcm", "x-y/1.dcm", "x/y/2.dcm", "x/y.dcm", "x/y0/3.dcm"}) {
    copy_pydicom("MR_small.dcm", root / name);
  }
  const std::vector<std::string> expected = {"w.dcm",   "x-y/1.dcm", "x.dcm",      "x/1.dcm",
                                             "x/y.dcm", "x/y/2.dcm", "x/y0/3.dcm", "x0.dcm"};
  for (int threads : {1, 2}) {
    DiscoveryOptions options;
    options.threads = threads;
    CHECK(relative_paths(discover(root, options)) == expected);
  }
}

TEST_CASE("discovery gives the same answer on one thread and on many", "[upload][discovery]") {
  TempDir tmp("discovery");
  build_messy_tree(tmp.path / "tree", tmp.path / "outside");
  gen_session(tmp.path / "tree/more", 2, 2, 150);  // enough files for several threads

  DiscoveryOptions one;
  one.threads = 1;
  DiscoveryOptions many;
  many.threads = 8;
  const Discovery a = discover(tmp.path / "tree", one);
  const Discovery b = discover(tmp.path / "tree", many);
  CHECK(a.files.size() == 15 + 600);
  REQUIRE(relative_paths(a) == relative_paths(b));
  for (std::size_t i = 0; i < a.files.size(); ++i) {
    CHECK(a.files[i].attributes.sop_instance_uid == b.files[i].attributes.sop_instance_uid);
  }
  CHECK(skipped_map(a) == skipped_map(b));
}

TEST_CASE("discovery accounts for every file of pydicom's DICOMDIR test folders",
          "[upload][discovery]") {
  // A real, untidy tree nobody on the team made: DICOMDIRs under other names, extensionless
  // files in nested folders, a README, JSON, a gzip, truncated and odd files.
  const Discovery d = discover(kPydicom / "dicomdirtests");
  const auto paths = relative_paths(d);
  const std::set<std::string> found(paths.begin(), paths.end());
  for (const auto& s : d.skipped) CHECK(found.count(s.path) == 0);
  const auto by_reason = skipped_map(d);
  CHECK(by_reason.at("DICOMDIR") == SkipReason::kDicomdir);
  CHECK(by_reason.at("DICOMDIR-bigEnd") == SkipReason::kDicomdir);
  CHECK(by_reason.at("DICOMDIR-implicit") == SkipReason::kDicomdir);
  CHECK(by_reason.at("DICOMDIR-reordered") == SkipReason::kDicomdir);
  CHECK(by_reason.at("README.txt") == SkipReason::kNotDicom);
  CHECK(found.count("77654033/CR1/6154") == 1);
  CHECK(found.count("98892001/CT2N/6293") == 1);
  // Every plain file is accounted for: found or skipped, nothing dropped.
  std::size_t plain = 0;
  for (const auto& e : fs::recursive_directory_iterator(kPydicom / "dicomdirtests")) {
    if (e.is_regular_file()) ++plain;
  }
  CHECK(d.files.size() + d.skipped.size() == plain);
}

TEST_CASE("discovery of a single file", "[upload][discovery]") {
  TempDir tmp("discovery");
  copy_pydicom("MR_small.dcm", tmp.path / ".named_by_the_user.dcm");
  write_file(tmp.path / "notes.txt", "not an image\n");
  copy_pydicom("dicomdirtests/DICOMDIR", tmp.path / "DICOMDIR");

  // The user named it: a leading dot does not hide it.
  const Discovery one = discover(tmp.path / ".named_by_the_user.dcm");
  CHECK(one.kind == xnatctl::upload::SourceKind::kFile);
  REQUIRE(one.files.size() == 1);
  CHECK(one.files[0].relative_path == ".named_by_the_user.dcm");
  CHECK(one.files[0].attributes.sop_instance_uid == kMrSmallSop);
  CHECK(one.skipped.empty());

  const Discovery text = discover(tmp.path / "notes.txt");
  CHECK(text.files.empty());
  REQUIRE(text.skipped.size() == 1);
  CHECK(text.skipped[0].reason == SkipReason::kNotDicom);

  const Discovery dicomdir = discover(tmp.path / "DICOMDIR");
  REQUIRE(dicomdir.skipped.size() == 1);
  CHECK(dicomdir.skipped[0].reason == SkipReason::kDicomdir);
}

TEST_CASE("discovery refuses a source that is not there or not a file", "[upload][discovery]") {
  TempDir tmp("discovery");
  REQUIRE(::mkfifo((tmp.path / "pipe").c_str(), 0644) == 0);
  CHECK_THROWS_AS(discover(tmp.path / "missing"), xnatctl::UsageError);
  CHECK_THROWS_WITH(discover(tmp.path / "missing"), Catch::Contains("No such file"));
  CHECK_THROWS_AS(discover(tmp.path / "pipe"), xnatctl::UsageError);
}

TEST_CASE("discovery reports progress and stops when cancelled", "[upload][discovery]") {
  TempDir tmp("discovery");
  gen_session(tmp.path / "s", 1, 2, 600);

  std::size_t last = 0;
  int calls = 0;
  DiscoveryOptions options;
  options.progress = [&](std::size_t examined) {
    CHECK(examined >= last);
    last = examined;
    ++calls;
  };
  const Discovery d = discover(tmp.path / "s", options);
  CHECK(d.files.size() == 1200);
  CHECK(calls >= 2);
  CHECK(last == 1200);

  std::atomic<bool> cancelled{false};
  DiscoveryOptions stopping;
  stopping.cancelled = &cancelled;
  stopping.progress = [&](std::size_t) { cancelled = true; };
  try {
    discover(tmp.path / "s", stopping);
    FAIL("discovery did not stop");
  } catch (const xnatctl::Error& e) {
    CHECK(e.code() == xnatctl::ExitCode::kCancelled);
  }
}
