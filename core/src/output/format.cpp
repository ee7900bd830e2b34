#include "xnatctl/output/format.hpp"

#include "xnatctl/error.hpp"

namespace xnatctl::output {

Format parse_format(const std::string& text) {
  if (text == "table") return Format::kTable;
  if (text == "json") return Format::kJson;
  throw UsageError("unknown output format '" + text + "' (use table or json)");
}

Format resolve_format(const std::optional<std::string>& command_line, bool quiet,
                      const config::Config& config) {
  if (command_line) parse_format(*command_line);  // reject typos even with --quiet
  if (quiet) return Format::kQuiet;
  if (command_line) return parse_format(*command_line);
  if (config.output_format) return parse_format(*config.output_format);
  return Format::kTable;
}

}  // namespace xnatctl::output
