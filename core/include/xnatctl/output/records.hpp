#pragma once

// Built-in list and detail output with chosen columns: tables show the listed columns under
// their titles, JSON carries every field of each record under its key, --quiet prints one
// ID per line. (RecordWriter in record_writer.hpp is the generic form, columns taken from
// the records themselves, used for plugin output.) JSON goes to stdout alone, so
// `xnatctl ... -o json | jq` always works.

#include <iosfwd>
#include <string>
#include <vector>

#include "xnatctl/output/record_writer.hpp"

namespace xnatctl::output {

struct Column {
  std::string key;    // field name in the record (and the JSON key)
  std::string title;  // table header
};

// kQuiet prints the field `id_key` of every record. An empty table prints "No results";
// empty cells show "-".
void print_list(std::ostream& out, Format format, const std::vector<Column>& columns,
                const std::vector<Record>& records, const std::string& id_key);

// A single record: aligned "Title: value" lines, or one JSON object; kQuiet prints `id_key`.
void print_record(std::ostream& out, Format format, const std::vector<Column>& columns,
                  const Record& record, const std::string& id_key);

}  // namespace xnatctl::output
