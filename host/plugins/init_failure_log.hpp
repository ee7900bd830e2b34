#pragma once

// Plugin init() failures remembered between runs, so `plugin list` and `plugin info` can show
// "init failed" for a plugin that was tried and failed, without ever calling init() just to
// list it. A record names the plugin file by path, size and modification time: replacing the
// file forgets the failure, and the next successful init() clears it.

#include <filesystem>
#include <optional>
#include <string>

namespace xnatctl::host {

class InitFailureLog {
 public:
  explicit InitFailureLog(std::filesystem::path file);
  // <state dir>/plugin-init-failures.json of this process's user (no file when HOME is unset).
  static InitFailureLog for_process();

  // The reason recorded for this very file, if any.
  std::optional<std::string> failure(const std::filesystem::path& plugin) const;
  // Best effort: a read-only home only loses the memory of the failure.
  void record(const std::filesystem::path& plugin, const std::string& reason) const;
  void clear(const std::filesystem::path& plugin) const;

 private:
  std::filesystem::path file_;
};

}  // namespace xnatctl::host
