#include "xnatctl/config/paths.hpp"

#include "xnatctl/error.hpp"

namespace xnatctl::config {

std::filesystem::path config_directory(const Environment& env) {
  if (auto xdg = env.get("XDG_CONFIG_HOME")) return std::filesystem::path(*xdg) / "xnatctl";
  if (auto home = env.get("HOME")) return std::filesystem::path(*home) / ".config" / "xnatctl";
  throw Error("cannot locate the configuration directory: neither HOME nor XDG_CONFIG_HOME is set");
}

std::filesystem::path config_file_path(const Environment& env) {
  return config_directory(env) / "config.yaml";
}

std::filesystem::path token_cache_directory(const Environment& env) {
  return config_directory(env) / "sessions";
}

}  // namespace xnatctl::config
