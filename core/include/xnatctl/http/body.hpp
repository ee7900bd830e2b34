#pragma once

// Ready-made request bodies for the common cases; each one can rewind, so retries and
// replays after a re-login re-send the whole body.

#include <filesystem>
#include <string>

#include "xnatctl/http/request.hpp"

namespace xnatctl::http {

// A body held in memory (small form posts, JSON).
RequestBody string_body(std::string content);

// A file streamed from disk; it is reopened on every rewind. Throws xnatctl::Error when
// the file cannot be read.
RequestBody file_body(const std::filesystem::path& path);

}  // namespace xnatctl::http
