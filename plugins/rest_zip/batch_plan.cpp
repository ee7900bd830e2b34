#include "batch_plan.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>
#include <set>

namespace rest_zip {
namespace {

struct Group {
  std::vector<const PlanFile*> files;  // job order
  std::uint64_t bytes = 0;
  std::size_t first = 0;  // lowest job index: keeps the plan in the order files were found
};

std::vector<Group> group_by_scan(const std::vector<PlanFile>& files) {
  std::map<std::string, Group> by_key;
  for (const PlanFile& f : files) {
    Group& g = by_key[f.scan_key];
    if (g.files.empty()) g.first = f.index;
    g.first = std::min(g.first, f.index);
    g.files.push_back(&f);
    g.bytes += f.size;
  }
  std::vector<Group> groups;
  groups.reserve(by_key.size());
  for (auto& [key, g] : by_key) {
    std::sort(g.files.begin(), g.files.end(),
              [](const PlanFile* a, const PlanFile* b) { return a->index < b->index; });
    groups.push_back(std::move(g));
  }
  return groups;
}

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
  return b == 0 ? a : (a + b - 1) / b;
}

void close_batch(Lane& lane, Batch& current, std::set<std::string>& uids) {
  if (current.files.empty()) return;
  current.series = uids.size();
  lane.bytes += current.bytes;
  lane.batches.push_back(std::move(current));
  current = Batch{};
  uids.clear();
}

// Cuts one lane's groups (in job order) into batches.
Lane cut_lane(const std::vector<const Group*>& groups, const PlanLimits& limits) {
  std::uint64_t bytes = 0;
  std::size_t count = 0;
  for (const Group* g : groups) {
    bytes += g->bytes;
    count += g->files.size();
  }
  const std::uint64_t max_bytes = std::max<std::uint64_t>(1, limits.max_batch_bytes);
  const std::size_t max_files = std::max<std::size_t>(1, limits.max_batch_files);
  // As many batches as each limit forces, then as even as possible: a 300 MiB lane under a
  // 256 MiB limit becomes 150 + 150, not 256 + 44.
  const std::uint64_t target_bytes =
      std::min(max_bytes, ceil_div(bytes, std::max<std::uint64_t>(1, ceil_div(bytes, max_bytes))));
  const std::size_t target_files = std::min<std::size_t>(
      max_files, ceil_div(count, std::max<std::uint64_t>(1, ceil_div(count, max_files))));

  Lane lane;
  Batch current;
  std::set<std::string> uids;
  auto fits = [&](std::uint64_t b, std::size_t c) {
    return current.bytes + b <= target_bytes && current.files.size() + c <= target_files;
  };
  auto add = [&](const PlanFile& f) {
    current.files.push_back(f.index);
    current.bytes += f.size;
    uids.insert(f.series_uid);
  };
  for (const Group* g : groups) {
    const bool whole_fits_alone = g->bytes <= target_bytes && g->files.size() <= target_files;
    if (whole_fits_alone) {
      if (!fits(g->bytes, g->files.size())) close_batch(lane, current, uids);
      for (const PlanFile* f : g->files) add(*f);
      continue;
    }
    // Larger than a batch: its parts follow each other on this lane.
    for (const PlanFile* f : g->files) {
      if (!current.files.empty() && !fits(f->size, 1)) {
        current.split_group = true;
        close_batch(lane, current, uids);
      }
      add(*f);
    }
  }
  close_batch(lane, current, uids);
  return lane;
}

}  // namespace

std::string scan_key(const std::string& series_number, const std::string& series_uid) {
  if (!series_number.empty()) return "n:" + series_number;
  if (!series_uid.empty()) return "u:" + series_uid;
  return "NA";
}

std::size_t Plan::batch_count() const {
  std::size_t n = 0;
  for (const Lane& l : lanes) n += l.batches.size();
  return n;
}

std::size_t Plan::file_count() const {
  std::size_t n = 0;
  for (const Lane& l : lanes)
    for (const Batch& b : l.batches) n += b.files.size();
  return n;
}

std::uint64_t Plan::bytes() const {
  std::uint64_t n = 0;
  for (const Lane& l : lanes) n += l.bytes;
  return n;
}

Plan plan_batches(const std::vector<PlanFile>& files, unsigned workers, PlanLimits limits) {
  std::vector<Group> groups = group_by_scan(files);
  // LPT: largest group first onto the least loaded lane; ties by job order, so the plan is
  // deterministic.
  std::vector<const Group*> order;
  for (const Group& g : groups) order.push_back(&g);
  std::sort(order.begin(), order.end(), [](const Group* a, const Group* b) {
    return a->bytes != b->bytes ? a->bytes > b->bytes : a->first < b->first;
  });
  const std::size_t lane_count =
      std::min<std::size_t>(std::max(1u, workers), std::max<std::size_t>(1, groups.size()));
  std::vector<std::vector<const Group*>> assigned(lane_count);
  std::vector<std::uint64_t> load(lane_count, 0);
  for (const Group* g : order) {
    const auto lightest = std::min_element(load.begin(), load.end()) - load.begin();
    assigned[lightest].push_back(g);
    load[lightest] += g->bytes;
  }
  Plan plan;
  for (auto& lane_groups : assigned) {
    if (lane_groups.empty()) continue;
    std::sort(lane_groups.begin(), lane_groups.end(),
              [](const Group* a, const Group* b) { return a->first < b->first; });
    plan.lanes.push_back(cut_lane(lane_groups, limits));
  }
  return plan;
}

std::string format_bytes(std::uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f %s", value, kUnits[unit]);
  return text;
}

std::string describe_plan(const Plan& plan, const char* format_name) {
  std::string out = "rest_zip: " + std::to_string(plan.batch_count()) + " batch" +
                    (plan.batch_count() == 1 ? "" : "es") + " (" + format_name + ") on " +
                    std::to_string(plan.lanes.size()) + " connection" +
                    (plan.lanes.size() == 1 ? "" : "s") + ", " + std::to_string(plan.file_count()) +
                    " files, " + format_bytes(plan.bytes()) + "\n";
  std::size_t number = 0;
  for (std::size_t l = 0; l < plan.lanes.size(); ++l) {
    for (const Batch& b : plan.lanes[l].batches) {
      out += "  batch " + std::to_string(++number) + ": connection " + std::to_string(l + 1) +
             ", " + std::to_string(b.series) + " series, " + std::to_string(b.files.size()) +
             " files, " + format_bytes(b.bytes) +
             (b.split_group ? " (a series continues in the next batch)" : "") + "\n";
    }
  }
  return out;
}

}  // namespace rest_zip
