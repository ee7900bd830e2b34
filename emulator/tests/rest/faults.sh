#!/usr/bin/env bash
# Fault injection (issue 4 §3): seeded random 5xx, connection reset after N body bytes,
# added latency, transient 400 on the first N imports (see import_gradual.sh), and session
# expiry (see auth.sh). No timings are asserted.
source "$(dirname "$0")/lib.sh"

# Seeded 5xx: the same seed gives the same sequence; rate 1 fails everything.
statuses() {
  start_emulator "5xx$1" --fault-5xx-rate 0.5 --fault-seed "$1"
  local out=""
  for _ in $(seq 1 20); do
    out+="$(curl -s -o /dev/null -w '%{http_code}' -u admin:admin "$URL/data/auth") "
  done
  stop_emulator
  echo "$out"
}
A=$(statuses 7)
B=$(statuses 7)
expect_eq "$A" "$B" "same --fault-seed → same fault sequence"
[[ "$A" == *200* && "$A" =~ 50[023] ]] && ok "rate 0.5 mixes 200 and 5xx ($A)" || fail "5xx mix: $A"

# Connection reset after N request-body bytes (first body only by default).
start_emulator reset --project P1 --fault-reset-after-bytes 1000
make_series "$WORK/a" 3 1.2.826.0.1.3680043.2.1143.51 1
(cd "$WORK/a" && mkzip ../a.zip *.dcm)
RC=0
curl -s -o /dev/null -u admin:admin -H "Content-Type: application/zip" --data-binary @"$WORK/a.zip" \
  "$URL/data/services/import?PROJECT_ID=P1&EXPT_LABEL=R1" || RC=$?
[[ $RC -ne 0 ]] && ok "first upload sees the connection reset (curl exit $RC)" || fail "no reset"
areq POST "/data/services/import?PROJECT_ID=P1&EXPT_LABEL=R1" -H "Content-Type: application/zip" --data-binary @"$WORK/a.zip"
expect_status 200 "retry after the reset succeeds"
areq GET /data/auth
expect_status 200 "server still healthy after the reset"
stop_emulator

# An early error answer (here the transient 400) keeps a keep-alive connection usable: curl
# sends two requests on one connection and both get their status.
start_emulator keepalive --project P1 --fault-import-400 1
CODES=$(curl -s -u admin:admin -w '%{http_code} %{num_connects}\n' -o /dev/null -o /dev/null \
  -H "Content-Type: application/zip" --data-binary @"$WORK/a.zip" \
  "$URL/data/services/import?PROJECT_ID=P1&EXPT_LABEL=K1" "$URL/data/services/import?PROJECT_ID=P1&EXPT_LABEL=K1" | tr '\n' ' ')
expect_eq "$CODES" "400 1 200 0 " "body of a refused upload is swallowed; the connection is reused"
stop_emulator

# Latency: requests still succeed (no timing asserted).
start_emulator slow --fault-latency-ms 50
areq GET /data/auth
expect_status 200 "--fault-latency-ms requests complete"
finish
