// rest_zip: the default transport of `session upload`. Sends DICOM-zip batches to XNAT's
// import service (POST /data/services/import, import-handler=DICOM-zip): a pre-built archive
// as it is in one request, anything else as tar or zip bodies the host streams from the job's
// files, cut along series by the batch plan (batch_plan.hpp) and sent over `workers`
// connections. The host runs everything around it (project check, commit, where the session
// went, --verify); this file only sends bytes and reports each batch's files.

#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "batch_plan.hpp"
#include "import_exchange.hpp"
#include "xnatctl/sdk.hpp"

namespace {

using rest_zip::Exchange;

struct RestZip {
  explicit RestZip(xc::Host h) : host_(h) {}
  const xc::Host& host() const { return host_; }
  xc::Host host_;
};

// How a job is sent: the pre-built archive byte for byte, or batches of its files.
struct Approach {
  std::optional<xc::Body> source;  // set: send this body as it is
  const char* content_type = nullptr;
  int32_t format = XC_ARCHIVE_TAR;  // batches: the body format
  std::string note;                 // why a pre-built archive is not sent as it is, or ""
};

const char* format_name(int32_t format) {
  return format == XC_ARCHIVE_ZIP ? "zip" : "tar";
}

Approach choose(const xc::Job& job) {
  const xc_job_info& info = job.info();
  Approach a;
  a.format = info.archive_format == XC_ARCHIVE_ZIP ? XC_ARCHIVE_ZIP : XC_ARCHIVE_TAR;
  if (info.source_kind != XC_SOURCE_ARCHIVE) {
    a.content_type = rest_zip::content_type_of(a.format);
    return a;
  }
  const char* type = rest_zip::content_type_of_archive(info.source != nullptr ? info.source : "");
  const bool zip_to_tar = (info.flags & XC_JOB_ZIP_TO_TAR) != 0;
  if (zip_to_tar) a.format = XC_ARCHIVE_TAR;  // what the user asked for
  if (type == nullptr) {
    a.note = "the archive's name is not one XNAT recognises; its files are sent in batches";
  } else if (zip_to_tar && std::string_view(type) == "application/zip") {
    a.note = "--zip-to-tar: the zip's files are sent as tar batches";
  } else {
    try {
      a.source.emplace(job.open_source());
      a.content_type = type;
      return a;
    } catch (const xc::Error& e) {
      // The host refuses when the job is not the whole archive (--resume, filtered members,
      // --split-studies): only the job's own files may go.
      if (e.status() != XC_UNSUPPORTED) throw;
      a.note = std::string("the archive is not sent as it is (") + e.what() +
               "); its files are sent in batches";
    }
  }
  a.content_type = rest_zip::content_type_of(a.format);
  return a;
}

// A positive whole number from this plugin's configuration section, or `fallback`.
uint64_t setting(const xc::Host& host, const char* key, uint64_t fallback) {
  const std::optional<std::string> text = host.config(key);
  if (!text) return fallback;
  try {
    size_t used = 0;
    const unsigned long long value = std::stoull(*text, &used);
    if (used == text->size() && value > 0 && text->front() != '-') return value;
  } catch (const std::exception&) {
  }
  throw xc::Error(XC_INVALID_INPUT, std::string("rest_zip: setting ") + (key + 7) + ": '" + *text +
                                        "' is not a positive whole number");
}

// Batch limits: the planner's defaults unless the administrator's or user's settings for
// rest_zip say otherwise (`plugins: {settings: {rest_zip: {batch_max_mib: 64}}}`).
rest_zip::PlanLimits limits_of(const xc::Host& host) {
  rest_zip::PlanLimits limits;
  limits.max_batch_bytes = setting(host, "plugin.batch_max_mib", limits.max_batch_bytes >> 20)
                           << 20;
  limits.max_batch_files = setting(host, "plugin.batch_max_files", limits.max_batch_files);
  return limits;
}

rest_zip::Plan plan_of(const xc::Job& job, const rest_zip::PlanLimits& limits) {
  std::vector<rest_zip::PlanFile> files;
  files.reserve(job.file_count());
  for (size_t i = 0; i < job.file_count(); ++i) {
    const xc_job_file f = job.file(i);
    const std::string uid(job.attribute(i, "SeriesInstanceUID").value_or(""));
    const std::string number(job.attribute(i, "SeriesNumber").value_or(""));
    files.push_back({i, f.size, rest_zip::scan_key(number, uid), uid});
  }
  return rest_zip::plan_batches(files, job.info().workers, limits);
}

std::string query_text(const xnat_import::Query& query) {
  std::string out;
  for (const auto& [k, v] : query) out += (out.empty() ? "?" : "&") + k + "=" + v;
  return out;
}

std::vector<size_t> every_file(const xc::Job& job) {
  std::vector<size_t> all(job.file_count());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  return all;
}

// What the batches of one upload() came to, shared by its worker threads.
class Outcome {
 public:
  bool stopping() const { return stop_.load(); }
  void stop() { stop_ = true; }
  // Records one exchange; false when the upload should stop.
  bool record(const Exchange& ex, bool report_accepted) {
    if (ex.result.outcome != XC_OK) failed_ = true;
    if (ex.status == XC_CANCELLED || ex.result.outcome == XC_CANCELLED || !report_accepted)
      cancelled_ = true;
    if (ex.status == XC_AUTH) fail_whole(XC_AUTH, ex.result.message);
    if (cancelled_) stop_ = true;
    return !stop_;
  }
  void fail_whole(xc_status status, const std::string& message) {
    std::lock_guard lock(mutex_);
    if (whole_status_ == XC_OK) {
      whole_status_ = status;
      whole_message_ = message;
    }
    stop_ = true;
  }
  // upload()'s result (throws for a failure of the job as a whole).
  xc_status finish(const xc::Host& host) const {
    if (whole_status_ != XC_OK) throw xc::Error(whole_status_, "rest_zip: " + whole_message_);
    if (cancelled_ || host.cancelled()) return XC_CANCELLED;
    return failed_ ? XC_PARTIAL : XC_OK;
  }

 private:
  std::atomic<bool> stop_{false}, failed_{false}, cancelled_{false};
  std::mutex mutex_;
  xc_status whole_status_ = XC_OK;
  std::string whole_message_;
};

struct Sender {
  // Settings are checked here, so a bad one is a usage error before anything is sent.
  Sender(RestZip& plugin, const xc::Invocation&)
      : plugin_(plugin), limits_(limits_of(plugin.host())) {}
  const xc::Host& host() const { return plugin_.host(); }

  xc_status upload(const xc::Job& job) {
    if (job.file_count() == 0) return XC_OK;
    Approach approach = choose(job);
    const xnat_import::Query query = rest_zip::import_query(job.info());
    Outcome outcome;
    if (approach.source) {
      const std::vector<size_t> all = every_file(job);
      host().log(XC_LOG_INFO,
                 std::string("sending the pre-built archive ") + job.info().source + " as it is (" +
                     approach.content_type + ", " +
                     rest_zip::format_bytes(static_cast<uint64_t>(approach.source->size())) + ")");
      for (size_t i : all) job.started(i);
      const Exchange ex =
          rest_zip::send_import(host(), query, approach.content_type, *approach.source);
      approach.source->close();
      outcome.record(ex, job.report(all, ex.result));
      return outcome.finish(host());
    }
    if (!approach.note.empty()) host().log(XC_LOG_INFO, approach.note);
    const rest_zip::Plan plan = plan_of(job, limits_);
    for_each_line(rest_zip::describe_plan(plan, format_name(approach.format)),
                  [&](const std::string& line) {
                    // The host prefixes log lines with the plugin id already.
                    const std::string_view prefix = "rest_zip: ";
                    host().log(XC_LOG_INFO, line.rfind(prefix, 0) == 0
                                                ? std::string_view(line).substr(prefix.size())
                                                : std::string_view(line));
                  });

    std::vector<std::thread> workers;
    workers.reserve(plan.lanes.size());
    for (const rest_zip::Lane& lane : plan.lanes) {
      workers.emplace_back([&, lane_ptr = &lane] {
        try {
          run_lane(job, *lane_ptr, query, approach, outcome);
        } catch (const std::exception& e) {
          outcome.fail_whole(XC_INTERNAL, e.what());
        } catch (...) {
          outcome.fail_whole(XC_INTERNAL, "unknown exception in a worker");
        }
      });
    }
    for (std::thread& t : workers) t.join();
    return outcome.finish(host());
  }

  xc_status describe(const xc::Job& job) {
    const xc::Invocation inv(host(), job.invocation());
    const xc_job_info& info = job.info();
    Approach approach = choose(job);
    std::string text = "rest_zip: POST " + std::string(xnat_import::kImportPath) +
                       query_text(rest_zip::import_query(info)) + "\n";
    if (approach.source) {
      text += "rest_zip: the pre-built archive " + std::string(info.source) +
              " is sent as it is in one request (" + approach.content_type + ", " +
              rest_zip::format_bytes(static_cast<uint64_t>(approach.source->size())) + ")\n";
    } else {
      if (!approach.note.empty()) text += "rest_zip: " + approach.note + "\n";
      text += rest_zip::describe_plan(plan_of(job, limits_), format_name(approach.format));
    }
    inv.print(XC_STDOUT, text);
    return XC_OK;
  }

 private:
  template <typename Fn>
  static void for_each_line(const std::string& text, Fn&& fn) {
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      fn(text.substr(pos, end - pos));
      pos = end + 1;
    }
  }

  // One connection: its batches in order, each built by the host while it is sent.
  void run_lane(const xc::Job& job, const rest_zip::Lane& lane, const xnat_import::Query& query,
                const Approach& approach, Outcome& outcome) {
    for (const rest_zip::Batch& batch : lane.batches) {
      if (outcome.stopping() || host().cancelled()) return;
      for (size_t i : batch.files) job.started(i);
      Exchange ex;
      try {
        const xc::Body body = job.open_archive(batch.files, approach.format);
        ex = rest_zip::send_import(host(), query, approach.content_type, body);
      } catch (const xc::Error& e) {  // the body could not be opened
        ex.status = e.status();
        ex.result.outcome = e.status() == XC_CANCELLED ? XC_CANCELLED : XC_FATAL;
        ex.result.message = e.what();
      }
      if (!outcome.record(ex, job.report(batch.files, ex.result))) return;
    }
  }

  RestZip& plugin_;
  rest_zip::PlanLimits limits_;
};

using Thunks = xc::TransportThunks<RestZip, Sender>;

constexpr xc_transport_desc kTransport =
    xc::Transport("rest_zip", "DICOM-zip batches over the REST import API (one request per batch)",
                  "session upload")
        .capabilities(XC_TRANSPORT_PARALLEL | XC_TRANSPORT_NEEDS_HTTP |
                      XC_TRANSPORT_ARCHIVE_PASSTHROUGH | XC_TRANSPORT_RESUME)
        .lifecycle(Thunks::create, Thunks::upload, Thunks::destroy)
        .describe(Thunks::describe)
        .desc();
constexpr const xc_transport_desc* kTransports[] = {&kTransport};

constexpr xc_plugin_desc kPlugin =
    xc::Plugin("rest_zip", "0.2.0", "Upload sessions as DICOM-zip batches (REST import API)")
        .transports(kTransports)
        .lifecycle(xc::plugin_init<RestZip>, xc::plugin_shutdown<RestZip>)
        .desc();

}  // namespace

XC_DEFINE_PLUGIN(kPlugin)
