#include "identification.hpp"

#include <regex>

namespace xnatctl::emulator {
namespace {
std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}
}  // namespace

std::optional<std::string> extract_assignment(const std::string& text, const std::string& key) {
  // (?:^|.*[\s,;]) key \s* : \s* ([\w-]*) (?:$|[\s,;].*)   — case-insensitive (§7.3).
  const std::regex re("(?:^|[\\s\\S]*[\\s,;])" + key + "\\s*:\\s*([\\w-]*)(?:$|[\\s,;][\\s\\S]*)",
                      std::regex::icase);
  std::smatch m;
  if (std::regex_match(text, m, re) && m[1].length() > 0) return m[1].str();
  return std::nullopt;
}

Identification identify(const HeaderFields& f,
                        const std::function<bool(const std::string&)>& project_exists) {
  Identification id;
  const std::string* comment_tags[] = {&f.patient_comments, &f.study_comments,
                                       &f.additional_patient_history};
  auto from_comments = [&](const std::string& key) -> std::optional<std::string> {
    for (const auto* tag : comment_tags) {
      if (tag->empty()) continue;
      if (auto v = extract_assignment(*tag, key)) return v;
    }
    return std::nullopt;
  };

  // Project candidates in order; a candidate counts only if the project exists ("DB-backed").
  std::vector<std::string> candidates;
  for (const auto* tag : comment_tags) {
    if (auto v = extract_assignment(*tag, "Project")) candidates.push_back(*v);
  }
  candidates.push_back(trim(f.study_description));
  candidates.push_back(trim(f.accession_number));
  for (const auto& c : candidates) {
    if (!c.empty() && project_exists(c)) {
      id.project = c;
      break;
    }
  }
  id.subject = from_comments("Subject").value_or(trim(f.patient_name));
  id.session = from_comments("Session").value_or(trim(f.patient_id));
  if (auto aa = from_comments("AA")) {
    std::string v = *aa;
    for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (v == "true") id.auto_archive = true;
    if (v == "false") id.auto_archive = false;
  }
  return id;
}

}  // namespace xnatctl::emulator
