#include "listing_query.hpp"

#include <algorithm>

namespace xnatctl::emulator {
namespace {

std::vector<std::string> split_commas(const std::string& list) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    auto comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    out.push_back(list.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

// SQL LIKE with `*` as a second spelling of `%`. Iterative with one backtrack point, so a long
// pattern of wildcards cannot blow up.
bool like(const std::string& value, const std::string& pattern) {
  std::size_t v = 0, p = 0;
  std::size_t star = std::string::npos, star_v = 0;
  while (v < value.size()) {
    if (p < pattern.size() && (pattern[p] == '%' || pattern[p] == '*')) {
      star = p++;
      star_v = v;
    } else if (p < pattern.size() && (pattern[p] == '_' || pattern[p] == value[v])) {
      ++p;
      ++v;
    } else if (star != std::string::npos) {
      p = star + 1;
      v = ++star_v;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && (pattern[p] == '%' || pattern[p] == '*')) ++p;
  return p == pattern.size();
}

const std::string* find_field(const JsonTable::Row& fields, const std::string& name) {
  for (const auto& [key, value] : fields)
    if (key == name) return &value;
  return nullptr;
}

}  // namespace

bool matches_filter(const std::string& value, const std::string& patterns) {
  for (const auto& pattern : split_commas(patterns)) {
    const bool is_like = pattern.find_first_of("*%") != std::string::npos;
    if (is_like ? like(value, pattern) : value == pattern) return true;
  }
  return false;
}

bool row_matches(const JsonTable::Row& fields, const Params& params) {
  for (const auto& [key, value] : fields) {
    auto wanted = params.get(key);
    if (wanted && !matches_filter(value, *wanted)) return false;
  }
  return true;
}

JsonTable::Row select_columns(const JsonTable::Row& fields, const Params& params,
                              const std::vector<std::string>& default_columns,
                              const std::string& uri) {
  auto requested = params.get("columns");
  const auto columns = requested ? split_commas(*requested) : default_columns;
  JsonTable::Row row;
  auto already = [&row](const std::string& name) {
    return std::any_of(row.begin(), row.end(),
                       [&](const auto& cell) { return cell.first == name; });
  };
  for (const auto& name : columns) {
    // A JSON object cannot hold a key twice; `columns=ID,ID` or `columns=ID,` (empty name)
    // would otherwise produce one.
    if (name.empty() || name == "URI" || already(name)) continue;
    const std::string* value = find_field(fields, name);
    row.emplace_back(name, value ? *value : "");
  }
  row.emplace_back("URI", uri);
  return row;
}

}  // namespace xnatctl::emulator
