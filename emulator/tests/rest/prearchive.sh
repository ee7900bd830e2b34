#!/usr/bin/env bash
# Prearchive (xnat-server-api.md §3.5, §3.10, §4.2, §4.3, §4.4, §4.5, §11.10).
source "$(dirname "$0")/lib.sh"
start_emulator prearc --project P1 --project P2 --project AUTO:4 --build-idle 1 --build-tick 0.2

STUDY=1.2.826.0.1.3680043.2.1143.555
make_series "$WORK/a" 2 "$STUDY" 1
make_series "$WORK/b" 2 "$STUDY" 2
(cd "$WORK" && mkzip a.zip a && mkzip b.zip b)
imp() { areq POST "/data/services/import?$1" -H "Content-Type: application/zip" --data-binary @"$2"; }

# §4.2 listing: exact keys, all values strings, url without /data.
imp "PROJECT_ID=P1&SUBJECT_ID=S1&EXPT_LABEL=L1&prevent_auto_commit=true" "$WORK/a.zip"
URI=$(tr -d '\r\n' <<<"$BODY")
areq GET /data/prearchive/projects/P1
expect_status 200 "§4.2 GET /data/prearchive/projects/P1"
KEYS=$(json "','.join(sorted(j['ResultSet']['Result'][0].keys()))")
expect_eq "$KEYS" "PROTOCOL,SOURCE,TIMEZONE,VISIT,autoarchive,folderName,lastmod,name,prevent_anon,prevent_auto_commit,project,scan_date,scan_time,status,subject,tag,timestamp,uploaded,url" "§4.2 exact row keys"
expect_eq "$(json "all(isinstance(v,str) for v in j['ResultSet']['Result'][0].values())")" "True" "§1.3 every value is a string"
expect_eq "$(json "j['ResultSet']['Result'][0]['url']")" "${URI#/data}" "§4.2 url has no /data prefix"
expect_eq "$(json "j['ResultSet']['Result'][0]['status']")" "RECEIVING" "§3.5 status RECEIVING after upload"
expect_eq "$(json "j['ResultSet']['Result'][0]['tag']")" "$STUDY" "§4.2 tag = StudyInstanceUID"
expect_eq "$(json "'totalRecords' in j['ResultSet']")" "False" "§4.2 no totalRecords"
# §4.3 GET session before build → 404 with XNAT's message; format=json → the row.
areq GET "$URI"
expect_status 404 "§4.3 session document missing before build"
areq GET "$URI?format=json"
expect_eq "$(json "len(j['ResultSet']['Result'])")" "1" "§4.3 format=json returns the row"
# §3.10 prevent_auto_commit: the idle builder leaves it alone.
sleep 2
areq GET "$URI?format=json"
expect_eq "$(json "j['ResultSet']['Result'][0]['status']")" "RECEIVING" "§3.1 prevent_auto_commit stops the idle build"
# §4.3 set-status / reset-status.
areq POST "$URI?action=set-status&status=ERROR"
areq GET "$URI?format=json"
expect_eq "$(json "j['ResultSet']['Result'][0]['status']")" "ERROR" "§4.3 action=set-status"
areq POST "$URI?action=set-status&status=NOPE"
expect_status 400 "§4.3 set-status with a bad value → 400"
areq POST "$URI?action=reset-status"
expect_eq "$BODY" "$URI" "§4.3 action=reset-status answers the URI"
# §4.3 action=build → 200 uri-list, READY, XML available.
areq POST "$URI?action=build"
expect_status 200 "§4.3 action=build"
expect_eq "$BODY" "$URI" "§4.3 build answers the prearchive URI"
areq GET "$URI"
expect_status 200 "§4.3 built session XML"
expect_body_contains "$STUDY" "§4.3 XML names the study"
# §3.4.6 late files re-open a READY session; §4.2 prearchive sub-resources.
imp "PROJECT_ID=P1&SUBJECT_ID=S1&EXPT_LABEL=L1" "$WORK/b.zip"
expect_eq "$(tr -d '\r\n' <<<"$BODY")" "$URI" "§3.4.6 same session reused (T testPrearcMergeNewScan)"
areq GET "$URI?format=json"
expect_eq "$(json "j['ResultSet']['Result'][0]['status']")" "RECEIVING" "§3.4.6 READY → RECEIVING on new files"
areq GET "$URI/scans/2/resources/DICOM/files/1.dcm"
cmp -s "$WORK/body" "$WORK/b/1.dcm" && ok "§4.3 prearchive file download byte-identical" || fail "prearchive file bytes"
# §4.3 commit on a manual project → 200 + prearchive URI.
areq POST "$URI?action=commit"
expect_status 200 "§4.3 commit on a manual project"
expect_eq "$BODY" "$URI" "§4.3 commit answers the prearchive URI"
# §4.3 move → 301 with the new URI.
areq POST "$URI?action=move&newProject=P2"
expect_status 301 "§4.3 action=move"
NEWURI=$BODY
[[ "$NEWURI" == /data/prearchive/projects/P2/* ]] && ok "§4.3 moved URI under P2" || fail "move body '$NEWURI'"
areq POST "$NEWURI?action=move&newProject=NOPE"
expect_status 403 "§4.3 move to an unknown project"
areq POST "$NEWURI"
expect_status 400 "§4.3 missing action"
areq POST "$NEWURI?action=dance"
expect_body_contains "requested an unsupported action on prearchive session: dance" "§4.3 unknown action"
# §4.3 commit&AA=true → 301 + archive URI.
areq POST "$NEWURI?action=commit&AA=true"
expect_status 301 "§4.3 commit with AA=true archives"
expect_eq "$BODY" "/data/archive/projects/P2/subjects/S1/experiments/L1" "§4.3 301 body is the archive URI"
areq GET /data/projects/P2/subjects/S1/experiments/L1
expect_status 200 "§5.2 archived experiment exists"

# §3.10 idle build; project code 4 auto-archives after it (§11.10).
imp "PROJECT_ID=P1&SUBJECT_ID=S3&EXPT_LABEL=IDLE" "$WORK/a.zip"
IDLE=$(tr -d '\r\n' <<<"$BODY")
imp "PROJECT_ID=AUTO&SUBJECT_ID=S4&EXPT_LABEL=AUTO1" "$WORK/a.zip"
for _ in $(seq 1 50); do
  areq GET "$IDLE?format=json"
  [[ "$(json "j['ResultSet']['Result'][0]['status']")" == READY ]] && break
  sleep 0.2
done
expect_eq "$(json "j['ResultSet']['Result'][0]['status']")" "READY" "§3.10 idle session built to READY"
for _ in $(seq 1 50); do
  areq GET /data/projects/AUTO/experiments/AUTO1
  [[ "$STATUS" == 200 ]] && break
  sleep 0.2
done
expect_status 200 "§3.10 project code 4 auto-archives after the idle build"
areq GET /data/prearchive/projects/AUTO
expect_eq "$(json "len(j['ResultSet']['Result'])")" "0" "§3.10 auto-archived row leaves the prearchive"

# §4.5 /services/archive: 200 uri-list; conflict → 500 FAILED + CONFLICT row.
imp "PROJECT_ID=P1&SUBJECT_ID=S5&EXPT_LABEL=SVC&prevent_auto_commit=true" "$WORK/a.zip"
SVC=$(tr -d '\r\n' <<<"$BODY")
areq POST "/data/services/archive?src=$SVC"
expect_status 200 "§4.5 archive service 200"
expect_eq "$BODY" $'/data/archive/projects/P1/subjects/S5/experiments/SVC\r' "§4.5 uri-list body with CRLF"
imp "PROJECT_ID=P1&SUBJECT_ID=S5&EXPT_LABEL=SVC&prevent_auto_commit=true" "$WORK/a.zip"
SVC2=$(tr -d '\r\n' <<<"$BODY")
areq POST "/data/services/archive" -d "src=$SVC2"
expect_status 500 "§4.5 existing session without overwrite → 500"
expect_body_contains "FAILED: Session already exists, retry with overwrite enabled" "§4.5 FAILED message"
areq GET "$SVC2?format=json"
expect_eq "$(json "j['ResultSet']['Result'][0]['status']")" "CONFLICT" "§4.5 row left in CONFLICT"
areq POST "/data/services/archive?src=$SVC2&overwrite=append&overwrite_files=true&redirect=true"
expect_status 303 "§4.5 redirect=true → 303"
if grep -q "^Location: .*/data/archive/projects/P1/subjects/S5/experiments/SVC" <<<"$HEADERS"; then ok "§4.5 303 Location"; else fail "§4.5 Location: $HEADERS"; fi
areq POST "/data/services/archive?src=/prearchive/projects/P1/20000101_000000000/none"
expect_status 404 "§4.5 missing folder → 404"
areq POST "/data/services/archive"
expect_status 404 "§4.4 no src → 404 Unknown prearchive session"

# §4.3 DELETE → 200, also for a missing row; Unassigned listing.
imp "dest=/prearchive" "$WORK/a.zip"
UN=$(tr -d '\r\n' <<<"$BODY")
[[ "$UN" == /data/prearchive/projects/Unassigned/* ]] && ok "§3.1 dest=/prearchive → Unassigned" || fail "unassigned '$UN'"
areq POST "/data/services/archive?src=$UN"
expect_status 400 "§4.5 cannot archive from Unassigned"
areq DELETE "$UN"
expect_status 200 "§4.3 DELETE a prearchive session"
areq DELETE "$UN"
expect_status 200 "§4.3 DELETE of a missing session is still 200"
areq GET /data/prearchive/projects/Unassigned
expect_eq "$(json "len(j['ResultSet']['Result'])")" "0" "§4.3 deleted row is gone"
# §4.4 batch services.
imp "PROJECT_ID=P1&SUBJECT_ID=S6&EXPT_LABEL=B1&prevent_auto_commit=true" "$WORK/a.zip"
B1=$(tr -d '\r\n' <<<"$BODY")
areq POST "/data/services/prearchive/rebuild?src=$B1"
expect_eq "$(json "j['ResultSet']['Result'][0]['status']")" "READY" "§4.4 services/prearchive/rebuild"
areq POST "/data/services/prearchive/move?src=$B1&newProject=P2"
expect_status 200 "§4.4 services/prearchive/move"
B1P2=${B1/projects\/P1/projects\/P2}
areq GET "$B1P2?format=json"
expect_eq "$(json "len(j['ResultSet']['Result'])")" "1" "§4.4 moved row under P2"
areq POST "/data/services/prearchive/delete?src=$B1P2"
expect_eq "$(json "j['ResultSet']['Result'][0]['status']")" "QUEUED_DELETING" "§4.4 services/prearchive/delete"
areq GET "$B1P2?format=json"
expect_eq "$(json "len(j['ResultSet']['Result'])")" "0" "§4.4 deleted"
# §3.1 SOURCE=uploader keeps the idle builder away, like prevent_auto_commit.
imp "PROJECT_ID=P1&SUBJECT_ID=S7&EXPT_LABEL=UPL&SOURCE=uploader" "$WORK/a.zip"
UPL=$(tr -d '\r\n' <<<"$BODY")
sleep 1.5
areq GET "$UPL?format=json"
expect_eq "$(json "j['ResultSet']['Result'][0]['status']")" "RECEIVING" "§3.1 SOURCE=uploader is not idle-built"
expect_eq "$(json "j['ResultSet']['Result'][0]['SOURCE']")" "uploader" "§4.2 SOURCE recorded"
# §4.5 archive service: overrides by dest and subject; an auto-archive session answers 303.
areq POST /data/services/archive -d "src=$UPL" -d "dest=/archive/projects/P1/subjects/OTHER/experiments/RENAMED"
expect_eq "$BODY" $'/data/archive/projects/P1/subjects/OTHER/experiments/RENAMED\r' "§4.5 dest overrides subject and label"
imp "PROJECT_ID=AUTO&SUBJECT_ID=S8&EXPT_LABEL=AUTO2&prevent_auto_commit=true" "$WORK/a.zip"
AUTO2=$(tr -d '\r\n' <<<"$BODY")
areq GET "$AUTO2?format=json"
expect_eq "$(json "j['ResultSet']['Result'][0]['autoarchive']")" "AutoArchive" "§3.10 row code from the project (4)"
areq POST "/data/services/archive?src=$AUTO2"
expect_status 303 "§4.5 auto-archive session → 303"
# §4.2 GET /data/prearchive lists every project.
areq GET /data/prearchive
expect_status 200 "§4.2 GET /data/prearchive"

# §4.2 unknown project → 403.
areq GET /data/prearchive/projects/NOPE
expect_status 403 "§4.2 unknown project listing → 403"
finish
