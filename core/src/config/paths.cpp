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

std::filesystem::path state_directory(const Environment& env) {
  if (auto xdg = env.get("XDG_STATE_HOME")) return std::filesystem::path(*xdg) / "xnatctl";
  if (auto home = env.get("HOME"))
    return std::filesystem::path(*home) / ".local" / "state" / "xnatctl";
  throw Error("cannot locate the state directory: neither HOME nor XDG_STATE_HOME is set");
}

}  // namespace xnatctl::config
