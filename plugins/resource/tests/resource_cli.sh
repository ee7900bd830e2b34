#!/usr/bin/env bash
# The seed's "Uploading Non-DICOM Resources" (../shared/seed/uploading.rst) through the real
# xnatctl binary against the emulator: a nested BIDS-like directory keeps its structure and
# bytes, a single file, a scan-level resource, duplicates with and without --overwrite,
# JSON output, `resource list`, and one-line errors for bad input.
EMULATOR=${1:?usage: $0 xnat-emulator xnatctl}
XNATCTL=$(realpath "${2:?usage: $0 xnat-emulator xnatctl}")  # the test cds into its work dir
source "$(dirname "$0")/../../../emulator/tests/rest/lib.sh" "$EMULATOR"
set +e
export HOME="$WORK/home" XDG_CONFIG_HOME= XDG_STATE_HOME= XDG_DATA_HOME=
unset XNAT_TOKEN XNAT_PROFILE XNAT_TIMEOUT XNAT_VERIFY_SSL
mkdir -p "$HOME"
start_emulator res --project P1
export XNAT_URL="$URL" XNAT_USER=admin XNAT_PASS=admin

x() {
  "$XNATCTL" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
  RC=$?
  OUT=$(cat "$WORK/out")
  ERR=$(cat "$WORK/err")
}
expect_rc() {
  if [[ $RC -eq $1 ]]; then ok "$2"; else fail "$2: exit $RC, want $1; stderr: $ERR; stdout: ${OUT:0:300}"; fi
}
one_line_error() {
  local lines
  lines=$(grep -c . <<<"$ERR")
  if [[ $RC -eq $1 && $lines -eq 1 ]] && grep -q -- "$2" <<<"$ERR"; then
    ok "$3"
  else
    fail "$3: exit $RC, stderr ($lines lines): $ERR"
  fi
}
out_json() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" <<<"$OUT"; }
# files_of PATH — "relative/path md5" per line of a resource's file listing, sorted.
files_of() {
  areq GET "$1/files?format=json"
  json "'\n'.join(sorted(r['URI'].split('/files/',1)[1]+' '+r['digest'] for r in j['ResultSet']['Result']))"
}
# local_files DIR — the same for a local tree.
local_files() { (cd "$1" && find . -type f | sed 's|^\./||' | sort | while read -r f; do echo "$f $(md5sum <"$f" | cut -d' ' -f1)"; done); }

# An archived session with scans 1 and 2.
STUDY=1.2.826.0.1.3680043.2.1143.8080
make_series "$WORK/dcm/1" 1 "$STUDY" 1
make_series "$WORK/dcm/2" 1 "$STUDY" 2
(cd "$WORK" && mkzip dcm.zip dcm)
areq POST "/data/services/import?dest=/archive/projects/P1/subjects/SUB/experiments/MR1" \
  -H "Content-Type: application/zip" --data-binary @"$WORK/dcm.zip"
areq GET "/data/projects/P1/experiments/MR1?format=json"
E=$(json "j['items'][0]['data_fields']['ID']")
[[ "$E" == XNAT_E* ]] && ok "session archived as $E" || fail "no experiment ID: $BODY"

# A nested BIDS-like tree, hidden file included, one name with a space.
B="$WORK/bids_dataset"
mkdir -p "$B/sub-01/anat" "$B/sub-01/func" "$B/derivatives/qc"
head -c 300000 /dev/urandom >"$B/sub-01/anat/sub-01_T1w.nii.gz"
echo '{"TaskName":"rest"}' >"$B/sub-01/func/sub-01_task-rest_bold.json"
head -c 70000 /dev/urandom >"$B/sub-01/func/sub-01_task-rest_bold.nii.gz"
echo '{"Name":"demo","BIDSVersion":"1.8.0"}' >"$B/dataset_description.json"
echo 'derivatives/' >"$B/.bidsignore"
echo 'qc notes' >"$B/derivatives/qc/report one.txt"

# --- Upload a Directory to a Session Resource (the seed's command)
cd "$WORK" && x resource upload "$E" BIDS ./bids_dataset
expect_rc 0 "resource upload $E BIDS ./bids_dataset"
expect_eq "$(files_of "/data/experiments/$E/resources/BIDS")" "$(local_files "$B")" \
  "the tree arrived with its structure and bytes (md5 of every file)"

# --- Upload a File to a Session Resource
head -c 123457 /dev/urandom >"$WORK/t1w.nii.gz"
x resource upload "$E" NIFTI ./t1w.nii.gz
expect_rc 0 "resource upload $E NIFTI ./t1w.nii.gz"
expect_eq "$(files_of "/data/experiments/$E/resources/NIFTI")" "t1w.nii.gz $(md5sum <"$WORK/t1w.nii.gz" | cut -d' ' -f1)" \
  "the file is stored under its own name, byte for byte"

# --- Upload to a Scan Resource
mkdir -p "$WORK/qc_pngs"
head -c 5000 /dev/urandom >"$WORK/qc_pngs/axial.png"
head -c 6000 /dev/urandom >"$WORK/qc_pngs/sagittal.png"
x -o json resource upload "$E" SNAPSHOTS ./qc_pngs --scan 1
expect_rc 0 "resource upload $E SNAPSHOTS ./qc_pngs --scan 1"
expect_eq "$(files_of "/data/experiments/$E/scans/1/resources/SNAPSHOTS" | cut -d' ' -f1 | tr '\n' ' ')" "axial.png sagittal.png " \
  "the scan-level resource holds the files"
expect_eq "$(out_json "j[0]['uri']+' '+j[0]['files']+' '+j[0]['bytes']+' '+j[0]['duplicates']")" \
  "/data/experiments/$E/scans/1/resources/SNAPSHOTS 2 11000 0" "JSON output: resource URI, files, bytes, duplicates"

# --- duplicates without and with --overwrite
x resource upload "$E" BIDS "$B"
one_line_error 1 "6 of 6 files already existed in BIDS and were not replaced: .*pass --overwrite" \
  "re-uploading the tree: every file a duplicate → exit 1, listed in one line"
echo 'new' >"$B/sub-01/anat/new.txt"
x -o json resource upload "$E" BIDS "$B"
expect_rc 4 "a tree with new and existing files → exit 4 (partial)"
expect_eq "$(out_json "j[0]['duplicates']+'/'+j[0]['files']")" "6/7" "JSON output counts the duplicates"
expect_eq "$(files_of "/data/experiments/$E/resources/BIDS" | grep -c 'sub-01/anat/new.txt')" "1" "the new file arrived"
head -c 300000 /dev/urandom >"$B/sub-01/anat/sub-01_T1w.nii.gz"
x resource upload "$E" BIDS "$B" --overwrite
expect_rc 0 "--overwrite replaces existing files"
expect_eq "$(files_of "/data/experiments/$E/resources/BIDS")" "$(local_files "$B")" "after --overwrite the server has the new bytes"
x resource upload "$E" NIFTI "$WORK/t1w.nii.gz"
one_line_error 1 "1 of 1 file already existed in NIFTI" "a duplicate single file → exit 1"

# --- SESSION as a label with -P; progress for a large file
head -c $((20 * 1024 * 1024)) /dev/urandom >"$WORK/big.nii"
x resource upload MR1 BIG "$WORK/big.nii" -P P1
expect_rc 0 "SESSION as a label with -P"
[[ "$ERR" == *"100% (20.0 MiB of 20.0 MiB)"* ]] && ok "progress lines for a large file" || fail "no progress: $ERR"
expect_eq "$(files_of "/data/experiments/$E/resources/BIG" | cut -d' ' -f2)" "$(md5sum <"$WORK/big.nii" | cut -d' ' -f1)" \
  "the large file arrived intact"

x -q resource upload "$E" BIG2 "$WORK/big.nii"
expect_eq "$OUT|$ERR" "/data/experiments/$E/resources/BIG2|" "-q prints the resource URI only, no progress"

# --- resource list
x -o json resource list "$E"
expect_rc 0 "resource list $E"
expect_eq "$(out_json "' '.join(r['label']+':'+r['files'] for r in j)")" "BIDS:7 BIG:1 BIG2:1 NIFTI:1" "resource list: labels and file counts"
x resource list "$E" --scan 1 -q
expect_eq "$(tr "\n" " " <<<"$OUT")" "DICOM SNAPSHOTS " "resource list --scan 1 (the imported DICOM and the new resource)"

# --- bad inputs: one line, non-zero
x resource upload XNAT_E99999 BIDS "$B"
one_line_error 1 "no session with the experiment ID 'XNAT_E99999'" "an unknown session"
x resource upload NOPE BIDS "$B" -P P1
one_line_error 1 "no session 'NOPE' in project P1" "an unknown label in a project"
x resource upload "$E" SNAPSHOTS "$WORK/qc_pngs" --scan 7
one_line_error 1 "session $E has no scan '7' (its scans: 1, 2)" "an unknown scan"
x resource upload "$E" BIDS "$WORK/missing"
one_line_error 2 "no such file or directory: $WORK/missing" "a missing path is a usage error"
mkdir -p "$WORK/empty"
x resource upload "$E" EMPTY "$WORK/empty"
one_line_error 2 "has no files" "an empty directory is a usage error"
x resource upload "$E" "a/b" "$B"
one_line_error 2 "invalid resource label" "a label with '/' is a usage error"

finish
