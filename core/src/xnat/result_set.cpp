#include "xnatctl/xnat/result_set.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "xnatctl/error.hpp"

namespace xnatctl::xnat {

std::vector<Row> parse_result_set(const std::string& json, const std::string& what) {
  Poco::JSON::Array::Ptr result;
  try {
    Poco::JSON::Parser parser;
    auto root = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
    auto result_set = root->getObject("ResultSet");
    if (result_set) result = result_set->getArray("Result");
  } catch (const Poco::Exception&) {
    result = nullptr;
  }
  if (!result) throw Error(what + ": the server's answer is not an XNAT result set");
  std::vector<Row> rows;
  for (std::size_t i = 0; i < result->size(); ++i) {
    auto object = result->getObject(static_cast<unsigned>(i));
    if (!object) continue;
    Row row;
    for (const auto& [key, value] : *object) {
      row[key] = value.isEmpty() ? std::string() : value.convert<std::string>();
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace xnatctl::xnat
