#include "cli/parsed_command.hpp"

#include <charconv>

#include "xnatctl/error.hpp"

namespace xnatctl::host {

ParsedCommand::ParsedCommand(const CommandSpec& spec, GlobalOptions globals,
                             std::map<std::string, std::vector<std::string>> values,
                             std::vector<std::string> positionals, const Streams& streams,
                             std::shared_ptr<ConfigSource> config)
    : spec_(&spec),
      globals_(std::move(globals)),
      values_(std::move(values)),
      positionals_(std::move(positionals)),
      streams_(streams),
      config_(std::move(config)) {}

ConfigSource& ParsedCommand::config() const {
  if (!config_) config_ = ConfigSource::for_process();
  return *config_;
}

std::optional<std::string> ParsedCommand::value(std::string_view name) const {
  const auto it = values_.find(std::string(name));
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

std::optional<long long> ParsedCommand::integer(std::string_view name) const {
  const auto text = value(name);
  if (!text) return std::nullopt;
  long long number = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), number);
  if (ec == std::errc::result_out_of_range) {
    throw UsageError("--" + std::string(name) + " is out of range: '" + *text + "'");
  }
  if (ec != std::errc() || end != text->data() + text->size()) {
    throw UsageError("--" + std::string(name) + " needs a whole number, not '" + *text + "'");
  }
  return number;
}

const std::vector<std::string>* ParsedCommand::stored(std::string_view name) const {
  const auto it = values_.find(std::string(name));
  return it == values_.end() ? nullptr : &it->second;
}

bool ParsedCommand::flag(std::string_view name) const {
  const auto v = value(name);
  return v && (*v == "true" || *v == "1" || *v == "yes");
}

std::vector<std::string> ParsedCommand::values(std::string_view name) const {
  const auto it = values_.find(std::string(name));
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace xnatctl::host
