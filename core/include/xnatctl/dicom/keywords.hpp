#pragma once

// DICOM attributes by keyword ("StudyInstanceUID"), the names routers and transports use to
// ask the host for what the header probe read.

#include <optional>
#include <string>
#include <string_view>

#include "xnatctl/dicom/header_probe.hpp"

namespace xnatctl::dicom {

// The value of `keyword` in `attributes`, or nullopt for a keyword the probe does not read.
// An element the file lacks reads as an empty string.
std::optional<std::string_view> attribute(const DicomAttributes& attributes,
                                          std::string_view keyword);

}  // namespace xnatctl::dicom
