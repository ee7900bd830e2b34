#pragma once

// The batch plan of rest_zip: which job files go into which DICOM-zip request, and which
// requests one connection sends one after the other. Plain C++ over indices and sizes, so it
// is unit-tested without a host.
//
// Rules (issue 12, xnat-server-api.md §3.4):
//  - XNAT files an object into the scan directory named by its SeriesNumber (else its
//    SeriesInstanceUID, else "NA"), and two concurrent writes of the same name into one scan
//    fail with the transient 400 "Concurrent file sends". So files are grouped by that scan
//    key, and a group is only ever sent by one connection (a "lane"): when a group is larger
//    than a batch, its parts go in sequence on that lane, never concurrently.
//  - Groups are spread over at most `workers` lanes, largest first onto the least loaded lane
//    (LPT), which balances bytes as well as whole groups allow.
//  - Each lane's files are cut into batches of at most `max_batch_bytes` / `max_batch_files`
//    (a single larger file is a batch of its own), as even as possible, preferring cuts at
//    group boundaries. Small batches bound what a failed request costs to re-send and what
//    --resume must repeat.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rest_zip {

struct PlanFile {
  std::size_t index = 0;   // the job's file index
  std::uint64_t size = 0;  // bytes
  std::string scan_key;    // where XNAT files it: see scan_key()
  std::string series_uid;  // SeriesInstanceUID, "" if absent (counted in the plan text)
};

// "n:<SeriesNumber>", else "u:<SeriesInstanceUID>", else "NA" (Restructurer's scan directory).
std::string scan_key(const std::string& series_number, const std::string& series_uid);

struct PlanLimits {
  std::uint64_t max_batch_bytes = 256ull << 20;
  std::size_t max_batch_files = 5000;
};

struct Batch {
  std::vector<std::size_t> files;  // job indices, in job order within each group
  std::uint64_t bytes = 0;
  std::size_t series = 0;    // distinct SeriesInstanceUIDs (files without one count as one)
  bool split_group = false;  // holds part of a group that other batches of its lane continue
};

struct Lane {
  std::vector<Batch> batches;  // sent in this order by one connection
  std::uint64_t bytes = 0;
};

struct Plan {
  std::vector<Lane> lanes;  // at most `workers`; none empty
  std::size_t batch_count() const;
  std::size_t file_count() const;
  std::uint64_t bytes() const;
};

Plan plan_batches(const std::vector<PlanFile>& files, unsigned workers, PlanLimits limits = {});

// A human-readable size: "512 B", "12.3 KiB", "1.0 GiB".
std::string format_bytes(std::uint64_t bytes);

// The plan as text for --dry-run and -v: one header line, then one line per batch.
std::string describe_plan(const Plan& plan, const char* format_name);

}  // namespace rest_zip
