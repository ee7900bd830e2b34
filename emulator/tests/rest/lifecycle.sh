#!/usr/bin/env bash
# Process life cycle (issue 4 §2, §4): port file, SIGTERM, --max-runtime, refusing a used data
# dir, --sink, --bind.
source "$(dirname "$0")/lib.sh"

start_emulator life --project P1
[[ "$(cat "$WORK/life/ports")" =~ ^http=[0-9]+$ ]] && ok "port file is exactly http=PORT" || fail "port file: $(cat "$WORK/life/ports")"
areq POST "/data/services/import/x.dcm?PROJECT_ID=P1" -H "Content-Type: application/dicom" --data-binary @"$TESTDATA/MR_small.dcm"
kill -TERM "$EMU_PID"
RC=0
wait "$EMU_PID" || RC=$?
expect_eq "$RC" "0" "SIGTERM stops it cleanly (exit 0)"
[[ ! -f "$WORK/life/ports" ]] && ok "port file removed on exit" || fail "port file left behind"

# SIGINT stops it cleanly too.
start_emulator int
kill -INT "$EMU_PID"
RC=0
wait "$EMU_PID" || RC=$?
expect_eq "$RC" "0" "SIGINT stops it cleanly (exit 0)"

# State is not reloaded: a used data dir is refused unless --reset-data.
RC=0
"$EMULATOR" --data "$WORK/life/data" --port 0 --max-runtime 5 2>"$WORK/err" || RC=$?
[[ $RC -ne 0 ]] && grep -q "does not reload state" "$WORK/err" && ok "used --data dir is refused" || fail "used data dir accepted ($RC)"
"$EMULATOR" --data "$WORK/life/data" --port 0 --max-runtime 0.5 --reset-data 2>/dev/null
[[ -z "$(find "$WORK/life/data/prearchive" -type f)" ]] && ok "--reset-data wipes the old run" || fail "reset-data"

# --max-runtime: exits by itself.
"$EMULATOR" --data "$WORK/mr" --port 0 --max-runtime 0.5 2>/dev/null &
PID=$!
EMU_PIDS+=("$PID")
RC=0
for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID" 2>/dev/null && fail "--max-runtime did not stop it" || ok "--max-runtime stops the emulator"

# --sink: parses and answers, stores nothing.
start_emulator sink --project P1 --sink
areq POST "/data/services/import/x.dcm?PROJECT_ID=P1&EXPT_LABEL=SINK" -H "Content-Type: application/dicom" --data-binary @"$TESTDATA/MR_small.dcm"
expect_status 200 "--sink accepts uploads"
expect_body_contains "/SINK" "--sink still answers session URIs"
expect_eq "$(find "$DATA" -type f | wc -l)" "0" "--sink stores no files"
echo junk >"$WORK/junk.dcm"
areq POST "/data/services/import/j.dcm?PROJECT_ID=P1" -H "Content-Type: application/dicom" --data-binary @"$WORK/junk.dcm"
expect_status 400 "--sink still parses (unparsable → 400)"
stop_emulator

# --bind: loopback alias other than 127.0.0.1.
start_emulator bind --bind 127.0.0.2
BODY=$(curl -s -u admin:admin "http://127.0.0.2:$HTTP_PORT/data/auth")
expect_eq "$BODY" "User 'admin' is logged in" "--bind 127.0.0.2"
finish
