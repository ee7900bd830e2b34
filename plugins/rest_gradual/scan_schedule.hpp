#pragma once

// The order rest_gradual's workers send files in. XNAT creates the receiving session on the
// first object it gets and each scan on the scan's first object (xnat-server-api.md §3.4);
// objects arriving in parallel while that happens is what the Python tool's "warm-up" works
// around. So:
//   1. the session's first object is sent alone;
//   2. once it is stored, the first object of every other scan may go (in parallel);
//   3. once a scan's first object is stored, the rest of that scan goes in parallel.
// A first object that fails hands the role to the scan's next file. Everything is in job order
// within a scan, leaders before followers, scans in order of first appearance.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rest_gradual {

// The scan a file lands in, as XNAT decides it (§3.4.7): SeriesNumber if it is a usable
// folder name, else SeriesInstanceUID, else "NA" (both absent).
std::string scan_key(const std::optional<std::string>& series_number,
                     const std::optional<std::string>& series_uid);

class ScanSchedule {
 public:
  // `files`: job indices to send, in order; `scan_of[k]`: the scan key of files[k].
  ScanSchedule(const std::vector<std::size_t>& files, const std::vector<std::string>& scan_of);

  enum class State { kFile, kWait, kDone };
  struct Step {
    State state;
    std::size_t file = 0;  // with kFile
  };
  // Without blocking: a file to send now, kWait while only files waiting on an in-flight
  // first object are left, kDone when nothing is left (or after stop()).
  Step try_next();
  // Blocks until try_next() is not kWait; nullopt when done.
  std::optional<std::size_t> next();
  // A file handed out by next()/try_next() has been answered; `stored` opens its scan (and
  // the session) when it was a first object.
  void finished(std::size_t file, bool stored);
  // Hands out nothing more and wakes every waiting worker.
  void stop();

  std::size_t scan_count() const { return scans_.size(); }

 private:
  struct Scan {
    std::deque<std::size_t> files;
    bool open = false;
    std::optional<std::size_t> leader;  // the first object in flight
  };
  Step take_locked();
  std::size_t lead_locked(std::size_t scan);

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Scan> scans_;
  std::deque<std::size_t> need_leader_;  // closed scans with files and no leader in flight
  std::set<std::size_t> open_with_files_;
  std::vector<std::size_t> scan_of_file_;  // by job index
  std::optional<std::size_t> session_leader_;
  bool session_open_ = false;
  bool stopped_ = false;
  std::size_t in_flight_ = 0;
};

}  // namespace rest_gradual
