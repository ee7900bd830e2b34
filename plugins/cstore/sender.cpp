#include "sender.hpp"

#include <dcmtk/config/osconfig.h>  // must precede every other DCMTK header
#include <dcmtk/dcmdata/dcfilefo.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <numeric>
#include <thread>

#include "dimse_status.hpp"
#include "names.hpp"
#include "transcode.hpp"

namespace cstore {
namespace {

std::string attr(const xc::Job& job, std::size_t i, const char* keyword) {
  const auto v = job.attribute(i, keyword);
  return v ? std::string(*v) : std::string();
}

struct JobState {
  JobState(const xc::Host& h, const xc::Job& j, const Settings& s, const SendLimits& l,
           const Plan& p)
      : host(h), job(j), settings(s), limits(l), plan(p) {}
  const xc::Host& host;
  const xc::Job& job;
  const Settings& settings;
  const SendLimits& limits;
  const Plan& plan;
  std::vector<std::size_t> queue;  // by association, so workers rarely switch associations
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> cancelled{false};
  std::atomic<std::size_t> failed{0};
  std::mutex mutex;
  xc_status job_status = XC_OK;  // a failure of the whole job (first one wins)
  std::string job_message;

  bool user_cancelled() {
    if (host.cancelled()) cancelled = true;
    return cancelled;
  }
  void fail_job(xc_status status, const std::string& message) {
    std::lock_guard lock(mutex);
    if (job_status == XC_OK) {
      job_status = status;
      job_message = message;
    }
    stop = true;
  }
  void report(std::size_t i, xc_status outcome, std::uint16_t status, unsigned attempts,
              std::string message) {
    if (outcome != XC_OK) ++failed;
    xc::Result r;
    r.outcome = outcome;
    r.status = status;
    r.attempts = attempts;
    r.message = std::move(message);
    {
      std::lock_guard lock(reports_mutex);
      reports.emplace_back(i, std::move(r));
    }
    reports_ready.notify_one();
  }

  // The host journals and renders each report; a thread of its own hands them over, so a
  // worker sends its next file while the host records the last one.
  void deliver_reports() {
    std::unique_lock lock(reports_mutex);
    for (;;) {
      reports_ready.wait(lock, [&] { return !reports.empty() || reports_closed; });
      if (reports.empty()) return;
      auto [index, result] = std::move(reports.front());
      reports.pop_front();
      lock.unlock();
      if (!job.report({index}, result)) {
        cancelled = true;
        stop = true;
      }
      lock.lock();
    }
  }
  void close_reports() {
    {
      std::lock_guard lock(reports_mutex);
      reports_closed = true;
    }
    reports_ready.notify_one();
  }

  std::mutex reports_mutex;
  std::condition_variable reports_ready;
  std::deque<std::pair<std::size_t, xc::Result>> reports;
  bool reports_closed = false;
};

class Worker {
 public:
  explicit Worker(JobState& state) : s_(state) {}
  void run() {
    while (!s_.stop && !s_.user_cancelled()) {
      const std::size_t k = s_.next++;
      if (k >= s_.queue.size()) break;
      send(s_.queue[k]);
    }
    if (assoc_) {
      if (s_.cancelled) {
        assoc_->abort();
      } else {
        assoc_->release();
      }
    }
  }

 private:
  // An association for plan entry `which`, opened (with bounded retries) if not already open.
  bool associate(std::size_t which) {
    if (assoc_ && current_ == which) return true;
    if (assoc_) assoc_->release();
    assoc_.reset();
    unsigned pause = s_.limits.backoff_ms;
    for (unsigned attempt = 0;; ++attempt) {
      try {
        assoc_ = std::make_unique<Association>(s_.settings, s_.plan.associations[which],
                                               s_.limits.timeouts,
                                               [this] { return s_.user_cancelled(); });
        current_ = which;
        s_.host.log(XC_LOG_DEBUG, "association " + std::to_string(which + 1) + " to " +
                                      s_.settings.address() + ": " +
                                      std::to_string(assoc_->accepted_count()) + " of " +
                                      std::to_string(s_.plan.associations[which].contexts.size()) +
                                      " presentation contexts accepted");
        assoc_->echo();  // the receiver answers DIMSE, not only TCP
        return true;
      } catch (const NetFailure& f) {
        assoc_.reset();
        const bool retryable = f.kind == NetFailure::Kind::kBusy ||
                               f.kind == NetFailure::Kind::kDropped ||
                               f.kind == NetFailure::Kind::kTimeout ||
                               (f.kind == NetFailure::Kind::kConnect && ever_connected_);
        if (f.kind == NetFailure::Kind::kCancelled || s_.user_cancelled()) {
          s_.cancelled = true;
          s_.stop = true;
          return false;
        }
        if (!retryable || attempt >= s_.limits.connect_retries) {
          s_.fail_job(f.kind == NetFailure::Kind::kBusy ? XC_RETRY : XC_FATAL, f.what());
          return false;
        }
        s_.host.log(XC_LOG_DEBUG, std::string("retrying the association: ") + f.what());
        if (!s_.host.wait(pause)) {
          s_.cancelled = true;
          s_.stop = true;
          return false;
        }
        pause *= 2;
      }
    }
  }

  void send(std::size_t i) {
    const FilePlacement& place = s_.plan.files[i];
    const std::string sop_class = attr(s_.job, i, "SOPClassUID");
    const std::string sop_instance = attr(s_.job, i, "SOPInstanceUID");
    const std::string syntax = attr(s_.job, i, "TransferSyntaxUID");
    if (sop_instance.empty())
      return s_.report(i, XC_FATAL, 0, 0, "no SOP Instance UID in the header: not sent");
    s_.job.started(i);
    std::optional<xc::Body> body;
    unsigned attempts = 0, busy = 0, pause = s_.limits.backoff_ms;
    for (;;) {
      if (!associate(place.association)) return;  // the job stops; this file stays unsent
      ever_connected_ = true;
      std::uint8_t context = place.exact_context;
      std::string accepted = assoc_->accepted_syntax(context);
      bool convert_it = false;
      if (accepted.empty() && place.fallback_context != 0) {
        context = place.fallback_context;
        accepted = assoc_->accepted_syntax(context);
        convert_it = !accepted.empty();
      }
      if (accepted.empty()) {
        std::string message = "the receiver accepts no presentation context for SOP class " +
                              sop_class_name(sop_class) + " / transfer syntax " +
                              syntax_name(syntax);
        if (!s_.settings.allow_transcode)
          message += "; not converted (add --allow-transcode to send it uncompressed)";
        return s_.report(i, XC_FATAL, 0, attempts, message);
      }
      StoreReply reply;
      try {
        if (!body) {
          body.emplace(s_.job.open_file(i));
        } else if (!body->rewind()) {
          body.emplace(s_.job.open_file(i));
        }
        ++attempts;
        reply = convert_it ? send_converted(*body, context, sop_class, sop_instance, accepted)
                           : send_as_is(*body, context, sop_class, sop_instance, syntax);
      } catch (const NetFailure& f) {
        assoc_.reset();
        if (f.kind == NetFailure::Kind::kCancelled) {
          s_.cancelled = true;
          s_.stop = true;
          return;
        }
        if (f.kind == NetFailure::Kind::kLocal)
          return s_.report(i, XC_FATAL, 0, attempts, f.what());
        if (attempts >= s_.limits.max_attempts)
          return s_.report(i, XC_RETRY, 0, attempts,
                           std::string("not acknowledged after ") + std::to_string(attempts) +
                               " attempts: " + f.what());
        s_.host.log(XC_LOG_DEBUG, std::string("association lost, sending again: ") + f.what());
        continue;                     // a new association, the same file
      } catch (const xc::Error& e) {  // the host could not open or read the file
        return s_.report(i, XC_FATAL, 0, attempts, e.what());
      }
      const std::string meaning = describe_status(reply.status, reply.error_comment);
      switch (classify(reply.status)) {
        case StatusClass::kSuccess:
          return s_.report(i, XC_OK, reply.status, attempts, "");
        case StatusClass::kWarning:
          return s_.report(i, XC_OK, reply.status, attempts, "stored with warning " + meaning);
        case StatusClass::kRefused:
          return s_.report(i, XC_FATAL, reply.status, attempts, "refused: " + meaning);
        case StatusClass::kTransient:
          if (busy++ >= s_.limits.busy_retries)
            return s_.report(i, XC_RETRY, reply.status, attempts,
                             "refused after " + std::to_string(attempts) + " attempts: " + meaning);
          if (!s_.host.wait(pause)) {
            s_.cancelled = true;
            s_.stop = true;
            return;
          }
          pause *= 2;
          continue;
      }
    }
  }

  // The data set bytes straight from the host's stream: memory per worker is one PDU, whatever
  // the file size, and the bytes arrive as the file holds them.
  StoreReply send_as_is(xc::Body& body, std::uint8_t context, const std::string& sop_class,
                        const std::string& sop_instance, const std::string& syntax) {
    const ReadFn read = [&body](char* buffer, std::size_t capacity) {
      return body.read(buffer, capacity);
    };
    DatasetStart start;
    try {
      start = read_dataset_start(read);
    } catch (const std::runtime_error& e) {
      throw NetFailure(NetFailure::Kind::kLocal, e.what());
    }
    if (start.has_meta && start.transfer_syntax_uid != syntax)
      throw NetFailure(NetFailure::Kind::kLocal,
                       "the file changed since it was scanned (transfer syntax " +
                           start.transfer_syntax_uid + ", was " + syntax + ")");
    return assoc_->store_bytes(context, sop_class, sop_instance, std::move(start.head), read);
  }

  // Conversion needs the whole data set parsed: the file is read into memory (only on this
  // path, which --allow-transcode enables and a refused context triggers).
  StoreReply send_converted(xc::Body& body, std::uint8_t context, const std::string& sop_class,
                            const std::string& sop_instance, const std::string& target) {
    std::string bytes;
    char buffer[65536];
    for (std::size_t n; (n = body.read(buffer, sizeof buffer)) > 0;) bytes.append(buffer, n);
    std::unique_ptr<DcmFileFormat> file;
    try {
      file = convert(bytes, target);
    } catch (const std::runtime_error& e) {
      throw NetFailure(NetFailure::Kind::kLocal, e.what());
    }
    s_.host.log(XC_LOG_DEBUG, "converted " + sop_instance + " to " + syntax_name(target));
    return assoc_->store_dataset(context, sop_class, sop_instance, *file->getDataset());
  }

  JobState& s_;
  std::unique_ptr<Association> assoc_;
  std::size_t current_ = 0;
  bool ever_connected_ = false;
};

}  // namespace

Plan plan_for(const xc::Job& job, bool allow_transcode) {
  std::vector<PlanInput> inputs(job.file_count());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    inputs[i].sop_class_uid = attr(job, i, "SOPClassUID");
    inputs[i].transfer_syntax_uid = attr(job, i, "TransferSyntaxUID");
  }
  return make_plan(inputs, allow_transcode);
}

xc_status send_job(const xc::Host& host, const xc::Job& job, const Settings& settings,
                   const SendLimits& limits, xc_error* error) {
  initialise_dcmtk();
  const Plan plan = plan_for(job, settings.allow_transcode);
  JobState state(host, job, settings, limits, plan);
  // Joined on every path out of here: every report reaches the host before upload() returns.
  struct Reporter {
    JobState& state;
    std::thread thread{[this] { state.deliver_reports(); }};
    ~Reporter() { finish(); }
    void finish() {
      if (!thread.joinable()) return;
      state.close_reports();
      thread.join();
    }
  } reporter{state};
  for (std::size_t i = 0; i < plan.files.size(); ++i) {
    if (plan.files[i].planned) {
      state.queue.push_back(i);
    } else {
      state.report(i, XC_FATAL, 0, 0, plan.files[i].problem);
    }
  }
  std::stable_sort(state.queue.begin(), state.queue.end(), [&](std::size_t a, std::size_t b) {
    return plan.files[a].association < plan.files[b].association;
  });
  const std::size_t workers =
      std::max<std::size_t>(1, std::min<std::size_t>(job.info().workers, state.queue.size()));
  if (!state.queue.empty()) {
    std::vector<std::thread> threads;
    std::vector<std::unique_ptr<Worker>> pool;
    for (std::size_t w = 0; w < workers; ++w) pool.push_back(std::make_unique<Worker>(state));
    for (std::size_t w = 1; w < workers; ++w) threads.emplace_back([&, w] { pool[w]->run(); });
    pool[0]->run();
    for (auto& t : threads) t.join();
  }
  reporter.finish();
  if (state.cancelled) return xc::fail(error, XC_CANCELLED, "cancelled");
  if (state.job_status != XC_OK) return xc::fail(error, state.job_status, state.job_message);
  return state.failed > 0 ? XC_PARTIAL : XC_OK;
}

}  // namespace cstore
