#!/usr/bin/env bash
# Discovery + header probe against `find -type f` over the same tree, in the same run:
# 100,000 small synthetic DICOM files (xnat-gen-session, 8x8 pixels) on disk, page cache warm
# for both (each is run once untimed first). Prints best-of-ROUNDS wall times and the ratio.
# Usage: bench/discovery_bench.sh [BUILD_DIR]   (env: STUDIES, SERIES, SLICES, ROUNDS, DIR,
# DRIVER: another build's xnatctl_discovery_driver, e.g. to compare before and after)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${XNATCTL_BUILD_DIR:-$root/build}}
GEN=$build/bin/xnat-gen-session
DRIVER=${DRIVER:-$build/bin/xnatctl_discovery_driver}
STUDIES=${STUDIES:-10}
SERIES=${SERIES:-10}
SLICES=${SLICES:-1000}
ROUNDS=${ROUNDS:-5}
for tool in "$GEN" "$DRIVER"; do [[ -x "$tool" ]] || { echo "missing $tool (build it first)" >&2; exit 1; }; done

work=$(mktemp -d "${DIR:-${TMPDIR:-/tmp}}/xnatctl-discovery-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$GEN" --out "$work/tree" --studies "$STUDIES" --series "$SERIES" --slices "$SLICES" \
  --rows 8 --cols 8 -q
# Let the kernel write the new tree back first: 100,000 freshly written files are flushed
# about 30 s later, in the middle of the rounds, and the flusher competes for the CPU and the
# inodes the probe stats (rounds of the same run varied by 40 % without this).
sync
expected=$((STUDIES * SERIES * SLICES))

now() { date +%s.%N; }
best_find=""
best_discover=""
find "$work/tree" -type f >/dev/null
"$DRIVER" "$work/tree" >/dev/null
for ((r = 0; r < ROUNDS; r++)); do
  t0=$(now)
  n=$(find "$work/tree" -type f | wc -l)
  t1=$(now)
  out=$("$DRIVER" "$work/tree")
  t2=$(now)
  [[ $n -eq $expected && $out == "files $expected skipped 0 "* ]] || {
    echo "unexpected counts: find $n, discovery '$out'" >&2
    exit 1
  }
  f=$(echo "$t1 - $t0" | bc -l)
  d=$(echo "$t2 - $t1" | bc -l)
  [[ -z $best_find ]] || (($(echo "$f < $best_find" | bc -l))) && best_find=$f
  [[ -z $best_discover ]] || (($(echo "$d < $best_discover" | bc -l))) && best_discover=$d
  printf 'round %d: find %.3f s, discovery+probe %.3f s (%s)\n' "$((r + 1))" "$f" "$d" "$out"
done
printf 'files: %d; best find -type f: %.3f s; best discovery+probe: %.3f s; ratio %.1fx; load %s\n' \
  "$expected" "$best_find" "$best_discover" "$(echo "$best_discover / $best_find" | bc -l)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
