#include "prearchive_rows.hpp"

namespace xnatctl::emulator {

JsonTable::Row prearchive_row(const PrearcSession& s, const char* status_override) {
  return {
      {"project", s.project_or_unassigned()},
      {"timestamp", s.timestamp},
      {"lastmod", sql_timestamp(s.lastmod)},
      {"uploaded", sql_timestamp(s.uploaded)},
      {"scan_date", s.scan_date},
      {"scan_time", s.built ? s.scan_time : ""},
      {"subject", s.subject},
      {"folderName", s.folder},
      {"name", s.name},
      {"tag", s.study_uid},
      {"status", status_override ? status_override : to_string(s.status)},
      {"url", s.url()},
      {"autoarchive", autoarchive_name(s.autoarchive_code)},
      {"prevent_anon", s.prevent_anon ? "true" : "false"},
      {"prevent_auto_commit", s.prevent_auto_commit ? "true" : "false"},
      {"SOURCE", s.source},
      {"VISIT", s.visit},
      {"PROTOCOL", s.protocol},
      {"TIMEZONE", s.timezone},
  };
}

std::optional<PrearchivePath> parse_prearchive_uri(const std::string& uri) {
  std::string u = uri;
  if (starts_with(u, "/data/")) u = u.substr(5);
  auto s = split_path(u);
  if (s.size() != 5 || s[0] != "prearchive" || s[1] != "projects") return std::nullopt;
  return PrearchivePath{s[2], s[3], s[4]};
}

}  // namespace xnatctl::emulator
