// The prearchive listing row (reference §4.2): exact keys, every value a string.
#pragma once

#include "http_util.hpp"
#include "repository.hpp"

namespace xnatctl::emulator {

JsonTable::Row prearchive_row(const PrearcSession& s, const char* status_override = nullptr);

// Parses "/prearchive/projects/P/TS/FOLDER" (optionally "/data"-prefixed) into its parts.
struct PrearchivePath {
  std::string project, timestamp, folder;
};
std::optional<PrearchivePath> parse_prearchive_uri(const std::string& uri);

}  // namespace xnatctl::emulator
