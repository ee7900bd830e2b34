#!/usr/bin/env bash
# Throughput of xnat-emulator's import service with curl as the client, on loopback:
#   DICOM-zip (one tar per request) and gradual-DICOM (one object per request, N parallel
#   keep-alive curl workers), each in --sink mode (parse and count, store nothing) and with
#   storage on tmpfs (--data under /dev/shm).
# Usage: bench/emulator_throughput.sh [BUILD_DIR]   (env: SERIES, SLICES, WORKERS, ROUNDS)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${XNATCTL_BUILD_DIR:-$root/build}}
EMU=${XNAT_EMULATOR:-$build/bin/xnat-emulator}
GEN=${XNAT_GEN:-$build/bin/xnat-gen-session}
SERIES=${SERIES:-3}
SLICES=${SLICES:-100}
WORKERS=${WORKERS:-4}
ROUNDS=${ROUNDS:-3}
for tool in "$EMU" "$GEN"; do [[ -x "$tool" ]] || { echo "missing $tool (build it first)" >&2; exit 1; }; done

shm=$(mktemp -d /dev/shm/xnat-emu-bench.XXXXXX)
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$shm"
}
trap cleanup EXIT

"$GEN" --out "$shm/src" --series "$SERIES" --slices "$SLICES" --project BENCH --subject S1 --session E1 -q
tar cf "$shm/session.tar" -C "$shm/src" .
mapfile -t files < <(find "$shm/src" -name '*.dcm' | sort)
total_bytes=$(du -cb "${files[@]}" | tail -1 | cut -f1)
tar_bytes=$(stat -c %s "$shm/session.tar")
echo "data: ${#files[@]} objects, $((total_bytes / 1000000)) MB (tar $((tar_bytes / 1000000)) MB); $WORKERS gradual workers; best of $ROUNDS"

start() {  # start MODE
  local data="$shm/data-$RANDOM"
  local extra=()
  [[ $1 == sink ]] && extra=(--sink)
  rm -f "$shm/ports"
  "$EMU" --data "$data" --port 0 --port-file "$shm/ports" --max-runtime 600 --project BENCH \
    --build-idle 3600 "${extra[@]}" 2>/dev/null &
  pid=$!
  for _ in $(seq 1 200); do [[ -f "$shm/ports" ]] && break; sleep 0.05; done
  url="http://127.0.0.1:$(sed -n 's/^http=//p' "$shm/ports")"
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
now() { date +%s.%N; }
mbps() { python3 -c "print(f'{$1/1e6/($3-$2):.0f}')"; }

bench_tar() {
  local best=0
  for r in $(seq 1 "$ROUNDS"); do
    local t0 t1 code
    t0=$(now)
    code=$(curl -s -o /dev/null -w '%{http_code}' -u admin:admin -H 'Content-Type: application/x-tar' \
      --data-binary @"$shm/session.tar" "$url/data/services/import?PROJECT_ID=BENCH&EXPT_LABEL=T$r")
    t1=$(now)
    [[ $code == 200 ]] || { echo "tar upload failed: $code" >&2; exit 1; }
    local v; v=$(mbps "$tar_bytes" "$t0" "$t1")
    (( v > best )) && best=$v
  done
  echo "$best"
}

bench_gradual() {
  local best=0
  for r in $(seq 1 "$ROUNDS"); do
    # One curl per worker, many requests on one keep-alive connection (curl --next).
    for w in $(seq 0 $((WORKERS - 1))); do
      : >"$shm/cfg$w"
    done
    local i=0
    for f in "${files[@]}"; do
      local w=$((i % WORKERS))
      [[ -s "$shm/cfg$w" ]] && echo next >>"$shm/cfg$w"
      printf 'url = "%s/data/services/import/%s?import-handler=gradual-DICOM&PROJECT_ID=BENCH&EXPT_LABEL=G%s"\nuser = "admin:admin"\nheader = "Content-Type: application/dicom"\ndata-binary = "@%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' \
        "$url" "$(basename "$f")_$i" "$r" "$f" >>"$shm/cfg$w"
      i=$((i + 1))
    done
    local t0 t1
    t0=$(now)
    for w in $(seq 0 $((WORKERS - 1))); do curl -s -K "$shm/cfg$w" >"$shm/codes$w" & done
    wait $(jobs -p | grep -v "^$pid\$") 2>/dev/null || true
    t1=$(now)
    local bad; bad=$(cat "$shm"/codes* | grep -vc '^200$' || true)
    [[ $bad == 0 ]] || { echo "gradual: $bad non-200 answers" >&2; exit 1; }
    local v; v=$(mbps "$total_bytes" "$t0" "$t1")
    (( v > best )) && best=$v
  done
  echo "$best"
}

for mode in sink tmpfs; do
  start "$mode"
  tar_mbps=$(bench_tar)
  stop
  start "$mode"
  gradual_mbps=$(bench_gradual)
  stop
  printf '%-6s DICOM-zip (tar, 1 request): %5s MB/s   gradual-DICOM (%d workers): %5s MB/s\n' \
    "$mode" "$tar_mbps" "$WORKERS" "$gradual_mbps"
done
