// Server look-ups and XNAT naming rules shared by the landing steps (landing_internal.hpp).

#include <Poco/String.h>

#include <cctype>
#include <cstdint>

#include "landing_internal.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/http/errors.hpp"
#include "xnatctl/xnat/request_paths.hpp"
#include "xnatctl/xnat/result_set.hpp"

namespace xnatctl::upload::landing_detail {
namespace {

std::string field(const xnat::Row& row, const char* key) {
  auto it = row.find(key);
  return it == row.end() ? std::string() : it->second;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string to_label_chars(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += (std::isalnum(c) || c == '_' || c == '-') ? char(c) : '_';
  return out;
}

// Java's String.hashCode over ASCII text and List.hashCode of two strings (§3.9).
std::uint32_t java_string_hash(const std::string& s) {
  std::uint32_t h = 0;
  for (unsigned char c : s) h = 31 * h + c;
  return h;
}

std::string base36(std::uint32_t value) {
  static const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  do {
    out.insert(out.begin(), digits[value % 36]);
    value /= 36;
  } while (value != 0);
  return out;
}

std::string value_or_marker(const std::string& value, const char* keyword) {
  auto v = Poco::trim(value);
  return v.empty() ? std::string("no-value-for-") + keyword : v;
}

}  // namespace

bool project_exists(http::Client& client, const std::string& project) {
  http::Request request;
  request.path = "/data/projects/" + xnat::encode_segment(project);
  request.query = {{"format", "json"}};
  auto response = client.fetch(request);
  if (response.status == 404) return false;
  http::throw_for_status(response, "looking up project '" + project + "'");
  return true;
}

std::optional<ArchivedSession> find_archived(http::Client& client, const std::string& project,
                                             const std::string& label) {
  http::Request request;
  request.path = "/data/projects/" + xnat::encode_segment(project) + "/experiments";
  request.query = {{"label", label}, {"columns", "ID,label,subject_label"}, {"format", "json"}};
  auto response = client.fetch(request);
  if (response.status == 404) return std::nullopt;  // no such project: nothing archived there
  http::throw_for_status(response,
                         "looking up session '" + label + "' in project '" + project + "'");
  std::optional<ArchivedSession> found;
  for (const auto& row : xnat::parse_result_set(response.body, "experiment list")) {
    const auto row_label = field(row, "label");
    // Exact first; XNAT compares labels without regard to case when it checks for clashes.
    const bool exact = row_label == label;
    if (!exact && (found || Poco::icompare(row_label, label) != 0)) continue;
    ArchivedSession s;
    s.id = field(row, "ID");
    s.label = row_label;
    s.subject = field(row, "subject_label");
    s.uri = "/data/archive/projects/" + xnat::encode_segment(project) + "/subjects/" +
            xnat::encode_segment(s.subject) + "/experiments/" + xnat::encode_segment(s.label);
    found = s;
    if (exact) break;
  }
  return found;
}

std::vector<PrearchiveRow> find_prearchive(http::Client& client, const std::string& project,
                                           const std::string& label, const std::string& study_uid) {
  http::Request request;
  request.path = "/data/prearchive/projects/" + xnat::encode_segment(project);
  request.query = {{"format", "json"}};
  auto response = client.fetch(request);
  if (response.status == 404 || response.status == 403) return {};
  http::throw_for_status(response, "listing the prearchive of project '" + project + "'");
  std::vector<PrearchiveRow> same_study, others;
  for (const auto& row : xnat::parse_result_set(response.body, "prearchive list")) {
    PrearchiveRow r;
    r.name = field(row, "name");
    if (r.name != label && field(row, "folderName") != label) continue;
    r.url = with_data_prefix(field(row, "url"));
    r.status = field(row, "status");
    r.study_uid = field(row, "tag");
    (!study_uid.empty() && r.study_uid == study_uid ? same_study : others).push_back(r);
  }
  same_study.insert(same_study.end(), others.begin(), others.end());
  return same_study;
}

std::optional<std::string> find_direct_archive(http::Client& client, const std::string& project,
                                               const std::string& study_uid,
                                               const std::string& label) {
  if (study_uid.empty()) return std::nullopt;
  http::Request request;
  request.path = "/xapi/direct-archive/" + xnat::encode_segment(project) + "/" +
                 xnat::encode_segment(study_uid) + "/" + xnat::encode_segment(label);
  auto response = client.fetch(request);
  if (response.status == 404) return std::nullopt;
  http::throw_for_status(response, "looking up the direct-archive session '" + label + "'");
  return request.path;
}

std::string with_data_prefix(const std::string& path) {
  if (starts_with(path, "/prearchive/") || starts_with(path, "/archive/")) return "/data" + path;
  return path;
}

std::string study_uid_of(const Job& job) {
  for (const auto& f : job.files) {
    auto uid = Poco::trim(f.attributes.study_instance_uid);
    if (!uid.empty()) return uid;
  }
  return {};
}

std::string scan_id_for(const std::string& series_number, const std::string& series_uid) {
  const auto number = Poco::trim(series_number);
  if (!number.empty() && number != "." && number != ".." &&
      number.find_first_of("/\\:*?\"<>|") == std::string::npos)
    return number;
  const auto uid = Poco::trim(series_uid);
  return uid.empty() ? "NA" : to_label_chars(uid);
}

std::string stored_name_for(const std::string& uploaded_name) {
  std::string base = uploaded_name;
  if (auto slash = base.find_last_of("/\\"); slash != std::string::npos) base.erase(0, slash + 1);
  std::string out;
  for (unsigned char c : base) {
    const bool bad = c < 0x20 || c == ':' || c == '*' || c == '?' || c == '"' || c == '<' ||
                     c == '>' || c == '|';
    out += bad ? '_' : static_cast<char>(c);
  }
  return out == "." || out == ".." ? std::string() : out;
}

std::string template_name_for(const dicom::DicomAttributes& a) {
  std::uint32_t h = 1;
  h = 31 * h + java_string_hash(Poco::trim(a.sop_class_uid));
  h = 31 * h + java_string_hash(Poco::trim(a.sop_instance_uid));
  std::string name = value_or_marker(a.study_instance_uid, "StudyInstanceUID") + "-" +
                     value_or_marker(a.series_number, "SeriesNumber") + "-" +
                     value_or_marker(a.instance_number, "InstanceNumber") + "-" + base36(h) +
                     ".dcm";
  while (!name.empty() && name.front() == '.') name.erase(name.begin());
  return name;
}

std::string first_line(const std::string& body) {
  std::string text = body;
  // Restlet's status page carries the message in <h3> (§1.4).
  if (auto h3 = text.find("<h3>"); h3 != std::string::npos) {
    auto end = text.find("</h3>", h3);
    text = text.substr(h3 + 4, end == std::string::npos ? std::string::npos : end - h3 - 4);
  }
  text = Poco::trim(text);
  if (auto nl = text.find_first_of("\r\n"); nl != std::string::npos) text.resize(nl);
  if (text.size() > 300) text = text.substr(0, 300) + "...";
  return text;
}

}  // namespace xnatctl::upload::landing_detail
