#!/usr/bin/env bash
# Configures and builds everything (host, plugins, emulator, tests) with Ninja into build/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${XNATCTL_BUILD_DIR:-$root/build}
launcher=()
# ccache, when present, lets several checkouts of the tree share compiled objects.
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$root")} CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)"
