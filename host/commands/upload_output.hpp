#pragma once

// How a running upload looks to the user: a progress bar on a terminal (redrawn at most ten
// times a second), one line every 100 files when stdout is not a terminal, a line per failed
// file, and a summary; with -o json, one JSON line per report (a file, or a batch listing its
// files), one per session and a final summary object, and nothing else on stdout.

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "xnatctl/output/record_writer.hpp"
#include "xnatctl/upload/discovery.hpp"
#include "xnatctl/upload/landing.hpp"
#include "xnatctl/upload/run_ledger.hpp"

namespace xnatctl::host {

struct SessionReport {
  const upload::Job* job = nullptr;
  upload::Tally tally;
  double seconds = 0;
  // --resume with nothing left: the files an earlier run sent (tally is then empty).
  std::size_t sent_earlier = 0;
  std::string transport_error;               // the transport failed as a whole: its one line
  const upload::Landing* landing = nullptr;  // REST: where the session went
  const upload::VerifyReport* verify = nullptr;
};

class UploadOutput final : public upload::RunListener {
 public:
  UploadOutput(output::Format format, std::ostream& out, std::ostream& err, int verbosity,
               bool per_file_transport);

  // Progress of discovery (files examined so far), on a terminal only.
  void discovering(std::size_t examined);
  void discovered(const upload::Discovery& discovery);
  // A one-line notice on stderr (table mode) or a {"type":"notice"} line (JSON).
  void notice(const std::string& text);

  // Between sessions of a run: restarts the progress display for `job`.
  void begin(const upload::Job& job);
  void reported(const upload::Job& job, const std::vector<std::size_t>& files,
                const upload::FileOutcome& outcome) override;
  void progressed(const upload::Tally& tally) override;
  void session_done(const SessionReport& report);
  void finished(const std::vector<SessionReport>& reports, const upload::Discovery& discovery,
                int exit_code, const std::string& resume_command);

  // The dry-run plan of one session (before the transport's own describe()).
  void plan(const upload::Job& job, const upload::Discovery& discovery);

 private:
  void draw_bar(const upload::Tally& tally, bool force);
  void clear_bar();

  output::Format format_;
  std::ostream& out_;
  std::ostream& err_;
  int verbosity_;
  bool per_file_;
  bool bar_;  // stdout and stderr are terminals and the output is a table
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::size_t reported_files_ = 0, next_milestone_ = 100;
  bool bar_visible_ = false;
};

// "1.2 MB", "3.4 GB" (decimal units, as network rates are quoted).
std::string human_bytes(std::uint64_t bytes);

}  // namespace xnatctl::host
