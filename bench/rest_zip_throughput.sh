#!/usr/bin/env bash
# rest_zip against curl on loopback: `xnatctl session upload` (tar and zip batches, workers
# 1/4/8) and `curl -T` posting the same objects as one prebuilt tar, to the same xnat-emulator
# (--sink: parse and count, store nothing) in the same run. Sources and the emulator live on
# tmpfs so the disk is not what is measured. Also the client's peak RSS (GNU time) and the
# bytes left in its TMPDIR and HOME.
# Usage: bench/rest_zip_throughput.sh [BUILD_DIR]   (env: SERIES, SLICES, ROWS, WORKERS_LIST, FORMATS, ROUNDS,
# EMULATOR_ZIP_CRC)
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
# A second reference for zip batches: the same files as one zip, deflated beforehand at the
# level xnatctl uses (1), so curl's run includes the server's inflating but no compressing.
python3 - "$shm/src" "$shm/session.zip" <<'PY'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
    for d, _, names in os.walk(src):
        for n in sorted(names):
            p = os.path.join(d, n)
            z.write(p, os.path.relpath(p, src))
PY
bytes=$(du -sb "$shm/src" | cut -f1)
tar_bytes=$(stat -c %s "$shm/session.tar")
echo "data: $(find "$shm/src" -type f | wc -l) objects, $((bytes >> 20)) MiB (tar $((tar_bytes >> 20)) MiB); load $(cut -d' ' -f1 /proc/loadavg)"

rm -f "$shm/ports"
# --skip-zip-crc: XNAT checks zip CRCs with the JVM's hardware intrinsic (~0.1 s/GiB), the
# emulator's libarchive with zlib's table CRC (~1 s/GiB), which made zip runs measure the
# emulator; EMULATOR_ZIP_CRC=1 keeps the check (emulator/README.md).
zip_crc_flag=(--skip-zip-crc)
[[ ${EMULATOR_ZIP_CRC:-0} == 1 ]] && zip_crc_flag=()
"$EMU" --data "$shm/data" --port 0 --port-file "$shm/ports" --max-runtime 1200 --project BENCH \
  --build-idle 3600 --sink "${zip_crc_flag[@]}" 2>/dev/null &
pid=$!
for _ in $(seq 1 200); do [[ -f "$shm/ports" ]] && break; sleep 0.05; done
url="http://127.0.0.1:$(sed -n 's/^http=//p' "$shm/ports")"
now() { date +%s.%N; }
mbps() { python3 -c "print(f'{$1/1e6/($3-$2):.0f}')"; }

# Best of ROUNDS, each round running curl and then every xnatctl configuration, so a slow
# moment of this shared machine hits both sides rather than one configuration.
ROUNDS=${ROUNDS:-3}
post_curl() {  # LABEL FILE CONTENT-TYPE
  local t0 t1 code
  t0=$(now)
  code=$(curl -s -o /dev/null -w '%{http_code}' -u admin:admin -H "Content-Type: $3" \
    -X POST -T "$2" "$url/data/services/import?PROJECT_ID=BENCH&EXPT_LABEL=CURL$1")
  t1=$(now)
  [[ $code == 200 ]] || { echo "curl upload failed: $code" >&2; exit 1; }
  echo "$t1 - $t0" | bc -l
}
best() { python3 -c "import sys; print(min(float(x) for x in sys.argv[1:]))" "$@"; }

mkdir -p "$shm/home" "$shm/tmp"
declare -A times rss_of tmp_of
curl_times=()
curl_zip_times=()
n=0
for ((round = 1; round <= ROUNDS; round++)); do
  curl_times+=("$(post_curl "T$round" "$shm/session.tar" application/x-tar)")
  [[ " $FORMATS " == *" zip "* ]] &&
    curl_zip_times+=("$(post_curl "Z$round" "$shm/session.zip" application/zip)")
  for format in $FORMATS; do
    for workers in $WORKERS_LIST; do
      n=$((n + 1))
      t0=$(now)
      HOME=$shm/home TMPDIR=$shm/tmp XNAT_URL=$url XNAT_USER=admin XNAT_PASS=admin \
        /usr/bin/time -f '%M' -o "$shm/rss" "$XNATCTL" session upload "$shm/src" -P BENCH -S S \
        -E "R$n" --workers "$workers" --archive-format "$format" -q >/dev/null
      t1=$(now)
      key="$format $workers"
      times[$key]="${times[$key]:-} $(echo "$t1 - $t0" | bc -l)"
      rss=$(($(cat "$shm/rss") >> 10))
      ((rss > ${rss_of[$key]:-0})) && rss_of[$key]=$rss
      tmp=$(du -sb "$shm/tmp" | cut -f1)
      tmp=$((tmp - 4096 < 0 ? 0 : tmp - 4096))
      ((tmp > ${tmp_of[$key]:-0})) && tmp_of[$key]=$tmp
      tmp_of[$key]=${tmp_of[$key]:-0}
    done
  done
done
curl_best=$(best "${curl_times[@]}")
curl_mbps=$(mbps "$tar_bytes" 0 "$curl_best")
echo "best of $ROUNDS rounds; load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "curl -T one tar: $curl_mbps MB/s"
if ((${#curl_zip_times[@]})); then
  zip_mbps=$(mbps "$bytes" 0 "$(best "${curl_zip_times[@]}")")
  echo "curl -T one prebuilt zip (deflate 1, $(($(stat -c %s "$shm/session.zip") >> 20)) MiB): $zip_mbps MB/s of DICOM ($(python3 -c "print(f'{$zip_mbps/$curl_mbps:.2f}')")x curl tar)"
fi
for format in $FORMATS; do
  for workers in $WORKERS_LIST; do
    key="$format $workers"
    # shellcheck disable=SC2086
    v=$(mbps "$bytes" 0 "$(best ${times[$key]})")
    echo "xnatctl $format workers $workers: $v MB/s ($(python3 -c "print(f'{$v/$curl_mbps:.2f}')")x curl), peak RSS ${rss_of[$key]} MiB, TMPDIR ${tmp_of[$key]} bytes"
  done
done
