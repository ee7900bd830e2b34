#pragma once

// One gradual-DICOM upload job: every file one POST to /data/services/import/<name>, sent by
// `workers` threads over the host's keep-alive pool, each file reported on its own as the
// server answers (the host journals the stored ones, so an interrupted run can --resume).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "xnatctl/sdk.hpp"

namespace rest_gradual {

// What one job's files look like from here: names, scans, the request every file gets.
struct Plan {
  std::vector<std::string> names;    // by job index: the host's object name (URL-safe)
  std::vector<std::string> scan_of;  // by job index: scan key (see scan_key)
  std::vector<std::string> scans;    // scan keys in order of first appearance
  std::vector<std::size_t> scan_files;
  std::vector<std::uint64_t> scan_bytes;
  unsigned workers = 1;  // threads that will send
};

Plan make_plan(const xc::Job& job);

// Consecutive files failing transiently (no HTTP answer, or 5xx after the host's retries)
// with nothing stored in between, after which the job stops: the server is down and every
// further file would only wait out its back-off. The rest is left for --resume.
std::size_t outage_threshold(unsigned workers);

// Sends every file of `job`; returns XC_OK, XC_PARTIAL (some reported as failed),
// XC_CANCELLED, or throws xc::Error for a job that failed as a whole (credentials refused, the
// server unreachable); files not reported then count as not sent.
xc_status upload(const xc::Host& host, const xc::Job& job);

// The dry-run text: files, scans, workers, the request shape, the order. Contacts nothing.
std::string describe(const xc::Job& job);

}  // namespace rest_gradual
