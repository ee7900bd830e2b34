#pragma once

// What happened to each file of a job, as transports report it, and the observer that turns
// reports into the journal, progress, JSON lines and the summary.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace xnatctl::upload {

enum class Outcome {
  kNotAttempted,  // never sent (or interrupted before the server answered)
  kStored,        // acknowledged by the server (warnings included)
  kRetryable,     // failed transiently; retries ran out; a later run may succeed
  kRejected,      // refused by the server; sending it again will not help
};

const char* to_string(Outcome outcome);

struct FileOutcome {
  Outcome outcome = Outcome::kNotAttempted;
  int protocol_status = 0;  // HTTP status or DIMSE status; 0 = none
  unsigned attempts = 0;
  std::string uri;      // where the server says the data went
  std::string message;  // one line: the server's message or a warning's meaning
};

// Receives a running job's reports. Implementations are thread-safe: transports report from
// their worker threads.
class JobObserver {
 public:
  virtual ~JobObserver() = default;
  // `files` (indices into the job) share `outcome`. Returns false when the run is stopping
  // (Ctrl-C, or the journal cannot be written): the transport should stop sending.
  virtual bool report(const std::vector<std::size_t>& files, const FileOutcome& outcome) = 0;
  virtual void started(std::size_t file) = 0;
  // Payload bytes of `file` sent (negative after a rewind takes them back).
  virtual void sent(std::size_t file, std::int64_t bytes) = 0;
};

}  // namespace xnatctl::upload
