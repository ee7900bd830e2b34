#include "xnatctl/xnat/listings.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/String.h>

#include "xnatctl/error.hpp"
#include "xnatctl/http/errors.hpp"
#include "xnatctl/xnat/request_paths.hpp"
#include "xnatctl/xnat/result_set.hpp"

namespace xnatctl::xnat {
namespace {

std::string field(const Row& row, const char* key) {
  auto it = row.find(key);
  return it == row.end() ? std::string() : it->second;
}

// A single experiment answers either as an item document or, on some servers, as a result
// set; the xsiType is in a different place in each.
std::optional<std::string> xsi_type_of_experiment(const std::string& json) {
  try {
    Poco::JSON::Parser parser;
    auto root = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
    if (auto items = root->getArray("items"); items && items->size() > 0) {
      auto item = items->getObject(0);
      if (auto meta = item ? item->getObject("meta") : nullptr; meta && meta->has("xsi:type")) {
        return meta->getValue<std::string>("xsi:type");
      }
    }
    if (auto result_set = root->getObject("ResultSet")) {
      if (auto result = result_set->getArray("Result"); result && result->size() > 0) {
        auto row = result->getObject(0);
        if (row && row->has("xsiType")) return row->getValue<std::string>("xsiType");
      }
    }
  } catch (const Poco::Exception&) {
  }
  return std::nullopt;
}

}  // namespace

std::string modality_of(const std::string& xsi_type) {
  std::string type = xsi_type;
  if (auto colon = type.find(':'); colon != std::string::npos) type = type.substr(colon + 1);
  const std::string suffix = "sessiondata";
  const std::string lower = Poco::toLower(type);
  if (lower.size() <= suffix.size() ||
      lower.compare(lower.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return "?";
  }
  return Poco::toUpper(type.substr(0, type.size() - suffix.size()));
}

std::optional<std::string> scan_type_of(const std::string& session_xsi_type) {
  const auto at = Poco::toLower(session_xsi_type).rfind("sessiondata");
  if (at == std::string::npos) return std::nullopt;
  return session_xsi_type.substr(0, at) + "ScanData" +
         session_xsi_type.substr(at + std::string("SessionData").size());
}

std::vector<SessionSummary> list_sessions(http::Client& client, const std::string& project,
                                          const std::optional<std::string>& subject) {
  http::Request request;
  request.path = "/data/projects/" + encode_segment(project) + "/experiments";
  request.query = {{"columns", "ID,label,subject_label,date,xsiType"}};
  if (subject) request.query.emplace_back("subject_label", *subject);
  request.query.emplace_back("format", "json");
  auto response = client.fetch(request);
  if (response.status == 404) throw Error("project '" + project + "' not found");
  http::throw_for_status(response, "listing sessions of project '" + project + "'");
  std::vector<SessionSummary> sessions;
  for (const auto& row : parse_result_set(response.body, "session list")) {
    SessionSummary s;
    s.id = field(row, "ID");
    s.label = field(row, "label");
    s.subject = field(row, "subject_label");
    s.date = field(row, "date");
    s.xsi_type = field(row, "xsiType");
    s.modality = modality_of(s.xsi_type);
    sessions.push_back(std::move(s));
  }
  return sessions;
}

std::vector<ScanSummary> list_scans(http::Client& client, const std::string& experiment,
                                    const std::optional<std::string>& project) {
  const std::string base = project ? "/data/projects/" + encode_segment(*project) +
                                         "/experiments/" + encode_segment(experiment)
                                   : "/data/experiments/" + encode_segment(experiment);
  const std::string where =
      "experiment '" + experiment + "'" + (project ? " in project '" + *project + "'" : "");

  http::Request lookup;
  lookup.path = base;
  lookup.query = {{"format", "json"}};
  auto found = client.fetch(lookup);
  if (found.status == 404) throw Error(where + " not found");
  if (found.status == 401 || found.status == 403) http::throw_for_status(found, "reading " + where);
  std::optional<std::string> scan_type;
  if (found.ok()) {
    if (auto session_type = xsi_type_of_experiment(found.body))
      scan_type = scan_type_of(*session_type);
  }

  http::Request request;
  request.path = base + "/scans";
  if (scan_type) request.query.emplace_back("xsiType", *scan_type);
  request.query.emplace_back("format", "json");
  auto response = client.fetch(request);
  if (response.status == 404) throw Error(where + " not found");
  http::throw_for_status(response, "listing scans of " + where);
  std::vector<ScanSummary> scans;
  for (const auto& row : parse_result_set(response.body, "scan list")) {
    ScanSummary s;
    s.id = field(row, "ID");
    s.type = field(row, "type");
    s.series_description = field(row, "series_description");
    s.quality = field(row, "quality");
    s.frames = field(row, "frames");
    s.note = field(row, "note");
    scans.push_back(std::move(s));
  }
  return scans;
}

}  // namespace xnatctl::xnat
