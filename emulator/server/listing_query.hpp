// The query parameters XNAT's table listings understand (reference §5.2,
// QueryOrganizerResource): a known field given as a parameter filters the rows (comma = OR,
// `*` or `%` = SQL LIKE), and `columns=a,b,c` picks the columns of each row.
#pragma once

#include <string>
#include <vector>

#include "http_util.hpp"

namespace xnatctl::emulator {

// True when `value` equals one of the comma-separated `patterns`. A pattern holding `*` or `%`
// is a SQL LIKE pattern instead: `*`/`%` match any run of characters and `_` any one character
// (as in PostgreSQL, case-sensitive).
bool matches_filter(const std::string& value, const std::string& patterns);

// True when every field of `fields` that is also a query parameter matches it. Parameters that
// name no field (format, columns, sortBy, …) do not filter.
bool row_matches(const JsonTable::Row& fields, const Params& params);

// The row to send. With `columns=a,b,c`: those columns in that order, an unknown one as "" (every
// cell is a string, §1.3). Without it: `default_columns`. XNAT adds `URI` either way.
JsonTable::Row select_columns(const JsonTable::Row& fields, const Params& params,
                              const std::vector<std::string>& default_columns,
                              const std::string& uri);

}  // namespace xnatctl::emulator
