#include "xnatctl/upload/run_ledger.hpp"

#include "xnatctl/cancel.hpp"

namespace xnatctl::upload {

Tally& Tally::operator+=(const Tally& other) {
  files += other.files;
  stored += other.stored;
  rejected += other.rejected;
  retryable += other.retryable;
  not_attempted += other.not_attempted;
  bytes += other.bytes;
  bytes_stored += other.bytes_stored;
  bytes_sent += other.bytes_sent;
  return *this;
}

ExitCode exit_code_of(const Tally& tally, bool cancelled) {
  if (cancelled) return ExitCode::kCancelled;
  if (tally.stored == tally.files) return ExitCode::kOk;
  return tally.stored > 0 ? ExitCode::kPartial : ExitCode::kFailure;
}

RunLedger::RunLedger(const Job& job, Journal* journal, JournalKey key, RunListener& listener)
    : job_(job),
      journal_(journal),
      key_(std::move(key)),
      listener_(listener),
      outcomes_(job.files.size()) {
  counts_.files = job.files.size();
  counts_.not_attempted = job.files.size();
  counts_.bytes = job.total_bytes();
}

bool RunLedger::report(const std::vector<std::size_t>& files, const FileOutcome& outcome) {
  std::lock_guard lock(mutex_);
  if (journal_error_) return false;
  if (outcome.outcome == Outcome::kStored && journal_ != nullptr) {
    std::vector<FileIdentity> identities;
    identities.reserve(files.size());
    for (std::size_t i : files) identities.push_back(FileIdentity::of(job_.files.at(i)));
    try {
      journal_->acknowledge(key_, identities);
    } catch (const std::exception& e) {
      // Without the journal an interruption would lose track of what was sent: stop.
      journal_error_ = e.what();
      return false;
    }
  }
  for (std::size_t i : files) {
    const std::uint64_t size = job_.files.at(i).size;
    count(outcomes_.at(i), size, -1);
    outcomes_[i] = outcome;
    count(outcome, size, +1);
  }
  listener_.reported(job_, files, outcome);
  return !cancel::requested();
}

void RunLedger::started(std::size_t) {}

void RunLedger::sent(std::size_t, std::int64_t bytes) {
  bytes_sent_.fetch_add(bytes, std::memory_order_relaxed);
  listener_.progressed(tally());
}

std::vector<FileOutcome> RunLedger::outcomes() const {
  std::lock_guard lock(mutex_);
  return outcomes_;
}

Tally RunLedger::tally() const {
  Tally t;
  {
    std::lock_guard lock(mutex_);
    t = counts_;
  }
  const std::int64_t sent = bytes_sent_.load(std::memory_order_relaxed);
  t.bytes_sent = sent > 0 ? static_cast<std::uint64_t>(sent) : 0;
  return t;
}

void RunLedger::count(const FileOutcome& outcome, std::uint64_t size, int sign) {
  auto add = [sign](std::size_t& n) {
    n = static_cast<std::size_t>(static_cast<long long>(n) + sign);
  };
  switch (outcome.outcome) {
    case Outcome::kStored:
      add(counts_.stored);
      counts_.bytes_stored = sign > 0 ? counts_.bytes_stored + size : counts_.bytes_stored - size;
      break;
    case Outcome::kRejected:
      add(counts_.rejected);
      break;
    case Outcome::kRetryable:
      add(counts_.retryable);
      break;
    case Outcome::kNotAttempted:
      add(counts_.not_attempted);
      break;
  }
}

std::optional<std::string> RunLedger::journal_error() const {
  std::lock_guard lock(mutex_);
  return journal_error_;
}

}  // namespace xnatctl::upload
