#!/usr/bin/env bash
# C-STORE throughput of `xnatctl session upload-dicom` (cstore plugin) against DCMTK's dcmsend,
# both into the same storescp (--fork, +xa, writing to tmpfs), TCP_NODELAY=1 on both sides,
# in the same run, best of ROUNDS. Runs inside a network namespace holding only `lo`
# (storescp binds every interface), re-executing itself under `unshare -n` (root) or
# `unshare -rn`.
# Usage: bench/cstore_vs_dcmsend.sh [BUILD_DIR]   (env: SETS="600x512 10000x64", ROUNDS=3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${XNATCTL_BUILD_DIR:-$root/build}}
if [[ -z ${CSTORE_BENCH_NS:-} ]]; then
  flag=-n; [[ $(id -u) -ne 0 ]] && flag=-rn
  exec env CSTORE_BENCH_NS=1 unshare "$flag" bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$build"
fi
XNATCTL=$build/bin/xnatctl
GEN=$build/bin/xnat-gen-session
ROUNDS=${ROUNDS:-3}
SETS=${SETS:-"600x512 10000x64"}
for tool in "$XNATCTL" "$GEN"; do [[ -x "$tool" ]] || { echo "missing $tool" >&2; exit 1; }; done

shm=$(mktemp -d /dev/shm/cstore-bench.XXXXXX)
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$shm"; }
trap cleanup EXIT
export HOME=$shm/home XDG_STATE_HOME=$shm/state XDG_CONFIG_HOME=$shm/config
mkdir -p "$HOME"
port=11300
TCP_NODELAY=1 timeout 3600 storescp --fork +xa -aet BENCH -od "$shm/recv" "$port" &
pid=$!
mkdir -p "$shm/recv"
for _ in $(seq 1 100); do echoscu -aec BENCH 127.0.0.1 "$port" 2>/dev/null && break; sleep 0.05; done

now() { date +%s.%N; }
run() {  # prints seconds of the best round of "$@"
  local best=""
  for _ in $(seq 1 "$ROUNDS"); do
    rm -rf "$shm/recv"/*
    local t0 t1; t0=$(now); "$@" >/dev/null 2>"$shm/err" || { cat "$shm/err" >&2; exit 1; }; t1=$(now)
    best=$(python3 -c "a='$best'; d=$t1-$t0; print(d if not a or d < float(a) else a)")
  done
  echo "$best"
}

for set in $SETS; do
  files=${set%x*}; kib=${set#*x}
  # 16-bit pixels: rows*cols*2 bytes; a square of side sqrt(kib*512) gives KiB per file
  side=$(python3 -c "import math; print(int(math.sqrt($kib*512)))")
  series=$(( files >= 200 ? files / 200 : 1 )); slices=$(( files / series ))
  src=$shm/src-$set
  "$GEN" --out "$src" --series "$series" --slices "$slices" --rows "$side" --cols "$side" -q
  n=$(find "$src" -name '*.dcm' | wc -l); bytes=$(du -cb $(find "$src" -name '*.dcm') | tail -1 | cut -f1)
  d1=$(run env TCP_NODELAY=1 dcmsend -aec BENCH +sd +r 127.0.0.1 "$port" "$src")
  x1=$(run "$XNATCTL" session upload-dicom "$src" --host 127.0.0.1 --port "$port" --called-aet BENCH --workers 1)
  x4=$(run "$XNATCTL" session upload-dicom "$src" --host 127.0.0.1 --port "$port" --called-aet BENCH --workers 4)
  python3 - "$set" "$n" "$bytes" "$d1" "$x1" "$x4" <<'PY'
import sys
name, n, b, d1, x1, x4 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *map(float, sys.argv[4:])
row = lambda who, t: f"| {name} | {who} | {t:.2f} s | {n/t:.0f} files/s | {b/1e6/t:.0f} MB/s | {d1/t:.2f}x |"
print(f"{n} files, {b/1e6:.0f} MB")
print("| set | client | time | files/s | MB/s | vs dcmsend |")
print("|---|---|---|---|---|---|")
print(row("dcmsend", d1)); print(row("xnatctl --workers 1", x1)); print(row("xnatctl --workers 4", x4))
PY
  rm -rf "$src"
done
