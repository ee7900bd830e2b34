#pragma once

#include <stdexcept>
#include <string>

namespace xnatctl {

// Process exit codes. Documented in the README; scripts rely on them, so values never change.
enum class ExitCode : int {
  kOk = 0,
  kFailure = 1,          // the operation failed
  kUsage = 2,            // bad command line or bad input
  kAuth = 3,             // authentication failed or no usable credentials
  kPartial = 4,          // some items succeeded, some failed (nothing silently lost)
  kUnavailable = 5,      // a feature, transport or plugin is disabled or not available
  kCancelled = 130,      // interrupted by the user (SIGINT convention)
};

// The one exception type commands throw for errors a user should see. The message is a
// single line, shown as "error: <message>" on stderr; the code becomes the exit status.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ExitCode code = ExitCode::kFailure)
      : std::runtime_error(message), code_(code) {}
  ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message, ExitCode::kUsage) {}
};

class AuthError : public Error {
 public:
  explicit AuthError(const std::string& message) : Error(message, ExitCode::kAuth) {}
};

}  // namespace xnatctl
