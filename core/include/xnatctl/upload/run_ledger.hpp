#pragma once

// The observer of one running job: keeps each file's last outcome, writes acknowledged files
// to the resume journal before the transport's report() returns (so a SIGKILL right after
// keeps them), counts progress, and hands every report to a listener that shows it.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "xnatctl/error.hpp"
#include "xnatctl/upload/job.hpp"
#include "xnatctl/upload/journal.hpp"
#include "xnatctl/upload/results.hpp"

namespace xnatctl::upload {

// Files by their current outcome, and bytes.
struct Tally {
  std::size_t files = 0, stored = 0, rejected = 0, retryable = 0, not_attempted = 0;
  std::uint64_t bytes = 0;         // of every file of the job
  std::uint64_t bytes_stored = 0;  // of the stored files
  std::uint64_t bytes_sent = 0;    // payload bytes on the wire so far (retries taken back)
  std::size_t failed() const { return rejected + retryable; }
  // Adds another job's counts (the totals of a run of several sessions).
  Tally& operator+=(const Tally& other);
};

// The exit code a run's tally means: 130 when the user stopped it, 0 when every file was
// stored, 4 when some were, 1 when none were.
ExitCode exit_code_of(const Tally& tally, bool cancelled);

class RunListener {
 public:
  virtual ~RunListener() = default;
  // One report, after it was journaled. Called from transport threads, serialised.
  virtual void reported(const Job& job, const std::vector<std::size_t>& files,
                        const FileOutcome& outcome) = 0;
  // Progress changed (very often: rate-limit the rendering). Any thread, not serialised.
  virtual void progressed(const Tally& tally) = 0;
};

class RunLedger final : public JobObserver {
 public:
  // `journal` may be null (dry runs, transports without resume).
  RunLedger(const Job& job, Journal* journal, JournalKey key, RunListener& listener);

  bool report(const std::vector<std::size_t>& files, const FileOutcome& outcome) override;
  void started(std::size_t file) override;
  void sent(std::size_t file, std::int64_t bytes) override;

  std::vector<FileOutcome> outcomes() const;
  Tally tally() const;
  // Why the journal could not be written (the run was stopped then), if it failed.
  std::optional<std::string> journal_error() const;

 private:
  const Job& job_;
  Journal* journal_;
  JournalKey key_;
  RunListener& listener_;
  mutable std::mutex mutex_;
  // Moves one file of `size` bytes into (+1) or out of (-1) the counts of its outcome.
  void count(const FileOutcome& outcome, std::uint64_t size, int sign);

  std::vector<FileOutcome> outcomes_;
  Tally counts_;  // kept in step with outcomes_, so progress reads are O(1)
  std::optional<std::string> journal_error_;
  std::atomic<std::int64_t> bytes_sent_{0};
};

}  // namespace xnatctl::upload
