#pragma once

// Whether a file may be trusted as code (a plugin) or as policy (the administrator's
// plugins.yaml): nobody but root and the user running xnatctl can have written it, or can
// replace it or any directory on its way from `/`.
//
//   - the entry itself is looked at with lstat: a symlink counts for who owns it, then the file
//     it resolves to is checked as well, so a trusted link cannot point at someone's file;
//   - the file (and the link) must be owned by root or the caller and must not be writable by
//     group or others;
//   - every ancestor directory, of the entry and of the file it resolves to, must be owned by
//     root or the caller and must not be writable by group or others, unless it is sticky
//     (like /tmp): there only an entry's owner may rename or delete it, and the entry below
//     is itself checked for a trusted owner.
// A process running as root trusts only root.

#include <filesystem>
#include <string>

namespace xnatctl::host {

// Empty when `path` is trusted, else the reason (one line, naming the offending path).
std::string untrusted_reason(const std::filesystem::path& path);

}  // namespace xnatctl::host
