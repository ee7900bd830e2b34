#!/usr/bin/env bash
# Archiving through the import service and the merge rules (xnat-server-api.md §3.1 dest,
# §3.5, §3.8, §11.1, §11.2, §11.10) and the archive listings (§5, §5.2 columns= and filters,
# §6.3).
source "$(dirname "$0")/lib.sh"
start_emulator merge --project P1 --project PET

STUDY=1.2.826.0.1.3680043.2.1143.999
make_series "$WORK/all" 16 "$STUDY" 1
mkdir -p "$WORK/first" "$WORK/last" "$WORK/overlap"
for i in $(seq 1 11); do cp "$WORK/all/$i.dcm" "$WORK/first/"; done
for i in $(seq 12 16); do cp "$WORK/all/$i.dcm" "$WORK/last/"; done
for i in $(seq 9 16); do cp "$WORK/all/$i.dcm" "$WORK/overlap/"; done
for d in all first last overlap; do (cd "$WORK/$d" && mkzip "../$d.zip" *.dcm); done
make_series "$WORK/scan2" 2 "$STUDY" 2
(cd "$WORK/scan2" && mkzip ../scan2.zip *.dcm)
imp() { areq POST "/data/services/import?$1" -H "Content-Type: application/zip" --data-binary @"$2"; }
files_in_scan() {
  areq GET "/data/projects/P1/subjects/SUBJ/experiments/MR1/scans/$1/files"
  json "len(j['ResultSet']['Result'])"
}

# §3.1 dest=/archive/... implies commit + archive; response is the archive URI.
imp "dest=/archive/projects/P1/subjects/SUBJ/experiments/MR1" "$WORK/first.zip"
expect_status 200 "§3.5 dest archive import"
expect_eq "$(tr -d '\r\n' <<<"$BODY")" "/data/archive/projects/P1/subjects/SUBJ/experiments/MR1" "§3.5 response lists the archive URI"
expect_eq "$(files_in_scan 1)" "11" "§3.5 first part archived"
# §11.10: re-import onto the existing label without overwrite → 400 even with AA=true.
imp "dest=/archive/projects/P1/subjects/SUBJ/experiments/MR1&AA=true" "$WORK/last.zip"
expect_status 400 "§11.10 existing label without overwrite → 400"
expect_body_contains "unable to archive for the Prearchive session" "§3.8 archive failure message"
areq GET /data/prearchive/projects/P1
expect_eq "$(json "j['ResultSet']['Result'][0]['status']")" "CONFLICT" "§4.5 failed row stays as CONFLICT"
areq DELETE "$(json "j['ResultSet']['Result'][0]['url']")"
# §11.1: overwrite=none on the import service still merges (any value = append).
imp "dest=/archive/projects/P1/subjects/SUBJ/experiments/MR1&overwrite=none" "$WORK/last.zip"
expect_status 200 "§11.1 overwrite=none merges on import"
expect_eq "$(files_in_scan 1)" "16" "§3.8 disjoint parts with append → union (T testDataScan2parts)"
# §3.8 overlapping files with append → conflict; with overwrite_files=true → ok; delete → ok.
imp "dest=/archive/projects/P1/subjects/SUBJ/experiments/MR1&overwrite=append" "$WORK/overlap.zip"
expect_status 400 "§3.8 overlapping files with append → conflict"
areq GET /data/prearchive/projects/P1
for u in $(json "' '.join(r['url'] for r in j['ResultSet']['Result'])"); do areq DELETE "$u"; done
imp "dest=/archive/projects/P1/subjects/SUBJ/experiments/MR1&overwrite=append&overwrite_files=true" "$WORK/overlap.zip"
expect_status 200 "§3.8 append + overwrite_files=true"
imp "dest=/archive/projects/P1/subjects/SUBJ/experiments/MR1&overwrite=delete" "$WORK/all.zip"
expect_status 200 "§3.8 overwrite=delete"
expect_eq "$(files_in_scan 1)" "16" "§3.8 delete keeps 16 files"
# A new scan merges (T testDataProjectExperimentNewScan).
imp "dest=/archive/projects/P1/subjects/SUBJ/experiments/MR1&overwrite=append" "$WORK/scan2.zip"
expect_status 200 "§3.8 new scan appended"
# §3.8 different StudyInstanceUID into the same label with append → conflict.
make_series "$WORK/other" 1 1.2.826.0.1.3680043.2.1143.1000 1
(cd "$WORK/other" && mkzip ../other.zip *.dcm)
imp "dest=/archive/projects/P1/subjects/SUBJ/experiments/MR1&overwrite=append" "$WORK/other.zip"
expect_status 400 "§3.8 different study UID → conflict"
# §11.2: without commit/dest, overwrite does nothing; the session waits in the prearchive.
imp "PROJECT_ID=P1&SUBJECT_ID=SUBJ&EXPT_LABEL=MR1&overwrite=delete" "$WORK/all.zip"
expect_body_contains "/data/prearchive/projects/P1/" "§11.2 plain import only prearchives"

# §5 listings.
areq GET /data/projects/P1/experiments
expect_eq "$(json "j['ResultSet']['Result'][0]['ID']")" "XNAT_E00001" "§5.1 experiment ID XNAT_E00001"
expect_eq "$(json "j['ResultSet']['totalRecords']")" "1" "§5.2 totalRecords as a string"
expect_eq "$(json "j['ResultSet']['Result'][0]['URI']")" "/data/experiments/XNAT_E00001" "§5.2 URI column"
expect_eq "$(json "j['ResultSet']['Result'][0]['xsiType']")" "xnat:mrSessionData" "§5.2 xsiType"
areq GET /data/experiments
expect_eq "$(json "j['ResultSet']['Result'][0]['subject_label']")" "SUBJ" "§5.2 /data/experiments has subject columns"
areq GET "/data/experiments?project=NOPE"
expect_eq "$(json "len(j['ResultSet']['Result'])")" "0" "§5.2 query filter"
areq GET /data/projects/P1/subjects
expect_eq "$(json "j['ResultSet']['Result'][0]['label']")" "SUBJ" "§5.2 subjects listing"
areq GET /data/experiments/XNAT_E00001/scans
expect_eq "$(json "','.join(r['ID'] for r in j['ResultSet']['Result'])")" "1,2" "§5.3 scans by SeriesNumber"
expect_eq "$(json "j['ResultSet']['Result'][0]['URI']")" "/data/experiments/XNAT_E00001/scans/1" "§5.3 scan URI"
areq GET /data/archive/projects/P1/experiments/MR1
expect_status 200 "§1.1 /archive alias; §5.1 label lookup under a project"
expect_eq "$(json "j['items'][0]['data_fields']['ID']")" "XNAT_E00001" "§5.2 item JSON"
areq GET /data/experiments/MR1
expect_status 404 "§5.1 /data/experiments/{X} wants the ID"
expect_body_contains "Unable to find the specified experiment." "§1.4 404 message"
areq GET /data/experiments/XNAT_E00001/scans/99
expect_status 404 "§1.4 missing scan → 404"
# §6.3 file catalog with numeric resource ID URIs and MD5 digest.
areq GET /data/experiments/XNAT_E00001/scans/1/resources/DICOM/files
expect_eq "$(json "j['ResultSet']['Columns'][0]['key']")" "URI" "§6.3 Columns with URI"
expect_eq "$(json "j['ResultSet']['title']")" "Files" "§6.3 title Files"
ROW_URI=$(json "[r['URI'] for r in j['ResultSet']['Result'] if r['Name']=='1.dcm'][0]")
DIGEST=$(json "[r['digest'] for r in j['ResultSet']['Result'] if r['Name']=='1.dcm'][0]")
[[ "$ROW_URI" =~ ^/data/experiments/XNAT_E00001/scans/1/resources/[0-9]+/files/1.dcm$ ]] && ok "§6.3 URI uses the numeric resource ID" || fail "§6.3 URI '$ROW_URI'"
expect_eq "$DIGEST" "$(md5sum "$WORK/all/1.dcm" | cut -d' ' -f1)" "§6.3 digest is the MD5"
areq GET "$ROW_URI"
cmp -s "$WORK/body" "$WORK/all/1.dcm" && ok "§6.3 download via the URI column" || fail "download bytes"
[[ -f "$DATA/archive/P1/arc001/MR1/SCANS/1/DICOM/1.dcm" ]] && ok "archive layout archive/P1/arc001/MR1/SCANS/1/DICOM" || fail "archive layout"

# §5.2 columns= and field filters (what `session list` sends, xnatctl-behaviour.md §6.1), with a
# second experiment under another subject.
imp "dest=/archive/projects/P1/subjects/SUBJ2/experiments/MR2" "$WORK/other.zip"
expect_status 200 "§5.2 second experiment archived"
COLS="columns=ID,label,subject_label,date,xsiType&format=json"
areq GET "/data/projects/P1/experiments?$COLS"
expect_eq "$(json "','.join(sorted(j['ResultSet']['Result'][0]))")" "ID,URI,date,label,subject_label,xsiType" "§5.2 columns= picks columns, URI added"
expect_eq "$(json "','.join(r['subject_label'] for r in j['ResultSet']['Result'])")" "SUBJ,SUBJ2" "§5.2 subject_label column on a project listing"
expect_eq "$(json "all(isinstance(v, str) for r in j['ResultSet']['Result'] for v in r.values())")" "True" "§1.3 every cell a string"
areq GET "/data/projects/P1/experiments?$COLS&subject_label=SUBJ2"
expect_eq "$(json "','.join(r['label'] for r in j['ResultSet']['Result'])")" "MR2" "§5.2 subject_label filter"
expect_eq "$(json "j['ResultSet']['totalRecords']")" "1" "§5.2 totalRecords counts filtered rows"
areq GET "/data/projects/P1/experiments?subject_label=SUBJ"
expect_eq "$(json "[r['label'] for r in j['ResultSet']['Result']]")" "['MR1']" "§5.2 filter is exact without wildcards"
expect_eq "$(json "'subject_label' in j['ResultSet']['Result'][0]")" "False" "§5.2 filter on a field outside the default columns"
areq GET "/data/projects/P1/experiments?label=MR1,MR2"
expect_eq "$(json "len(j['ResultSet']['Result'])")" "2" "§5.2 comma = OR"
areq GET "/data/projects/P1/experiments?subject_label=SUB*"
expect_eq "$(json "len(j['ResultSet']['Result'])")" "2" "§5.2 * as LIKE wildcard"
areq GET "/data/projects/P1/experiments?label=%25R2"
expect_eq "$(json "[r['label'] for r in j['ResultSet']['Result']]")" "['MR2']" "§5.2 % as LIKE wildcard"
areq GET "/data/projects/P1/experiments?subject_label=SUBJ_%25"
expect_eq "$(json "[r['label'] for r in j['ResultSet']['Result']]")" "['MR2']" "§5.2 _ is one character in a LIKE pattern"
areq GET "/data/projects/P1/experiments?columns=label,nonesuch&label=MR1"
expect_eq "$(json "j['ResultSet']['Result'][0]['nonesuch']")" "" "§5.2 unknown column → empty string"
areq GET "/data/projects/P1/subjects/SUBJ2/experiments?columns=label,subject_ID,subject_label"
expect_eq "$(json "[(r['label'], r['subject_label'], r['subject_ID'][:6]) for r in j['ResultSet']['Result']]")" "[('MR2', 'SUBJ2', 'XNAT_S')]" "§5.2 columns= on a subject's listing"
areq GET "/data/experiments?columns=ID&label=MR2"
expect_eq "$(json "[sorted(r) for r in j['ResultSet']['Result']]")" "[['ID', 'URI']]" "§5.2 columns= and filter on /data/experiments"
finish
