#pragma once

#include <map>
#include <string>
#include <vector>

#include "cli/command_spec.hpp"

namespace xnatctl::host {

// The command tree: built-ins and plugin commands, keyed by their space-separated path.
class CommandRegistry {
 public:
  // Throws std::invalid_argument if the path is already taken (names the current owner).
  void add(CommandSpec spec);
  const CommandSpec* find(const std::string& path) const;
  // Commands whose path starts with `prefix` + " " (or all commands when prefix is empty).
  std::vector<const CommandSpec*> children(const std::string& prefix) const;
  bool is_group(const std::string& prefix) const;

 private:
  std::map<std::string, CommandSpec> commands_;
};

}  // namespace xnatctl::host
