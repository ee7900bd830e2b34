#pragma once

// The one place where the host translates between its own errors (xnatctl::Error and exit
// codes) and the C ABI's xc_status/xc_error, in both directions. The host does not use
// sdk.hpp (that layer is compiled into plugins); these are its own noexcept equivalents.

#include <string_view>

#include "xnatctl/error.hpp"
#include "xnatctl/sdk.h"

namespace xnatctl::host {

// The exit code a plugin's status maps to (see xnatctl/error.hpp).
ExitCode exit_code_for(xc_status status);
// The status a plugin sees for an error the host raised (auth, cancellation, usage...).
xc_status status_for(ExitCode code);

xc_error make_error() noexcept;
// Writes a one-line message into a caller-owned xc_error (when it is large enough) and
// returns `status`.
xc_status fail(xc_error* error, xc_status status, std::string_view message) noexcept;

// Runs `body` (returning xc_status); no exception escapes into plugin code.
template <typename Body>
xc_status guard(xc_error* error, Body&& body) noexcept {
  try {
    return body();
  } catch (const Error& e) {
    return fail(error, status_for(e.code()), e.what());
  } catch (const std::exception& e) {
    return fail(error, XC_INTERNAL, e.what());
  } catch (...) {
    return fail(error, XC_INTERNAL, "unknown exception in the host");
  }
}

}  // namespace xnatctl::host
