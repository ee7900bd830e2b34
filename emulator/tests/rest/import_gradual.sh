#!/usr/bin/env bash
# gradual-DICOM import (xnat-server-api.md §3.1, §3.4, §3.6, §3.8, §3.9, §11.4, §11.5).
source "$(dirname "$0")/lib.sh"
start_emulator gradual --project P1 --fault-import-400 1

post_dcm() {  # post_dcm FILE PATHSUFFIX QUERY
  areq POST "/data/services/import$2?$3" -H "Content-Type: application/dicom" --data-binary "@$1"
}
# §11.5 / fault: the first import is answered with the transient 400.
post_dcm "$TESTDATA/MR_small.dcm" /a.dcm "PROJECT_ID=P1"
expect_status 400 "fault --fault-import-400: first import gets the transient 400"
expect_body_contains "Concurrent file sends of the same data is not supported." "§11.5 transient 400 message"

# §3.4/§3.6: one object → 200 text/uri-list, CRLF, /data prefix, timestamp folder.
post_dcm "$TESTDATA/MR_small.dcm" /IM0001.dcm "PROJECT_ID=P1&SUBJECT_ID=S1&EXPT_LABEL=E1"
expect_status 200 "§3.4 gradual-DICOM object accepted"
if grep -qi '^Content-Type: text/uri-list' <<<"$HEADERS"; then ok "§3.6 text/uri-list"; else fail "§3.6 content type: $HEADERS"; fi
if [[ "$(od -c "$WORK/body" | tail -2 | head -1)" == *'\r  \n'* ]]; then ok "§3.6 URI ends with CRLF"; else fail "§3.6 no CRLF: $(od -c "$WORK/body" | tail -3)"; fi
URI=$(tr -d '\r\n' <"$WORK/body")
if [[ "$URI" =~ ^/data/prearchive/projects/P1/[0-9]{8}_[0-9]{9}/E1$ ]]; then ok "§3.4.5 URI with yyyyMMdd_HHmmssSSS timestamp"; else fail "§3.4 URI '$URI'"; fi
TS=$(cut -d/ -f6 <<<"$URI")
# §3.4.9 + §11.5: stored under SCANS/<SeriesNumber>/DICOM/<name from URL remainder>.
if [[ -f "$DATA/prearchive/P1/$TS/E1/SCANS/1/DICOM/IM0001.dcm" ]]; then ok "§3.4.7-9 stored as SCANS/1/DICOM/IM0001.dcm"; else fail "§3.4.9 layout: $(find "$DATA/prearchive" -type f)"; fi
cmp -s "$TESTDATA/MR_small.dcm" "$DATA/prearchive/P1/$TS/E1/SCANS/1/DICOM/IM0001.dcm" && ok "§3.4.9 bytes stored as received" || fail "stored bytes differ"

# §3.4.6: same study + label in a later request → same session URI.
dicom_with "$TESTDATA/MR_small.dcm" "$WORK/second.dcm" "(0008,0018)=1.2.3.999" "(0020,0011)=5"
post_dcm "$WORK/second.dcm" /IM0002.dcm "PROJECT_ID=P1&SUBJECT_ID=S1&EXPT_LABEL=E1"
expect_eq "$(tr -d '\r\n' <<<"$BODY")" "$URI" "§3.4.6 same (project, StudyInstanceUID, label) → same session"
[[ -f "$DATA/prearchive/P1/$TS/E1/SCANS/5/DICOM/IM0002.dcm" ]] && ok "§3.4.7 second series → scan 5" || fail "scan 5 missing"

# §11.5: without a name every raw object is upload.dcm.
post_dcm "$WORK/second.dcm" "" "PROJECT_ID=P1&EXPT_LABEL=E2"
[[ -n "$(find "$DATA/prearchive/P1" -path '*E2/SCANS/5/DICOM/upload.dcm')" ]] && ok "§11.5 unnamed raw object is upload.dcm" || fail "upload.dcm missing"
# §3.4.8: a name already used by a different SOP instance → template name instead.
post_dcm "$TESTDATA/MR_small.dcm" "" "PROJECT_ID=P1&EXPT_LABEL=E2"
dicom_with "$TESTDATA/MR_small.dcm" "$WORK/third.dcm" "(0008,0018)=1.2.3.1000" "(0020,0011)=5"
post_dcm "$WORK/third.dcm" "" "PROJECT_ID=P1&EXPT_LABEL=E2"
N=$(find "$DATA/prearchive/P1" -path '*E2/SCANS/5/DICOM/*' -type f | wc -l)
expect_eq "$N" "2" "§3.4.8 name clash with another SOP instance falls back to the template name"

# §3.9: rename=true → template name, hash checked against XNAT's own fixture.
dicom_with "$TESTDATA/MR_small.dcm" "$WORK/named.dcm" \
  "(0020,000d)=1.3.12.2.1107.5.2.32.35177.30000006121218324675000000034" "(0020,0011)=4" \
  "(0020,0013)=1" "(0008,0016)=1.2.840.10008.5.1.4.1.1.4" \
  "(0008,0018)=1.3.12.2.1107.5.2.32.35177.3.2006121409365951632817982"
post_dcm "$WORK/named.dcm" /orig.dcm "PROJECT_ID=P1&EXPT_LABEL=E3&rename=true"
[[ -n "$(find "$DATA/prearchive/P1" -name '1.3.12.2.1107.5.2.32.35177.30000006121218324675000000034-4-1-1qs88hj.dcm')" ]] \
  && ok "§3.9 template name with Java List.hashCode base 36 (…-4-1-1qs88hj.dcm)" || fail "§3.9 template name: $(find "$DATA/prearchive/P1" -path '*E3*' -type f)"

# §3.4.1 / §3.8: unparsable object → 400 "unable to read DICOM object <name>".
echo "not dicom at all" >"$WORK/junk.dcm"
post_dcm "$WORK/junk.dcm" /junk.dcm "PROJECT_ID=P1"
expect_status 400 "§3.8 unparsable object is 400"
expect_body_contains "unable to read DICOM object junk.dcm" "§3.8 message names the object"
# §3.4.1: missing SOP Class UID.
cp "$TESTDATA/MR_small.dcm" "$WORK/nosop.dcm" && dcmodify -nb -q -e "(0008,0016)" "$WORK/nosop.dcm"
post_dcm "$WORK/nosop.dcm" /nosop.dcm "PROJECT_ID=P1"
expect_status 400 "§3.4.1 object without SOP Class UID is 400"
expect_body_contains "contains no SOP Class UID" "§3.4.1 SOP Class message"

# §3.4.2: unknown PROJECT_ID is not an error → Unassigned.
post_dcm "$TESTDATA/CT_small.dcm" /ct.dcm "PROJECT_ID=NOPE"
expect_status 200 "§3.4.2 unknown PROJECT_ID accepted"
expect_body_contains "/data/prearchive/projects/Unassigned/" "§3.4.12 falls through to Unassigned"
# §3.4.4: no label anywhere → PatientID (header) as label.
expect_body_contains "/1CT1" "§7.3 session label from PatientID"
# §3.4.6 under concurrency: 40 objects of one study sent over 16 parallel connections land in
# one session with 40 files (curl --parallel, keep-alive).
make_series "$WORK/par" 40 1.2.826.0.1.3680043.2.1143.61 3
ARGS=()
for i in $(seq 1 40); do
  ARGS+=(-o /dev/null -w '%{http_code}\n' -H "Content-Type: application/dicom" --data-binary "@$WORK/par/$i.dcm"
    "$URL/data/services/import/IM$i.dcm?PROJECT_ID=P1&SUBJECT_ID=SP&EXPT_LABEL=PAR")
  [[ $i -lt 40 ]] && ARGS+=(--next -u admin:admin)
done
CODES=$(curl -s --parallel --parallel-max 16 -u admin:admin "${ARGS[@]}" | sort | uniq -c | tr -s ' ')
expect_eq "$CODES" " 40 200" "16 parallel gradual uploads all answered 200"
areq GET /data/prearchive/projects/P1
expect_eq "$(json "len([r for r in j['ResultSet']['Result'] if r['name']=='PAR'])")" "1" "§3.4.6 one prearchive row for the study"
expect_eq "$(find "$DATA/prearchive/P1" -path '*PAR/SCANS/3/DICOM/*' -type f | wc -l)" "40" "§3.4.6 all 40 objects stored"

# §11.5 the real race: the same object name sent into the same scan while the first send is
# still being written → 400. The first send is slowed down (curl --limit-rate) so the second
# surely overlaps it; the DICOM header is followed by padding to make the object large.
cp "$TESTDATA/MR_small.dcm" "$WORK/big.dcm" && head -c 1500000 /dev/zero >>"$WORK/big.dcm"
curl -s -o /dev/null -w '%{http_code}' --limit-rate 300k -u admin:admin -H "Content-Type: application/dicom" \
  --data-binary @"$WORK/big.dcm" "$URL/data/services/import/SAME.dcm?PROJECT_ID=P1&EXPT_LABEL=RACE" >"$WORK/slow.code" &
SLOW=$!
sleep 1.5
post_dcm "$WORK/big.dcm" /SAME.dcm "PROJECT_ID=P1&EXPT_LABEL=RACE"
expect_status 400 "§11.5 concurrent send of the same name into one scan → 400"
expect_body_contains "Concurrent file sends of the same data is not supported." "§11.5 message"
wait "$SLOW" || true
expect_eq "$(cat "$WORK/slow.code")" "200" "§11.5 the first send completes"

# §3.4, §11.2: a gradual-DICOM request never builds or archives (commit is DICOM-zip's, §3.1),
# so neither dest=/archive nor overwrite archives anything: the row waits, RECEIVING.
post_dcm "$TESTDATA/MR_small.dcm" /GD1.dcm "PROJECT_ID=P1&SUBJECT_ID=S1&EXPT_LABEL=GD&dest=/archive/projects/P1&overwrite=delete"
expect_status 200 "§3.4 gradual object with dest=/archive and overwrite accepted"
expect_body_contains "/data/prearchive/projects/P1/" "§3.4.12 gradual answers the prearchive URI"
areq GET /data/prearchive/projects/P1
expect_eq "$(json "[r['status'] for r in j['ResultSet']['Result'] if r['name']=='GD'][0]")" "RECEIVING" \
  "§11.2 gradual-DICOM with dest: not built during the request"
areq GET "/data/projects/P1/experiments/GD?format=json"
expect_status 404 "§11.2 gradual-DICOM with dest=/archive: nothing archived by the request"

# §3.2: GET on the import service → 405.
areq GET /data/services/import
expect_status 405 "§3 import service is POST only"
# §3.1: unknown handler → 404.
post_dcm "$TESTDATA/MR_small.dcm" "" "import-handler=Bogus"
expect_status 404 "§3.1 unknown import-handler"
expect_body_contains "Unknown importer implementation specified: Bogus" "§3.8 unknown handler message"
finish
