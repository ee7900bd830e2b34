#pragma once

// Names of the entries in the batch bodies the host builds: each file's relative path made
// safe for whoever extracts the archive (no "..", no absolute paths, no empty or "."
// components, no control characters, valid UTF-8), shortened deterministically where the format
// cannot hold it (ustar: 100 bytes, or a prefix of at most 155 bytes split at a '/' plus 100), and
// unique within one body.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xnatctl/upload/job.hpp"

namespace xnatctl::upload {

// The relative path without "..", ".", empty components or a leading '/', with control
// characters and bytes that are not well-formed UTF-8 replaced by '_'; "file" when nothing
// is left.
std::string safe_entry_path(std::string_view relative_path);

// `name` as a ustar header holds it: a prefix (at most 155 bytes) and a name (at most 100),
// split at the first '/' that leaves at most 100 bytes after it, a '/' neither the first nor
// the last byte (libarchive's rule, kept so tars read the same as before); nullopt when it
// cannot be split so.
struct UstarName {
  std::string_view prefix, name;
};
std::optional<UstarName> ustar_name(std::string_view name);
// Whether a ustar header can hold `name`.
bool fits_ustar(std::string_view name);

// One name per chosen file, in order: safe, unique, and storable in `format`.
std::vector<std::string> entry_names(const Job& job, const std::vector<std::size_t>& indices,
                                     ArchiveFormat format);

}  // namespace xnatctl::upload
