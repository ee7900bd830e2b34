#include "commands/upload_output.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <ostream>

#include "xnatctl/dicom/keywords.hpp"

namespace xnatctl::host {
namespace {

using Clock = std::chrono::steady_clock;
using Json = Poco::JSON::Object;

constexpr auto kRedraw = std::chrono::milliseconds(100);  // at most ~10 redraws a second
constexpr std::size_t kMilestone = 100;                   // the seed's "every 100 files"

Json::Ptr object() {
  return new Json(Poco::JSON_PRESERVE_KEY_ORDER);
}

void write_line(std::ostream& out, const Json::Ptr& record) {
  record->stringify(out);
  out << '\n';
  out.flush();
}

std::string duration(double seconds) {
  const long total = static_cast<long>(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof(text), "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  return text;
}

std::string rate(std::uint64_t bytes, double seconds) {
  return seconds > 0 ? human_bytes(static_cast<std::uint64_t>(bytes / seconds)) + "/s" : "-";
}

// Columns of the terminal stderr writes to: its window size, else $COLUMNS (a terminal that
// reports no size), else 80. Asked at every redraw, so a resized window is honoured.
std::size_t terminal_columns() {
  struct winsize ws {};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    const long n = std::strtol(columns, nullptr, 10);
    if (n > 0 && n < 10000) return static_cast<std::size_t>(n);
  }
  return 80;
}

// One status line that fits `columns`: "\r", the text cut to columns - 1 (writing into the last
// column makes some terminals wrap), and erase-to-end-of-line for what a longer line left.
void status_line(std::ostream& err, std::string text, std::size_t columns) {
  if (columns > 1 && text.size() > columns - 1) text.resize(columns - 1);
  err << '\r' << text << "\033[K" << std::flush;
}

// The progress line for `columns`: "[####....] files  bytes  rate  ETA", dropping the ETA,
// then the rate, then the bar itself where the terminal is too narrow for them.
std::string progress_text(std::size_t files_done, const upload::Tally& tally,
                          const std::string& speed, const std::string& eta, std::size_t columns) {
  constexpr std::size_t kBar = 24, kMinBar = 8;
  const std::string counts = std::to_string(files_done) + "/" + std::to_string(tally.files) +
                             " files  " + human_bytes(tally.bytes_sent) + "/" +
                             human_bytes(tally.bytes);
  // The bar's width is reckoned with the counts at their widest (all done), so it does not
  // shrink as the numbers grow.
  const std::size_t widest = std::max(counts.size(), std::to_string(tally.files).size() * 2 + 10 +
                                                         human_bytes(tally.bytes).size() * 2);
  const std::size_t room = columns > 1 ? columns - 1 : 0;
  for (const std::string& tail :
       {counts + "  " + speed + "  ETA " + eta, counts + "  " + speed, counts}) {
    const std::size_t reckoned = tail.size() - counts.size() + widest;
    if (reckoned + 3 + kMinBar > room) continue;  // "[" bar "] " tail
    const std::size_t width = std::min(kBar, room - reckoned - 3);
    const double fraction =
        tally.bytes > 0 ? static_cast<double>(tally.bytes_sent) / static_cast<double>(tally.bytes)
                        : 0;
    const auto filled = static_cast<std::size_t>(std::min(1.0, fraction) * width);
    return "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] " + tail;
  }
  return counts;  // status_line() cuts it if even that is too wide
}

std::vector<std::string> uri_lines(const std::string& uris) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos <= uris.size()) {
    std::size_t end = uris.find('\n', pos);
    if (end == std::string::npos) end = uris.size();
    if (end > pos) lines.push_back(uris.substr(pos, end - pos));
    pos = end + 1;
  }
  if (lines.empty()) lines.push_back(uris);
  return lines;
}

Poco::JSON::Array::Ptr as_array(const std::vector<std::string>& items) {
  Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
  for (const auto& i : items) array->add(i);
  return array;
}

std::string attr(const upload::JobFile& file, const char* keyword) {
  return std::string(dicom::attribute(file.attributes, keyword).value_or(""));
}

std::string file_path(const upload::Job& job, std::size_t index) {
  return job.files[index].relative_path;
}

// Skipped files by reason, in the reasons' alphabetical order.
std::map<std::string, int> skip_counts(const upload::Discovery& discovery) {
  std::map<std::string, int> counts;
  for (const auto& s : discovery.skipped) ++counts[upload::to_string(s.reason)];
  return counts;
}

Json::Ptr skipped_counts(const upload::Discovery& discovery) {
  Json::Ptr o = object();
  for (const auto& [reason, n] : skip_counts(discovery)) o->set(reason, n);
  return o;
}

std::string skipped_line(const upload::Discovery& discovery) {
  std::string line;
  for (const auto& [reason, n] : skip_counts(discovery))
    line += (line.empty() ? "" : ", ") + std::to_string(n) + " " + reason;
  return line;
}

}  // namespace

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000 && unit < 4) {
    value /= 1000;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return text;
}

UploadOutput::UploadOutput(output::Format format, std::ostream& out, std::ostream& err,
                           int verbosity, bool per_file_transport)
    : format_(format),
      out_(out),
      err_(err),
      verbosity_(verbosity),
      per_file_(per_file_transport),
      bar_(format == output::Format::kTable && ::isatty(STDOUT_FILENO) == 1 &&
           ::isatty(STDERR_FILENO) == 1),
      start_(Clock::now()) {}

void UploadOutput::discovering(std::size_t examined) {
  if (!bar_) return;
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  if (now - last_draw_ < kRedraw) return;
  last_draw_ = now;
  status_line(err_, "scanning: " + std::to_string(examined) + " files examined",
              terminal_columns());
  bar_visible_ = true;
}

void UploadOutput::discovered(const upload::Discovery& discovery) {
  std::lock_guard lock(mutex_);
  clear_bar();
  if (format_ == output::Format::kJson) {
    if (verbosity_ > 0) {
      for (const auto& s : discovery.skipped) {
        Json::Ptr r = object();
        r->set("type", "skipped");
        r->set("path", s.path);
        r->set("reason", upload::to_string(s.reason));
        r->set("detail", s.detail);
        write_line(out_, r);
      }
    }
    return;
  }
  if (verbosity_ > 0) {
    for (const auto& s : discovery.skipped)
      err_ << "skipped (" << upload::to_string(s.reason) << "): " << s.path
           << (s.detail.empty() ? "" : ": " + s.detail) << '\n';
  }
}

void UploadOutput::notice(const std::string& text) {
  std::lock_guard lock(mutex_);
  clear_bar();
  if (format_ == output::Format::kJson) {
    Json::Ptr r = object();
    r->set("type", "notice");
    r->set("message", text);
    write_line(out_, r);
  } else {
    err_ << text << '\n';
  }
}

void UploadOutput::begin(const upload::Job&) {
  std::lock_guard lock(mutex_);
  start_ = Clock::now();
  reported_files_ = 0;
  next_milestone_ = kMilestone;
}

void UploadOutput::reported(const upload::Job& job, const std::vector<std::size_t>& files,
                            const upload::FileOutcome& outcome) {
  std::lock_guard lock(mutex_);
  reported_files_ += files.size();
  if (format_ == output::Format::kJson) {
    Json::Ptr r = object();
    const bool single = per_file_ && files.size() == 1;
    r->set("type", single ? "file" : "batch");
    if (single) {
      r->set("path", file_path(job, files[0]));
      r->set("sop_instance_uid", attr(job.files[files[0]], "SOPInstanceUID"));
    } else {
      Poco::JSON::Array::Ptr paths = new Poco::JSON::Array;
      for (std::size_t i : files) paths->add(file_path(job, i));
      r->set("files", paths);
    }
    r->set("session", job.target.session);
    r->set("outcome", upload::to_string(outcome.outcome));
    r->set("status", outcome.protocol_status);
    r->set("attempts", outcome.attempts);
    if (!outcome.uri.empty()) {
      // Several sessions from one request come one per line: the first as "uri", all in "uris".
      const auto lines = uri_lines(outcome.uri);
      r->set("uri", lines.front());
      if (lines.size() > 1) r->set("uris", as_array(lines));
    }
    if (!outcome.message.empty()) r->set("message", outcome.message);
    write_line(out_, r);
    return;
  }
  if (format_ == output::Format::kQuiet) return;
  const auto what = [&] {
    return files.size() == 1 ? file_path(job, files[0])
                             : "a batch of " + std::to_string(files.size()) + " files (" +
                                   file_path(job, files[0]) + ", ...)";
  };
  if (outcome.outcome != upload::Outcome::kStored &&
      outcome.outcome != upload::Outcome::kNotAttempted) {
    clear_bar();
    err_ << upload::to_string(outcome.outcome) << ": " << what()
         << (outcome.message.empty() ? "" : ": " + outcome.message) << '\n';
  } else if (outcome.outcome == upload::Outcome::kStored && !outcome.message.empty() &&
             verbosity_ >= 0) {
    clear_bar();
    err_ << "warning: " << what() << ": " << outcome.message << '\n';
  }
  if (!bar_) {
    // Piped: a line per batch, or one every 100 files, never one per file.
    const std::size_t total = job.files.size();
    if (!per_file_ || reported_files_ >= next_milestone_ || reported_files_ == total) {
      out_ << "sent " << reported_files_ << "/" << total << " files\n" << std::flush;
      while (next_milestone_ <= reported_files_) next_milestone_ += kMilestone;
    }
  }
}

void UploadOutput::progressed(const upload::Tally& tally) {
  if (!bar_) return;
  std::lock_guard lock(mutex_);
  draw_bar(tally, false);
}

void UploadOutput::draw_bar(const upload::Tally& tally, bool force) {
  const auto now = Clock::now();
  if (!force && now - last_draw_ < kRedraw) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double fraction =
      tally.bytes > 0 ? static_cast<double>(tally.bytes_sent) / static_cast<double>(tally.bytes)
                      : 0;
  std::string eta = "-";
  if (fraction > 0.01 && fraction < 1) eta = duration(seconds / fraction - seconds);
  const std::size_t columns = terminal_columns();
  status_line(err_,
              progress_text(reported_files_, tally, rate(tally.bytes_sent, seconds), eta, columns),
              columns);
  bar_visible_ = true;
}

void UploadOutput::clear_bar() {
  if (!bar_visible_) return;
  err_ << "\r\033[K" << std::flush;
  bar_visible_ = false;
}

void UploadOutput::session_done(const SessionReport& report) {
  std::lock_guard lock(mutex_);
  if (bar_ && report.tally.files > 0) {
    // The bar's last state stays on the screen, on a line of its own above the summary (drawn
    // here even when the upload was over before the first redraw was due).
    draw_bar(report.tally, true);
    err_ << '\n' << std::flush;
    bar_visible_ = false;
  }
  clear_bar();
  const upload::Job& job = *report.job;
  const upload::Tally& t = report.tally;
  if (format_ == output::Format::kJson) {
    Json::Ptr r = object();
    r->set("type", "session");
    r->set("project", job.target.project);
    r->set("subject", job.target.subject);
    r->set("session", job.target.session);
    r->set("transport", job.transport);
    r->set("destination", upload::to_string(job.settings.destination));
    r->set("files", t.files);
    r->set("stored", t.stored);
    r->set("rejected", t.rejected);
    r->set("failed", t.retryable);
    r->set("not_sent", t.not_attempted);
    r->set("bytes", t.bytes);
    r->set("bytes_stored", t.bytes_stored);
    r->set("seconds", report.seconds);
    if (report.sent_earlier > 0) r->set("sent_earlier", report.sent_earlier);
    if (!report.transport_error.empty()) r->set("error", report.transport_error);
    if (report.landing != nullptr) {
      r->set("uri", report.landing->uri);
      r->set("uris", as_array(report.landing->uris));
      r->set("in_archive", report.landing->in_archive);
      r->set("as_requested", report.landing->as_requested);
      Poco::JSON::Array::Ptr messages = new Poco::JSON::Array;
      for (const auto& m : report.landing->messages) messages->add(m);
      r->set("messages", messages);
    }
    if (report.verify != nullptr) {
      Json::Ptr v = object();
      v->set("ok", report.verify->ok());
      v->set("expected", report.verify->expected);
      v->set("found", report.verify->found);
      Poco::JSON::Array::Ptr mismatches = new Poco::JSON::Array;
      for (const auto& m : report.verify->mismatches) {
        Json::Ptr o = object();
        o->set("path", m.path);
        o->set("problem", m.what);
        mismatches->add(o);
      }
      v->set("mismatches", mismatches);
      Poco::JSON::Array::Ptr notes = new Poco::JSON::Array;
      for (const auto& n : report.verify->notes) notes->add(n);
      v->set("notes", notes);
      r->set("verify", v);
    }
    write_line(out_, r);
    return;
  }
  if (format_ == output::Format::kQuiet) {
    if (report.landing != nullptr) {
      for (const auto& uri : report.landing->uris) out_ << uri << '\n';
      if (report.landing->uris.empty() && !report.landing->uri.empty())
        out_ << report.landing->uri << '\n';
    }
    return;
  }
  const std::string where =
      job.target.project.empty()
          ? job.target.server_url
          : job.target.project + "/" + job.target.subject + "/" + job.target.session;
  if (report.sent_earlier > 0 && t.files == 0)
    out_ << "Session " << where << ": nothing left to send (" << report.sent_earlier
         << " files were sent by an earlier run), via " << job.transport << '\n';
  else
    out_ << "Session " << where << ": " << t.stored << " of " << t.files << " files stored ("
         << human_bytes(t.bytes_stored) << ") in " << duration(report.seconds) << ", "
         << rate(t.bytes_stored, report.seconds) << ", via " << job.transport << '\n';
  if (t.rejected > 0) out_ << "  rejected by the server: " << t.rejected << " files\n";
  if (t.retryable > 0) out_ << "  failed (retries ran out): " << t.retryable << " files\n";
  if (t.not_attempted > 0) out_ << "  not sent: " << t.not_attempted << " files\n";
  if (!report.transport_error.empty()) out_ << "  error: " << report.transport_error << '\n';
  if (report.landing != nullptr) {
    // land() explains where the session is in its messages; the URI alone only when it did not.
    if (!report.landing->uri.empty() && report.landing->messages.empty())
      out_ << "  " << (report.landing->in_archive ? "archived at " : "in the prearchive at ")
           << report.landing->uri << '\n';
    for (const auto& m : report.landing->messages)
      (report.landing->as_requested ? out_ : err_) << "  " << m << '\n';
  }
  if (report.verify != nullptr) {
    out_ << "  verify: " << report.verify->found << " of " << report.verify->expected
         << " files found on the server" << (report.verify->ok() ? "" : "; MISMATCHES:") << '\n';
    for (const auto& m : report.verify->mismatches)
      out_ << "    " << m.path << ": " << m.what << '\n';
    for (const auto& n : report.verify->notes) out_ << "    note: " << n << '\n';
  }
}

void UploadOutput::finished(const std::vector<SessionReport>& reports,
                            const upload::Discovery& discovery, int exit_code,
                            const std::string& resume_command) {
  std::lock_guard lock(mutex_);
  clear_bar();
  upload::Tally total;
  double seconds = 0;
  for (const auto& r : reports) {
    total += r.tally;
    seconds += r.seconds;
  }
  if (format_ == output::Format::kJson) {
    Json::Ptr r = object();
    r->set("type", "summary");
    r->set("sessions", reports.size());
    r->set("files", total.files);
    r->set("stored", total.stored);
    r->set("rejected", total.rejected);
    r->set("failed", total.retryable);
    r->set("not_sent", total.not_attempted);
    r->set("skipped", skipped_counts(discovery));
    r->set("bytes", total.bytes);
    r->set("bytes_stored", total.bytes_stored);
    r->set("seconds", seconds);
    r->set("bytes_per_second",
           seconds > 0 ? static_cast<double>(total.bytes_stored) / seconds : 0.0);
    r->set("exit_code", exit_code);
    if (!resume_command.empty()) r->set("resume_command", resume_command);
    write_line(out_, r);
    return;
  }
  if (format_ == output::Format::kQuiet) return;
  if (!discovery.skipped.empty())
    out_ << "Skipped " << discovery.skipped.size() << " files: " << skipped_line(discovery)
         << (verbosity_ > 0 ? "" : " (-v lists them)") << '\n';
  if (reports.size() > 1)
    out_ << "Total: " << total.stored << " of " << total.files << " files stored in "
         << reports.size() << " sessions\n";
  if (!resume_command.empty()) err_ << "To send the rest, run:\n  " << resume_command << '\n';
}

void UploadOutput::plan(const upload::Job& job, const upload::Discovery& discovery) {
  std::lock_guard lock(mutex_);
  struct Series {
    std::string number, description, modality;
    std::size_t files = 0;
    std::uint64_t bytes = 0;
  };
  // By series number (numerically where it is one), then UID: the order scanners show.
  struct SeriesOrder {
    bool operator()(const std::pair<long, std::string>& a,
                    const std::pair<long, std::string>& b) const {
      return a < b;
    }
  };
  std::map<std::pair<long, std::string>, Series, SeriesOrder> series;
  for (const auto& f : job.files) {
    const std::string number = attr(f, "SeriesNumber");
    char* end = nullptr;
    const long n = std::strtol(number.c_str(), &end, 10);
    Series& s = series[{end != number.c_str() ? n : LONG_MAX, attr(f, "SeriesInstanceUID")}];
    s.number = attr(f, "SeriesNumber");
    s.description = attr(f, "SeriesDescription");
    s.modality = attr(f, "Modality");
    ++s.files;
    s.bytes += f.size;
  }
  if (format_ == output::Format::kJson) {
    Json::Ptr r = object();
    r->set("type", "plan");
    r->set("server", job.target.server_url);
    r->set("project", job.target.project);
    r->set("subject", job.target.subject);
    r->set("session", job.target.session);
    r->set("destination", upload::to_string(job.settings.destination));
    r->set("overwrite", upload::to_string(job.settings.overwrite));
    r->set("transport", job.transport);
    r->set("workers", job.settings.workers);
    r->set("archive_format", upload::to_string(job.settings.archive_format));
    r->set("files", job.files.size());
    r->set("bytes", job.total_bytes());
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& [order, s] : series) {
      Json::Ptr o = object();
      o->set("series_instance_uid", order.second);
      o->set("series_number", s.number);
      o->set("description", s.description);
      o->set("modality", s.modality);
      o->set("files", s.files);
      o->set("bytes", s.bytes);
      list->add(o);
    }
    r->set("series", list);
    r->set("skipped", skipped_counts(discovery));
    write_line(out_, r);
    return;
  }
  out_ << "Dry run: nothing is sent and no server is contacted.\n";
  if (!job.target.project.empty()) {
    out_ << "Destination: "
         << (job.target.server_url.empty() ? "(no server configured)" : job.target.server_url)
         << "  project " << job.target.project << ", subject " << job.target.subject << ", session "
         << job.target.session << " (" << upload::to_string(job.settings.destination)
         << ", overwrite " << upload::to_string(job.settings.overwrite) << ")\n";
  }
  out_ << "Transport: " << job.transport << " (workers " << job.settings.workers << ", format "
       << upload::to_string(job.settings.archive_format) << ")\n";
  out_ << "Files: " << job.files.size() << " (" << human_bytes(job.total_bytes()) << ") in "
       << series.size() << " series\n";
  for (const auto& [order, s] : series) {
    const std::string& uid = order.second;
    out_ << "  series " << (s.number.empty() ? "?" : s.number) << " " << s.modality << " "
         << (s.description.empty() ? "" : "\"" + s.description + "\" ") << s.files << " files, "
         << human_bytes(s.bytes) << "  " << uid << '\n';
  }
  if (!discovery.skipped.empty())
    out_ << "Skipped: " << discovery.skipped.size() << " files: " << skipped_line(discovery)
         << '\n';
  out_.flush();
}

}  // namespace xnatctl::host
