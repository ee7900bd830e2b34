#include "gradual_upload.hpp"

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include "common/xnat_import.hpp"
#include "scan_schedule.hpp"

namespace rest_gradual {
namespace {

constexpr const char* kHandler = "gradual-DICOM";
// XNAT's per (scan, name) lock (§11.5): the one 400 that goes away by itself. Objects with
// names of their own only meet it when someone else sends the same object at the same time.
constexpr std::string_view kRaceMessage = "Concurrent file sends of the same data";
// Enough of an error page for server_message(), which keeps 300 characters.
constexpr std::size_t kResponseCap = 64 * 1024;
// Rounds over the files that failed transiently, after the first pass, and the pause before
// each (times the round number).
constexpr unsigned kExtraRounds = 2;
constexpr std::uint32_t kRoundPauseMs = 1000;
// A send() outcome that is no file's: the job failed as a whole (credentials refused).
constexpr xc_status kJobFailed = -1;

std::string human_bytes(std::uint64_t bytes) {
  // Decimal units, as the host's own plan and summary print them.
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1000 && unit + 1 < std::size(units)) value /= 1000, ++unit;
  char out[32];
  std::snprintf(out, sizeof out, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return out;
}

std::optional<std::string> attribute(const xc::Job& job, std::size_t index, const char* key) {
  if (auto v = job.attribute(index, key)) return std::string(*v);
  return std::nullopt;
}

// What one http_send gave: its status, the response and (the start of) its body.
struct Exchange {
  xc_status status = XC_OK;
  xc_http_response response{};
  std::string body;
  std::string error;
};

xc_status capture(void* user, const char* data, std::size_t size) {
  auto* text = static_cast<std::string*>(user);
  if (text->size() < kResponseCap) text->append(data, std::min(size, kResponseCap - text->size()));
  return XC_OK;
}

class Run {
 public:
  Run(const xc::Host& host, const xc::Job& job)
      : host_(host),
        job_(job),
        plan_(make_plan(job)),
        query_(xnat_import::import_query(job.info(), kHandler)),
        query_kv_(xnat_import::as_kv(query_)),
        results_(job.file_count()),
        reported_(job.file_count(), false) {}

  xc_status go() {
    // Reports go through one thread of their own: the host journals each stored file before
    // report() returns, and a worker waiting for that is a worker not sending.
    reporter_ = std::thread([this] { report_loop(); });
    struct Drain {
      Run& run;
      ~Drain() { run.drain_reports(); }
    } drain{*this};
    std::vector<std::size_t> all(job_.file_count());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    std::vector<std::size_t> deferred;
    pass(all, /*final=*/false, deferred);
    // What failed transiently (the host already backed off within each send) gets up to
    // kExtraRounds more tries after everything else, each after a pause: a short outage or a
    // flaky 500 costs a few files another round, not a re-run. Only the last round reports.
    for (unsigned round = 1; round <= kExtraRounds && !stopped_ && !deferred.empty(); ++round) {
      std::vector<std::size_t> again = std::move(deferred);
      deferred.clear();
      std::sort(again.begin(), again.end());
      host_.log(XC_LOG_INFO, "retrying " + std::to_string(again.size()) +
                                 " file(s) that failed transiently (round " +
                                 std::to_string(round) + ")");
      if (!host_.wait(kRoundPauseMs * round)) {
        stop_for_cancel();
        break;
      }
      pass(again, /*final=*/round == kExtraRounds, deferred);
    }
    drain_reports();
    if (cancelled_) return XC_CANCELLED;
    // Stopped for an outage: what failed transiently is reported as such, the rest unsent.
    for (std::size_t i = 0; i < results_.size(); ++i) {
      if (!reported_[i] && results_[i].attempts > 0 && results_[i].outcome == XC_RETRY) {
        reported_[i] = true;
        job_.report({i}, results_[i]);
      }
    }
    if (job_error_) throw *job_error_;
    const bool all_stored = std::all_of(results_.begin(), results_.end(),
                                        [](const xc::Result& r) { return r.outcome == XC_OK; });
    return all_stored ? XC_OK : XC_PARTIAL;
  }

 private:
  void pass(const std::vector<std::size_t>& files, bool final, std::vector<std::size_t>& deferred) {
    std::vector<std::string> scans;
    scans.reserve(files.size());
    for (std::size_t index : files) scans.push_back(plan_.scan_of[index]);
    ScanSchedule schedule(files, scans);
    {
      std::lock_guard lock(schedule_mutex_);
      schedule_ = &schedule;
      if (stopped_) schedule.stop();  // the reporter may have stopped the job meanwhile
    }
    const auto threads =
        std::max<std::size_t>(1, std::min<std::size_t>(plan_.workers, files.size()));
    std::vector<std::thread> workers;
    workers.reserve(threads);
    try {
      for (std::size_t t = 0; t < threads; ++t)
        workers.emplace_back([&] { work(schedule, final, deferred); });
    } catch (const std::system_error& e) {
      // Fewer threads than asked for: the ones running finish the job.
      if (workers.empty())
        fail_job(xc::Error(XC_INTERNAL, std::string("rest_gradual: ") + e.what()));
    }
    for (auto& w : workers) w.join();
    std::lock_guard lock(schedule_mutex_);
    schedule_ = nullptr;
  }

  void work(ScanSchedule& schedule, bool final, std::vector<std::size_t>& deferred) noexcept {
    try {
      while (const auto index = schedule.next()) {
        if (stopped_ || host_.cancelled()) {
          schedule.finished(*index, false);
          stop_for_cancel();
          return;
        }
        const xc::Result r = send(*index);
        const bool stored = r.outcome == XC_OK;
        const bool stop = settle(*index, r, final, deferred);
        schedule.finished(*index, stored);
        if (stop) return;
      }
    } catch (const std::exception& e) {
      fail_job(xc::Error(XC_INTERNAL, std::string("rest_gradual: ") + e.what()));
    } catch (...) {
      fail_job(xc::Error(XC_INTERNAL, "rest_gradual: unknown exception in a worker"));
    }
  }

  // Records and (unless deferred) reports one answer; true when the worker should stop.
  bool settle(std::size_t index, const xc::Result& r, bool final,
              std::vector<std::size_t>& deferred) {
    bool defer = false;
    {
      std::lock_guard lock(mutex_);
      xc::Result& kept = results_[index];
      const std::uint32_t attempts = kept.attempts + r.attempts;
      kept = r;
      kept.attempts = attempts;
      if (r.outcome == XC_RETRY) {
        ++consecutive_transient_;
        defer = !final;
        if (defer) deferred.push_back(index);
      } else if (r.outcome != XC_CANCELLED && r.outcome != kJobFailed) {
        consecutive_transient_ = 0;  // the server answered something definite
      }
    }
    if (r.outcome == kJobFailed) return true;
    if (r.outcome == XC_CANCELLED) {
      enqueue_report(index);
      stop_for_cancel();
      return true;
    }
    if (!defer) enqueue_report(index);
    std::size_t transient = 0;
    {
      std::lock_guard lock(mutex_);
      transient = consecutive_transient_;
    }
    if (transient >= outage_threshold(plan_.workers)) {
      fail_job(xc::Error(XC_RETRY, std::to_string(transient) +
                                       " files in a row failed transiently (last: " + r.message +
                                       "); stopped, the rest can be sent with --resume"));
      return true;
    }
    return false;
  }

  void enqueue_report(std::size_t index) {
    {
      std::lock_guard lock(mutex_);
      reported_[index] = true;
      queue_.push_back(index);
    }
    queued_.notify_one();
  }

  // Delivers queued reports in order until drain_reports(); a refused report (the host is
  // stopping) stops the workers, and what is already queued is still delivered: each is a
  // file the server acknowledged, which the journal should know.
  void report_loop() noexcept {
    std::unique_lock lock(mutex_);
    for (;;) {
      queued_.wait(lock, [this] { return !queue_.empty() || closing_; });
      if (queue_.empty()) return;
      const std::size_t index = queue_.front();
      queue_.pop_front();
      const xc::Result r = results_[index];
      lock.unlock();
      bool accepted = false;
      try {
        accepted = job_.report({index}, r);
      } catch (...) {  // allocation failure: treat as a refusal
      }
      if (!accepted) stop_for_cancel();
      lock.lock();
    }
  }

  void drain_reports() {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    queued_.notify_all();
    if (reporter_.joinable()) reporter_.join();
  }

  // Callable from any thread; the reporter may call it while a pass begins or ends.
  void stop_all() {
    stopped_ = true;
    std::lock_guard lock(schedule_mutex_);
    if (schedule_ != nullptr) schedule_->stop();
  }
  void stop_for_cancel() {
    cancelled_ = true;
    stop_all();
  }
  void fail_job(xc::Error error) {
    {
      std::lock_guard lock(mutex_);
      if (!job_error_) job_error_ = std::move(error);
    }
    stop_all();
  }

  Exchange exchange(const std::string& path, const xc::Body& body, std::uint32_t flags) const {
    static const xc_kv kHeaders[] = {{"Content-Type", "application/dicom"}};
    Exchange ex;
    xc_http_request request{};
    request.struct_size = sizeof(request);
    request.method = "POST";
    request.path = path.c_str();
    request.query = query_kv_.data();
    request.query_count = query_kv_.size();
    request.headers = kHeaders;
    request.header_count = std::size(kHeaders);
    body.attach(request);
    request.response_write = capture;
    request.response_user = &ex.body;
    request.flags = flags;
    ex.response.struct_size = sizeof(ex.response);
    xc_error error = xc::make_error();
    ex.status = host_.api()->http_send(host_.handle(), &request, &ex.response, &error);
    if (ex.status != XC_OK) ex.error = error.message;
    return ex;
  }

  // One file, start to answer. Never throws for a problem of the file itself.
  xc::Result send(std::size_t index) {
    job_.started(index);
    xc::Result r;
    xc::Body body;
    try {
      body = job_.open_file(index);
    } catch (const xc::Error& e) {
      r.outcome = XC_FATAL;
      r.message = std::string("cannot read the file: ") + e.what();
      return r;
    }
    // The host's object names need no escaping (sdk.h: A-Z a-z 0-9 . _ - ~ only).
    const std::string path = std::string(xnat_import::kImportPath) + "/" + plan_.names[index];
    Exchange ex = exchange(path, body, 0);
    std::uint32_t earlier_attempts = 0;
    if (ex.status == XC_OK && ex.response.status == 400 &&
        ex.body.find(kRaceMessage) != std::string::npos && body.rewind()) {
      // Only this 400 is retried (with the host's back-off); every other 4xx is final at once.
      earlier_attempts = ex.response.attempts;
      ex = exchange(path, body, XC_HTTP_RETRY_IMPORT_400);
    }
    switch (ex.status) {
      case XC_OK:
        r = xnat_import::result_of(ex.response, ex.body);
        break;
      case XC_CANCELLED:
        r.outcome = XC_CANCELLED;
        r.message = "cancelled by the user";
        break;
      case XC_AUTH:
        // Not the file's fault: the job ends, the file stays unreported (sent on --resume).
        fail_job(xc::Error(XC_AUTH, ex.error));
        r.outcome = kJobFailed;
        r.message = ex.error;
        break;
      case XC_RETRY:
        r.outcome = XC_RETRY;
        r.message = ex.error;
        break;
      default:
        r.outcome = XC_FATAL;
        r.message = ex.error;
        break;
    }
    r.attempts = earlier_attempts + std::max<std::uint32_t>(ex.response.attempts, 1);
    return r;
  }

  const xc::Host& host_;
  const xc::Job& job_;
  const Plan plan_;
  const xnat_import::Query query_;
  const std::vector<xc_kv> query_kv_;
  std::mutex mutex_;
  std::vector<xc::Result> results_;  // by job index; attempts summed over passes
  std::vector<bool> reported_;
  std::deque<std::size_t> queue_;  // reports waiting for the reporter thread
  std::condition_variable queued_;
  bool closing_ = false;
  std::thread reporter_;
  std::size_t consecutive_transient_ = 0;
  std::optional<xc::Error> job_error_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> cancelled_{false};
  std::mutex schedule_mutex_;
  ScanSchedule* schedule_ = nullptr;  // the running pass's, under schedule_mutex_
};

}  // namespace

Plan make_plan(const xc::Job& job) {
  Plan plan;
  const std::size_t n = job.file_count();
  plan.names.reserve(n);
  plan.scan_of.reserve(n);
  std::map<std::string, std::size_t> ordinal;
  for (std::size_t i = 0; i < n; ++i) {
    const xc_job_file file = job.file(i);
    // Named by the host (since ABI 1.1): unique in the run and the same on --resume.
    plan.names.push_back(job.object_name(i));
    plan.scan_of.push_back(
        scan_key(attribute(job, i, "SeriesNumber"), attribute(job, i, "SeriesInstanceUID")));
    const auto [it, added] = ordinal.emplace(plan.scan_of.back(), plan.scans.size());
    if (added) {
      plan.scans.push_back(plan.scan_of.back());
      plan.scan_files.push_back(0);
      plan.scan_bytes.push_back(0);
    }
    ++plan.scan_files[it->second];
    plan.scan_bytes[it->second] += file.size;
  }
  const std::uint32_t workers = std::max<std::uint32_t>(1, job.info().workers);
  plan.workers = static_cast<unsigned>(std::min<std::size_t>(workers, std::max<std::size_t>(n, 1)));
  return plan;
}

std::size_t outage_threshold(unsigned workers) {
  return std::max<std::size_t>(4, 2 * static_cast<std::size_t>(workers));
}

xc_status upload(const xc::Host& host, const xc::Job& job) {
  if (job.file_count() == 0) return XC_OK;
  Run run(host, job);
  return run.go();
}

std::string describe(const xc::Job& job) {
  const Plan plan = make_plan(job);
  const xc_job_info& info = job.info();
  std::string out;
  out += "rest_gradual: " + std::to_string(job.file_count()) + " file(s), " +
         human_bytes(info.total_bytes) + ", in " + std::to_string(plan.scans.size()) +
         " scan(s); " + std::to_string(plan.workers) +
         " worker(s), one keep-alive connection each\n";
  out += "  each file: POST " + std::string(xnat_import::kImportPath) + "/<object name>?";
  const xnat_import::Query query = xnat_import::import_query(info, kHandler);
  for (std::size_t k = 0; k < query.size(); ++k)
    out += (k == 0 ? "" : "&") + query[k].first + "=" + query[k].second;
  out += "\n             Content-Type: application/dicom, the file's bytes as the body\n";
  out +=
      "  order: the session's first file alone, then the first file of each scan, then the "
      "rest of each scan in parallel\n";
  out +=
      "  retries: connection failures, 429/502/503/504 and 400 \"Concurrent file sends\" with "
      "back-off; other 4xx are final (reported with the server's message)\n";
  constexpr std::size_t kListed = 20;
  for (std::size_t s = 0; s < plan.scans.size() && s < kListed; ++s) {
    std::string key = plan.scans[s];
    if (key.rfind("number:", 0) == 0)
      key = "scan " + key.substr(7);
    else if (key.rfind("uid:", 0) == 0)
      key = "series " + key.substr(4);
    else
      key = "scan NA (no SeriesNumber or SeriesInstanceUID)";
    out += "  " + key + ": " + std::to_string(plan.scan_files[s]) + " file(s), " +
           human_bytes(plan.scan_bytes[s]) + "\n";
  }
  if (plan.scans.size() > kListed)
    out += "  ... and " + std::to_string(plan.scans.size() - kListed) + " more scan(s)\n";
  for (std::size_t i = 0; i < job.file_count() && i < 3; ++i) {
    const xc_job_file file = job.file(i);
    out += std::string("  object name: ") + (file.relative_path ? file.relative_path : "") +
           " -> " + plan.names[i] + "\n";
  }
  return out;
}

}  // namespace rest_gradual
