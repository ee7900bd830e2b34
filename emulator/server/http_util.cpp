#include "http_util.hpp"

#include <Poco/Net/NameValueCollection.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace xnatctl::emulator {

void Params::set(const std::string& name, const std::string& value) {
  values_.erase(name);
  values_.emplace(name, value);
}

std::optional<std::string> Params::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Params::get_or(const std::string& name, const std::string& fallback) const {
  auto v = get(name);
  return v ? *v : fallback;
}

std::vector<std::string> Params::all(const std::string& name) const {
  std::vector<std::string> out;
  auto [b, e] = values_.equal_range(name);
  for (auto it = b; it != e; ++it) out.push_back(it->second);
  return out;
}

bool Params::is_true(const std::string& name) const {
  auto v = get(name);
  return v && to_lower(*v) == "true";
}

void Params::add_query(const std::string& raw_query) {
  std::size_t pos = 0;
  while (pos <= raw_query.size()) {
    auto amp = raw_query.find('&', pos);
    if (amp == std::string::npos) amp = raw_query.size();
    std::string pair = raw_query.substr(pos, amp - pos);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      if (eq == std::string::npos)
        add(url_decode(pair), "");
      else
        add(url_decode(pair.substr(0, eq)), url_decode(pair.substr(eq + 1)));
    }
    pos = amp + 1;
  }
}

std::string url_decode(const std::string& s) {
  std::string plus_as_space = s;
  std::replace(plus_as_space.begin(), plus_as_space.end(), '+', ' ');
  std::string out;
  Poco::URI::decode(plus_as_space, out);
  return out;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < path.size()) {
    auto slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    if (slash > pos) {
      std::string seg;
      Poco::URI::decode(path.substr(pos, slash - pos), seg);
      out.push_back(seg);
    }
    pos = slash + 1;
  }
  return out;
}

std::string to_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

void send_text(Poco::Net::HTTPServerResponse& resp, int status, const std::string& body,
               const std::string& content_type) {
  resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  resp.setContentType(content_type);
  resp.setContentLength(static_cast<std::streamsize>(body.size()));
  resp.send() << body;
}

void send_error(Poco::Net::HTTPServerResponse& resp, int status, const std::string& message) {
  // Reason phrase = message too, like Restlet (§1.4); clients must key off the status.
  std::string reason = message;
  std::replace_if(
      reason.begin(), reason.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status), reason);
  resp.setContentType("text/plain");
  resp.setContentLength(static_cast<std::streamsize>(message.size()));
  resp.send() << message;
}

void send_uri_list(Poco::Net::HTTPServerResponse& resp, int status,
                   const std::vector<std::string>& uris) {
  std::string body;
  for (const auto& u : uris) body += u + "\r\n";
  send_text(resp, status, body, "text/uri-list");
}

void send_json(Poco::Net::HTTPServerResponse& resp, int status, const std::string& json) {
  send_text(resp, status, json, "application/json");
}

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// Hand-written serialisation (not Poco::JSON) because XNAT's envelope has a fixed key order for
// the envelope itself ("Columns", "Result", then metadata) that Poco's object cannot promise.
std::string JsonTable::to_json() const {
  std::ostringstream out;
  out << "{\"ResultSet\":{";
  if (uri_column_root_) {
    out << "\"Columns\":[{\"key\":\"URI\",\"serverRoot\":" << json_quote(*uri_column_root_)
        << "}],";
  }
  out << "\"Result\":[";
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    if (i) out << ",";
    out << "{";
    for (std::size_t k = 0; k < rows_[i].size(); ++k) {
      if (k) out << ",";
      out << json_quote(rows_[i][k].first) << ":" << json_quote(rows_[i][k].second);
    }
    out << "}";
  }
  out << "]";
  for (const auto& [k, v] : meta_) out << ", " << json_quote(k) << ": " << json_quote(v);
  out << "}}";
  return out.str();
}

}  // namespace xnatctl::emulator

namespace xnatctl::emulator {

std::string part_file_name(const Poco::Net::MessageHeader& header, const char* separators) {
  std::string disposition;
  Poco::Net::NameValueCollection params;
  Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition", ""), disposition,
                                            params);
  std::string filename = params.get("filename", "");
  if (const auto cut = filename.find_last_of(separators); cut != std::string::npos)
    filename = filename.substr(cut + 1);
  return filename;
}

}  // namespace xnatctl::emulator
