// The transport's options, read and checked once in create() so a bad value is a usage error
// before any socket is opened.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cstore {

// DCMTK's own default (storescu/dcmsend): the largest PDU we accept, and the largest we send
// when the receiver allows it.
constexpr std::uint32_t kDefaultMaxPdu = 116794;
constexpr std::uint32_t kMinPdu = 4096;    // ASC_MINIMUMPDUSIZE
constexpr std::uint32_t kMaxPdu = 131072;  // ASC_MAXIMUMPDUSIZE: DCMTK handles no larger

struct Settings {
  std::string host;
  std::uint16_t port = 104;
  std::string called_aet;
  std::string calling_aet = "XNATCTL";
  std::uint32_t max_pdu = kDefaultMaxPdu;
  bool allow_transcode = false;

  std::string address() const { return host + ":" + std::to_string(port); }
};

// Looks an option up by name (nullopt when no source supplied it).
using OptionLookup = std::function<std::optional<std::string_view>(const char* name)>;

// Throws xc::Error(XC_INVALID_INPUT, one line naming the option and the fix).
Settings read_settings(const OptionLookup& option);

// An AE title as DICOM allows it (PS3.5 AE: 1-16 characters of the default repertoire, no
// backslash, no control characters, not only spaces); returns the reason, or empty if valid.
std::string ae_title_problem(std::string_view title);

}  // namespace cstore
