#!/bin/bash
# Checks xnat-gen-session with third-party tools: sha256sum (determinism), dciodvfy (IOD
# validity, dicom3tools), dcmdump (routing comments), find (layout and counts).
# usage: gen_session_test.sh XNAT_GEN_SESSION
set -euo pipefail
GEN=${1:?path to xnat-gen-session}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

args=(--studies 2 --series 3 --slices 4 --rows 64 --cols 48 --seed 7)
timeout 60 "$GEN" -q --out "$T/a" "${args[@]}"
timeout 60 "$GEN" -q --out "$T/b" "${args[@]}"
timeout 60 "$GEN" -q --out "$T/c" "${args[@]:0:10}" --seed 8
sums() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum); }

echo "== determinism"
[ "$(sums "$T/a")" = "$(sums "$T/b")" ] || fail "two runs with the same arguments differ"
[ "$(sums "$T/a" | awk '{print $1}')" != "$(sums "$T/c" | awk '{print $1}')" ] ||
  fail "a different seed produced identical files"
# Not a single file may coincide between seeds (UIDs are in every file).
common=$(comm -12 <(sums "$T/a" | awk '{print $1}' | sort) <(sums "$T/c" | awk '{print $1}' | sort) | wc -l)
[ "$common" -eq 0 ] || fail "$common files identical across seeds"

echo "== layout and counts"
[ "$(find "$T/a" -type f | wc -l)" -eq 24 ] || fail "expected 2x3x4 files"
for k in 1 2; do
  for s in 1 2 3; do
    n=$(find "$T/a/study$k/series$s" -name 'IM*.dcm' | wc -l)
    [ "$n" -eq 4 ] || fail "study$k/series$s has $n files, expected 4"
  done
done
[ -f "$T/a/study2/series3/IM00004.dcm" ] || fail "IM<nnnnn>.dcm naming"

echo "== dciodvfy (no errors; warnings allowed)"
check_iod() {
  local out
  out=$(timeout 30 dciodvfy "$1" 2>&1) || true
  echo "$out" | sed 's/^/  /'
  if grep -q '^Error' <<<"$out"; then fail "dciodvfy reports errors for $1"; fi
  grep -qx "$2" <<<"$out" || fail "dciodvfy did not recognise $1 as $2"
}
check_iod "$T/a/study1/series2/IM00003.dcm" MRImage
timeout 60 "$GEN" -q --out "$T/ct" --modality CT --transfer-syntax implicit --series 1 --slices 2 --rows 32 --cols 32
check_iod "$T/ct/study1/series1/IM00002.dcm" CTImage
# Here-strings, not pipes: with pipefail, `grep -q` closing the pipe early fails the producer.
ct_dump=$(dcmdump "$T/ct/study1/series1/IM00002.dcm")
grep -q '(0002,0010) UI =LittleEndianImplicit' <<<"$ct_dump" ||
  fail "--transfer-syntax implicit not honoured"

echo "== routing comments"
timeout 60 "$GEN" -q --out "$T/r" --project PRJ1 --subject SUBJ_01 --session SESS-01 --series 1 --slices 1 --rows 16 --cols 16
dump=$(dcmdump "$T/r/study1/series1/IM00001.dcm")
grep -F '(0010,4000) LT [Project: PRJ1 Subject: SUBJ_01 Session: SESS-01]' <<<"$dump" ||
  fail "PatientComments assignment missing"
grep -qF '(0010,0020) LO [SESS-01]' <<<"$dump" || fail "PatientID should be the session label"
plain_dump=$(dcmdump "$T/a/study1/series1/IM00001.dcm")
grep -q '(0010,4000)' <<<"$plain_dump" &&
  fail "PatientComments written without --project/--subject/--session"

echo "== bad arguments are rejected"
if "$GEN" -q --out "$T/x" --project 'has space' 2>/dev/null; then fail "accepted a bad project"; fi
if "$GEN" -q --out "$T/x" --modality US 2>/dev/null; then fail "accepted modality US"; fi
if "$GEN" -q 2>/dev/null; then fail "ran without --out"; fi
echo "PASS"
