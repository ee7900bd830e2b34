#pragma once

#include <string>
#include <string_view>

namespace xnatctl {

// The project's version, from CMake's project(VERSION).
std::string_view version();

// "xnatctl/<version>". Deliberately not browser-like: XNAT answers browser user agents with
// redirects to its login page instead of 401 (see docs/architecture.md).
std::string user_agent();

}  // namespace xnatctl
