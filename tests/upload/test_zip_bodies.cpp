// Zip bodies as XNAT reads them: java.util.zip.ZipInputStream (the JDK's, run for real) and
// Python's zipfile read back entries deflated at level 0 (stored blocks), at level 1 and
// mixed in one body, ZIP64 end records for more than 65,535 entries, and an entry over 4 GiB
// streamed through a FIFO. Also the level chooser, fed measurements rather than timed.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "stream_test_support.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/test_support/child_process.hpp"
#include "xnatctl/upload/byte_source.hpp"
#include "xnatctl/upload/zip_level_chooser.hpp"

using namespace xnatctl::upload;
using namespace xnatctl::upload::testing;
using xnatctl::test_support::run_process;

namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

struct ReadBack {
  std::string name;
  std::uint64_t size;
  std::uint32_t crc;
};

std::string unhex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// What ZipInputStream reads from the zip at `path` (a file or a FIFO being written).
std::vector<ReadBack> java_read_back(const std::filesystem::path& path) {
  const auto result =
      run_process("java", {ZIP_JAVA_READ_BACK, path.string()}, std::chrono::seconds(240));
  INFO("java: " << result.stderr_text);
  REQUIRE(result.exit_status == 0);
  std::vector<ReadBack> out;
  std::istringstream lines(result.stdout_text);
  for (std::string hex, size, crc; std::getline(lines, hex, '\t') &&
                                   std::getline(lines, size, '\t') && std::getline(lines, crc);) {
    out.push_back(
        {unhex(hex), std::stoull(size), static_cast<std::uint32_t>(std::stoul(crc, nullptr, 16))});
  }
  return out;
}

std::uint32_t crc_of(const std::string& data) {
  return static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

// Python's zipfile reads the central directory (and ZIP64 end records): count and names.
std::vector<std::string> python_names(const std::filesystem::path& zip) {
  const auto result =
      run_process("python3",
                  {"-c",
                   "import sys, zipfile\n"
                   "with zipfile.ZipFile(sys.argv[1]) as z:\n"
                   "    bad = z.testzip()\n"
                   "    assert bad is None, bad\n"
                   "    for i in z.infolist():\n"
                   "        assert i.compress_type == zipfile.ZIP_DEFLATED, i\n"
                   "        sys.stdout.buffer.write(i.filename.encode() + b'\\n')\n",
                   zip.string()},
                  std::chrono::seconds(240));
  INFO("python: " << result.stderr_text);
  REQUIRE(result.exit_status == 0);
  std::vector<std::string> names;
  std::istringstream lines(result.stdout_text);
  for (std::string line; std::getline(lines, line);) names.push_back(line);
  return names;
}

Job job_over(const ScratchDir& dir, const std::vector<std::pair<std::string, std::string>>& files) {
  Job job;
  job.source = dir.path();
  for (const auto& [name, content] : files) {
    const auto path = dir.path() / ("data/" + std::to_string(job.files.size()));
    write_file(path, content);
    job.files.push_back(plain_job_file(path, name));
  }
  return job;
}

// Compressible like an image: runs of slowly changing values.
std::string image_like(std::size_t size, unsigned seed) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i / 512 + seed) & 0x3f);
  return out;
}

}  // namespace

TEST_CASE("ZipInputStream and zipfile read zip bodies at deflate level 0 and level 1 and mixed") {
  ScratchDir dir;
  // A fresh chooser gives the first 4 MiB level 0 and the next 1 MiB level 1: with these
  // sizes the body holds both.
  std::vector<std::pair<std::string, std::string>> files = {
      {"series_1/big.dcm", image_like(3 * kMiB, 1)},
      {"series_1/Patient_M\xc3\xbcller.dcm", pattern_content(kMiB + 12345, 2)},
      {"series_2/a.dcm", image_like(700 * 1024, 3)},
      {"series_2/b.dcm", pattern_content(500 * 1024, 4)},
      {"series_2/empty.dcm", ""},
      {"series_2/tiny.dcm", "x"}};
  Job job = job_over(dir, files);
  struct Way {
    const char* name;
    std::shared_ptr<ZipLevelChooser> chooser;
  };
  for (const Way& way : {Way{"level 1 (no chooser)", nullptr},
                         Way{"levels chosen", std::make_shared<ZipLevelChooser>()}}) {
    DYNAMIC_SECTION(way.name) {
      auto body = open_archive_body(job, all_indices(job), ArchiveFormat::kZip, {}, way.chooser);
      const std::string zip = drain(*body, 65536);
      if (way.chooser) {
        CHECK(way.chooser->entries_at(0) >= 2);
        CHECK(way.chooser->entries_at(1) >= 1);
        CHECK(zip.size() > 4 * kMiB);  // the level-0 entries are stored, not compressed
      }
      const auto path = dir.path() / "body.zip";
      write_file(path, zip);
      const auto java = java_read_back(path);
      REQUIRE(java.size() == files.size());
      for (std::size_t i = 0; i < files.size(); ++i) {
        INFO("entry " << i);
        CHECK(java[i].name == files[i].first);
        CHECK(java[i].size == files[i].second.size());
        CHECK(java[i].crc == crc_of(files[i].second));
      }
      const auto names = python_names(path);
      REQUIRE(names.size() == files.size());
      CHECK(names[1] == files[1].first);
    }
  }
}

TEST_CASE("more than 65535 entries get ZIP64 end records that zipfile and ZipInputStream read") {
  ScratchDir dir;
  Job job = job_over(dir, {{"one.dcm", "1"}});
  const JobFile file = job.files[0];
  job.files.clear();
  constexpr std::size_t kCount = 70000;
  for (std::size_t i = 0; i < kCount; ++i) {
    JobFile f = file;
    f.relative_path = "s/" + std::to_string(i) + ".dcm";
    job.files.push_back(f);
  }
  const auto path = dir.path() / "many.zip";
  write_file(path, drain(*open_archive_body(job, all_indices(job), ArchiveFormat::kZip)));
  const auto names = python_names(path);
  REQUIRE(names.size() == kCount);
  CHECK(names.back() == "s/69999.dcm");
  const auto java = java_read_back(path);
  REQUIRE(java.size() == kCount);
  CHECK(java.back().crc == crc_of("1"));
}

TEST_CASE("an entry over 4 GiB streams as ZIP64 and ZipInputStream reads it whole") {
  ScratchDir dir;
  const auto data = dir.path() / "huge.dcm";
  write_file(data, "DICM");
  write_file(dir.path() / "data" / "small.dcm", "after the big one");
  constexpr std::uint64_t kSize = (std::uint64_t{4} << 30) + 3 * kMiB;  // sparse: no disk
  std::filesystem::resize_file(data, kSize);
  Job job;
  job.source = dir.path();
  job.files.push_back(plain_job_file(data, "huge.dcm"));
  job.files.push_back(plain_job_file(dir.path() / "data" / "small.dcm", "small.dcm"));
  const auto fifo = dir.path() / "body.fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto reader =
      xnatctl::test_support::ChildProcess::spawn("java", {ZIP_JAVA_READ_BACK, fifo.string()});
  {
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    ::fcntl(fd, F_SETPIPE_SZ, 1 << 20);  // fewer wake-ups: 4 GiB through 64 KiB took 30 s
    // Level 0 (a fresh chooser's first bytes): stored blocks, so the entry stays over 4 GiB.
    auto body = open_archive_body(job, all_indices(job), ArchiveFormat::kZip, {},
                                  std::make_shared<ZipLevelChooser>());
    std::vector<char> buffer(std::size_t{1} << 20);
    for (std::size_t n; (n = body->read(buffer.data(), buffer.size())) > 0;) {
      for (std::size_t done = 0; done < n;) {
        const ssize_t w = ::write(fd, buffer.data() + done, n - done);
        if (w <= 0) FAIL("writing to the FIFO: " << std::strerror(errno));
        done += static_cast<std::size_t>(w);
      }
    }
    ::close(fd);
  }
  const auto status = reader.wait_for(std::chrono::seconds(240));
  INFO("java: " << reader.stderr_text());
  REQUIRE(status == 0);
  std::istringstream lines(reader.stdout_text());
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  CHECK(first.substr(first.find('\t') + 1, first.rfind('\t') - first.find('\t') - 1) ==
        std::to_string(kSize));
  CHECK(second.substr(second.find('\t') + 1, second.rfind('\t') - second.find('\t') - 1) == "17");
}

TEST_CASE("a zip entry within 4 MiB of 4 GiB is refused with the way out") {
  ScratchDir dir;
  const auto data = dir.path() / "edge.dcm";
  write_file(data, "DICM");
  std::filesystem::resize_file(data, (std::uint64_t{4} << 30) - kMiB);
  Job job;
  job.source = dir.path();
  job.files.push_back(plain_job_file(data, "edge.dcm"));
  CHECK_THROWS_WITH(drain(*open_archive_body(job, all_indices(job), ArchiveFormat::kZip)),
                    Catch::Contains("--archive-format tar"));
}

namespace {

// Feeds `chooser` what a body would report for `bytes` of data at each level, with the
// given costs per MiB (seconds) and deflate ratio, and returns the level it then picks.
int pick_after(ZipLevelChooser& chooser, double deflate_s_per_mib, double ratio,
               double send_s_per_mib, std::uint64_t bytes = 16 * kMiB) {
  const std::uint64_t entry = 512 * 1024;
  int level = 0;
  for (std::uint64_t done = 0; done < bytes; done += entry) {
    level = chooser.level_for_entry(entry);
    const double mib = static_cast<double>(entry) / static_cast<double>(kMiB);
    const double copy_s = 0.0003 * mib;
    const auto out =
        level == 0 ? entry : static_cast<std::uint64_t>(static_cast<double>(entry) / ratio);
    chooser.record(ZipLevelChooser::Produced{level, entry, out,
                                             level == 0 ? copy_s : deflate_s_per_mib * mib});
    chooser.record(ZipLevelChooser::Sent{
        level, out, send_s_per_mib * static_cast<double>(out) / static_cast<double>(kMiB)});
  }
  return chooser.level_for_entry(entry);
}

}  // namespace

TEST_CASE("the zip level chooser stores on a fast link and deflates on a slow one") {
  SECTION("loopback (deflate 3.5 ms/MiB at 37:1 and sending 1 ms/MiB): stored") {
    ZipLevelChooser chooser;
    CHECK(pick_after(chooser, 0.0035, 37, 0.001) == 0);
  }
  SECTION("100 Mbit/s (sending 84 ms/MiB): deflated") {
    ZipLevelChooser chooser;
    CHECK(pick_after(chooser, 0.0035, 37, 0.084) == 1);
  }
  SECTION("gigabit: 2.5:1 data deflated and JPEG pixels (1.01:1) stored") {
    ZipLevelChooser compressible, jpeg;
    CHECK(pick_after(compressible, 0.005, 2.5, 0.0085) == 1);
    CHECK(pick_after(jpeg, 0.008, 1.01, 0.0085) == 0);
  }
  SECTION("it starts with 4 MiB stored then 1 MiB deflated") {
    ZipLevelChooser chooser;
    std::vector<int> levels;
    for (int i = 0; i < 12; ++i) levels.push_back(chooser.level_for_entry(512 * 1024));
    CHECK(levels == std::vector<int>{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0});
  }
  SECTION("it keeps sampling the other level: about 1 MiB in 256 MiB") {
    ZipLevelChooser chooser;
    pick_after(chooser, 0.0035, 37, 0.001, 1024 * kMiB);
    const auto deflated = chooser.entries_at(1);
    CHECK(deflated >= 2 + 3 * 2);  // the first sample and at least three later ones
    CHECK(deflated <= 2 + 5 * 2);
  }
  SECTION("a link that slows down is followed") {
    ZipLevelChooser chooser;
    CHECK(pick_after(chooser, 0.0035, 37, 0.001, 64 * kMiB) == 0);
    CHECK(pick_after(chooser, 0.0035, 37, 0.084, 512 * kMiB) == 1);
  }
}
