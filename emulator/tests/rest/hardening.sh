#!/usr/bin/env bash
# The emulator under hostile input (docs/security.md): it never writes outside --data, idle or
# slow clients cannot starve the others, broken bodies are not stored, zip bombs are cut
# short, and bad command lines, methods, headers and URLs get usage errors or 4xx, not 500s.
source "$(dirname "$0")/lib.sh"

# --- 20: command-line values out of range are usage errors (exit 2) -------------------------
for bad in "--port -1" "--port 99999" "--session-timeout -5" "--dicom-port 70000" \
           "--project ../x" "--header-timeout 0" "--max-extract-ratio -1"; do
  # shellcheck disable=SC2086
  "$EMULATOR" --data "$WORK/never" --port-file "$WORK/never.ports" --max-runtime 5 $bad \
    >/dev/null 2>"$WORK/cli.err" && rc=0 || rc=$?
  expect_eq "$rc" 2 "'$bad' is a usage error"
  [[ ! -e "$WORK/never.ports" ]] && ok "'$bad' serves nothing" || fail "'$bad' started serving"
done

start_emulator main --project P1 --dicom-port 0 --max-extract-ratio 50
ESCAPE="$WORK/main"  # --data is $WORK/main/data: anything written next to it escaped

# --- 16: project IDs and labels cannot lead out of the data root -----------------------------
areq PUT "/data/projects/..%2F..%2Fescaped"
expect_status 400 "a project ID with '../' is refused"
areq PUT "/data/projects/..%2F..%2Fescaped/resources/R/files/x.txt?inbody=true" --data-binary x
[[ "$STATUS" == 4* ]] && ok "no resource under a traversing project ($STATUS)" || fail "traversing project resource: $STATUS"
make_series "$WORK/s" 1 1.2.826.0.1.3680043.2.1143.77 1
(cd "$WORK/s" && mkzip ../s.zip *.dcm)
areq POST "/data/services/import?PROJECT_ID=P1&SUBJECT_ID=..%2F..%2F..%2Fescaped2&EXPT_LABEL=E1&dest=/archive/projects/P1" \
  -H "Content-Type: application/zip" --data-binary @"$WORK/s.zip"
expect_status 400 "an import with a traversing SUBJECT_ID is refused"
areq PUT "/data/projects/P1/subjects/..%2F..%2F..%2Fescaped3"
expect_status 400 "a subject label with '../' is refused"
areq POST "/data/services/import?dest=/prearchive/projects/P1/..%2F..%2F..%2Fescaped4/F" \
  -H "Content-Type: application/zip" --data-binary @"$WORK/s.zip"
expect_status 400 "a prearchive timestamp with '../' is refused"
found=$(find "$ESCAPE" -path "$DATA" -prune -o -name 'escaped*' -print | head -1)
expect_eq "$found" "" "nothing was written outside --data"
areq PUT "/data/projects/GOOD_1-x"
expect_status 200 "a project ID in label characters is still accepted"

# --- 20: unknown methods, malformed headers and escapes --------------------------------------
areq FOO "/data/projects"
expect_status 501 "an unknown method is 501, not served as GET"
req GET "/data/projects" -H "Authorization: Basic !!!not-base64!!!"
expect_status 401 "a malformed Basic header is 401"
areq GET "/data/projects/%ZZ"
expect_status 400 "a malformed %-escape is 400"

# --- 20: a zip with a symlink entry: 400, no server path, nothing created --------------------
python3 - "$WORK/link.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    info = zipfile.ZipInfo("evil")
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    z.writestr(info, "/etc/passwd")
    z.writestr("after.txt", "x")
PY
areq PUT "/data/projects/P1/resources/LINKS/files/link.zip?extract=true" --data-binary @"$WORK/link.zip"
expect_status 400 "a zip with a symlink entry is refused"
[[ "$BODY" != *"$DATA"* && "$BODY" != *"$WORK"* ]] && ok "the answer names no server path" || fail "server path in: $BODY"
areq GET "/data/projects/P1/resources"
[[ "$BODY" != *LINKS* ]] && ok "the refused upload left no resource behind" || fail "resource left: $BODY"
python3 - "$WORK/clash.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("a", "a file")
    z.writestr("a/b", "and a file below it")
PY
areq PUT "/data/projects/P1/resources/CLASH/files/clash.zip?extract=true" --data-binary @"$WORK/clash.zip"
expect_status 400 "a file and a folder of the same name are refused, not a 500"
[[ "$BODY" != *"$DATA"* ]] && ok "without a server path" || fail "server path in: $BODY"

# --- 18: short bodies and broken chunked encoding are not stored ----------------------------
python3 - "$HTTP_PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"PUT /data/projects/P1/resources/SHORT/files/short.bin?inbody=true HTTP/1.1\r\n"
          b"Host: x\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\nContent-Length: 1000\r\n\r\nhello")
s.shutdown(socket.SHUT_WR)
s.recv(4096)
s.close()
PY
areq GET "/data/projects/P1/resources/SHORT/files/short.bin"
expect_status 404 "a body shorter than its Content-Length is not stored"
status=$(python3 - "$HTTP_PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /data/services/import?PROJECT_ID=P1 HTTP/1.1\r\nHost: x\r\n"
          b"Authorization: Basic YWRtaW46YWRtaW4=\r\nContent-Type: application/zip\r\n"
          b"Transfer-Encoding: chunked\r\n\r\nZZZ\r\n")
s.settimeout(20)
print(s.recv(4096).split(b" ")[1].decode())
PY
)
expect_eq "$status" 400 "an invalid chunked body is 400"
status=$(curl -s -o /dev/null -w '%{http_code}' -u admin:admin -H "Content-Type: application/zip" \
  --data-binary 'no zip entries here' "$URL/data/services/import?PROJECT_ID=P1")
expect_eq "$status" 200 "a zip body without entries is still 200, as on XNAT (§11.6)"
grep -q "holds no entries" "$WORK/main/stderr" && ok "and the emulator logs a warning" || fail "no warning logged"

# --- 19: zip bombs ---------------------------------------------------------------------------
python3 - "$WORK/zeros.zip" 1024 <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("zeros.dcm", "w", force_zip64=True) as f:
        block = bytes(1 << 20)
        for _ in range(int(sys.argv[2])):
            f.write(block)
PY
status=$(curl -s -o "$WORK/bomb.out" -w '%{http_code}' --max-time 90 -u admin:admin \
  -H "Content-Type: application/zip" --data-binary @"$WORK/zeros.zip" \
  "$URL/data/services/import?PROJECT_ID=P1&SUBJECT_ID=S&EXPT_LABEL=BOMB" || true)
expect_eq "$status" 400 "1 GiB of zeros in a DICOM-zip is refused without parsing it all"
spooled=$(du -sm "$DATA/tmp" | cut -f1)
[[ "$spooled" -lt 10 ]] && ok "and was not spooled to disk (${spooled} MiB in tmp)" || fail "spooled ${spooled} MiB"
status=$(curl -s -o "$WORK/bomb2.out" -w '%{http_code}' --max-time 90 -u admin:admin \
  --data-binary @"$WORK/zeros.zip" \
  "$URL/data/projects/P1/resources/BOMB/files/zeros.zip?extract=true" || true)
expect_eq "$status" 400 "resource extraction stops at --max-extract-ratio"
grep -q "max-extract-ratio" "$WORK/bomb2.out" && ok "naming the limit" || fail "limit not named: $(cat "$WORK/bomb2.out")"
[[ -z "$(find "$DATA" -name 'zeros.dcm' -print -quit)" ]] && ok "nothing of the bomb was kept" || fail "bomb extracted"

# --- 17: idle and slow-header connections do not starve other clients -----------------------
python3 - "$HTTP_PORT" "$WORK/hog.pid" <<'PY' &
import os, socket, sys, time
port = int(sys.argv[1])
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
for s in slow:
    s.sendall(b"GET /data/projects HTTP/1.1\r\n")
open(sys.argv[2], "w").write(str(os.getpid()))
end = time.time() + 60
while time.time() < end:
    for s in slow:
        try:
            s.sendall(b"X")
        except OSError:
            pass
    time.sleep(1)
PY
HOG=$!
for _ in $(seq 1 100); do [[ -s "$WORK/hog.pid" ]] && break; sleep 0.1; done
sleep 1
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -u admin:admin "$URL/data/projects" || true)
expect_eq "$status" 200 "a client is served while 80 idle/slow connections are open"
python3 - "$DICOM_PORT" <<'PY' &
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(8)]
for s in socks:
    s.sendall(b"\x01\x00\x00")
time.sleep(40)
PY
DHOG=$!
sleep 1
timeout 20 echoscu -aec XNAT 127.0.0.1 "$DICOM_PORT" && rc=0 || rc=$?
expect_eq "$rc" 0 "C-ECHO succeeds while 8 connections sit on 3 bytes each"
kill "$HOG" "$DHOG" 2>/dev/null || true
wait "$HOG" "$DHOG" 2>/dev/null || true

stop_emulator
finish
