// Small HTTP helpers shared by the route handlers: query/form parameters, XNAT-shaped responses
// (plain-text errors, text/uri-list with CRLF, the JSON "ResultSet" table of reference §1.3).
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/MessageHeader.h>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace xnatctl::emulator {

// An error that a handler reports to the client: status + message (reference §1.4: XNAT sets a
// status and message; we put the message in a text/plain body so clients and tests can read it).
struct HttpError : std::runtime_error {
  HttpError(int code, const std::string& message) : std::runtime_error(message), status(code) {}
  int status;
};

// Parameters from the query string and (for form posts) the body. Names are case-sensitive
// like XNAT's (e.g. `Ignore-Unparsable`).
class Params {
 public:
  void add(const std::string& name, const std::string& value) { values_.emplace(name, value); }
  void set(const std::string& name, const std::string& value);
  std::optional<std::string> get(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& fallback) const;
  std::vector<std::string> all(const std::string& name) const;
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  bool is_true(const std::string& name) const;  // "true" (case-insensitive)
  void add_query(const std::string& raw_query);
  const std::multimap<std::string, std::string>& values() const { return values_; }

 private:
  std::multimap<std::string, std::string> values_;
};

std::string url_decode(const std::string& s);
// The file name of a multipart part (Content-Disposition filename=...), without any
// directories: everything after the last of `separators` (XNAT keeps what follows the last
// '\\' for imports, §3.2; resource uploads also drop '/').
std::string part_file_name(const Poco::Net::MessageHeader& header, const char* separators);
std::vector<std::string> split_path(const std::string& path);  // "/a/b/" -> {"a","b"}, decoded
std::string to_lower(std::string s);
bool ends_with(const std::string& s, const std::string& suffix);
bool starts_with(const std::string& s, const std::string& prefix);

void send_text(Poco::Net::HTTPServerResponse& resp, int status, const std::string& body,
               const std::string& content_type = "text/plain");
void send_error(Poco::Net::HTTPServerResponse& resp, int status, const std::string& message);
// text/uri-list: each URI followed by CRLF (reference §3.6).
void send_uri_list(Poco::Net::HTTPServerResponse& resp, int status,
                   const std::vector<std::string>& uris);
void send_json(Poco::Net::HTTPServerResponse& resp, int status, const std::string& json);

// Builds the ResultSet envelope (reference §1.3): every cell is a string; metadata keys follow
// "Result"; "Columns" only when given.
class JsonTable {
 public:
  using Row = std::vector<std::pair<std::string, std::string>>;
  void add_row(Row row) { rows_.push_back(std::move(row)); }
  void add_meta(const std::string& key, const std::string& value) {
    meta_.emplace_back(key, value);
  }
  void set_uri_column(const std::string& server_root) { uri_column_root_ = server_root; }
  std::size_t size() const { return rows_.size(); }
  std::string to_json() const;

 private:
  std::vector<Row> rows_;
  std::vector<std::pair<std::string, std::string>> meta_;
  std::optional<std::string> uri_column_root_;
};

std::string json_quote(const std::string& s);

}  // namespace xnatctl::emulator
