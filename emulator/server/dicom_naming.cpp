#include "dicom_naming.hpp"

#include <Poco/String.h>

#include <cstdint>

namespace xnatctl::emulator {
namespace {
std::string value_or_marker(const std::string& value, const char* keyword) {
  auto v = Poco::trim(value);
  return v.empty() ? std::string("no-value-for-") + keyword : v;
}
}  // namespace

std::int32_t java_string_hash(const std::string& s) {
  std::uint32_t h = 0;
  for (unsigned char c : s) h = 31 * h + c;
  return static_cast<std::int32_t>(h);
}

std::int32_t java_list_hash(const std::string& a, const std::string& b) {
  std::uint32_t h = 1;
  h = 31 * h + static_cast<std::uint32_t>(java_string_hash(a));
  h = 31 * h + static_cast<std::uint32_t>(java_string_hash(b));
  return static_cast<std::int32_t>(h);
}

std::string to_base36(std::uint32_t value) {
  if (value == 0) return "0";
  static const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  while (value) {
    out.insert(out.begin(), digits[value % 36]);
    value /= 36;
  }
  return out;
}

std::string template_file_name(const std::string& study_uid, const std::string& series_number,
                               const std::string& instance_number, const std::string& sop_class_uid,
                               const std::string& sop_instance_uid) {
  // The hash takes the attribute values themselves (blank values hash as empty strings is an
  // assumption; real objects always carry both UIDs, checked earlier).
  const auto hash = static_cast<std::uint32_t>(
      java_list_hash(Poco::trim(sop_class_uid), Poco::trim(sop_instance_uid)));
  std::string name = value_or_marker(study_uid, "StudyInstanceUID") + "-" +
                     value_or_marker(series_number, "SeriesNumber") + "-" +
                     value_or_marker(instance_number, "InstanceNumber") + "-" + to_base36(hash) +
                     ".dcm";
  while (!name.empty() && name.front() == '.') name.erase(name.begin());
  return sanitize_file_name(name);
}

std::string to_label_chars(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += (std::isalnum(c) || c == '_' || c == '-') ? char(c) : '_';
  return out;
}

std::string scan_folder_for(const std::string& series_number, const std::string& series_uid) {
  const auto number = Poco::trim(series_number);
  const bool valid_name = !number.empty() && number != "." && number != ".." &&
                          number.find_first_of("/\\:*?\"<>|") == std::string::npos;
  if (valid_name) return number;
  const auto uid = Poco::trim(series_uid);
  if (!uid.empty()) return to_label_chars(uid);
  return "NA";
}

std::string sanitize_file_name(const std::string& name) {
  std::string base = name;
  if (auto slash = base.find_last_of("/\\"); slash != std::string::npos)
    base = base.substr(slash + 1);
  std::string out;
  for (unsigned char c : base) {
    if (c < 0x20 || c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' || c == '"' ||
        c == '<' || c == '>' || c == '|')
      out += '_';
    else
      out += static_cast<char>(c);
  }
  if (out == "." || out == "..") return "";
  return out;
}

}  // namespace xnatctl::emulator
