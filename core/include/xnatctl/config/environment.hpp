#pragma once

// Read access to environment variables behind a small value type, so resolution code can be
// tested with a fixed map instead of mutating the process environment.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace xnatctl::config {

class Environment {
 public:
  // The real process environment (getenv at lookup time).
  static Environment process();
  // A fixed set of variables; anything else is unset.
  static Environment fixed(std::map<std::string, std::string> variables);

  // The value, or nullopt when the variable is unset. An empty value counts as unset:
  // `XNAT_PASS= xnatctl ...` is how people clear a variable for one command.
  std::optional<std::string> get(std::string_view name) const;

 private:
  bool use_process_ = true;
  std::map<std::string, std::string> fixed_;
};

}  // namespace xnatctl::config
