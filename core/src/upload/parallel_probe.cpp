// The probe half of directory discovery: each candidate is opened once, stat'ed through the
// descriptor (size, mtime, identity) and its header read by the fast probe, on several
// threads that take files from a shared counter.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "discovery_internal.hpp"
#include "xnatctl/dicom/header_probe.hpp"

namespace xnatctl::upload::detail {
namespace {

// What the probe of one candidate found besides the JobFile it fills in place (writing into
// the final vector saves copying 100,000 attribute sets around).
struct Probed {
  bool dicom = false;
  SkipReason reason = SkipReason::kNotDicom;
  std::string why;
  dev_t dev = 0;
  ino_t ino = 0;
};

void probe_one(const Candidate& c, JobFile& f, Probed& p) {
  // O_NONBLOCK: a FIFO swapped in since the walk must not block the probe.
  const int fd = ::open(c.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    p.reason = SkipReason::kUnreadable;
    p.why = std::strerror(errno);
    return;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    p.reason = SkipReason::kUnreadable;
    p.why = std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    p.reason = SkipReason::kUnreadable;
    p.why = "no longer a regular file";
  } else {
    f.size = static_cast<std::uint64_t>(st.st_size);
    f.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    p.dev = st.st_dev;
    p.ino = st.st_ino;
    auto attributes = dicom::probe_open_file(fd, f.size, c.path, &p.why);
    if (attributes) {
      f.attributes = std::move(*attributes);
      p.dicom = true;
    } else if (p.why.rfind("cannot read ", 0) == 0) {
      p.reason = SkipReason::kUnreadable;
    }
  }
  ::close(fd);
}

int thread_count(const DiscoveryOptions& options, std::size_t files) {
  int n = options.threads;
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // A thread costs more than it saves below a few hundred files.
  const auto useful = static_cast<int>(std::max<std::size_t>(1, files / 256));
  return std::min(n, useful);
}

}  // namespace

void probe_candidates(std::vector<Candidate> candidates, const DiscoveryOptions& options,
                      std::vector<JobFile>& files, std::vector<SkippedFile>& skipped) {
  // Sorted now, while moving an element is cheap, so the files come out in order.
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.relative < b.relative; });
  const std::size_t first_new = files.size();
  files.resize(first_new + candidates.size());
  JobFile* slots = files.data() + first_new;
  std::vector<Probed> results(candidates.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> examined{0};
  std::atomic<bool> stop{false};
  std::mutex progress_mutex;
  auto work = [&] {
    constexpr std::size_t kProgressEvery = 512;
    while (!stop.load(std::memory_order_relaxed)) {
      const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= candidates.size()) break;
      if (options.cancelled != nullptr && options.cancelled->load()) {
        stop = true;
        break;
      }
      probe_one(candidates[i], slots[i], results[i]);
      const std::size_t done = examined.fetch_add(1, std::memory_order_relaxed) + 1;
      if (options.progress && done % kProgressEvery == 0) {
        // One thread at a time; a busy lock means someone is reporting already.
        std::unique_lock lock(progress_mutex, std::try_to_lock);
        if (lock.owns_lock()) options.progress(done);
      }
    }
  };
  const int threads = thread_count(options, candidates.size());
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (stop) files.resize(first_new);
  throw_if_cancelled(options);
  if (options.progress) options.progress(candidates.size());

  // The same file twice (a link to a file of the tree, hard links): keep the real path,
  // then the first name (candidates are sorted, so the first seen).
  std::map<std::pair<dev_t, ino_t>, std::size_t> first;
  std::vector<std::size_t> dropped;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (!results[i].dicom) continue;
    auto [it, inserted] = first.emplace(std::make_pair(results[i].dev, results[i].ino), i);
    if (inserted) continue;
    const bool prefer_new = candidates[it->second].via_link && !candidates[i].via_link;
    dropped.push_back(prefer_new ? it->second : i);
    if (prefer_new) it->second = i;
  }
  for (const std::size_t i : dropped) {
    const std::size_t kept = first.at({results[i].dev, results[i].ino});
    results[i].dicom = false;
    results[i].reason = SkipReason::kDuplicate;
    results[i].why = "the same file as '" + candidates[kept].relative + "'";
  }

  // Compact in place: DICOM files keep their (sorted) order, the rest become skips.
  std::size_t out = 0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    Probed& r = results[i];
    Candidate& c = candidates[i];
    if (r.dicom && is_dicomdir(slots[i].attributes)) {
      r.dicom = false;
      r.reason = SkipReason::kDicomdir;
      r.why = "a DICOMDIR index (lists files, is not an image)";
    }
    if (!r.dicom) {
      skipped.push_back({std::move(c.relative), r.reason, std::move(r.why)});
      continue;
    }
    JobFile& f = slots[out];
    if (out != i) f = std::move(slots[i]);
    f.location.path = std::move(c.path);
    f.relative_path = std::move(c.relative);
    ++out;
  }
  files.resize(first_new + out);
}

}  // namespace xnatctl::upload::detail
