#include "dimse_status.hpp"

#include <cstdio>

namespace cstore {

StatusClass classify(std::uint16_t status) {
  if (status == 0x0000) return StatusClass::kSuccess;
  // Storage warnings (coercion 0xB000, elements discarded 0xB006, data set does not match
  // the SOP class 0xB007) and the general DIMSE warnings: the object was stored.
  if ((status & 0xF000) == 0xB000 || status == 0x0001 || status == 0x0107 || status == 0x0116)
    return StatusClass::kWarning;
  // Out of resources: XNAT answers it for server-side trouble (xnat-server-api.md §7.2), which
  // may pass; a bounded number of retries with back-off, never an endless loop.
  if ((status & 0xFF00) == 0xA700) return StatusClass::kTransient;
  return StatusClass::kRefused;
}

std::string hex_status(std::uint16_t status) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%04X", static_cast<unsigned>(status));
  return text;
}

namespace {

const char* meaning(std::uint16_t s) {
  switch (s) {
    case 0x0000:
      return "success";
    case 0x0001:
      return "attribute list error (warning)";
    case 0x0107:
      return "attribute list error (warning)";
    case 0x0116:
      return "attribute value out of range (warning)";
    case 0xB000:
      return "coercion of data elements";
    case 0xB006:
      return "elements discarded";
    case 0xB007:
      return "data set does not match SOP class";
    case 0x0110:
      return "processing failure";
    case 0x0111:
      return "duplicate SOP instance";
    case 0x0117:
      return "invalid object instance";
    case 0x0119:
      return "class-instance conflict";
    case 0x0122:
      return "SOP class not supported";
    case 0x0124:
      return "not authorized";
    case 0x0210:
      return "duplicate invocation";
    case 0x0211:
      return "unrecognized operation";
    case 0x0212:
      return "mistyped argument";
    case 0x0213:
      return "resource limitation";
    case 0xFE00:
      return "cancelled";
    default:
      break;
  }
  if ((s & 0xFF00) == 0xA700) return "out of resources";
  if ((s & 0xFF00) == 0xA900) return "data set does not match SOP class";
  if ((s & 0xF000) == 0xC000) return "cannot understand";
  if ((s & 0xF000) == 0xB000) return "warning";
  return "unknown status";
}

}  // namespace

std::string describe_status(std::uint16_t status, const std::string& error_comment) {
  std::string text = hex_status(status) + " " + meaning(status);
  if (!error_comment.empty()) text += " (receiver: " + error_comment + ")";
  return text;
}

}  // namespace cstore
