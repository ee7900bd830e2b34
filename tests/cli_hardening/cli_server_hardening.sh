#!/usr/bin/env bash
# The real xnatctl against hostile or unusual servers (docs/security.md): the project's
# emulator with --fault-404/--fault-redirect, and a loopback listener that never answers.
# Every server here is on 127.0.0.1, bounded by --max-runtime or a timeout, stopped by PID.
set -uo pipefail
XNATCTL=${1:?usage: $0 /path/to/xnatctl /path/to/xnat-emulator}
EMULATOR=${2:?usage: $0 /path/to/xnatctl /path/to/xnat-emulator}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/xnatctl-cli-server-hardening.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
export HOME="$WORK/home" XDG_CONFIG_HOME= XDG_STATE_HOME= XDG_DATA_HOME=
unset XNAT_URL XNAT_USER XNAT_PASS XNAT_TOKEN XNAT_PROFILE XNAT_TIMEOUT XNAT_VERIFY_SSL
SESSIONS="$HOME/.config/xnatctl/sessions"
FAILS=0 PASSES=0
ok() { PASSES=$((PASSES + 1)); echo "ok - $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL - $*"; }
fresh_home() { rm -rf "$HOME" && mkdir -p "$HOME/.config/xnatctl"; }

# start_emulator NAME [args…] — sets URL and PORT; its stderr is $WORK/NAME.err.
start_emulator() {
  local name=$1
  shift
  "$EMULATOR" --data "$WORK/$name" --port 0 --port-file "$WORK/$name.ports" --max-runtime 110 \
    "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  PIDS+=($!)
  for _ in $(seq 1 200); do
    [[ -s "$WORK/$name.ports" ]] && break
    sleep 0.05
  done
  PORT=$(sed -n 's/^http=//p' "$WORK/$name.ports")
  URL="http://127.0.0.1:$PORT"
  [[ -n "$PORT" ]] || { echo "emulator $name did not start: $(cat "$WORK/$name.err")"; exit 1; }
}

# run cmd… — RC, OUT, ERR and ERR_LINES of one command (stdin empty).
run() {
  "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
  RC=$?
  OUT=$(cat "$WORK/out") ERR=$(cat "$WORK/err") ERR_LINES=$(wc -l <"$WORK/err")
}
as_admin() { env XNAT_URL="$URL" XNAT_USER=admin XNAT_PASS=admin "$XNATCTL" "$@"; }

# --- 10: whoami must not present the local user name as the server's answer
fresh_home
start_emulator plain
run as_admin -o json whoami
[[ $RC -eq 0 && "$OUT" == *'"username": "admin"'* ]] && ok "whoami names the user the server confirms" \
  || fail "whoami on a plain emulator: exit $RC: $OUT $ERR"
start_emulator nowho --fault-404 /xapi/users/username --fault-404 /data/auth
fresh_home
run as_admin -o json whoami
if [[ $RC -ne 0 && $ERR_LINES -eq 1 && "$ERR" == *"did not confirm the user name"* &&
  "$OUT" != *admin* ]]; then
  ok "whoami with both endpoints 404: says the server did not confirm it, exit $RC"
else
  fail "whoami with both endpoints 404: exit $RC, stdout: $OUT, stderr: $ERR"
fi

# --- 15: a redirect on login is named and never followed with credentials
start_emulator target --verbose
TARGET=$URL
curl -s -o /dev/null "$TARGET/data/projects" || true
grep -q "GET /data/projects" "$WORK/target.err" || fail "the target emulator does not log requests"
start_emulator moved --fault-redirect "$TARGET"
fresh_home
run as_admin auth login
if [[ $RC -ne 0 && $ERR_LINES -eq 1 && "$ERR" == *"login at $URL"*": HTTP 302 redirect to $TARGET/data/JSESSION"* ]]; then
  ok "a 302 on login names its Location"
else
  fail "302 on login: exit $RC, stderr: $ERR"
fi
sleep 0.2
if grep -q "JSESSION" "$WORK/target.err"; then
  fail "the redirect was followed: $(grep JSESSION "$WORK/target.err")"
else
  ok "the redirect target never got the login (credentials not sent there)"
fi

# --- 13: long profile names work with the token cache; an unwritable cache is one warning
fresh_home
URL=$(sed -n 's/^http=//p' "$WORK/plain.ports") && URL="http://127.0.0.1:$URL"
LONG=$(printf 'p%.0s' $(seq 1 300))
run "$XNATCTL" config add-profile "$LONG" --url "$URL"
[[ $RC -eq 0 ]] || fail "add-profile with a 300-character name: exit $RC: $ERR"
run env XNAT_USER=admin XNAT_PASS=admin "$XNATCTL" -p "$LONG" auth login
run "$XNATCTL" -p "$LONG" -o json whoami
if [[ $RC -eq 0 && "$OUT" == *'"session": "cached"'* && -z "$ERR" ]]; then
  ok "a 300-character profile name keeps its cached session"
else
  fail "300-character profile: exit $RC, stdout: $OUT, stderr: $ERR"
fi
ls "$SESSIONS" | awk '{ if (length($0) > 255) bad = 1 } END { exit bad }' \
  && ok "cache file names stay within NAME_MAX" || fail "a cache file name is too long"

fresh_home
printf 'not a directory\n' >"$SESSIONS"  # root can write anywhere; a file in the way cannot be
run as_admin auth login
if [[ $RC -eq 0 && $ERR_LINES -eq 1 && "$ERR" == "warning: cannot cache the session token"* ]]; then
  ok "auth login with an unwritable cache: succeeds with one warning line"
else
  fail "auth login with an unwritable cache: exit $RC, stderr: $ERR"
fi
run as_admin whoami
if [[ $RC -eq 0 && $ERR_LINES -eq 1 && "$ERR" == "warning: cannot cache the session token"* &&
  "$OUT" == *admin* ]]; then
  ok "whoami logging in with an unwritable cache: succeeds with one warning line"
else
  fail "whoami with an unwritable cache: exit $RC, stdout: $OUT, stderr: $ERR"
fi

# --- 14: a sessions directory open to others is tightened (and its files), or refused
fresh_home
mkdir -m 0777 "$SESSIONS" && chmod 0777 "$SESSIONS"
run as_admin auth login
dir_mode=$(stat -c %a "$SESSIONS")
[[ $RC -eq 0 && $dir_mode == 700 && "$ERR" == *"tightened $SESSIONS from mode 0777 to 0700"* ]] \
  && ok "auth login tightens a 0777 sessions directory to 0700, saying so" \
  || fail "login into a 0777 sessions directory: exit $RC, now $dir_mode, stderr: $ERR"
chmod 0777 "$SESSIONS" && chmod 0644 "$SESSIONS/default.json"
run env XNAT_URL="$URL" "$XNATCTL" -o json whoami
dir_mode=$(stat -c %a "$SESSIONS") file_mode=$(stat -c %a "$SESSIONS/default.json")
if [[ $RC -eq 0 && $dir_mode == 700 && $file_mode == 600 && "$OUT" == *'"session": "cached"'* ]]; then
  ok "reading the cache tightens the directory to 0700 and a 0644 token file to 0600"
else
  fail "cached whoami in a 0777 directory: exit $RC, now $dir_mode/$file_mode, $OUT $ERR"
fi
if [[ $(id -u) -eq 0 ]] && id nobody >/dev/null 2>&1; then
  fresh_home
  mkdir -m 0700 "$SESSIONS" && chown nobody "$SESSIONS"
  run as_admin auth login
  if [[ $RC -eq 0 && "$ERR" == *"belongs to another user"* && -z $(ls -A "$SESSIONS") ]]; then
    ok "a sessions directory owned by another user is not used"
  else
    fail "foreign sessions directory: exit $RC, stderr: $ERR, files: $(ls -A "$SESSIONS")"
  fi
fi

# --- 6: Ctrl-C stops a request to a server that accepts and never answers
python3 - "$WORK/hung.port" <<'EOF' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(1)
held, end = [], time.time() + 60  # bounded: gone after a minute whatever happens
while time.time() < end:
    try:
        held.append(s.accept()[0])  # accept, read nothing, answer nothing
    except socket.timeout:
        pass
EOF
PIDS+=($!)
for _ in $(seq 1 100); do [[ -s "$WORK/hung.port" ]] && break; sleep 0.05; done
fresh_home
env XNAT_URL="http://127.0.0.1:$(cat "$WORK/hung.port")" XNAT_TOKEN=t "$XNATCTL" whoami \
  >"$WORK/out" 2>"$WORK/err" </dev/null &
client=$!
sleep 2
kill -0 $client 2>/dev/null || fail "whoami ended before Ctrl-C: $(cat "$WORK/err")"
start=$(date +%s%N)
kill -INT $client
for _ in $(seq 1 50); do kill -0 $client 2>/dev/null || break; sleep 0.1; done
if kill -0 $client 2>/dev/null; then
  kill -KILL $client
  wait $client 2>/dev/null
  fail "whoami still running 5 s after SIGINT"
else
  wait $client
  rc=$? ms=$((($(date +%s%N) - start) / 1000000))
  [[ $rc -eq 130 && $ms -lt 2000 ]] && ok "SIGINT stops a hung whoami: exit 130 after ${ms} ms" \
    || fail "SIGINT on a hung whoami: exit $rc after ${ms} ms: $(cat "$WORK/err")"
fi

echo "$PASSES passed, $FAILS failed"
[[ $FAILS -eq 0 ]]
