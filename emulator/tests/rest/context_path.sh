#!/usr/bin/env bash
# XNAT deployed under a context path (--context-path /xnat), as behind https://host/xnat:
# routes exist only under it; the login redirect, cookie paths, the archive service's
# absolute Location and the files listing's serverRoot carry it; body URIs stay "/data/...".
source "$(dirname "$0")/lib.sh"

start_emulator ctx --context-path /xnat --project P1

req GET /data/auth -u admin:admin
expect_status 404 "outside the context path there is no XNAT"
req GET /xnat/data/auth -u admin:admin
expect_status 200 "/xnat/data/auth answers"
expect_eq "$BODY" "User 'admin' is logged in" "login under the context path"
if grep -qi '^Set-Cookie: JSESSIONID=.*Path=/xnat/' <<<"$HEADERS"; then ok "JSESSIONID cookie path is /xnat/"; else fail "cookie path: $HEADERS"; fi
req GET /xnat/xapi/users/username -u admin:admin
expect_eq "$BODY" "admin" "/xnat/xapi routes"
req GET /xnat/xapi/siteConfig/buildInfo -u admin:admin
expect_eq "$(json 'j["version"]')" "1.8.10" "buildInfo reports the XNAT version"
req GET /xnat/data/projects -A "Mozilla/5.0 (X11; Linux x86_64)"
expect_status 302 "browser without session is redirected"
if grep -qi '^Location: .*/xnat/app/template/Login.vm' <<<"$HEADERS"; then ok "login redirect carries the context path"; else fail "login redirect: $HEADERS"; fi

# An upload, then its URI (relative to the context, as XNAT returns it) used under /xnat.
mkdir -p "$WORK/dicom"
cp "$TESTDATA/MR_small.dcm" "$WORK/dicom/"
(cd "$WORK/dicom" && python3 -c "import zipfile; z = zipfile.ZipFile('$WORK/s.zip', 'w'); z.write('MR_small.dcm'); z.close()")
req POST "/xnat/data/services/import?import-handler=DICOM-zip&PROJECT_ID=P1&SUBJECT_ID=S1&EXPT_LABEL=E1&inbody=true" \
  -u admin:admin -H 'Content-Type: application/zip' --data-binary "@$WORK/s.zip"
expect_status 200 "import under the context path"
uri=$(head -n1 <<<"$BODY" | tr -d '\r')
if [[ "$uri" == /data/prearchive/* ]]; then ok "returned URI is relative to the context ($uri)"; else fail "returned URI: $uri"; fi
req POST "/xnat$uri?action=commit&SOURCE=uploader&dest=/archive/projects/P1/subjects/S1/experiments/E1&redirect=true" -u admin:admin
case "$STATUS" in 200|301|303) ok "commit of the returned URI under /xnat (status $STATUS)" ;; *) fail "commit: $STATUS ${BODY:0:200}" ;; esac
req POST "/xnat/data/services/archive?src=$uri&redirect=true" -u admin:admin
if [[ "$STATUS" == 303 ]]; then
  if grep -qi "^Location: http://127.0.0.1:$HTTP_PORT/xnat/data/archive/" <<<"$HEADERS"; then ok "archive Location carries the context path"; else fail "Location: $HEADERS"; fi
else
  ok "archive service status $STATUS (session already archived by commit)"
fi
echo note >"$WORK/note.txt"
req PUT "/xnat/data/projects/P1/subjects/S1/experiments/E1/resources/NOTES/files/note.txt?inbody=true" -u admin:admin --data-binary "@$WORK/note.txt"
case "$STATUS" in 200|201) ok "resource upload under the context path" ;; *) fail "resource upload: $STATUS ${BODY:0:200}" ;; esac
req GET "/xnat/data/projects/P1/subjects/S1/experiments/E1/resources/NOTES/files?format=json" -u admin:admin
expect_status 200 "files listing under the context path"
expect_eq "$(json 'j["ResultSet"]["Columns"][0]["serverRoot"]')" "/xnat" "files listing serverRoot is the context path"

# A context path must be a path.
if "$EMULATOR" --data "$WORK/bad" --port 0 --context-path xnat --max-runtime 5 2>"$WORK/bad.err"; then
  fail "--context-path without a leading slash accepted"
else
  ok "--context-path without a leading slash refused: $(cat "$WORK/bad.err")"
fi
finish
