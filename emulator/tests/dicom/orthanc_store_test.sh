#!/bin/bash
# Orthanc (third-party PACS) as C-STORE SCU into our receiver: upload files to Orthanc over REST,
# register the receiver as a modality, ask Orthanc to C-ECHO and C-STORE to it, check arrivals.
# Everything on loopback; every process is bounded in time and killed by PID on exit.
# usage: orthanc_store_test.sh RECEIVER_HARNESS XNAT_GEN_SESSION
set -euo pipefail
HARNESS=${1:?receiver_harness}
GEN=${2:?xnat-gen-session}
PYDICOM=/usr/lib/python3/dist-packages/pydicom/data/test_files
command -v Orthanc >/dev/null || { echo "Orthanc not installed"; exit 1; }

T=$(mktemp -d)
ORTHANC_PID=
HARNESS_PID=
cleanup() {
  exec 3>&- 2>/dev/null || true  # EOF on the harness's stdin asks it to stop
  for pid in $ORTHANC_PID $HARNESS_PID; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $ORTHANC_PID $HARNESS_PID; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$T"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- orthanc.log (tail)" >&2; tail -20 "$T/orthanc.log" >&2 || true
  echo "--- harness.err" >&2; cat "$T/harness.err" >&2 || true
  exit 1
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for() {  # wait_for SECONDS COMMAND...
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.05
  done
}

echo "== receiver"
mkfifo "$T/harness.in"
timeout -k 2 60 "$HARNESS" --spool "$T/spool" --keep "$T/keep" --log "$T/received.log" \
  --max-seconds 55 <"$T/harness.in" >"$T/harness.out" 2>"$T/harness.err" &
HARNESS_PID=$!
exec 3>"$T/harness.in"
wait_for 10 grep -q '^PORT ' "$T/harness.out" || fail "receiver did not report its port"
SCP_PORT=$(awk '/^PORT /{print $2}' "$T/harness.out")
echo "receiver on 127.0.0.1:$SCP_PORT"

echo "== orthanc"
HTTP_PORT=$(free_port)
DICOM_PORT=$(free_port)
mkdir -p "$T/orthanc/db"
cat >"$T/orthanc/config.json" <<JSON
{
  "Name" : "xnatctl-test-orthanc",
  "StorageDirectory" : "$T/orthanc/db",
  "IndexDirectory" : "$T/orthanc/db",
  "HttpPort" : $HTTP_PORT,
  "DicomPort" : $DICOM_PORT,
  "DicomAet" : "ORTHANC",
  "RemoteAccessAllowed" : false,
  "AuthenticationEnabled" : true,
  "RegisteredUsers" : { "tester" : "s3cret" },
  "Plugins" : [ ],
  "DicomModalities" : { },
  "DicomModalitiesInDatabase" : false,
  "ConcurrentJobs" : 1
}
JSON
TCP_NODELAY=1 timeout -k 2 60 Orthanc "$T/orthanc/config.json" >"$T/orthanc.log" 2>&1 &
ORTHANC_PID=$!
API="http://127.0.0.1:$HTTP_PORT"
CURL=(curl -sS --max-time 20 -u tester:s3cret)
wait_for 20 curl -sf --max-time 2 -u tester:s3cret "$API/system" -o /dev/null ||
  fail "Orthanc did not come up"

echo "== upload to orthanc"
timeout 30 "$GEN" -q --out "$T/gen" --series 1 --slices 3 --rows 64 --cols 64 --project P1 --subject S1 --session E1
FILES=("$T"/gen/study1/series1/*.dcm "$PYDICOM/MR_small_jpeg_ls_lossless.dcm" "$PYDICOM/CT_small.dcm")
IDS=()
for f in "${FILES[@]}"; do
  id=$("${CURL[@]}" -X POST --data-binary "@$f" "$API/instances" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["ID"])') || fail "upload of $f"
  IDS+=("\"$id\"")
done
echo "uploaded ${#IDS[@]} instances"

echo "== orthanc -> receiver"
"${CURL[@]}" -X PUT "$API/modalities/emu" \
  -d "{\"AET\":\"XNAT\",\"Host\":\"127.0.0.1\",\"Port\":$SCP_PORT}" >/dev/null || fail "PUT modality"
"${CURL[@]}" -f -X POST "$API/modalities/emu/echo" -d '{}' >/dev/null || fail "C-ECHO from Orthanc"
resources=$(IFS=,; echo "${IDS[*]}")
"${CURL[@]}" -f -X POST "$API/modalities/emu/store" \
  -d "{\"Resources\":[${resources}],\"Synchronous\":true}" >"$T/store.json" || fail "C-STORE from Orthanc"
cat "$T/store.json"; echo

n=$(wc -l <"$T/received.log")
[ "$n" -eq "${#FILES[@]}" ] || fail "received $n objects, expected ${#FILES[@]}"
uid() { dcmdump -q +P 0008,0018 "$1" | sed 's/.*\[\(.*\)\].*/\1/'; }
tsuid() { dcmdump -q -M +P 0002,0010 "$1" | awk '{print $3}'; }
expected=$(for f in "${FILES[@]}"; do uid "$f"; done | sort)
got=$(awk '{print $2}' "$T/received.log" | while read -r f; do uid "$f"; done | sort)
[ "$expected" = "$got" ] || fail "SOP Instance UIDs differ: expected [$expected] got [$got]"
awk '$1 != "0x0000" || $3 != "ORTHANC" || $4 != "XNAT" || $5 != "127.0.0.1" {exit 1}' \
  "$T/received.log" || fail "unexpected status/AE/peer in $(cat "$T/received.log")"
# Orthanc proposes each instance in the syntax it stores; JPEG-LS must not have been transcoded.
jls=$(grep -F '1.2.840.10008.1.2.4.80' "$T/received.log" | awk '{print $2}')
[ -n "$jls" ] || fail "JPEG-LS object did not arrive as JPEG-LS"
[ "$(uid "$jls")" = "$(uid "$PYDICOM/MR_small_jpeg_ls_lossless.dcm")" ] || fail "JPEG-LS UID"
[ "$(tsuid "$jls")" = "=JPEGLSLossless" ] || fail "JPEG-LS meta header"
# The routing comment survives the trip.
for f in $(awk '{print $2}' "$T/received.log"); do
  dump=$(dcmdump -q "$f")
  if grep -qF '(0010,4000) LT [Project: P1 Subject: S1 Session: E1]' <<<"$dump"; then
    found=1
  fi
done
[ "${found:-0}" = 1 ] || fail "PatientComments lost"

echo "== wrong called AE"
"${CURL[@]}" -X PUT "$API/modalities/wrong" \
  -d "{\"AET\":\"NOT_XNAT\",\"Host\":\"127.0.0.1\",\"Port\":$SCP_PORT}" >/dev/null
code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -X POST "$API/modalities/wrong/echo" -d '{}')
[ "$code" != 200 ] || fail "C-ECHO to a wrong AE title succeeded"
[ "$(wc -l <"$T/received.log")" -eq "${#FILES[@]}" ] || fail "objects arrived via wrong AE"
echo "PASS"
