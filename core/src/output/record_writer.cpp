#include "xnatctl/output/record_writer.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <ostream>

namespace xnatctl::output {
namespace {

const std::string* field(const Record& record, const std::string& name) {
  for (const auto& [k, v] : record) {
    if (k == name) return &v;
  }
  return nullptr;
}

}  // namespace

void RecordWriter::add(Record record) {
  for (const auto& [k, v] : record) {
    if (std::find(columns_.begin(), columns_.end(), k) == columns_.end()) columns_.push_back(k);
  }
  records_.push_back(std::move(record));
}

void RecordWriter::finish() {
  switch (format_) {
    case Format::kQuiet:
      for (const auto& r : records_) {
        if (!r.empty()) out_ << r.front().second << '\n';
      }
      break;
    case Format::kJson: {
      if (records_.empty()) {  // Poco would print "[\n\n]"; match the other list output
        out_ << "[]\n";
        break;
      }
      // Poco::JSON escapes for us; keys keep the column order (preserveInsertionOrder).
      Poco::JSON::Array array;
      for (const auto& r : records_) {
        Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
        for (const auto& [k, v] : r) object->set(k, v);
        array.add(object);
      }
      array.stringify(out_, 2);
      out_ << '\n';
      break;
    }
    case Format::kTable: {
      if (records_.empty()) {
        out_ << "No results\n";
        break;
      }
      std::vector<size_t> widths;
      for (const auto& c : columns_) widths.push_back(c.size());
      for (const auto& r : records_) {
        for (size_t i = 0; i < columns_.size(); ++i) {
          if (const auto* v = field(r, columns_[i])) widths[i] = std::max(widths[i], v->size());
        }
      }
      auto row = [&](auto cell) {
        std::string line;
        for (size_t i = 0; i < columns_.size(); ++i) {
          std::string text = cell(i);
          if (i + 1 < columns_.size()) text.resize(widths[i] + 2, ' ');
          line += text;
        }
        out_ << line << '\n';
      };
      row([&](size_t i) { return columns_[i]; });
      row([&](size_t i) { return std::string(widths[i], '-'); });
      for (const auto& r : records_) {
        row([&](size_t i) {
          const auto* v = field(r, columns_[i]);
          return v ? *v : std::string();
        });
      }
      break;
    }
  }
  out_.flush();
}

}  // namespace xnatctl::output
