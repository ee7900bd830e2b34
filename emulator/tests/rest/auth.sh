#!/usr/bin/env bash
# Authentication (xnat-server-api.md §1.5, §2.1, §2.2, §2.3): Basic on any request, JSESSION,
# cookie sessions with idle timeout, 401 vs 302 by User-Agent, users from flags and YAML, TLS.
source "$(dirname "$0")/lib.sh"

cat >"$WORK/config.yaml" <<'YAML'
users:
  - alice:wonder
  - {name: bob, password: builder}
projects:
  - P1
YAML
start_emulator auth --session-timeout 2 --config "$WORK/config.yaml" --user carol:c4rol

# §1.5 / §2.5: no credentials, non-browser UA → 401 with the Basic challenge.
req GET /data/auth -A "curl-test"
expect_status 401 "§1.5 unauthenticated non-browser request is 401"
if grep -qi '^WWW-Authenticate: Basic realm="XNAT"' <<<"$HEADERS"; then ok "§1.5 WWW-Authenticate Basic realm=\"XNAT\""; else fail "§1.5 challenge header missing: $HEADERS"; fi
# §1.5: browser-like UA → 302 to the login page.
req GET /data/projects -A "Mozilla/5.0 (X11; Linux x86_64)"
expect_status 302 "§1.5 browser User-Agent is redirected to the login page"
# §2.1: bad password → 401.
req GET /data/auth -u alice:wrong
expect_status 401 "§2.1 wrong password is 401"
# §2.1 users from YAML and --user; the default admin is not created when users are given.
req GET /data/auth -u alice:wonder
expect_status 200 "§2.1 YAML scalar user logs in"
expect_eq "$BODY" "User 'alice' is logged in" "§2.3 /data/auth body"
req GET /data/auth -u bob:builder
expect_status 200 "§2.1 YAML map user logs in"
req GET /data/auth -u carol:c4rol
expect_status 200 "§2.1 --user NAME:PASSWORD logs in"
req GET /data/auth -u admin:admin
expect_status 401 "default admin:admin only when no user is configured"
# §2.1: provider/username prefix.
req GET /xapi/users/username -u localdb/alice:wonder
expect_eq "$BODY" "alice" "§2.1 provider-prefixed user name; §2.3 /xapi/users/username"

# §2.2 JSESSION: body = cookie value, no newline; cookie then authenticates.
req POST /data/JSESSION -u alice:wonder
expect_status 200 "§2.2 POST /data/JSESSION"
SID=$BODY
if [[ "$SID" =~ ^[0-9A-F]{32}$ ]]; then ok "§2.2 session id is the bare id text"; else fail "§2.2 odd session id '$SID'"; fi
if grep -q "Set-Cookie: JSESSIONID=$SID" <<<"$HEADERS"; then ok "§2.2 Set-Cookie JSESSIONID equals the body"; else fail "§2.2 cookie mismatch: $HEADERS"; fi
req GET /data/JSESSION -u alice:wonder --cookie "JSESSIONID=$SID"
expect_eq "$BODY" "$SID" "§2.2 GET /data/JSESSION with live cookie returns the same session"
req GET /data/JSESSION -u alice:wonder -G -d CSRF=true
expect_body_contains "; XNAT_CSRF=" "§1.6 ?CSRF=true appends the token"
req GET /xapi/users/username --cookie "JSESSIONID=$SID"
expect_status 200 "§2.2 cookie-only request is authenticated"
expect_eq "$BODY" "alice" "§2.3 /xapi/users/username via cookie"
# Session idle timeout (--session-timeout 2): a stale cookie gets 401 (§2.2).
sleep 3
req GET /data/auth --cookie "JSESSIONID=$SID"
expect_status 401 "§2.2 cookie expires after the idle timeout"
# DELETE /data/JSESSION invalidates the session (§2.2).
req POST /data/JSESSION -u bob:builder
SID2=$BODY
req DELETE /data/JSESSION --cookie "JSESSIONID=$SID2"
expect_status 200 "§2.2 DELETE /data/JSESSION"
req GET /data/auth --cookie "JSESSIONID=$SID2"
expect_status 401 "§2.2 invalidated session is refused"
# DELETE /xapi/users/active/{user} ends all of a user's sessions (§2.2).
req POST /data/JSESSION -u carol:c4rol
SID3=$BODY
req DELETE /xapi/users/active/carol -u alice:wonder
expect_status 200 "§2.2 DELETE /xapi/users/active/{user}"
expect_body_contains "\"$SID3\"" "§2.2 answers the invalidated session ids"
req GET /data/auth --cookie "JSESSIONID=$SID3"
expect_status 401 "§2.2 those sessions are gone"
# A bad cookie with good Basic credentials still works (Basic on any request, §2.1).
req GET /data/auth -u bob:builder --cookie "JSESSIONID=NOPE"
expect_status 200 "§2.1 Basic wins over a stale cookie"
stop_emulator

# TLS: --tls-cert/--tls-key serve HTTPS (issue 4 §2).
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
start_emulator tls --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
BODY=$(curl -s --cacert "$WORK/cert.pem" -u admin:admin "https://localhost:$HTTP_PORT/data/auth")
expect_eq "$BODY" "User 'admin' is logged in" "HTTPS with a self-signed certificate"
finish
