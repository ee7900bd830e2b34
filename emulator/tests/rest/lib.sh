# Shared helpers for the emulator's REST tests (sourced). Each test script starts its own
# xnat-emulator with --port 0 --port-file --max-runtime, drives it with curl (a client nobody on
# the team wrote) and kills it by PID on exit.
set -euo pipefail

EMULATOR=${1:?usage: $0 /path/to/xnat-emulator}
TESTDATA=/usr/lib/python3/dist-packages/pydicom/data/test_files  # Debian python3-pydicom
WORK=$(mktemp -d "${TMPDIR:-/tmp}/xnat-emu-rest.XXXXXX")
EMU_PIDS=()
FAILS=0
PASSES=0

cleanup() {
  for pid in "${EMU_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${EMU_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# start_emulator NAME [extra args…] — sets URL and EMU_PID; data in $WORK/NAME.
start_emulator() {
  local name=$1
  shift
  local dir="$WORK/$name"
  mkdir -p "$dir"
  "$EMULATOR" --data "$dir/data" --port 0 --port-file "$dir/ports" --max-runtime 120 "$@" \
    >"$dir/stdout" 2>"$dir/stderr" &
  EMU_PID=$!
  EMU_PIDS+=("$EMU_PID")
  for _ in $(seq 1 200); do
    if [[ -f "$dir/ports" ]]; then break; fi
    if ! kill -0 "$EMU_PID" 2>/dev/null; then
      cat "$dir/stderr" >&2
      echo "emulator exited during startup" >&2
      exit 1
    fi
    sleep 0.05
  done
  HTTP_PORT=$(sed -n 's/^http=//p' "$dir/ports")
  DICOM_PORT=$(sed -n 's/^dicom=//p' "$dir/ports")
  URL="http://127.0.0.1:$HTTP_PORT"
  DATA="$dir/data"
}

stop_emulator() {
  kill "$EMU_PID" 2>/dev/null || true
  wait "$EMU_PID" 2>/dev/null || true
}

# req METHOD PATH [curl args…] — sets STATUS, BODY (and HEADERS) for the request.
req() {
  local method=$1 path=$2
  shift 2
  local out="$WORK/body" hdr="$WORK/headers"
  STATUS=$(curl -s -o "$out" -D "$hdr" -w '%{http_code}' -X "$method" "$URL$path" "$@" || true)
  BODY=$(tr -d '\0' <"$out")
  HEADERS=$(cat "$hdr")
}
# areq: req with admin credentials
areq() { req "$@" -u admin:admin; }

ok() {
  PASSES=$((PASSES + 1))
  echo "ok - $*"
}
fail() {
  FAILS=$((FAILS + 1))
  echo "FAIL - $*"
}
expect_status() {  # expect_status WANT "what (reference §)"
  if [[ "$STATUS" == "$1" ]]; then ok "$2"; else fail "$2: status $STATUS, want $1; body: ${BODY:0:300}"; fi
}
expect_body_contains() {
  if [[ "$BODY" == *"$1"* ]]; then ok "$2"; else fail "$2: body lacks '$1': ${BODY:0:400}"; fi
}
expect_eq() {  # expect_eq GOT WANT what
  if [[ "$1" == "$2" ]]; then ok "$3"; else fail "$3: got '$1', want '$2'"; fi
}
# json EXPR — evaluates a Python expression on the parsed $BODY (variable j).
json() { python3 -c "import json,sys; j=json.loads(sys.stdin.read()); print($1)" <<<"$BODY"; }

finish() {
  echo "$PASSES passed, $FAILS failed"
  [[ $FAILS -eq 0 ]]
}

# dicom_with SRC DST "(gggg,eeee)=value"… — a copy of SRC with attributes set (DCMTK dcmodify).
dicom_with() {
  local src=$1 dst=$2
  shift 2
  cp "$src" "$dst"
  local args=()
  for a in "$@"; do args+=(-i "$a"); done
  dcmodify -nb -q "${args[@]}" "$dst"
}

# series DIR N STUDY SERIES_NO — N copies of MR_small as one series of one study.
make_series() {
  local dir=$1 n=$2 study=$3 series_no=$4 series_uid=${5:-$3.$4}
  mkdir -p "$dir"
  for i in $(seq 1 "$n"); do
    dicom_with "$TESTDATA/MR_small.dcm" "$dir/$i.dcm" "(0020,000d)=$study" "(0020,000e)=$series_uid" \
      "(0020,0011)=$series_no" "(0020,0013)=$i" "(0008,0018)=$study.$series_no.$i" \
      "(0010,0010)=SUBJ" "(0010,0020)=SESS"
  done
}

# mkzip OUT.zip PATH… — a zip of files/folders (recursively) with Python's zipfile; the `zip`
# tool is not among the project's dependencies.
mkzip() {
  python3 - "$@" <<'PY'
import os, sys, zipfile
out, paths = sys.argv[1], sys.argv[2:]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for p in paths:
        if os.path.isdir(p):
            for root, _, files in os.walk(p):
                for f in sorted(files):
                    z.write(os.path.join(root, f))
        else:
            z.write(p)
PY
}
