#!/usr/bin/env bash
# Configures and builds everything (host, plugins, emulator, tests) with Ninja into build/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${XNATCTL_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build "$build" -j "$(nproc)"
