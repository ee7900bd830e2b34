#!/usr/bin/env bash
# Direct-Archive (xnat-server-api.md §3.11, §11.3, §11.8).
source "$(dirname "$0")/lib.sh"
start_emulator direct --project P1 --build-idle 1 --build-tick 0.2

make_series "$WORK/a" 2 1.2.826.0.1.3680043.2.1143.31 1
(cd "$WORK/a" && mkzip ../a.zip *.dcm)
imp() { areq POST "/data/services/import?$1" -H "Content-Type: application/zip" --data-binary @"$2"; }

imp "import-handler=DICOM-zip&Direct-Archive=true&PROJECT_ID=P1&SUBJECT_ID=S1&EXPT_LABEL=DA1&prevent_auto_commit=true" "$WORK/a.zip"
expect_status 200 "§3.11 direct-archive import"
DA=$(tr -d '\r\n' <<<"$BODY")
expect_eq "$DA" "/xapi/direct-archive/P1/1.2.826.0.1.3680043.2.1143.31/DA1" "§3.11 /xapi/direct-archive URI without /data"
areq GET /data/prearchive/projects/P1
expect_eq "$(json "len(j['ResultSet']['Result'])")" "0" "§11.8 not in the prearchive listing"
[[ -f "$DATA/archive/P1/arc001/DA1/SCANS/1/DICOM/1.dcm" ]] && ok "§3.11 written straight into the archive tree" || fail "direct-archive layout"
areq GET /xapi/direct-archive
expect_eq "$(json "len(j['ResultSet']['Result'])")" "1" "§3.11 listed under /xapi/direct-archive"
areq POST "$DA"
expect_status 200 "§3.11 POST to the direct-archive URI archives now"
areq GET /data/projects/P1/experiments/DA1
expect_status 200 "§3.11 archived experiment exists"
# §11.3 onto an existing label → falls back to the prearchive, still 200.
imp "Direct-Archive=true&PROJECT_ID=P1&SUBJECT_ID=S1&EXPT_LABEL=DA1" "$WORK/a.zip"
expect_status 200 "§11.3 fallback still answers 200"
expect_body_contains "/data/prearchive/projects/P1/" "§11.3 response URI says prearchive"
# Idle direct-archive sessions are archived by the builder.
make_series "$WORK/b" 1 1.2.826.0.1.3680043.2.1143.32 1
(cd "$WORK/b" && mkzip ../b.zip *.dcm)
imp "Direct-Archive=true&PROJECT_ID=P1&SUBJECT_ID=S2&EXPT_LABEL=DA2" "$WORK/b.zip"
for _ in $(seq 1 50); do
  areq GET /data/projects/P1/experiments/DA2
  [[ "$STATUS" == 200 ]] && break
  sleep 0.2
done
expect_status 200 "§3.11 idle direct-archive session archived automatically"
# Ignored for Unassigned data.
imp "Direct-Archive=true&EXPT_LABEL=DA3" "$WORK/b.zip"
expect_body_contains "/data/prearchive/projects/Unassigned/" "§3.11 Direct-Archive ignored for Unassigned"
finish
