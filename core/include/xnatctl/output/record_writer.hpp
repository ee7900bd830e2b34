#pragma once

// Renders result records (a list of rows of named string fields) in the form the user asked
// for: an aligned table, a JSON array of objects, or --quiet's first field per line. Every
// list-style command, built-in or plugin, goes through this, so all of them agree on shape.

#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace xnatctl::output {

enum class Format { kTable, kJson, kQuiet };

using Record = std::vector<std::pair<std::string, std::string>>;

class RecordWriter {
 public:
  RecordWriter(Format format, std::ostream& out) : format_(format), out_(out) {}

  // Adds one record. Column order follows the first record; later records may add columns.
  void add(Record record);
  // Writes everything. A table with no rows prints "No results"; JSON prints "[]".
  void finish();
  size_t size() const { return records_.size(); }

 private:
  Format format_;
  std::ostream& out_;
  std::vector<std::string> columns_;
  std::vector<Record> records_;
};

}  // namespace xnatctl::output
