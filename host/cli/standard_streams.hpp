#pragma once

// The process's standard streams as scripts rely on them: a failed write to stdout (a full
// disk, a closed descriptor) is an error, so `xnatctl -o json … > out` never reports success
// with no data. Checked once, in main, for every command and plugin alike.

#include <optional>
#include <string>

namespace xnatctl::host {

// Gives each closed descriptor 0-2 a /dev/null placeholder opened the wrong way round (stdin
// write-only, stdout/stderr read-only): reads and writes still fail as on a closed
// descriptor, and no file the process opens later (config, a plugin, a socket) can land on
// fd 1 and receive the command's output. Call first thing in main.
void reserve_standard_descriptors();

// Flushes stdout; when it or any earlier write to it failed, the one-line reason
// ("cannot write to standard output: No space left on device").
std::optional<std::string> stdout_failure();

}  // namespace xnatctl::host
