#!/usr/bin/env bash
# The seed's "Managing the Prearchive After Upload" and "Verifying Your Upload" workflow
# (../shared/seed/uploading.rst) through the real xnatctl binary against the emulator: list,
# archive, delete, move, rebuild, --wait, CONFLICT explained, and one-line errors for bad input.
# Most sessions reach the prearchive through the import service directly (curl), so each case
# controls exactly what the server holds; the seed's own workflow uses `session upload`.
EMULATOR=${1:?usage: $0 xnat-emulator xnatctl}
XNATCTL=${2:?usage: $0 xnat-emulator xnatctl}
source "$(dirname "$0")/../../../emulator/tests/rest/lib.sh" "$EMULATOR"
set +e
export HOME="$WORK/home" XDG_CONFIG_HOME= XDG_STATE_HOME= XDG_DATA_HOME=
unset XNAT_TOKEN XNAT_PROFILE XNAT_TIMEOUT XNAT_VERIFY_SSL
mkdir -p "$HOME"
start_emulator prearc --project MYPROJECT --project OTHER --build-idle 1 --build-tick 0.2
export XNAT_URL="$URL" XNAT_USER=admin XNAT_PASS=admin

# x ARGS… — runs xnatctl without a terminal; sets RC, OUT, ERR.
x() {
  "$XNATCTL" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
  RC=$?
  OUT=$(cat "$WORK/out")
  ERR=$(cat "$WORK/err")
}
expect_rc() {  # expect_rc WANT what
  if [[ $RC -eq $1 ]]; then ok "$2"; else fail "$2: exit $RC, want $1; stderr: $ERR; stdout: ${OUT:0:300}"; fi
}
one_line_error() {  # one_line_error RC PATTERN what — exit RC, one stderr line matching PATTERN
  local lines  # (--wait's progress lines aside)
  lines=$(grep -v '^waiting (' <<<"$ERR" | grep -c .)
  if [[ $RC -eq $1 && $lines -eq 1 ]] && grep -q -- "$2" <<<"$ERR"; then
    ok "$3"
  else
    fail "$3: exit $RC, stderr ($lines lines): $ERR"
  fi
}
expect_body_contains_err() { if [[ "$ERR" == *"$1"* ]]; then ok "$2"; else fail "$2: stderr lacks '$1': $ERR"; fi; }
out_json() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" <<<"$OUT"; }
# upload LABEL [extra query] [study UID] [series numbers] — a session into MYPROJECT's
# prearchive (2 files in the first series, 1 in the others); sets TS.
upload() {
  local label=$1 extra=${2:-} study=${3:-1.2.826.0.1.3680043.2.1143.$RANDOM$RANDOM}
  local series=${4:-1 2} n=2
  rm -rf "$WORK/s"
  for no in $series; do
    make_series "$WORK/s/$no" "$n" "$study" "$no"
    n=1
  done
  (cd "$WORK" && rm -f s.zip && mkzip s.zip s)
  areq POST "/data/services/import?PROJECT_ID=MYPROJECT&SUBJECT_ID=MYSUBJECT&EXPT_LABEL=$label$extra" \
    -H "Content-Type: application/zip" --data-binary @"$WORK/s.zip"
  local uri
  uri=$(tr -d '\r\n' <<<"$BODY")
  TS=$(cut -d/ -f6 <<<"$uri")
  [[ "$uri" == /data/prearchive/projects/MYPROJECT/*/"$label" ]] || fail "upload of $label: $STATUS $BODY"
}

# --- upload -> review in prearchive (the seed's `prearchive list --project MYPROJECT`)
STUDY1=1.2.826.0.1.3680043.2.1143.4242
upload Session1 "&dest=/prearchive/projects/MYPROJECT" "$STUDY1"
TS1=$TS
x prearchive list --project MYPROJECT
expect_rc 0 "prearchive list --project MYPROJECT"
expect_eq "$(grep -c "Session1" <<<"$OUT")" "1" "the table shows Session1 once"
expect_eq "$(head -1 <<<"$OUT" | tr -s ' ')" "project timestamp folder name status scan_date subject uploaded" \
  "table columns: project, timestamp, folder, name, status, scan date, subject, uploaded"
x -o json prearchive list --project MYPROJECT
expect_eq "$(out_json "j[0]['project']+' '+j[0]['timestamp']+' '+j[0]['folder']+' '+j[0]['subject']")" \
  "MYPROJECT $TS1 Session1 MYSUBJECT" "-o json rows carry project, timestamp, folder, subject"
x prearchive list --project MYPROJECT -q
expect_eq "$OUT" "MYPROJECT/$TS1/Session1" "-q prints PROJECT/TIMESTAMP/FOLDER"
x prearchive list
expect_rc 0 "prearchive list without --project lists every project"

# --wait: a RECEIVING session is built by the idle builder within the wait.
upload Waiting
TSW=$TS
x prearchive list -P MYPROJECT --wait 30
expect_rc 0 "prearchive list --wait 30 returns once nothing is RECEIVING"
expect_eq "$(grep "Waiting" <<<"$OUT" | tr -s ' ' | cut -d' ' -f5)" "READY" "--wait: the session is READY afterwards"
# --wait with its value left out (plugin ABI 1.1 implicit value): alone it waits 600 s.
x prearchive list --help
expect_rc 0 "prearchive list --help"
if grep -q -- "--wait \[SECONDS\] .*alone: 600" <<<"$OUT"; then ok "--help shows '--wait [SECONDS]' and what it means alone"; else fail "--help: $OUT"; fi
upload Held
TSH=$TS
x prearchive list -P MYPROJECT --wait
expect_rc 0 "prearchive list --wait (alone) returns once the new session is built"
expect_eq "$(grep "Held" <<<"$OUT" | tr -s ' ' | cut -d' ' -f5)" "READY" "--wait alone: Held is READY afterwards"
x prearchive list -P MYPROJECT --wait surplus
one_line_error 2 "unexpected argument 'surplus'" "--wait WORD: a word that is no number stays an argument"
# A session still BUILDING: --wait 5 gives up after 5 s and archives nothing.
areq POST "/data/prearchive/projects/MYPROJECT/$TSH/Held?action=set-status&status=BUILDING"
expect_status 200 "(set-up) Held is BUILDING"
started=$SECONDS
x prearchive archive MYPROJECT "$TSH" Held --subject MYSUBJECT --label HELD --wait 5
waited=$((SECONDS - started))
one_line_error 1 "Held is still BUILDING after 5 s; nothing was archived" "archive --wait 5 on a BUILDING session times out"
if ((waited >= 5 && waited < 30)); then ok "--wait 5 waited 5 s ($waited s)"; else fail "--wait 5 waited $waited s"; fi
expect_eq "$(grep -c '^waiting (5 s left) for MYPROJECT/.*/Held BUILDING' <<<"$ERR")" "1" "--wait 5: progress names the BUILDING session"
x prearchive list -P MYPROJECT --wait=1
expect_rc 1 "list --wait=1 while Held is BUILDING fails"
expect_body_contains_err "still busy after 1 s" "--wait=1: the timeout says so"
# --wait alone before the positionals: PROJECT stays the first argument; the session finishes
# building (the emulator is told so after 2 s) and is archived.
(sleep 2; curl -s -o /dev/null -u admin:admin -X POST \
  "$URL/data/prearchive/projects/MYPROJECT/$TSH/Held?action=set-status&status=READY") &
flip=$!
x prearchive archive --wait MYPROJECT "$TSH" Held --subject MYSUBJECT --label HELD
wait "$flip"
expect_rc 0 "prearchive archive --wait PROJECT TS FOLDER archives once BUILDING is over"
expect_eq "$(grep -c '^waiting (600 s left) for MYPROJECT/.*/Held BUILDING' <<<"$ERR")" "1" "--wait alone waits up to 600 s"
expect_eq "$(sed -n 3p <<<"$OUT" | cut -d' ' -f1)" "/data/archive/projects/MYPROJECT/subjects/MYSUBJECT/experiments/HELD" \
  "--wait alone: archived as HELD"

upload Stuck "&prevent_auto_commit=true"
TSS=$TS
x prearchive list -P MYPROJECT --wait 1
expect_rc 1 "--wait 1 on a session that stays RECEIVING fails"
expect_body_contains_err "still busy after 1 s" "the timeout says what is still busy"
expect_eq "$(grep -c Stuck <<<"$OUT")" "1" "the rows are still listed after a timeout"
x prearchive archive MYPROJECT "$TSS" Stuck --subject MYSUBJECT --label STUCK --wait 1
one_line_error 1 "is still RECEIVING after 1 s; nothing was archived" "archive --wait times out in one line, archiving nothing"
expect_eq "$(grep -c '^waiting (1 s left) for MYPROJECT/.*/Stuck RECEIVING' <<<"$ERR")" "1" "--wait shows progress on stderr"

# --- archive to permanent storage (the seed's command, flags as written)
x prearchive archive MYPROJECT "$TS1" Session1 --subject MYSUBJECT --label MYSESSION
expect_rc 0 "prearchive archive MYPROJECT TS Session1 --subject MYSUBJECT --label MYSESSION"
expect_eq "$(sed -n 3p <<<"$OUT" | cut -d' ' -f1)" "/data/archive/projects/MYPROJECT/subjects/MYSUBJECT/experiments/MYSESSION" \
  "the new archive URI is printed"
x prearchive list --project MYPROJECT -q
expect_eq "$(grep -c Session1 <<<"$OUT")" "0" "the archived session left the prearchive"

# --- Verifying Your Upload: session list, scan list, prearchive list together
x session list -P MYPROJECT
expect_rc 0 "session list -P MYPROJECT"
expect_eq "$(grep -c MYSESSION <<<"$OUT")" "1" "session list shows the archived session"
x scan list -E MYSESSION -P MYPROJECT -q
expect_eq "$(tr '\n' ' ' <<<"$OUT")" "1 2 " "scan list -E MYSESSION -P MYPROJECT shows both scans"
x prearchive list --project MYPROJECT -q
expect_eq "$(grep -c "/$TSW/Waiting" <<<"$OUT")" "1" "prearchive list still shows the session not yet archived"
x scan list -E Waiting -P MYPROJECT
one_line_error 1 "may be in the prearchive: 'xnatctl prearchive list --project MYPROJECT'" \
  "scan list of a session still in the prearchive points to prearchive list"
x session list -P OTHER
expect_body_contains_err "sessions waiting for review are listed by 'xnatctl prearchive list --project OTHER'" \
  "an empty session list points to prearchive list"

# --- a CONFLICT explained, and the way out
upload MYSESSION "&dest=/prearchive/projects/MYPROJECT" "$STUDY1" 3
TSC=$TS
x prearchive archive MYPROJECT "$TSC" MYSESSION --subject MYSUBJECT
one_line_error 1 "Session already exists.*--overwrite append" "archiving onto an existing label fails in one line naming --overwrite append"
x prearchive list --project MYPROJECT
expect_body_contains_err "MYPROJECT/$TSC/MYSESSION is CONFLICT: " "list explains the CONFLICT row"
expect_body_contains_err "--overwrite append" "list names the way out"
x prearchive archive MYPROJECT "$TSC" MYSESSION --subject MYSUBJECT --overwrite append
expect_rc 0 "archive --overwrite append merges into the existing session"
x scan list -E MYSESSION -P MYPROJECT -q
expect_eq "$(tr '\n' ' ' <<<"$OUT")" "1 2 3 " "the merged session has the new scan too"
x prearchive archive MYPROJECT "$TSW" Waiting --overwrite sideways
one_line_error 2 "--overwrite takes 'append'" "--overwrite with another value is a usage error"

# --- delete (the seed's command), and its confirmation
upload Delete1 "&dest=/prearchive/projects/MYPROJECT"
TSD=$TS
x prearchive delete MYPROJECT "$TSD" Delete1
one_line_error 2 "pass --yes" "delete without --yes and without a terminal refuses in one line"
x prearchive delete MYPROJECT "$TSD" Delete1 --dry-run
[[ "$OUT" == *"would delete MYPROJECT/$TSD/Delete1"* ]] && ok "--dry-run says what it would delete" || fail "--dry-run: $OUT"
x prearchive delete MYPROJECT "$TSD" Delete1 --yes
expect_rc 0 "prearchive delete MYPROJECT TS Delete1 --yes"
x prearchive list --project MYPROJECT -q
expect_eq "$(grep -c Delete1 <<<"$OUT")" "0" "the deleted session is gone"
x prearchive delete MYPROJECT "$TSD" Delete1 --yes
one_line_error 1 "no prearchive timestamp '$TSD' in project MYPROJECT" "deleting it again names what is missing"

# --- move (positional, as the Python tool, and --to) and rebuild
upload Move1 "&dest=/prearchive/projects/MYPROJECT"
TSM=$TS
x prearchive move MYPROJECT "$TSM" Move1 OTHER
expect_rc 0 "prearchive move MYPROJECT TS Move1 OTHER"
x prearchive list --project OTHER -q
expect_eq "$OUT" "OTHER/$TSM/Move1" "the session is in OTHER now"
x prearchive move OTHER "$TSM" Move1 --to MYPROJECT
expect_rc 0 "prearchive move … --to MYPROJECT"
x prearchive move MYPROJECT "$TSM" Move1 --to NOSUCH
one_line_error 3 "moving MYPROJECT/$TSM/Move1 to project NOSUCH failed" "moving to an unknown project fails in one line"
x prearchive rebuild MYPROJECT "$TSM" Move1
expect_rc 0 "prearchive rebuild sends the action XNAT accepts (build)"
x -q prearchive rebuild MYPROJECT "$TSM" Move1
expect_eq "$OUT|$ERR" "MYPROJECT/$TSM/Move1|" "-q prints the session only"
x -o json prearchive rebuild MYPROJECT "$TSM" Move1
expect_eq "$(out_json "j[0]['status']")" "READY" "rebuild reports the new status"

# --- the seed's workflow with xnatctl alone: session upload --prearchive -> prearchive list ->
# prearchive archive -> session list and scan list show it
rm -rf "$WORK/seed"
make_series "$WORK/seed/1" 2 1.2.826.0.1.3680043.2.1143.777 1
x session upload "$WORK/seed" -P MYPROJECT -S MYSUBJECT -E SEEDSESS --prearchive
expect_rc 0 "session upload --prearchive"
x prearchive list --project MYPROJECT -q
TSD=$(grep "/SEEDSESS$" <<<"$OUT" | cut -d/ -f2)
if [[ -n $TSD ]]; then ok "prearchive list shows the uploaded session"; else fail "prearchive list lacks SEEDSESS: $OUT"; fi
x prearchive archive MYPROJECT "$TSD" SEEDSESS
expect_rc 0 "prearchive archive of the session session upload put there"
x session list -P MYPROJECT
if grep -q "SEEDSESS" <<<"$OUT"; then ok "session list shows it archived"; else fail "session list lacks SEEDSESS: $OUT"; fi
x scan list -P MYPROJECT -E SEEDSESS
expect_rc 0 "scan list -P MYPROJECT -E SEEDSESS"

# --- bad inputs: one line, non-zero
x prearchive archive MYPROJECT 20000101_000000000 Move1
one_line_error 1 "no prearchive timestamp '20000101_000000000' in project MYPROJECT (there: " "an unknown timestamp is named"
x prearchive archive MYPROJECT "$TSM" Nope
one_line_error 1 "no prearchive session 'Nope' under MYPROJECT/$TSM (there: Move1)" "an unknown session under a timestamp is named"
x prearchive list --project NOSUCH
one_line_error 1 "no prearchive for project 'NOSUCH'" "an unknown project is one line"
x prearchive rebuild MYPROJECT ../x Move1
one_line_error 2 "invalid timestamp" "a timestamp that is not one path segment is a usage error"
x prearchive archive MYPROJECT "$TSM"
one_line_error 2 "needs SESSION_NAME" "a missing positional is a usage error"

finish
