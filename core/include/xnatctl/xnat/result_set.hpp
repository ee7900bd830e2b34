#pragma once

#include <map>
#include <string>
#include <vector>

namespace xnatctl::xnat {

using Row = std::map<std::string, std::string>;

// The rows of XNAT's JSON table envelope {"ResultSet":{"Result":[{...}]}}. Every value comes
// back as a string (XNAT sends strings; anything else is converted). Throws xnatctl::Error
// naming `what` when the text is not such an envelope.
std::vector<Row> parse_result_set(const std::string& json, const std::string& what);

}  // namespace xnatctl::xnat
