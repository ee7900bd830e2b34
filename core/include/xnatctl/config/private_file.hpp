#pragma once

#include <filesystem>
#include <string_view>

namespace xnatctl::config {

// Replaces `path` atomically with `content`, readable by the owner only (0600), creating the
// parent directories with mode 0700. Used for everything that may hold a secret (the config
// file can hold a password, the token cache holds session tokens), so a reader never sees a
// half-written file and the secret is never world-readable, not even for a moment.
void write_private_file(const std::filesystem::path& path, std::string_view content);

// Creates `dir` and any missing parents with mode 0700 (existing directories are left as they
// are). Throws xnatctl::Error naming the directory when one cannot be created.
void create_private_directories(const std::filesystem::path& dir);

}  // namespace xnatctl::config
