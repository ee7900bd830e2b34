// The probe half of directory discovery: each candidate is opened once, relative to a
// descriptor of its directory, stat'ed through its own descriptor (size, mtime, identity)
// and its header read by the fast probe, on several threads that take runs of files from a
// shared counter. Each thread writes straight into the JobFile slot of its candidate. While
// the walk still runs, EarlyProbe does the same for the directories read so far on the core
// the walk leaves idle.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <latch>
#include <mutex>
#include <thread>
#include <utility>

#include "discovery_internal.hpp"
#include "xnatctl/dicom/header_probe.hpp"

namespace xnatctl::upload::detail {
namespace {

using Probed = ProbeOutcome;

// A descriptor of the directory the thread's current candidates are in.
class DirectoryHandle {
 public:
  DirectoryHandle() = default;
  DirectoryHandle(const DirectoryHandle&) = delete;
  DirectoryHandle& operator=(const DirectoryHandle&) = delete;
  ~DirectoryHandle() { close(); }

  // The descriptor of `d` (opened once per run of its files), or -1 with error() set.
  int get(std::uint32_t index, const WalkedDirectory& d) {
    if (index == index_ && fd_ >= 0) return fd_;
    close();
    index_ = index;
    // O_PATH: only a base for openat, so search permission is all it needs (as for a path).
    fd_ = ::open(d.path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    error_ = fd_ < 0 ? errno : 0;
    return fd_;
  }
  int error() const { return error_; }

 private:
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::uint32_t index_ = UINT32_MAX;
  int fd_ = -1;
  int error_ = 0;
};

void probe_one(const WalkedDirectory& d, std::uint32_t directory_index, const char* name,
               DirectoryHandle& directory, JobFile& f, Probed& p) {
  f.relative_path = join_path(d.relative, name);
  f.location.path = join_path(d.path, name);
  const int dir_fd = directory.get(directory_index, d);
  if (dir_fd < 0) {
    p.reason = SkipReason::kUnreadable;
    p.why = std::strerror(directory.error());
    return;
  }
  // O_NONBLOCK: a FIFO swapped in since the walk must not block the probe.
  const int fd = ::openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
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
    auto attributes = dicom::probe_open_file(fd, f.size, f.location.path, &p.why);
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

// Writes to every page of [begin, begin + bytes), raw storage not holding objects yet.
void touch_pages(unsigned char* begin, std::size_t bytes) {
  constexpr std::size_t kPage = 4096;
  auto* volatile_begin = static_cast<volatile unsigned char*>(begin);
  for (std::size_t offset = 0; offset < bytes; offset += kPage) volatile_begin[offset] = 0;
}

// The same file reached twice (a link to a file of the tree, hard links): keep the real
// path, then the first name (candidates are in order, so the first seen).
void mark_duplicates(const WalkResult& walk, const JobFile* slots, std::vector<Probed>& results) {
  struct Id {
    dev_t dev;
    ino_t ino;
    std::size_t slot;
  };
  std::vector<Id> ids;
  ids.reserve(results.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i].dicom) ids.push_back({results[i].dev, results[i].ino, i});
  }
  std::sort(ids.begin(), ids.end(), [](const Id& a, const Id& b) {
    if (a.dev != b.dev) return a.dev < b.dev;
    if (a.ino != b.ino) return a.ino < b.ino;
    return a.slot < b.slot;
  });
  for (std::size_t g = 0; g < ids.size();) {
    std::size_t end = g + 1;
    while (end < ids.size() && ids[end].dev == ids[g].dev && ids[end].ino == ids[g].ino) ++end;
    if (end - g > 1) {
      std::size_t kept = ids[g].slot;
      for (std::size_t k = g; k < end; ++k) {
        if (!walk.candidates[ids[k].slot].via_link) {
          kept = ids[k].slot;
          break;
        }
      }
      for (std::size_t k = g; k < end; ++k) {
        if (ids[k].slot == kept) continue;
        Probed& r = results[ids[k].slot];
        r.dicom = false;
        r.reason = SkipReason::kDuplicate;
        r.why = "the same file as '" + slots[kept].relative_path + "'";
      }
    }
    g = end;
  }
}

}  // namespace

EarlyProbe::EarlyProbe(const DiscoveryOptions& options) : options_(options) {
  // As many as a large tree would get; the early thread is one of them.
  if (thread_count(options, std::size_t{1} << 20) > 1) thread_ = std::thread([this] { run(); });
}

EarlyProbe::~EarlyProbe() {
  finish();
}

void EarlyProbe::offer(const WalkResult& walk, std::uint32_t first, std::uint32_t count) {
  if (!thread_.joinable()) return;
  const Candidate& c = walk.candidates[first];
  Batch batch{walk.directories[c.directory], c.directory, first, {}};
  for (std::uint32_t i = first; i < first + count; ++i) {
    batch.names.append(walk.name_of(walk.candidates[i]));
    batch.names.push_back('\0');
  }
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    queue_.push_back(std::move(batch));
  }
  wake_.notify_one();
}

void EarlyProbe::finish() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void EarlyProbe::run() {
  constexpr std::size_t kProgressEvery = 512;
  DirectoryHandle directory;
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Batch batch = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    std::uint32_t candidate = batch.first;
    for (std::size_t at = 0; at < batch.names.size(); ++candidate) {
      const char* name = batch.names.c_str() + at;
      at += std::strlen(name) + 1;
      if (options_.cancelled != nullptr && options_.cancelled->load()) break;
      Result& r = results_.emplace_back();
      r.candidate = candidate;
      probe_one(batch.directory, batch.directory_index, name, directory, r.file, r.outcome);
      if (options_.progress && results_.size() % kProgressEvery == 0) {
        reported_ = results_.size();
        options_.progress(reported_);
      }
      // Stop between files once the walk is done: what is left is probed in place.
      std::lock_guard check(mutex_);
      if (stopping_) return;
    }
    lock.lock();
  }
}

void probe_candidates(WalkResult& walk, const DiscoveryOptions& options,
                      std::vector<JobFile>& files, std::vector<SkippedFile>& skipped,
                      EarlyProbe* early) {
  const std::vector<Candidate>& candidates = walk.candidates;
  const int threads = thread_count(options, candidates.size());
  const std::size_t first_new = files.size();
  files.reserve(first_new + candidates.size());
  // The new slots' memory (70+ MB for 100,000 JobFiles; a page fault costs about 1 ms a MB
  // here) is faulted in by every thread, a share each, before the JobFiles are built in it,
  // instead of by one thread in resize(). Huge pages (MADV_HUGEPAGE) were tried on top and
  // made no measurable difference once the faults were shared.
  auto* storage = reinterpret_cast<unsigned char*>(files.data() + first_new);
  const std::size_t bytes = candidates.size() * sizeof(JobFile);
  auto touch = [&](int t) {
    const std::size_t from = bytes * static_cast<std::size_t>(t) / threads;
    const std::size_t to = bytes * static_cast<std::size_t>(t + 1) / threads;
    touch_pages(storage + from, to - from);
  };
  std::latch touched(threads);
  std::latch built(1);
  JobFile* slots = nullptr;
  std::vector<Probed> results;
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> examined{0};
  std::atomic<bool> stop{false};
  std::mutex progress_mutex;
  // Early results count as examined again below; progress only moves forward.
  std::size_t reported = early != nullptr ? early->reported() : 0;
  auto work = [&] {
    // Runs of consecutive candidates: mostly one directory, so one directory descriptor.
    constexpr std::size_t kRun = 64;
    constexpr std::size_t kProgressEvery = 512;
    DirectoryHandle directory;
    while (!stop.load(std::memory_order_relaxed)) {
      const std::size_t first = next.fetch_add(kRun, std::memory_order_relaxed);
      if (first >= candidates.size()) break;
      const std::size_t last = std::min(candidates.size(), first + kRun);
      for (std::size_t i = first; i < last; ++i) {
        if (options.cancelled != nullptr && options.cancelled->load()) {
          stop = true;
          break;
        }
        const Candidate& c = candidates[i];
        if (c.early != 0) {
          auto& r = early->results()[c.early - 1];
          slots[i] = std::move(r.file);
          results[i] = std::move(r.outcome);
          continue;
        }
        probe_one(walk.directories[c.directory], c.directory, walk.name_of(c), directory, slots[i],
                  results[i]);
      }
      const std::size_t before = examined.fetch_add(last - first, std::memory_order_relaxed);
      const std::size_t done = before + (last - first);
      if (options.progress && done / kProgressEvery != before / kProgressEvery) {
        // One thread at a time; a busy lock means someone is reporting already.
        std::unique_lock lock(progress_mutex, std::try_to_lock);
        if (lock.owns_lock() && done > reported) {
          reported = done;
          options.progress(done);
        }
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) {
    pool.emplace_back([&, t] {
      touch(t);
      touched.count_down();
      built.wait();
      work();
    });
  }
  try {
    touch(0);
    touched.arrive_and_wait();
    files.resize(first_new + candidates.size());
    slots = files.data() + first_new;
    results.resize(candidates.size());
  } catch (...) {
    stop = true;
    built.count_down();
    for (auto& t : pool) t.join();
    throw;
  }
  built.count_down();
  work();
  for (auto& t : pool) t.join();
  if (stop) files.resize(first_new);
  throw_if_cancelled(options);
  if (options.progress) options.progress(candidates.size());

  mark_duplicates(walk, slots, results);

  // Compact in place: DICOM files keep their (sorted) order, the rest become skips.
  std::size_t out = 0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    Probed& r = results[i];
    if (r.dicom && is_dicomdir(slots[i].attributes)) {
      r.dicom = false;
      r.reason = SkipReason::kDicomdir;
      r.why = "a DICOMDIR index (lists files, is not an image)";
    }
    if (!r.dicom) {
      skipped.push_back({std::move(slots[i].relative_path), r.reason, std::move(r.why)});
      continue;
    }
    if (out != i) slots[out] = std::move(slots[i]);
    ++out;
  }
  files.resize(first_new + out);
}

}  // namespace xnatctl::upload::detail
