#pragma once

#include <optional>
#include <string>

#include "xnatctl/config/config_file.hpp"
#include "xnatctl/output/record_writer.hpp"  // Format

namespace xnatctl::output {

// --quiet > --output > config `output_format` > table. Throws UsageError for unknown names.
Format resolve_format(const std::optional<std::string>& command_line, bool quiet,
                      const config::Config& config);

// "table" or "json".
Format parse_format(const std::string& text);

}  // namespace xnatctl::output
