#!/usr/bin/env bash
# DICOM-zip import (xnat-server-api.md §3.1, §3.2, §3.3, §3.5, §3.6, §7.3, §11.4, §11.6).
source "$(dirname "$0")/lib.sh"
start_emulator zip --project P1 --project P2 --project ROUTED

STUDY=1.2.826.0.1.3680043.2.1143.777
make_series "$WORK/s1" 3 "$STUDY" 1
make_series "$WORK/s2" 2 "$STUDY" 2
(cd "$WORK" && mkzip one.zip s1 s2 && tar cf one.tar s1 s2 && tar czf one.tgz s1 s2 && cp one.tgz one.tar.gz)

imp() { areq POST "/data/services/import$1" "${@:2}"; }
count_files() { find "$DATA/prearchive" -path "*$1*" -type f -name '*.dcm' | wc -l; }

# §3.2: raw body recognised by Content-Type alone (no inbody), zip.
imp "?PROJECT_ID=P1&SUBJECT_ID=S&EXPT_LABEL=ZIP1" -H "Content-Type: application/zip" --data-binary @"$WORK/one.zip"
expect_status 200 "§3.2 application/zip raw body"
expect_eq "$(count_files /ZIP1/)" "5" "§3.3 all zip entries imported"
[[ -d "$(find "$DATA/prearchive/P1" -maxdepth 2 -name ZIP1)/SCANS/2" ]] && ok "§3.4.7 scans by SeriesNumber" || fail "scan 2 missing"
# tar via Content-Type application/x-tar; tgz via the URL name; tar.gz via x-gtar.
imp "?PROJECT_ID=P1&EXPT_LABEL=TAR1" -H "Content-Type: application/x-tar" --data-binary @"$WORK/one.tar"
expect_eq "$(count_files /TAR1/)" "5" "§3.3 tar by Content-Type"
imp "/series.tgz?inbody=true&PROJECT_ID=P1&EXPT_LABEL=TGZ1" -H "Content-Type: application/octet-stream" --data-binary @"$WORK/one.tgz"
expect_eq "$(count_files /TGZ1/)" "5" "§3.2/§3.3 .tgz name from the URL remainder"
imp "?PROJECT_ID=P1&EXPT_LABEL=GTAR" -H "Content-Type: application/x-gtar" --data-binary @"$WORK/one.tar.gz"
expect_eq "$(count_files /GTAR/)" "5" "§3.2 application/x-gtar → upload.tar.gz"
# Chunked upload (unknown length) streams fine.
imp "?PROJECT_ID=P1&EXPT_LABEL=CHUNK" -H "Content-Type: application/x-tar" -H "Transfer-Encoding: chunked" --data-binary @"$WORK/one.tar"
expect_eq "$(count_files /CHUNK/)" "5" "chunked tar body streamed"
# §3.2 multipart; §3.1 lower-case aliases (DICOM-zip only) as form fields.
imp "" -F project=P2 -F subject=SUBJ2 -F session=MP1 -F "file=@$WORK/one.zip;filename=one.zip"
expect_status 200 "§3.2 multipart upload"
expect_body_contains "/data/prearchive/projects/P2/" "§3.1 lower-case project alias"
expect_eq "$(count_files /MP1/)" "5" "§3.2 multipart file part imported"
# §3.2 two files → 400.
imp "" -F "a=@$WORK/one.zip;filename=a.zip" -F "b=@$WORK/one.zip;filename=b.zip" -F PROJECT_ID=P1 -F EXPT_LABEL=TWO
expect_status 400 "§3.2 two files in one request"
expect_body_contains "Importer is limited to one uploaded resource at a time." "§3.8 two-files message"
# §3.3 name-based detection: .gz and unknown names rejected.
imp "/x.gz?inbody=true&PROJECT_ID=P1" -H "Content-Type: application/octet-stream" --data-binary @"$WORK/one.tgz"
expect_status 400 "§3.3 .gz is rejected"
expect_body_contains "Unsupported format GZ" "§3.8 GZ message"
imp "?PROJECT_ID=P1" -H "Content-Type: application/octet-stream" --data-binary @"$WORK/one.zip"
expect_body_contains "Unsupported format UNKNOWN" "§3.2 octet-stream → 'upload' → UNKNOWN"
# §3.2 empty raw body.
imp "?PROJECT_ID=P1" -H "Content-Type: application/zip" -H "Content-Length: 0" --data-binary ""
expect_status 400 "§3.2 empty raw body"
expect_body_contains "In-body File posts must include the file directly" "§3.8 empty body message"
# §11.6 non-zip bytes sent as zip → 200, nothing imported.
echo "definitely not a zip" >"$WORK/fake.zip"
imp "?PROJECT_ID=P1&EXPT_LABEL=FAKE" -H "Content-Type: application/zip" --data-binary @"$WORK/fake.zip"
expect_status 200 "§11.6 non-zip .zip answers 200"
expect_eq "$BODY" "" "§11.6 nothing imported, empty uri-list"
# §3.3 nested archive: a tar inside a zip.
mkdir -p "$WORK/nest" && cp "$WORK/one.tar" "$WORK/nest/inner.tar" && (cd "$WORK/nest" && mkzip ../nested.zip inner.tar)
imp "?PROJECT_ID=P1&EXPT_LABEL=NEST" -H "Content-Type: application/zip" --data-binary @"$WORK/nested.zip"
expect_eq "$(count_files /NEST/)" "5" "§3.3 nested archives imported recursively"
# §3.5: two studies in one zip → two URIs in first-seen order.
make_series "$WORK/t2/a" 1 1.2.826.0.1.3680043.2.1143.801 1
make_series "$WORK/t2/b" 1 1.2.826.0.1.3680043.2.1143.802 1
(cd "$WORK/t2" && mkzip ../two.zip a b)
imp "?PROJECT_ID=P1&SUBJECT_ID=S" -H "Content-Type: application/zip" --data-binary @"$WORK/two.zip"
expect_eq "$(printf '%s' "$BODY" | grep -c $'\r$')" "2" "§3.5 two studies → two CRLF-terminated URIs"
# §3.6 format=txt: a single URI without newline.
imp "?PROJECT_ID=P1&EXPT_LABEL=TXT&format=txt" -H "Content-Type: application/zip" --data-binary @"$WORK/one.zip"
[[ "$BODY" != *$'\n'* && "$BODY" == /data/prearchive/projects/P1/*/TXT ]] && ok "§3.6 format=txt single URI, no newline" || fail "format=txt: '$BODY'"

# §3.5/§11.4 an unparsable entry aborts (400) unless Ignore-Unparsable=true.
mkdir -p "$WORK/bad" && cp "$WORK/s1/"*.dcm "$WORK/bad/" && echo hello >"$WORK/bad/non_dicom_text_file.dcm"
(cd "$WORK/bad" && mkzip ../bad.zip *.dcm)
imp "?PROJECT_ID=P1&EXPT_LABEL=BAD" -H "Content-Type: application/zip" --data-binary @"$WORK/bad.zip"
expect_status 400 "§3.5 unparsable entry → 400"
expect_body_contains "unable to read DICOM object non_dicom_text_file.dcm" "§3.8 names the entry (T testUploadIgnoreUnparsable)"
imp "?PROJECT_ID=P1&EXPT_LABEL=BAD2&Ignore-Unparsable=true" -H "Content-Type: application/zip" --data-binary @"$WORK/bad.zip"
expect_status 200 "§11.4 Ignore-Unparsable=true skips silently"
expect_eq "$(count_files /BAD2/)" "3" "§11.4 the parsable entries are kept"

# §7.3 routing from headers when no labels are given.
dicom_with "$TESTDATA/MR_small.dcm" "$WORK/r1.dcm" "(0010,4000)=Project: ROUTED Subject: SUBJ9 Session: SESS9"
imp "/r1.dcm" -H "Content-Type: application/dicom" --data-binary @"$WORK/r1.dcm"
expect_body_contains "/data/prearchive/projects/ROUTED/" "§7.3 Project: assignment in PatientComments"
expect_body_contains "/SESS9" "§7.3 Session: assignment"
dicom_with "$TESTDATA/MR_small.dcm" "$WORK/r2.dcm" "(0032,4000)=project:P2;subject:S2;session:E22"
imp "/r2.dcm" -H "Content-Type: application/dicom" --data-binary @"$WORK/r2.dcm"
expect_body_contains "/data/prearchive/projects/P2/" "§7.3 StudyComments, lower-case keys, ';' separators"
dicom_with "$TESTDATA/MR_small.dcm" "$WORK/r3.dcm" "(0008,1030)=ROUTED"
imp "/r3.dcm" -H "Content-Type: application/dicom" --data-binary @"$WORK/r3.dcm"
expect_body_contains "/data/prearchive/projects/ROUTED/" "§7.3 StudyDescription naming a project"
dicom_with "$TESTDATA/MR_small.dcm" "$WORK/r4.dcm" "(0008,0050)=P1" "(0008,1030)=not a project"
imp "/r4.dcm" -H "Content-Type: application/dicom" --data-binary @"$WORK/r4.dcm"
expect_body_contains "/data/prearchive/projects/P1/" "§7.3 AccessionNumber naming a project"
dicom_with "$TESTDATA/MR_small.dcm" "$WORK/r5.dcm" "(0008,1030)=NOSUCH"
imp "/r5.dcm" -H "Content-Type: application/dicom" --data-binary @"$WORK/r5.dcm"
expect_body_contains "/data/prearchive/projects/Unassigned/" "§7.3 unknown project → Unassigned"
areq GET /data/prearchive/projects/ROUTED
expect_eq "$(json "[r['subject'] for r in j['ResultSet']['Result'] if r['name']=='SESS9'][0]")" "SUBJ9" "§7.3 Subject: assignment recorded"
# §3.4.9: Unassigned sessions live without a project folder.
[[ -n "$(find "$DATA/prearchive" -mindepth 2 -maxdepth 2 -name 4MR1)" ]] && ok "§3.4.9 Unassigned layout prearchive/<ts>/<folder>" || fail "Unassigned layout"
# A zip entry whose CRC-32 does not match its data is refused (ZipInputStream throws); with
# --skip-zip-crc (benchmarks only) the check is skipped and the object imported.
python3 - "$TESTDATA/MR_small.dcm" "$WORK/badcrc.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    z.write(sys.argv[1], "MR_small.dcm")
data = bytearray(open(sys.argv[2], "rb").read())
data[14] ^= 0xff  # the local header's CRC-32, which a streaming reader checks
open(sys.argv[2], "wb").write(bytes(data))
PY
imp "?PROJECT_ID=P1&SUBJECT_ID=S&EXPT_LABEL=BADCRC" -H "Content-Type: application/zip" --data-binary @"$WORK/badcrc.zip"
expect_status 400 "a zip entry with a wrong CRC-32 is refused"
stop_emulator
start_emulator skipcrc --project P1 --skip-zip-crc
imp "?PROJECT_ID=P1&SUBJECT_ID=S&EXPT_LABEL=BADCRC" -H "Content-Type: application/zip" --data-binary @"$WORK/badcrc.zip"
expect_status 200 "--skip-zip-crc: the CRC-32 is not checked"
finish
