#include "settings.hpp"

#include <charconv>

#include "xnatctl/sdk.hpp"

namespace cstore {
namespace {

[[noreturn]] void usage(const std::string& message) {
  throw xc::Error(XC_INVALID_INPUT, message);
}

std::string trim_spaces(std::string_view s) {
  const auto begin = s.find_first_not_of(' ');
  if (begin == std::string_view::npos) return {};
  const auto end = s.find_last_not_of(' ');
  return std::string(s.substr(begin, end - begin + 1));
}

long long integer(std::string_view text, const char* option) {
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    usage(std::string("--") + option + " must be a whole number, got '" + std::string(text) + "'");
  return value;
}

std::string aet(const OptionLookup& option, const char* name, const char* env) {
  const auto value = option(name);
  if (!value || trim_spaces(*value).empty())
    usage(std::string("--") + name + " is required (or set " + env + ")");
  const std::string problem = ae_title_problem(*value);
  if (!problem.empty())
    usage(std::string("--") + name + " '" + std::string(*value) +
          "' is not a valid AE title: " + problem);
  return trim_spaces(*value);
}

}  // namespace

std::string ae_title_problem(std::string_view title) {
  const std::string trimmed = trim_spaces(title);
  if (trimmed.empty()) return "it is empty";
  if (trimmed.size() > 16) return "at most 16 characters are allowed";
  for (char c : trimmed) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7F) return "only printable ASCII characters are allowed";
    if (c == '\\') return "a backslash is not allowed";
  }
  return {};
}

Settings read_settings(const OptionLookup& option) {
  Settings s;
  const auto host = option("host");
  if (!host || trim_spaces(*host).empty())
    usage("--host is required (or set XNAT_DICOM_HOST): the DICOM receiver's host name");
  s.host = trim_spaces(*host);
  for (char c : s.host) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '/' || c == '@')
      usage("--host '" + s.host +
            "' is not a host name (give only the name or address, no "
            "scheme, user or path)");
  }
  if (const auto port = option("port")) {
    const long long p = integer(*port, "port");
    if (p < 1 || p > 65535)
      usage("--port must be between 1 and 65535, got " + std::to_string(p) +
            " (XNAT's DICOM receiver often listens on 8104)");
    s.port = static_cast<std::uint16_t>(p);
  }
  s.called_aet = aet(option, "called-aet", "XNAT_DICOM_CALLED_AET");
  if (option("calling-aet")) s.calling_aet = aet(option, "calling-aet", "XNAT_DICOM_CALLING_AET");
  if (const auto pdu = option("max-pdu")) {
    const long long p = integer(*pdu, "max-pdu");
    if (p < kMinPdu || p > kMaxPdu)
      usage("--max-pdu must be between " + std::to_string(kMinPdu) + " and " +
            std::to_string(kMaxPdu) + " bytes, got " + std::to_string(p));
    s.max_pdu = static_cast<std::uint32_t>(p);
  }
  s.allow_transcode = option("allow-transcode") == std::optional<std::string_view>("true");
  return s;
}

}  // namespace cstore
