#pragma once

// config.yaml for one process: read at most once, on first use, and shared by everything that
// needs it (the plugin policy, profile defaults of options, the output mode, connect). A
// malformed file stops only what asks for it, with the same one-line error each time.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "xnatctl/config/config_file.hpp"

namespace xnatctl::host {

class ConfigSource {
 public:
  explicit ConfigSource(std::filesystem::path path);
  // The file of this process's user (XDG_CONFIG_HOME / HOME rules live in core).
  static std::shared_ptr<ConfigSource> for_process();

  const std::filesystem::path& path() const { return path_; }
  // The YAML document (nullopt when there is no file); throws when it cannot be read or
  // parsed. Enough for the plugin policy, which only reads `plugins:`.
  const std::optional<YAML::Node>& document();
  // The validated configuration; throws (every time) when the file or a profile is unusable.
  std::shared_ptr<const config::ConfigFile> file();

 private:
  std::filesystem::path path_;
  bool read_ = false;
  std::optional<YAML::Node> document_;
  std::shared_ptr<const config::ConfigFile> loaded_;
  // The first failure, replayed to every later caller (message and exit code).
  std::optional<std::pair<std::string, int>> document_error_, file_error_;
};

}  // namespace xnatctl::host
