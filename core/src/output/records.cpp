#include "xnatctl/output/records.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <ostream>

namespace xnatctl::output {
namespace {

const std::string* find(const Record& record, const std::string& key) {
  for (const auto& [name, value] : record) {
    if (name == key) return &value;
  }
  return nullptr;
}

Poco::JSON::Object::Ptr to_json(const Record& record) {
  Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& [name, value] : record) object->set(name, value);
  return object;
}

// Display width in code points, so UTF-8 labels do not break the alignment.
std::size_t width(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string cell(const Record& record, const std::string& key) {
  const std::string* value = find(record, key);
  if (value == nullptr || value->empty()) return "-";
  std::string text = *value;
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  return text;
}

}  // namespace

void print_list(std::ostream& out, Format format, const std::vector<Column>& columns,
                const std::vector<Record>& records, const std::string& id_key) {
  if (format == Format::kQuiet) {
    for (const auto& record : records) {
      if (const auto* id = find(record, id_key); id && !id->empty()) out << *id << '\n';
    }
    return;
  }
  if (format == Format::kJson) {
    if (records.empty()) {  // Poco would print "[\n\n]"
      out << "[]\n";
      return;
    }
    Poco::JSON::Array array;
    for (const auto& record : records) array.add(to_json(record));
    array.stringify(out, 2);
    out << '\n';
    return;
  }
  if (records.empty()) {
    out << "No results\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> widths;
  std::vector<std::string> header;
  for (const auto& column : columns) {
    header.push_back(column.title);
    widths.push_back(width(column.title));
  }
  for (const auto& record : records) {
    std::vector<std::string> row;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      row.push_back(cell(record, columns[i].key));
      widths[i] = std::max(widths[i], width(row.back()));
    }
    rows.push_back(std::move(row));
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - width(row[i]) + 2, ' ');
    }
    out << line << '\n';
  };
  print_row(header);
  std::vector<std::string> rule;
  rule.reserve(widths.size());
  for (std::size_t w : widths) rule.emplace_back(w, '-');
  print_row(rule);
  for (const auto& row : rows) print_row(row);
}

void print_record(std::ostream& out, Format format, const std::vector<Column>& columns,
                  const Record& record, const std::string& id_key) {
  if (format == Format::kQuiet) {
    if (const auto* id = find(record, id_key); id && !id->empty()) out << *id << '\n';
    return;
  }
  if (format == Format::kJson) {
    to_json(record)->stringify(out, 2);
    out << '\n';
    return;
  }
  std::size_t label_width = 0;
  for (const auto& column : columns) label_width = std::max(label_width, width(column.title));
  for (const auto& column : columns) {
    out << column.title << ':' << std::string(label_width - width(column.title) + 1, ' ')
        << cell(record, column.key) << '\n';
  }
}

}  // namespace xnatctl::output
