// What a C-STORE response status means for one file (PS3.4 Annex B.2.3, PS3.7 Annex C):
// stored (success or warning), refused for good, or worth another try later.
#pragma once

#include <cstdint>
#include <string>

namespace cstore {

enum class StatusClass {
  kSuccess,    // 0x0000
  kWarning,    // 0x0001, 0x0107, 0x0116, 0xBxxx: stored, with a remark
  kTransient,  // 0xA7xx out of resources: the receiver may take it after a pause
  kRefused,    // everything else: sending the same bytes again will not help
};

StatusClass classify(std::uint16_t status);

// "0xB000" (upper-case hex, four digits).
std::string hex_status(std::uint16_t status);

// One line for the user: the code, its meaning, and the receiver's Error Comment if any, e.g.
// "0xC000 cannot understand: unable to read DICOM object (receiver: no SOP Class UID)".
std::string describe_status(std::uint16_t status, const std::string& error_comment = {});

}  // namespace cstore
