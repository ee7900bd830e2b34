#include "xnatctl/upload/job.hpp"

#include <numeric>

#include "xnatctl/error.hpp"
#include "xnatctl/upload/results.hpp"

namespace xnatctl::upload {

std::uint64_t Job::total_bytes() const {
  return std::accumulate(files.begin(), files.end(), std::uint64_t{0},
                         [](std::uint64_t sum, const JobFile& f) { return sum + f.size; });
}

const char* to_string(Destination d) {
  return d == Destination::kPrearchive ? "prearchive" : "archive";
}

const char* to_string(Overwrite o) {
  switch (o) {
    case Overwrite::kNone:
      return "none";
    case Overwrite::kAppend:
      return "append";
    case Overwrite::kDelete:
      break;
  }
  return "delete";
}

const char* to_string(ArchiveFormat f) {
  return f == ArchiveFormat::kZip ? "zip" : "tar";
}

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kStored:
      return "stored";
    case Outcome::kRetryable:
      return "failed";
    case Outcome::kRejected:
      return "rejected";
    case Outcome::kNotAttempted:
      break;
  }
  return "not sent";
}

Overwrite parse_overwrite(const std::string& text) {
  if (text == "none") return Overwrite::kNone;
  if (text == "append") return Overwrite::kAppend;
  if (text == "delete") return Overwrite::kDelete;
  throw UsageError("--overwrite must be none, append or delete, not '" + text + "'");
}

ArchiveFormat parse_archive_format(const std::string& text) {
  if (text == "tar") return ArchiveFormat::kTar;
  if (text == "zip") return ArchiveFormat::kZip;
  throw UsageError("--archive-format must be tar or zip, not '" + text + "'");
}

}  // namespace xnatctl::upload
