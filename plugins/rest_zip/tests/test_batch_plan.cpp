// The batch planner on its own: series stay on one connection, bytes are balanced, large
// series are cut into parts that follow each other, every file is planned exactly once.

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>

#include "batch_plan.hpp"

using rest_zip::Plan;
using rest_zip::PlanFile;
using rest_zip::PlanLimits;

namespace {

// `count` files of `size` bytes in series `series` (SeriesNumber = series).
void add_series(std::vector<PlanFile>& files, int series, std::size_t count, std::uint64_t size) {
  for (std::size_t i = 0; i < count; ++i) {
    const std::string uid = "1.2.3." + std::to_string(series);
    files.push_back({files.size(), size, rest_zip::scan_key(std::to_string(series), uid), uid});
  }
}

std::map<std::size_t, const PlanFile*> by_index(const std::vector<PlanFile>& files) {
  std::map<std::size_t, const PlanFile*> m;
  for (const auto& f : files) m[f.index] = &f;
  return m;
}

// Every file exactly once; batch byte counts add up; no lane is empty.
void check_complete(const Plan& plan, const std::vector<PlanFile>& files) {
  const auto index = by_index(files);
  std::multiset<std::size_t> seen;
  for (const auto& lane : plan.lanes) {
    REQUIRE_FALSE(lane.batches.empty());
    std::uint64_t lane_bytes = 0;
    for (const auto& batch : lane.batches) {
      REQUIRE_FALSE(batch.files.empty());
      std::uint64_t bytes = 0;
      for (std::size_t i : batch.files) {
        seen.insert(i);
        bytes += index.at(i)->size;
      }
      CHECK(bytes == batch.bytes);
      lane_bytes += bytes;
    }
    CHECK(lane_bytes == lane.bytes);
  }
  REQUIRE(seen.size() == files.size());
  for (const auto& f : files) CHECK(seen.count(f.index) == 1);
}

// Which lane sends each scan key: must be exactly one.
void check_groups_on_one_lane(const Plan& plan, const std::vector<PlanFile>& files) {
  const auto index = by_index(files);
  std::map<std::string, std::set<std::size_t>> lanes_of;
  for (std::size_t l = 0; l < plan.lanes.size(); ++l)
    for (const auto& batch : plan.lanes[l].batches)
      for (std::size_t i : batch.files) lanes_of[index.at(i)->scan_key].insert(l);
  for (const auto& [key, lanes] : lanes_of) {
    INFO(key);
    CHECK(lanes.size() == 1);
  }
}

}  // namespace

TEST_CASE("scan keys follow XNAT's scan directory: SeriesNumber, else the UID, else NA", "[plan]") {
  CHECK(rest_zip::scan_key("4", "1.2.3") == "n:4");
  CHECK(rest_zip::scan_key("", "1.2.3") == "u:1.2.3");
  CHECK(rest_zip::scan_key("", "") == "NA");
}

TEST_CASE("as many batches as workers when the series allow it, one per connection", "[plan]") {
  std::vector<PlanFile> files;
  for (int s = 1; s <= 8; ++s) add_series(files, s, 10, 1000);
  const Plan plan = rest_zip::plan_batches(files, 4);
  check_complete(plan, files);
  check_groups_on_one_lane(plan, files);
  REQUIRE(plan.lanes.size() == 4);
  for (const auto& lane : plan.lanes) {
    REQUIRE(lane.batches.size() == 1);
    CHECK(lane.bytes == 20000);  // two whole series each: perfectly balanced
    CHECK(lane.batches[0].series == 2);
  }
}

TEST_CASE("bytes are balanced across connections within one largest series", "[plan]") {
  std::mt19937 random(42);
  std::uniform_int_distribution<int> count(1, 60), size(100, 5000);
  std::vector<PlanFile> files;
  std::uint64_t largest = 0;
  for (int s = 1; s <= 40; ++s) {
    const std::size_t before = files.size();
    add_series(files, s, static_cast<std::size_t>(count(random)),
               static_cast<std::uint64_t>(size(random)));
    std::uint64_t bytes = 0;
    for (std::size_t i = before; i < files.size(); ++i) bytes += files[i].size;
    largest = std::max(largest, bytes);
  }
  for (unsigned workers : {1u, 3u, 4u, 8u}) {
    INFO("workers " << workers);
    const Plan plan = rest_zip::plan_batches(files, workers);
    check_complete(plan, files);
    check_groups_on_one_lane(plan, files);
    REQUIRE(plan.lanes.size() == workers);
    std::uint64_t lo = UINT64_MAX, hi = 0;
    for (const auto& lane : plan.lanes) {
      lo = std::min(lo, lane.bytes);
      hi = std::max(hi, lane.bytes);
    }
    // LPT: the heaviest and lightest lanes differ by at most one series.
    CHECK(hi - lo <= largest);
  }
}

TEST_CASE("a series larger than a batch is cut into parts on one connection, in order", "[plan]") {
  std::vector<PlanFile> files;
  add_series(files, 1, 100, 1000);  // 100 kB: larger than a 30 kB batch
  add_series(files, 2, 10, 1000);
  add_series(files, 3, 10, 1000);
  PlanLimits limits;
  limits.max_batch_bytes = 30000;
  const Plan plan = rest_zip::plan_batches(files, 3, limits);
  check_complete(plan, files);
  check_groups_on_one_lane(plan, files);

  const auto big = std::find_if(plan.lanes.begin(), plan.lanes.end(), [](const auto& lane) {
    return std::find(lane.batches[0].files.begin(), lane.batches[0].files.end(), 0u) !=
           lane.batches[0].files.end();
  });
  REQUIRE(big != plan.lanes.end());
  // 100 kB under a 30 kB limit: 4 even parts of 25 kB, each but the last marked as continued.
  REQUIRE(big->batches.size() == 4);
  std::size_t next = 0;
  for (std::size_t b = 0; b < big->batches.size(); ++b) {
    const auto& batch = big->batches[b];
    CHECK(batch.bytes == 25000);
    CHECK(batch.series == 1);
    CHECK(batch.split_group == (b + 1 < big->batches.size()));
    for (std::size_t i : batch.files) CHECK(i == next++);  // the series' files in job order
  }
  for (const auto& lane : plan.lanes)
    for (const auto& batch : lane.batches) CHECK(batch.bytes <= limits.max_batch_bytes);
}

TEST_CASE("series sharing a SeriesNumber share a connection (XNAT files them into one scan)",
          "[plan]") {
  std::vector<PlanFile> files;
  for (std::size_t i = 0; i < 6; ++i) {
    const std::string uid = i % 2 == 0 ? "1.2.3.10" : "1.2.3.11";
    files.push_back({i, 100, rest_zip::scan_key("7", uid), uid});
  }
  add_series(files, 8, 6, 100);
  const Plan plan = rest_zip::plan_batches(files, 4);
  check_complete(plan, files);
  check_groups_on_one_lane(plan, files);
  REQUIRE(plan.lanes.size() == 2);  // two scan keys, so two connections despite 4 workers
  CHECK(plan.lanes[0].batches[0].series == 2);
}

TEST_CASE("the file limit cuts batches too; a file larger than a batch goes alone", "[plan]") {
  std::vector<PlanFile> files;
  add_series(files, 1, 9, 10);
  files.push_back({files.size(), 1000000, "n:2", "1.2.3.2"});
  PlanLimits limits;
  limits.max_batch_bytes = 1000;
  limits.max_batch_files = 4;
  const Plan plan = rest_zip::plan_batches(files, 1, limits);
  check_complete(plan, files);
  REQUIRE(plan.lanes.size() == 1);
  for (const auto& batch : plan.lanes[0].batches) CHECK(batch.files.size() <= 4);
  const auto& last = plan.lanes[0].batches.back();
  CHECK(last.files == std::vector<std::size_t>{9});
  CHECK(last.bytes == 1000000);
}

TEST_CASE("the plan is deterministic and keeps the job's order", "[plan]") {
  std::vector<PlanFile> files;
  for (int s = 5; s >= 1; --s) add_series(files, s, 3, static_cast<std::uint64_t>(s) * 10);
  const Plan a = rest_zip::plan_batches(files, 2);
  const Plan b = rest_zip::plan_batches(files, 2);
  REQUIRE(a.lanes.size() == b.lanes.size());
  for (std::size_t l = 0; l < a.lanes.size(); ++l) {
    REQUIRE(a.lanes[l].batches.size() == b.lanes[l].batches.size());
    for (std::size_t k = 0; k < a.lanes[l].batches.size(); ++k) {
      CHECK(a.lanes[l].batches[k].files == b.lanes[l].batches[k].files);
      CHECK(std::is_sorted(a.lanes[l].batches[k].files.begin(), a.lanes[l].batches[k].files.end()));
    }
  }
}

TEST_CASE("describe_plan names batches, connections, series and bytes", "[plan]") {
  std::vector<PlanFile> files;
  add_series(files, 1, 4, 512);
  add_series(files, 2, 2, 512);
  const std::string text = rest_zip::describe_plan(rest_zip::plan_batches(files, 2), "tar");
  CHECK(text ==
        "rest_zip: 2 batches (tar) on 2 connections, 6 files, 3.0 KiB\n"
        "  batch 1: connection 1, 1 series, 4 files, 2.0 KiB\n"
        "  batch 2: connection 2, 1 series, 2 files, 1.0 KiB\n");
  CHECK(rest_zip::format_bytes(512) == "512 B");
  CHECK(rest_zip::format_bytes(3u << 30) == "3.0 GiB");
}
