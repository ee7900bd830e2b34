#!/usr/bin/env bash
# Regression tests for emulator defects a differential run against a strict model of XNAT
# found (issue 11), each citing the reference section (xnat-server-api.md) it follows.
source "$(dirname "$0")/lib.sh"
start_emulator fidelity --project P1

imp() { areq POST "/data/services/import?$1" -H "Content-Type: application/zip" --data-binary @"$2"; }
A=1.2.826.0.1.3680043.2.1143.7001
B=1.2.826.0.1.3680043.2.1143.7002
make_series "$WORK/a/s1" 2 "$A" 1
make_series "$WORK/a/s2" 2 "$A" 2
make_series "$WORK/b/s1" 1 "$B" 1
make_series "$WORK/b/s2" 1 "$B" 2
(cd "$WORK" && mkzip a.zip a && mkzip b.zip b)

# §3.8 merge with overwrite=delete of a different study whose scan numbers are taken: XNAT's
# ScanIdValidator renumbers the incoming scans N-MR1; the archived scans keep their files.
imp "EXPT_LABEL=X&SUBJECT_ID=SUBJ&dest=/archive/projects/P1" "$WORK/a.zip"
expect_status 200 "§3.5 study A archived as X"
imp "EXPT_LABEL=X&SUBJECT_ID=SUBJ&dest=/archive/projects/P1&overwrite=delete" "$WORK/b.zip"
expect_status 200 "§3.8 study B merged into X with overwrite=delete"
areq GET "/data/projects/P1/experiments/X/scans?format=json"
expect_eq "$(json "','.join(sorted(r['ID'] for r in j['ResultSet']['Result']))")" "1,1-MR1,2,2-MR1" \
  "§3.8 taken scan numbers are renumbered N-MR1 (ScanIdValidator)"
areq GET "/data/projects/P1/experiments/X/scans/1/files?format=json"
expect_eq "$(json "' '.join(sorted(r['digest'] for r in j['ResultSet']['Result']))")" \
  "$(md5sum "$WORK"/a/s1/*.dcm | cut -d' ' -f1 | sort | tr '\n' ' ' | sed 's/ $//')" \
  "§3.8 study A's scan 1 keeps its own 2 files (md5)"
areq GET "/data/projects/P1/experiments/X/scans/1-MR1/files?format=json"
expect_eq "$(json "len(j['ResultSet']['Result'])")" "1" "§3.8 study B's scan 1 arrived as 1-MR1"

# A prearchive session to look at.
imp "PROJECT_ID=P1&SUBJECT_ID=S2&EXPT_LABEL=PRE&prevent_auto_commit=true" "$WORK/a.zip"
URI=$(tr -d '\r\n' <<<"$BODY")

# §4.3 POST ?action=…: only build, commit, move, reset-status and set-status exist.
areq POST "$URI?action=rebuild"
expect_status 400 "§4.3 action=rebuild is refused with 400"
expect_body_contains "unsupported action on prearchive session: rebuild" "§4.3 unsupported-action message"
areq POST "$URI?action=build"
expect_status 200 "§4.3 action=build builds"

# §4.3 sub-resources: scans, one scan, its resources; xsiType after the build.
areq GET "$URI/scans?format=json"
expect_eq "$(json "j['ResultSet']['Result'][0]['xsiType']")" "xnat:mrScanData" "§4.3 scans list the xsiType once built"
areq GET "$URI/scans/1?format=json"
expect_status 200 "§4.3 GET …/scans/1 exists"
expect_eq "$(json "j['ResultSet']['Result'][0]['ID']")" "1" "§4.3 …/scans/1 is scan 1"
areq GET "$URI/scans/1/resources?format=json"
expect_status 200 "§4.3 GET …/scans/1/resources exists"
expect_eq "$(json "j['ResultSet']['Result'][0]['label']")" "DICOM" "§4.3 the scan's DICOM resource"
areq GET "$URI/scans/1/resources/DICOM/files?format=json"
FILE_URI=$(json "j['ResultSet']['Result'][0]['URI']")
expect_eq "$(grep -o 'resources/DICOM' <<<"$FILE_URI" | wc -l)" "1" "§6.3 file URIs name resources/DICOM once"
areq GET "$FILE_URI"
expect_status 200 "§4.3 a file URI of the listing can be followed"

# §4.3 the session document's root is the schema element (xnat:MRSession), not the type.
areq GET "$URI"
expect_eq "$(sed -n '2p' <<<"$BODY" | grep -o '^<[A-Za-z:]*')" "<xnat:MRSession" "§4.3 session XML root element xnat:MRSession"

# §4.3 …/logs/last: why a session failed.
areq POST "/data/services/archive?src=${URI#/data}&label=X&subject=SUBJ"
expect_status 500 "§4.5 archiving onto an existing label without overwrite fails"
areq GET "$URI/logs/last"
expect_body_contains "already exists" "§4.3 logs/last says why the session is in CONFLICT"

# §6.2 files carry their own format/content; the resource's are its own attributes (§6.1).
areq PUT "/data/projects/P1/experiments/X/resources/NOTES?format=TXT&content=notes"
echo hello >"$WORK/a.txt"
areq PUT "/data/projects/P1/experiments/X/resources/NOTES/files/a.txt?inbody=true" --data-binary @"$WORK/a.txt"
areq PUT "/data/projects/P1/experiments/X/resources/NOTES/files/b.txt?inbody=true&format=PLAIN&content=raw" --data-binary @"$WORK/a.txt"
areq GET "/data/projects/P1/experiments/X/resources/NOTES/files?format=json"
expect_eq "$(json "[r['file_format']+'/'+r['file_content'] for r in j['ResultSet']['Result'] if r['Name']=='a.txt'][0]")" "/" \
  "§6.2 a file uploaded without format/content has none (not the resource's TXT/notes)"
expect_eq "$(json "[r['file_format']+'/'+r['file_content'] for r in j['ResultSet']['Result'] if r['Name']=='b.txt'][0]")" "PLAIN/raw" \
  "§6.2 a file keeps the format/content it was uploaded with"
areq GET "/data/projects/P1/experiments/X/resources?format=json"
expect_eq "$(json "[r['format']+'/'+r['content'] for r in j['ResultSet']['Result'] if r['label']=='NOTES'][0]")" "TXT/notes" \
  "§6.1 the resource keeps its own format/content"
areq GET "/data/projects/P1/experiments/X/scans/1/files?format=json"
expect_eq "$(json "j['ResultSet']['Result'][0]['file_format']")" "DICOM" "§6.3 imported DICOM entries are DICOM/RAW"

# --rewrite-header: objects stored re-written as XNAT's GradualDicomImporter.write does (new
# file meta, re-encoded header), with sizes and digests of the stored file (§6.3 Size, digest).
stop_emulator
start_emulator rewrite --project P1 --rewrite-header
SENT="$TESTDATA/MR_small.dcm"  # written by pydicom: DCMTK would re-write its own output as it is
areq POST "/data/services/import?import-handler=gradual-DICOM&PROJECT_ID=P1&SUBJECT_ID=S&EXPT_LABEL=RW&dest=/archive/projects/P1" \
  -H "Content-Type: application/dicom" --data-binary @"$SENT"
expect_status 200 "§3.4 gradual import with --rewrite-header"
# gradual-DICOM never commits during the request (§3.4, §11.2): archive it explicitly (§4.3).
areq POST "$(tr -d '\r\n' <<<"$BODY")?action=commit&AA=true"
expect_status 301 "§4.3 commit with AA=true archives the gradual session"
areq GET "/data/projects/P1/experiments/RW/scans/1/resources/DICOM/files?format=json"
ROW_URI=$(json "j['ResultSet']['Result'][0]['URI']")
ROW_MD5=$(json "j['ResultSet']['Result'][0]['digest']")
ROW_SIZE=$(json "j['ResultSet']['Result'][0]['Size']")
curl -s -u admin:admin -o "$WORK/stored.dcm" "$URL$ROW_URI"
[[ "$ROW_MD5" != "$(md5sum <"$SENT" | cut -d' ' -f1)" ]] && ok "--rewrite-header: the stored object is not byte for byte what was sent" \
  || fail "--rewrite-header: the stored object is the bytes sent"
expect_eq "$ROW_MD5" "$(md5sum <"$WORK/stored.dcm" | cut -d' ' -f1)" "--rewrite-header: digest is the stored file's"
expect_eq "$ROW_SIZE" "$(stat -c %s "$WORK/stored.dcm")" "--rewrite-header: Size is the stored file's"
expect_eq "$(dcmdump -q +P SOPInstanceUID "$WORK/stored.dcm" | sed 's/.*\[\(.*\)\].*/\1/')" \
  "$(dcmdump -q +P SOPInstanceUID "$SENT" | sed 's/.*\[\(.*\)\].*/\1/')" "--rewrite-header: the stored object is the same instance"
[[ "$(dcmdump -q +P ImplementationClassUID "$WORK/stored.dcm")" != "$(dcmdump -q +P ImplementationClassUID "$SENT")" ]] \
  && ok "--rewrite-header: a new file meta header (ImplementationClassUID)" || fail "--rewrite-header: the file meta is the sender's"

finish
