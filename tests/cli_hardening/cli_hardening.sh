#!/usr/bin/env bash
# Hostile command lines and configurations for the real xnatctl (docs/security.md): each is a
# one-line usage error (exit 2), never a retry, an overflow or a header sent as given.
set -uo pipefail
XNATCTL=${1:?usage: $0 /path/to/xnatctl}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/xnatctl-cli-hardening.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export HOME="$WORK/home" XDG_CONFIG_HOME= XDG_STATE_HOME= XDG_DATA_HOME=
unset XNAT_URL XNAT_USER XNAT_PASS XNAT_TOKEN XNAT_PROFILE XNAT_TIMEOUT XNAT_VERIFY_SSL
mkdir -p "$HOME/.config/xnatctl"
CFG="$HOME/.config/xnatctl/config.yaml"
FAILS=0 PASSES=0
ok() { PASSES=$((PASSES + 1)); echo "ok - $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL - $*"; }
# usage_error "what" PATTERN cmd… — exit 2, exactly one stderr line matching PATTERN.
usage_error() {
  local what=$1 pattern=$2
  shift 2
  "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
  local rc=$? lines
  lines=$(wc -l <"$WORK/err")
  if [[ $rc -eq 2 && $lines -eq 1 ]] && grep -q -- "$pattern" "$WORK/err"; then
    ok "$what"
  else
    fail "$what: exit $rc, stderr: $(cat "$WORK/err")"
  fi
}

# 7: out-of-range timeouts
usage_error "XNAT_TIMEOUT=2147483648 is out of range" "XNAT_TIMEOUT must be a number of seconds between" \
  env XNAT_URL=http://127.0.0.1:9 XNAT_TIMEOUT=2147483648 "$XNATCTL" auth status
usage_error "config init --timeout 2147483648 is out of range" "between 1 and" \
  "$XNATCTL" config init --url http://127.0.0.1:9 --timeout 2147483648
usage_error "--timeout 99999999999999999999 says out of range" "out of range" \
  "$XNATCTL" config init --url http://127.0.0.1:9 --timeout 99999999999999999999
printf 'profiles:\n  default:\n    url: http://127.0.0.1:9\n    timeout: 2147483648\n' >"$CFG"
usage_error "a profile timeout of 2147483648 is out of range" "timeout must be between" "$XNATCTL" auth status
rm -f "$CFG"

# 9: control characters never become headers
usage_error "XNAT_TOKEN with CR/LF is refused" "XNAT_TOKEN contains a control character" \
  env XNAT_URL=http://127.0.0.1:9 XNAT_TOKEN=$'abc\r\nX-Injected: 1' "$XNATCTL" whoami
usage_error "XNAT_USER with CR/LF is refused on one line" "user name" \
  env XNAT_URL=http://127.0.0.1:9 XNAT_USER=$'bob\r\nX: 1' XNAT_PASS=x "$XNATCTL" whoami

# 11: unreadable config paths, missing profiles, duplicate keys
rm -f "$CFG" && mkdir "$CFG"
usage_error "a config path that is a directory" "it is a directory" "$XNATCTL" config show
rmdir "$CFG" && ln -s "$CFG" "$CFG"
usage_error "a config path that is a symlink loop" "cannot read config file" "$XNATCTL" config show
rm -f "$CFG"
printf 'default_profile: zz\nprofiles:\n  a:\n    url: http://127.0.0.1:9\n  b:\n    url: http://127.0.0.1:9\n' >"$CFG"
usage_error "default_profile naming a missing profile" "profile 'zz' not found.*profiles there: a, b" \
  "$XNATCTL" auth status
usage_error "-p '' is refused" "needs a profile name" "$XNATCTL" -p '' auth status
printf 'profiles:\n  a:\n    url: http://127.0.0.1:9\n    url: http://127.0.0.2:9\n' >"$CFG"
usage_error "a key given twice" "key 'url' is given twice" "$XNATCTL" config show
rm -f "$CFG"

# 12: invalid URL at once, missing user name, unknown leading option
usage_error "a URL with a space is exit 2 at once" "invalid server URL" \
  env XNAT_URL='http://127.0.0.1 :80' "$XNATCTL" whoami
env XNAT_URL=http://127.0.0.1:9 "$XNATCTL" auth login --password-stdin <<<"pw" >"$WORK/out" 2>"$WORK/err"
rc=$?
[[ $rc -eq 3 ]] && grep -q "no user name" "$WORK/err" && ok "login without a user says the user name is missing" \
  || fail "login without user: exit $rc: $(cat "$WORK/err")"
usage_error "a leading unknown option is an unrecognised option" "unrecognised option '--bogus'" \
  "$XNATCTL" --bogus plugin list

# 8: a failed write to stdout is exit 1 with one line, for any command and -o json too
"$XNATCTL" plugin list >"$WORK/listing" 2>/dev/null
[[ -s "$WORK/listing" ]] || fail "plugin list printed nothing, so the next checks prove nothing"
stdout_fails() {  # stdout_fails "what" REDIRECTION cmd…
  local what=$1 redirect=$2
  shift 2
  case $redirect in
    full) "$@" >/dev/full 2>"$WORK/err" </dev/null ;;
    closed) "$@" >&- 2>"$WORK/err" </dev/null ;;
  esac
  local rc=$? lines
  lines=$(wc -l <"$WORK/err")
  if [[ $rc -eq 1 && $lines -eq 1 ]] && grep -q "^error: cannot write to standard output" "$WORK/err"; then
    ok "$what"
  else
    fail "$what: exit $rc, stderr: $(cat "$WORK/err")"
  fi
}
stdout_fails "plugin list > /dev/full is exit 1" full "$XNATCTL" plugin list
stdout_fails "-o json plugin list > /dev/full is exit 1" full "$XNATCTL" -o json plugin list
stdout_fails "plugin list with stdout closed is exit 1" closed "$XNATCTL" plugin list
stdout_fails "-o json config show with stdout closed is exit 1" closed "$XNATCTL" -o json config show
"$XNATCTL" config init --url http://127.0.0.1:9 >&- 2>"$WORK/err"
rc=$?
# With fd 1 closed, config.yaml must not be opened as fd 1 and receive the output.
[[ $rc -eq 1 ]] && ! grep -q "Saved profile" "$CFG" && ok "a closed stdout never lands in config.yaml" \
  || fail "config init with stdout closed: exit $rc; config: $(cat "$CFG")"
rm -f "$CFG"

# 13: profile names
usage_error "config add-profile '' is refused" "profile name must not be empty" \
  "$XNATCTL" config add-profile '' --url http://127.0.0.1:9
usage_error "a profile name with a line break is refused" "control characters" \
  "$XNATCTL" config add-profile $'a\nb' --url http://127.0.0.1:9
[[ ! -e "$CFG" ]] && ok "a refused profile name writes no config" || fail "config written: $(cat "$CFG")"

# issue 7: config.yaml is opened once per process
if command -v strace >/dev/null; then
  printf 'default_profile: a\nprofiles:\n  a:\n    url: http://127.0.0.1:9\n    default_project: P\n' >"$CFG"
  strace -f -e trace=open,openat -o "$WORK/trace" env XNAT_TOKEN=t "$XNATCTL" -o json whoami >/dev/null 2>&1
  opens=$(grep -c 'config.yaml"' "$WORK/trace")
  [[ $opens -eq 1 ]] && ok "config.yaml is opened once (whoami: policy, defaults, output, connect)" \
    || fail "config.yaml opened $opens times"
else
  fail "strace is missing (scripts/install-deps.sh installs it)"
fi

echo "$PASSES passed, $FAILS failed"
[[ $FAILS -eq 0 ]]
