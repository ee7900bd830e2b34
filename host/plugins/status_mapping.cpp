#include "plugins/status_mapping.hpp"

#include <algorithm>
#include <cstring>

namespace xnatctl::host {

ExitCode exit_code_for(xc_status status) {
  switch (status) {
    case XC_OK:
      return ExitCode::kOk;
    case XC_INVALID_INPUT:
      return ExitCode::kUsage;
    case XC_AUTH:
      return ExitCode::kAuth;
    case XC_PARTIAL:
      return ExitCode::kPartial;
    case XC_UNSUPPORTED:
      return ExitCode::kUnavailable;
    case XC_CANCELLED:
      return ExitCode::kCancelled;
    default:
      return ExitCode::kFailure;
  }
}

xc_status status_for(ExitCode code) {
  switch (code) {
    case ExitCode::kOk:
      return XC_OK;
    case ExitCode::kAuth:
      return XC_AUTH;
    case ExitCode::kCancelled:
      return XC_CANCELLED;
    case ExitCode::kUsage:
      return XC_INVALID_INPUT;
    case ExitCode::kUnavailable:
      return XC_UNSUPPORTED;
    case ExitCode::kPartial:
      return XC_PARTIAL;
    default:
      return XC_FATAL;
  }
}

xc_error make_error() noexcept {
  xc_error e{};
  e.struct_size = sizeof(xc_error);
  return e;
}

xc_status fail(xc_error* error, xc_status status, std::string_view message) noexcept {
  if (error != nullptr && error->struct_size >= sizeof(xc_error)) {
    const size_t n = std::min(message.size(), sizeof(error->message) - 1);
    std::memcpy(error->message, message.data(), n);
    error->message[n] = '\0';
    std::replace(error->message, error->message + n, '\n', ' ');
    std::replace(error->message, error->message + n, '\r', ' ');
    error->status = status;
  }
  return status;
}

}  // namespace xnatctl::host
