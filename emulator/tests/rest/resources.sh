#!/usr/bin/env bash
# Resources and files (xnat-server-api.md §6.1, §6.2, §6.3) at session and scan level, with
# extract=true refusing path traversal and links (nothing written).
source "$(dirname "$0")/lib.sh"
start_emulator res --project P1

make_series "$WORK/a" 1 1.2.826.0.1.3680043.2.1143.41 1
(cd "$WORK/a" && mkzip ../a.zip *.dcm)
areq POST "/data/services/import?dest=/archive/projects/P1/subjects/S1/experiments/E1" -H "Content-Type: application/zip" --data-binary @"$WORK/a.zip"
E=/data/experiments/XNAT_E00001
printf 'hello resource\n' >"$WORK/note.txt"

# §6.1 create; re-create → 409.
areq PUT "$E/resources/NOTES?format=TXT&content=notes"
expect_status 200 "§6.1 create a session resource"
areq PUT "$E/resources/NOTES"
expect_status 409 "§6.1 existing resource → 409"
expect_body_contains "Specified resource already exists." "§6.1 409 message"
# §6.2 raw upload with inbody, then a byte-identical download.
areq PUT "$E/resources/NOTES/files/note.txt?inbody=true" --data-binary @"$WORK/note.txt"
expect_status 200 "§6.2 raw inbody upload"
areq GET "$E/resources/NOTES/files/note.txt"
cmp -s "$WORK/body" "$WORK/note.txt" && ok "§6.3 download byte-identical" || fail "download differs"
# §6.2 duplicate without overwrite → 200 + duplicates JSON; file unchanged.
printf 'changed\n' >"$WORK/note2.txt"
areq PUT "$E/resources/NOTES/files/note.txt?inbody=true" --data-binary @"$WORK/note2.txt"
expect_status 200 "§6.2 duplicate still 200"
expect_eq "$BODY" '{"duplicates":["note.txt"]}' "§6.2 duplicates body"
areq GET "$E/resources/NOTES/files/note.txt"
cmp -s "$WORK/body" "$WORK/note.txt" && ok "§6.2 duplicate not replaced" || fail "duplicate replaced"
areq PUT "$E/resources/NOTES/files/note.txt?inbody=true&overwrite=true" --data-binary @"$WORK/note2.txt"
areq GET "$E/resources/NOTES/files/note.txt"
cmp -s "$WORK/body" "$WORK/note2.txt" && ok "§6.2 overwrite=true replaces" || fail "overwrite failed"
# §6.2 multipart to an auto-created resource, sub-directories (T testTextIMGUploadWOPrecreate).
areq PUT "$E/resources/AUTO/files/sub/folder/n.txt" -F "file=@$WORK/note.txt"
expect_status 200 "§6.2 multipart upload auto-creates the resource"
areq GET "$E/resources/AUTO/files/sub/folder/n.txt"
cmp -s "$WORK/body" "$WORK/note.txt" && ok "§6.2 sub-directories kept" || fail "subdir download"
# §6.2 no data → 400.
areq PUT "$E/resources/AUTO/files/empty.txt"
expect_status 400 "§6.2 no data → 400"
# §6.2 extract=true with zip / tar / tgz keeps internal folders (T uploadAndExtract*).
mkdir -p "$WORK/x/mr_1" && cp "$WORK/a/1.dcm" "$WORK/x/mr_1/1.dcm" && cp "$WORK/note.txt" "$WORK/x/mr_1/n.txt"
(cd "$WORK/x" && mkzip ../x.zip mr_1 && tar cf ../x.tar mr_1 && tar czf ../x.tgz mr_1)
for f in x.zip x.tar x.tgz; do
  areq POST "$E/resources/EX_${f/./_}/files?extract=true" -F "file=@$WORK/$f"
  expect_status 200 "§6.2 extract=true $f"
  areq GET "$E/resources/EX_${f/./_}/files/mr_1/1.dcm"
  cmp -s "$WORK/body" "$WORK/a/1.dcm" && ok "§6.2 $f unpacked to mr_1/1.dcm" || fail "$f extract"
done
# Path traversal and symlink entries are refused with 400 and nothing is written.
python3 - "$WORK" <<'PY'
import sys, tarfile, io, zipfile
w = sys.argv[1]
with tarfile.open(f"{w}/evil.tar", "w") as t:
    data = b"ok\n"; i = tarfile.TarInfo("good.txt"); i.size = len(data); t.addfile(i, io.BytesIO(data))
    i = tarfile.TarInfo("../../escape.txt"); i.size = len(data); t.addfile(i, io.BytesIO(data))
with tarfile.open(f"{w}/link.tar", "w") as t:
    data = b"ok\n"; i = tarfile.TarInfo("good.txt"); i.size = len(data); t.addfile(i, io.BytesIO(data))
    l = tarfile.TarInfo("passwd"); l.type = tarfile.SYMTYPE; l.linkname = "/etc/passwd"; t.addfile(l)
with zipfile.ZipFile(f"{w}/evil.zip", "w") as z:
    z.writestr("good.txt", "ok\n"); z.writestr("/abs/escape.txt", "bad\n")
PY
for f in evil.tar link.tar evil.zip; do
  areq POST "$E/resources/BAD_${f/./_}/files?extract=true" -F "file=@$WORK/$f"
  expect_status 400 "issue 4: extract of $f with an unsafe entry → 400"
  # The refused upload does not even leave the resource it would have created.
  areq GET "$E/resources/BAD_${f/./_}/files"
  expect_status 404 "issue 4: nothing written from $f"
done
[[ -z "$(find "$WORK" -name escape.txt -not -path '*/evil*')" ]] && ok "no file escaped the resource" || fail "escape.txt written"
# §6.1 resource listing with totalRecords; scan-level resources.
areq GET "$E/resources"
expect_eq "$(json "j['ResultSet']['totalRecords']")" "$(json "str(len(j['ResultSet']['Result']))")" "§6.1 totalRecords"
expect_eq "$(json "j['ResultSet']['title']")" "Resources" "§6.1 title Resources"
areq PUT "$E/scans/1/resources/SNAP/files/n.txt?inbody=true" --data-binary @"$WORK/note.txt"
expect_status 200 "§6 scan-level resource upload"
areq GET "$E/scans/1/resources"
expect_eq "$(json "sorted(r['label'] for r in j['ResultSet']['Result'])")" "['DICOM', 'SNAP']" "§6 scan resources listed"
areq GET "$E/scans/1/files"
expect_eq "$(json "len(j['ResultSet']['Result'])")" "2" "§6 …/scans/1/files lists all scan resources"
[[ -f "$DATA/archive/P1/arc001/E1/SCANS/1/SNAP/n.txt" ]] && ok "scan resource stored under SCANS/1/SNAP" || fail "scan resource layout"
# §6 project- and subject-level resources.
areq PUT "/data/projects/P1/resources/PROTO/files/p.txt?inbody=true" --data-binary @"$WORK/note.txt"
expect_status 200 "§6 project resource upload"
areq GET /data/projects/P1/resources/PROTO/files/p.txt
cmp -s "$WORK/body" "$WORK/note.txt" && ok "§6 project resource download" || fail "project resource bytes"
areq PUT "/data/projects/P1/subjects/S1/resources/CONSENT/files/c.txt?inbody=true" --data-binary @"$WORK/note.txt"
expect_status 200 "§6 subject resource upload"
areq GET /data/projects/P1/subjects/S1/resources/CONSENT/files
expect_eq "$(json "j['ResultSet']['Result'][0]['Name']")" "c.txt" "§6 subject resource file list"

# §6.3 missing file → 404; DELETE file and resource.
areq GET "$E/resources/NOTES/files/nope.txt"
expect_status 404 "§6.3 missing file → 404"
areq GET "$E/resources/NOTES/files/nope.txt?accept-not-found=true"
expect_status 204 "§6.3 accept-not-found=true → 204"
areq DELETE "$E/resources/NOTES/files/note.txt"
expect_status 200 "§6.3 DELETE a file"
areq DELETE "$E/resources/NOTES/files/note.txt"
expect_status 404 "§6.3 DELETE a missing file → 404"
areq DELETE "$E/resources/AUTO"
expect_status 200 "DELETE a resource"
areq GET "$E/resources/AUTO/files"
expect_status 404 "deleted resource is gone"
finish
