#pragma once

#include <string>
#include <string_view>

namespace xnatctl::xnat {

// One REST path segment (project, subject, experiment label...). Everything outside
// [A-Za-z0-9_~-] is percent-encoded, '.' included: XNAT's routing treats a literal '.' in
// some segments as a format suffix, so it must travel as %2E.
std::string encode_segment(std::string_view segment);

}  // namespace xnatctl::xnat
