// fixture_transport: a transport for pipeline tests. It "sends" each job file by copying the
// bytes the host streams to it into a directory, so tests can drive the real xnatctl binary
// end to end (discovery, routers, journal, resume, Ctrl-C, output) before, and independently
// of, the REST and DICOM transports. Options:
//   --fixture-out DIR        where received bytes go (one file per object, or the body)
//   --fixture-delay-ms N     wait this long after each file (host wait: Ctrl-C cuts it short)
//   --fixture-reject TEXT    files whose relative path contains TEXT are rejected (HTTP 400)
//   --fixture-names FILE     file mode: appends "relative_path<TAB>object_name" per file tried
//   --fixture-mode MODE      file (default): job_file_open per file;
//                            archive: one job_archive_open body of every file;
//                            source: job_source_open (falls back to archive when refused)

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "xnatctl/sdk.hpp"

namespace {

namespace fs = std::filesystem;

struct Fixture {
  explicit Fixture(xc::Host h) : host_(h) {}
  const xc::Host& host() const { return host_; }
  xc::Host host_;
};

// Drains `body` into `path`; returns the byte count.
uint64_t drain(xc::Body& body, const fs::path& path) {
  std::ofstream out(path, std::ios::binary);
  std::vector<char> buffer(64 * 1024);
  uint64_t total = 0;
  for (size_t n; (n = body.read(buffer.data(), buffer.size())) > 0; total += n)
    out.write(buffer.data(), static_cast<std::streamsize>(n));
  if (!out) throw xc::Error(XC_FATAL, "fixture: cannot write " + path.string());
  return total;
}

std::string flat_name(std::string_view relative_path) {
  std::string name(relative_path);
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return name;
}

struct Sender {
  Sender(Fixture& plugin, const xc::Invocation& inv) : plugin_(plugin) {
    out_ = std::string(inv.option("fixture-out").value_or(""));
    if (out_.empty()) throw xc::Error(XC_INVALID_INPUT, "fixture: --fixture-out is required");
    delay_ms_ = std::stoul(std::string(inv.option("fixture-delay-ms").value_or("0")));
    reject_ = std::string(inv.option("fixture-reject").value_or(""));
    mode_ = std::string(inv.option("fixture-mode").value_or("file"));
    names_ = std::string(inv.option("fixture-names").value_or(""));
    if (mode_ != "file" && mode_ != "archive" && mode_ != "source")
      throw xc::Error(XC_INVALID_INPUT, "fixture: --fixture-mode must be file, archive or source");
  }
  const xc::Host& host() const { return plugin_.host(); }

  xc_status upload(const xc::Job& job) {
    fs::create_directories(out_);
    if (mode_ != "file") return upload_whole(job);
    bool rejected = false;
    for (size_t i = 0; i < job.file_count(); ++i) {
      if (host().cancelled()) return XC_CANCELLED;
      const xc_job_file file = job.file(i);
      job.started(i);
      if (!names_.empty())
        std::ofstream(names_, std::ios::app)
            << file.relative_path << '\t' << job.object_name(i) << '\n';
      xc::Result result;
      result.attempts = 1;
      if (!reject_.empty() &&
          std::string_view(file.relative_path).find(reject_) != std::string::npos) {
        result.outcome = XC_FATAL;
        result.status = 400;
        result.message = "fixture: rejected by --fixture-reject";
        rejected = true;
      } else {
        xc::Body body = job.open_file(i);
        drain(body, out_ / flat_name(file.relative_path));
        if (delay_ms_ > 0 && !host().wait(delay_ms_)) return XC_CANCELLED;
        result.status = 200;
        result.uri = "/fixture/" + std::string(file.relative_path);
      }
      if (!job.report({i}, result)) return XC_CANCELLED;
    }
    return rejected ? XC_PARTIAL : XC_OK;
  }

  xc_status describe(const xc::Job& job) {
    const xc::Invocation inv(host(), job.invocation());
    inv.print(XC_STDOUT, "fixture: would copy " + std::to_string(job.file_count()) + " files to " +
                             out_.string() + " (mode " + mode_ + ")\n");
    return XC_OK;
  }

 private:
  // One body for the whole job: the pre-built archive as it is, or an archive the host
  // streams. The file written says which one it was.
  xc_status upload_whole(const xc::Job& job) {
    std::vector<size_t> all(job.file_count());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    const int32_t format = job.info().archive_format;
    xc::Body body;
    fs::path target = out_ / (format == XC_ARCHIVE_ZIP ? "archive.zip" : "archive.tar");
    if (mode_ == "source") {
      try {
        body = job.open_source();
        target = out_ / "source.bin";
      } catch (const xc::Error& e) {
        if (e.status() != XC_UNSUPPORTED) throw;
        body = job.open_archive(all, format);
      }
    } else {
      body = job.open_archive(all, format);
    }
    drain(body, target);
    xc::Result result;
    result.status = 200;
    result.attempts = 1;
    result.uri = "/fixture/" + target.filename().string();
    return job.report(all, result) ? XC_OK : XC_CANCELLED;
  }

  Fixture& plugin_;
  fs::path out_;
  unsigned long delay_ms_ = 0;
  std::string reject_, mode_;
  fs::path names_;
};

using Thunks = xc::TransportThunks<Fixture, Sender>;

constexpr xc_option_desc kOut =
    xc::Option("fixture-out", XC_OPTION_PATH, "directory the fixture copies received bytes to")
        .desc();
constexpr xc_option_desc kDelay =
    xc::Option("fixture-delay-ms", XC_OPTION_INT, "wait after each file (milliseconds)").desc();
constexpr xc_option_desc kReject =
    xc::Option("fixture-reject", XC_OPTION_STRING, "reject files whose path contains this").desc();
constexpr xc_option_desc kMode =
    xc::Option("fixture-mode", XC_OPTION_STRING, "file, archive or source").desc();
constexpr xc_option_desc kNames =
    xc::Option("fixture-names", XC_OPTION_PATH, "append each file's object name here").desc();
constexpr const xc_option_desc* kOptions[] = {&kOut, &kDelay, &kReject, &kMode, &kNames};

constexpr xc_transport_desc kTransport =
    xc::Transport("fixture", "test transport: copies job bytes into a directory", "session upload")
        .capabilities(XC_TRANSPORT_PER_FILE_RESULTS | XC_TRANSPORT_RESUME | XC_TRANSPORT_DRY_RUN |
                      XC_TRANSPORT_ARCHIVE_PASSTHROUGH)
        .options(kOptions)
        .lifecycle(Thunks::create, Thunks::upload, Thunks::destroy)
        .describe(Thunks::describe)
        .desc();
constexpr const xc_transport_desc* kTransports[] = {&kTransport};

constexpr xc_plugin_desc kPlugin =
    xc::Plugin("fixture_transport", "1.0.0", "pipeline test transport")
        .transports(kTransports)
        .lifecycle(xc::plugin_init<Fixture>, xc::plugin_shutdown<Fixture>)
        .desc();

}  // namespace

XC_DEFINE_PLUGIN(kPlugin)
