#include "xnatctl/upload/zip_level_chooser.hpp"

#include <algorithm>

namespace xnatctl::upload {
namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
// First samples: level 0 long enough for the send time to mean something (a socket
// buffer of a few MB absorbs the first bytes at no cost), then level 1.
constexpr std::uint64_t kFirstStored = 4 * kMiB;
constexpr std::uint64_t kFirstDeflated = 1 * kMiB;
// Later samples of the level not chosen: ~2 % of the data. Deflating 1 MiB costs ~4 ms;
// sending 4 MiB stored where deflate pays costs what the link takes for the difference.
constexpr std::uint64_t kSampleEvery = 256 * kMiB;
constexpr std::uint64_t kSampleDeflated = 1 * kMiB;
constexpr std::uint64_t kSampleStored = 4 * kMiB;
// Sums are halved past this, so the estimates follow the last ~64-128 MiB.
constexpr double kHorizon = 64.0 * kMiB;

}  // namespace

int ZipLevelChooser::preferred_locked() const {
  const Rates& stored = produced_[0];
  const Rates& deflated = produced_[1];
  if (stored.data <= 0 || deflated.data <= 0 || deflated.output <= 0 || sent_bytes_ <= 0)
    return preferred_;  // not measured yet
  const double send = sent_seconds_ / sent_bytes_;
  const double cost_stored = stored.seconds / stored.data + send * (stored.output / stored.data);
  const double cost_deflated =
      deflated.seconds / deflated.data + send * (deflated.output / deflated.data);
  return cost_deflated < cost_stored ? 1 : 0;
}

int ZipLevelChooser::level_for_entry(std::uint64_t data_bytes) {
  const std::lock_guard lock(mutex_);
  int level = 0;
  if (decided_bytes_[0] < kFirstStored) {
    level = 0;
  } else if (decided_bytes_[1] < kFirstDeflated) {
    level = 1;
  } else {
    preferred_ = preferred_locked();
    if (sample_left_ == 0 && since_sample_ >= kSampleEvery) {
      sample_left_ = preferred_ == 0 ? kSampleDeflated : kSampleStored;
      since_sample_ = 0;
    }
    if (sample_left_ > 0) {
      level = 1 - preferred_;
      sample_left_ -= std::min(sample_left_, data_bytes);
    } else {
      level = preferred_;
      since_sample_ += data_bytes;
    }
  }
  decided_bytes_[level] += data_bytes;
  ++entries_[level];
  return level;
}

void ZipLevelChooser::record(const Produced& p) {
  if (p.level < 0 || p.level > 1) return;
  const std::lock_guard lock(mutex_);
  Rates& r = produced_[p.level];
  r.data += static_cast<double>(p.data_bytes);
  r.output += static_cast<double>(p.output_bytes);
  r.seconds += p.seconds;
  if (r.data > kHorizon) {
    r.data /= 2;
    r.output /= 2;
    r.seconds /= 2;
  }
}

void ZipLevelChooser::record(const Sent& s) {
  if (s.level != 0) return;  // see the header: only stored output shows the wire's cost
  const std::lock_guard lock(mutex_);
  sent_bytes_ += static_cast<double>(s.bytes);
  sent_seconds_ += s.seconds;
  if (sent_bytes_ > kHorizon) {
    sent_bytes_ /= 2;
    sent_seconds_ /= 2;
  }
}

std::uint64_t ZipLevelChooser::entries_at(int level) const {
  const std::lock_guard lock(mutex_);
  return level == 0 || level == 1 ? entries_[level] : 0;
}

}  // namespace xnatctl::upload
