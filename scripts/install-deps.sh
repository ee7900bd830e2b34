#!/usr/bin/env bash
# Installs every Debian 12 package the build, the tests, the demo and the benchmarks need.
# Safe to run again; skips apt entirely when everything is already present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libboost-dev libboost-program-options-dev
  libpoco-dev libssl-dev libdcmtk-dev dcmtk libyaml-cpp-dev libarchive-dev catch2
  zlib1g-dev libdeflate-dev  # zip bodies: deflate, and a fast CRC-32
  # test peers and test data nobody on the team wrote
  orthanc dicom3tools python3-pydicom python3-nibabel curl openssl
  openjdk-17-jdk-headless  # java.util.zip.ZipInputStream, XNAT's zip reader, reads our zip bodies
  strace  # tests count how often a file is opened (and the connections a run opens)
  zip  # tests build pre-built .zip sources
  bsdutils  # script(1): the progress-bar test runs xnatctl on a pseudo-terminal
  # an HTTP proxy for the network tests (plain HTTP, CONNECT, Basic credentials)
  tinyproxy
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update
# Orthanc's postinst tries to start a service; in containers policy-rc.d refuses, which is fine.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
