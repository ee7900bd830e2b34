#!/usr/bin/env bash
# Whether zip batches compress where the link is slow and not where it is fast: curl posting
# one prebuilt tar, then `xnatctl session upload` with tar and with zip batches, through a
# loopback shaped by a token bucket (tc tbf) at each RATE, plus unshaped. Everything runs in
# a user and network namespace of its own (`unshare -rn`) holding only `lo`, so the shaping
# touches nothing else. Prints seconds, MB/s of DICOM and what went on the wire.
# Usage: bench/zip_slow_link.sh [BUILD_DIR]   (env: RATES, SERIES, SLICES, WORKERS)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${XNATCTL_BUILD_DIR:-$root/build}}
if [[ ${ZIP_SLOW_LINK_INSIDE:-} != 1 ]]; then
  exec env ZIP_SLOW_LINK_INSIDE=1 unshare -rn "$0" "$build"
fi
EMU=$build/bin/xnat-emulator
XNATCTL=$build/bin/xnatctl
GEN=$build/bin/xnat-gen-session
RATES=${RATES:-100mbit 1gbit}
SERIES=${SERIES:-4}
SLICES=${SLICES:-50}
WORKERS=${WORKERS:-4}
ip link set lo up

shm=$(mktemp -d /dev/shm/xnatctl-slow-link.XXXXXX)
pid=""
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$shm"
}
trap cleanup EXIT
"$GEN" --out "$shm/src" --series "$SERIES" --slices "$SLICES" -q
tar cf "$shm/session.tar" -C "$shm/src" .
bytes=$(du -sb "$shm/src" | cut -f1)
"$EMU" --data "$shm/data" --port 0 --port-file "$shm/ports" --max-runtime 1800 --project BENCH \
  --build-idle 3600 --sink --skip-zip-crc 2>/dev/null &
pid=$!
for _ in $(seq 1 200); do [[ -f "$shm/ports" ]] && break; sleep 0.05; done
url="http://127.0.0.1:$(sed -n 's/^http=//p' "$shm/ports")"
echo "data: $(find "$shm/src" -type f | wc -l) objects, $((bytes >> 20)) MiB; workers $WORKERS; load $(cut -d' ' -f1 /proc/loadavg)"

now() { date +%s.%N; }
wire() { awk '$1 == "lo:" {print $2}' /proc/net/dev; }  # bytes lo has received
n=0
run() {  # LABEL COMMAND...
  local t0 t1 w0 w1
  w0=$(wire)
  t0=$(now)
  "${@:2}" >/dev/null
  t1=$(now)
  w1=$(wire)
  python3 -c "s=$t1-$t0; print(f'  {\"$1\":<12} {s:6.2f} s  {$bytes/1e6/s:7.1f} MB/s  wire {($w1-$w0)/2**20:7.1f} MiB')"
}
for rate in none $RATES; do
  tc qdisc del dev lo root 2>/dev/null || true
  [[ $rate != none ]] && tc qdisc add dev lo root tbf rate "$rate" burst 1mbit latency 100ms
  echo "link: $rate"
  n=$((n + 1))
  run "curl tar" curl -s -o /dev/null -u admin:admin -H "Content-Type: application/x-tar" -X POST \
    -T "$shm/session.tar" "$url/data/services/import?PROJECT_ID=BENCH&EXPT_LABEL=C$n"
  for format in tar zip; do
    n=$((n + 1))
    run "xnatctl $format" env HOME="$shm" XNAT_URL="$url" XNAT_USER=admin XNAT_PASS=admin \
      "$XNATCTL" session upload "$shm/src" -P BENCH -S S -E "R$n" --workers "$WORKERS" \
      --archive-format "$format" -q
  done
done
