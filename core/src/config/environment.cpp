#include "xnatctl/config/environment.hpp"

#include <cstdlib>

namespace xnatctl::config {

Environment Environment::process() {
  return Environment{};
}

Environment Environment::fixed(std::map<std::string, std::string> variables) {
  Environment env;
  env.use_process_ = false;
  env.fixed_ = std::move(variables);
  return env;
}

std::optional<std::string> Environment::get(std::string_view name) const {
  if (use_process_) {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  }
  auto it = fixed_.find(std::string(name));
  if (it == fixed_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

}  // namespace xnatctl::config
