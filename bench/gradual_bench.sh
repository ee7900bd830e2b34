#!/usr/bin/env bash
# `xnatctl session upload --gradual` against a keep-alive curl baseline posting the same files
# one request each (one curl process per worker, many URLs on one connection via --next), to
# the same emulator in the same run, at several worker counts. Files/s, best of ROUNDS; each
# round uploads into a session of its own.
# Usage: bench/gradual_bench.sh [BUILD_DIR]
#   env: SERIES, SLICES, ROWS (image size), WORKER_COUNTS ("1 4 16"), ROUNDS, MODE (sink|tmpfs)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${XNATCTL_BUILD_DIR:-$root/build}}
EMU=${XNAT_EMULATOR:-$build/bin/xnat-emulator}
GEN=${XNAT_GEN:-$build/bin/xnat-gen-session}
XNATCTL=${XNATCTL:-$build/bin/xnatctl}
SERIES=${SERIES:-4}
SLICES=${SLICES:-250}
ROWS=${ROWS:-64}
WORKER_COUNTS=${WORKER_COUNTS:-"1 4 16"}
ROUNDS=${ROUNDS:-3}
MODE=${MODE:-sink}
for tool in "$EMU" "$GEN" "$XNATCTL"; do
  [[ -x "$tool" ]] || { echo "missing $tool (build it first)" >&2; exit 1; }
done

shm=$(mktemp -d /dev/shm/xnatctl-gradual-bench.XXXXXX)
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$shm"
}
trap cleanup EXIT

"$GEN" --out "$shm/src" --series "$SERIES" --slices "$SLICES" --rows "$ROWS" --cols "$ROWS" \
  --project BENCH --subject S1 --session E1 -q
mapfile -t files < <(find "$shm/src" -name '*.dcm' | sort)
count=${#files[@]}
bytes=$(du -cb "${files[@]}" | tail -1 | cut -f1)

extra=()
[[ $MODE == sink ]] && extra=(--sink)
"$EMU" --data "$shm/data" --port 0 --port-file "$shm/ports" --max-runtime 1800 --project BENCH \
  --build-idle 3600 --http-threads 64 "${extra[@]}" 2>"$shm/emulator.log" &
pid=$!
for _ in $(seq 1 200); do [[ -f "$shm/ports" ]] && break; sleep 0.05; done
url="http://127.0.0.1:$(sed -n 's/^http=//p' "$shm/ports")"

now() { date +%s.%N; }
rate() { python3 -c "print(f'{$1/($3-$2):.0f}')"; }
echo "data: $count objects, $((bytes / 1000)) kB ($((bytes / count)) B each); emulator $MODE; best of $ROUNDS"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

curl_round() {  # WORKERS LABEL -> seconds
  local workers=$1 label=$2 i=0
  for w in $(seq 0 $((workers - 1))); do : >"$shm/cfg$w"; done
  for f in "${files[@]}"; do
    local w=$((i % workers))
    [[ -s "$shm/cfg$w" ]] && echo next >>"$shm/cfg$w"
    printf 'url = "%s/data/services/import/obj%s.dcm?import-handler=gradual-DICOM&PROJECT_ID=BENCH&SUBJECT_ID=S1&EXPT_LABEL=%s&Direct-Archive=true"\nuser = "admin:admin"\nheader = "Content-Type: application/dicom"\ndata-binary = "@%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' \
      "$url" "$i" "$label" "$f" >>"$shm/cfg$w"
    i=$((i + 1))
  done
  local t0 t1 curls=()
  t0=$(now)
  for w in $(seq 0 $((workers - 1))); do
    curl -s -K "$shm/cfg$w" >"$shm/codes$w" &
    curls+=($!)
  done
  wait "${curls[@]}"
  t1=$(now)
  local bad; bad=$(cat "$shm"/codes* | grep -vc '^200$' || true)
  [[ $bad == 0 ]] || { echo "curl: $bad non-200 answers" >&2; exit 1; }
  rm -f "$shm"/codes*
  python3 -c "print($t1-$t0)"
}

xnatctl_round() {  # WORKERS LABEL -> seconds
  local t0 t1
  t0=$(now)
  HOME="$shm/home" XNAT_URL="$url" XNAT_USER=admin XNAT_PASS=admin \
    "$XNATCTL" session upload "$shm/src" -P BENCH -S S1 -E "$2" --gradual --workers "$1" \
    --no-commit -q >"$shm/xnatctl.out" 2>&1 || { cat "$shm/xnatctl.out" >&2; exit 1; }
  t1=$(now)
  python3 -c "print($t1-$t0)"
}

mkdir -p "$shm/home"
printf '%-8s %12s %12s %7s\n' workers "curl files/s" "xnatctl f/s" ratio
for workers in $WORKER_COUNTS; do
  best_curl=999999 best_x=999999
  for r in $(seq 1 "$ROUNDS"); do
    s=$(curl_round "$workers" "C${workers}_$r")
    best_curl=$(python3 -c "print(min($best_curl, $s))")
    s=$(xnatctl_round "$workers" "X${workers}_$r")
    best_x=$(python3 -c "print(min($best_x, $s))")
  done
  python3 -c "c=$count/$best_curl; x=$count/$best_x; print(f'{$workers:<8} {c:12.0f} {x:12.0f} {x/c:7.2f}')"
done
