#include "identification.hpp"

#include <Poco/String.h>

#include <cctype>
#include <vector>

namespace xnatctl::emulator {

// Equivalent of dicom-xnat's case-insensitive pattern
//   (?:^|.*[\s,;]) KEY \s* : \s* ([\w-]*) (?:$|[\s,;].*)
// matched greedily, i.e. the last well-formed occurrence wins. Hand-written because building a
// std::regex per object dominated the import profile.
std::optional<std::string> extract_assignment(const std::string& text, const std::string& key) {
  auto is_sep = [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == ';';
  };
  auto is_word = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  };
  auto key_at = [&](std::size_t i) {
    if (i + key.size() > text.size()) return false;
    for (std::size_t k = 0; k < key.size(); ++k)
      if (std::tolower(static_cast<unsigned char>(text[i + k])) !=
          std::tolower(static_cast<unsigned char>(key[k])))
        return false;
    return true;
  };
  if (text.size() < key.size()) return std::nullopt;
  for (std::size_t i = text.size() - key.size() + 1; i-- > 0;) {
    if ((i > 0 && !is_sep(text[i - 1])) || !key_at(i)) continue;
    std::size_t p = i + key.size();
    while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) ++p;
    if (p >= text.size() || text[p] != ':') continue;
    ++p;
    while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) ++p;
    const std::size_t value_start = p;
    while (p < text.size() && is_word(text[p])) ++p;
    if (p < text.size() && !is_sep(text[p])) continue;
    if (p == value_start) return std::nullopt;
    return text.substr(value_start, p - value_start);
  }
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
  candidates.push_back(Poco::trim(f.study_description));
  candidates.push_back(Poco::trim(f.accession_number));
  for (const auto& c : candidates) {
    if (!c.empty() && project_exists(c)) {
      id.project = c;
      break;
    }
  }
  id.subject = from_comments("Subject").value_or(Poco::trim(f.patient_name));
  id.session = from_comments("Session").value_or(Poco::trim(f.patient_id));
  if (auto aa = from_comments("AA")) {
    std::string v = *aa;
    for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (v == "true") id.auto_archive = true;
    if (v == "false") id.auto_archive = false;
  }
  return id;
}

}  // namespace xnatctl::emulator
