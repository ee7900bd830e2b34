#pragma once

// Whether deflating the next entry of a zip body pays, learned from the upload itself.
//
// Deflating costs CPU time per byte of data and saves wire time in proportion to how much
// smaller the data gets. zlib's fastest level makes 200-350 MB/s on one core: on loopback or
// a fast LAN the CPU is then the limit and deflating only slows the upload down (it ran at
// 0.32-0.45x of curl posting the same files as a tar); on a WAN link it is the other way
// round (these images deflate 37:1). So the chooser compares, per byte of data,
//   level 1:  time deflating it + (output/data) x time sending a byte
//   level 0:  time copying it into stored deflate blocks + time sending a byte
// where "time sending a byte" is measured while level-0 output is sent (the wire's own
// cost, which compressed output, too small to fill the wire, cannot show), and picks the
// cheaper. The times come from this upload's bodies (every worker reports to one chooser).
// A little of each body keeps going to the level not chosen, so a change in the data (JPEG
// pixels do not deflate) or in the link is noticed.
//
// Thread-safe. Without samples it starts with level 0 (4 MiB) then level 1 (1 MiB).

#include <cstdint>
#include <mutex>

namespace xnatctl::upload {

class ZipLevelChooser {
 public:
  // One entry's production.
  struct Produced {
    int level = 0;                 // 0 or 1
    std::uint64_t data_bytes = 0;  // the entry's data
    std::uint64_t output_bytes = 0;
    double seconds = 0;  // reading and deflating it
  };
  // Output of `level` the body's reader took, and the time it spent away sending it.
  struct Sent {
    int level = 0;
    std::uint64_t bytes = 0;
    double seconds = 0;
  };

  // The deflate level (0 or 1) for an entry of `data_bytes` about to start.
  int level_for_entry(std::uint64_t data_bytes);
  void record(const Produced& p);
  void record(const Sent& s);

  // Entries given each level so far (for the summary and tests).
  std::uint64_t entries_at(int level) const;

 private:
  struct Rates {
    double data = 0, output = 0, seconds = 0;  // decayed sums
  };
  int preferred_locked() const;

  mutable std::mutex mutex_;
  Rates produced_[2];
  double sent_bytes_ = 0, sent_seconds_ = 0;  // level-0 output only
  std::uint64_t decided_bytes_[2] = {0, 0};
  std::uint64_t entries_[2] = {0, 0};
  int preferred_ = 0;
  std::uint64_t since_sample_ = 0;  // data given the preferred level since the last sample
  std::uint64_t sample_left_ = 0;   // data still to give the other level
};

}  // namespace xnatctl::upload
