#include "cli/command_registry.hpp"

#include <stdexcept>

namespace xnatctl::host {

void CommandRegistry::add(CommandSpec spec) {
  if (const auto it = commands_.find(spec.path); it != commands_.end()) {
    throw std::invalid_argument("command '" + spec.path + "' is already provided by " +
                                it->second.provider);
  }
  std::string path = spec.path;
  commands_.emplace(std::move(path), std::move(spec));
}

const CommandSpec* CommandRegistry::find(const std::string& path) const {
  const auto it = commands_.find(path);
  return it == commands_.end() ? nullptr : &it->second;
}

std::vector<const CommandSpec*> CommandRegistry::children(const std::string& prefix) const {
  std::vector<const CommandSpec*> out;
  const std::string start = prefix.empty() ? std::string() : prefix + " ";
  for (const auto& [path, spec] : commands_) {
    if (path.rfind(start, 0) == 0) out.push_back(&spec);
  }
  return out;
}

bool CommandRegistry::is_group(const std::string& prefix) const {
  return !prefix.empty() && find(prefix) == nullptr && !children(prefix).empty();
}

}  // namespace xnatctl::host
