#!/usr/bin/env bash
# rest_zip against curl on loopback: `xnatctl session upload` (tar and zip batches, workers
# 1/4/8) and `curl -T` posting the same objects as one prebuilt tar, to the same xnat-emulator
# (--sink: parse and count, store nothing) in the same run. Sources and the emulator live on
# tmpfs so the disk is not what is measured. Also the client's peak RSS (GNU time) and the
# bytes left in its TMPDIR and HOME.
# Usage: bench/rest_zip_throughput.sh [BUILD_DIR]   (env: SERIES, SLICES, ROWS, WORKERS_LIST, FORMATS)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${XNATCTL_BUILD_DIR:-$root/build}}
EMU=$build/bin/xnat-emulator
GEN=$build/bin/xnat-gen-session
XNATCTL=$build/bin/xnatctl
SERIES=${SERIES:-8}
SLICES=${SLICES:-250}  # 8 x 250 slices of 512x512: about 1 GiB
ROWS=${ROWS:-512}
WORKERS_LIST=${WORKERS_LIST:-1 4 8}
FORMATS=${FORMATS:-tar zip}
for tool in "$EMU" "$GEN" "$XNATCTL" /usr/bin/time; do
  [[ -x "$tool" ]] || { echo "missing $tool" >&2; exit 1; }
done

shm=$(mktemp -d /dev/shm/rest-zip-bench.XXXXXX)
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$shm"
}
trap cleanup EXIT

"$GEN" --out "$shm/src" --series "$SERIES" --slices "$SLICES" --rows "$ROWS" --cols "$ROWS" -q
tar cf "$shm/session.tar" -C "$shm/src" .
bytes=$(du -sb "$shm/src" | cut -f1)
tar_bytes=$(stat -c %s "$shm/session.tar")
echo "data: $(find "$shm/src" -type f | wc -l) objects, $((bytes >> 20)) MiB (tar $((tar_bytes >> 20)) MiB); load $(cut -d' ' -f1 /proc/loadavg)"

rm -f "$shm/ports"
"$EMU" --data "$shm/data" --port 0 --port-file "$shm/ports" --max-runtime 1200 --project BENCH \
  --build-idle 3600 --sink 2>/dev/null &
pid=$!
for _ in $(seq 1 200); do [[ -f "$shm/ports" ]] && break; sleep 0.05; done
url="http://127.0.0.1:$(sed -n 's/^http=//p' "$shm/ports")"
now() { date +%s.%N; }
mbps() { python3 -c "print(f'{$1/1e6/($3-$2):.0f}')"; }

t0=$(now)
code=$(curl -s -o /dev/null -w '%{http_code}' -u admin:admin -H 'Content-Type: application/x-tar' \
  -X POST -T "$shm/session.tar" "$url/data/services/import?PROJECT_ID=BENCH&EXPT_LABEL=CURL")
t1=$(now)
[[ $code == 200 ]] || { echo "curl upload failed: $code" >&2; exit 1; }
curl_mbps=$(mbps "$tar_bytes" "$t0" "$t1")
echo "curl -T one tar: $curl_mbps MB/s"

mkdir -p "$shm/home" "$shm/tmp"
n=0
for format in $FORMATS; do
  for workers in $WORKERS_LIST; do
    n=$((n + 1))
    t0=$(now)
    HOME=$shm/home TMPDIR=$shm/tmp XNAT_URL=$url XNAT_USER=admin XNAT_PASS=admin \
      /usr/bin/time -f '%M' -o "$shm/rss" "$XNATCTL" session upload "$shm/src" -P BENCH -S S \
      -E "R$n" --workers "$workers" --archive-format "$format" -q >/dev/null
    t1=$(now)
    v=$(mbps "$bytes" "$t0" "$t1")
    rss=$(($(cat "$shm/rss") >> 10))
    tmp=$(du -sb "$shm/tmp" | cut -f1)
    echo "xnatctl $format workers $workers: $v MB/s ($(python3 -c "print(f'{$v/$curl_mbps:.2f}')")x curl), peak RSS $rss MiB, TMPDIR $((tmp - 4096 < 0 ? 0 : tmp - 4096)) bytes"
  done
done
