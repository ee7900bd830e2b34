#!/usr/bin/env bash
# The README's main job: install, build, start the bundled XNAT emulator, make a synthetic
# DICOM session, upload it every way xnatctl offers, and verify what arrived.
# Everything runs on 127.0.0.1; the emulator stops by itself after 10 minutes at the latest
# and is stopped by PID when the demo ends.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
bin=${XNATCTL_BUILD_DIR:-$root/build}/bin

work=$(mktemp -d /tmp/xnatctl-demo-XXXXXX)
emulator_pid=""
cleanup() {
  [[ -n $emulator_pid ]] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
step "Start the bundled XNAT emulator (project DEMO, user admin:admin, DICOM receiver, under /xnat)"
"$bin/xnat-emulator" --data "$work/xnat" --port 0 --dicom-port 0 --port-file "$work/ports" \
  --project DEMO --context-path /xnat --max-runtime 600 > "$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 100); do [[ -s $work/ports ]] && break; sleep 0.1; done
http_port=$(sed -n 's/^http=//p' "$work/ports"); dicom_port=$(sed -n 's/^dicom=//p' "$work/ports")
url="http://127.0.0.1:$http_port/xnat"  # XNAT deployed as xnat.war, as many sites run it
echo "emulator: $url, DICOM receiver AE XNAT on port $dicom_port"

step "Make a synthetic session: 3 series x 40 slices of 256x256 MR"
show "$bin/xnat-gen-session" --out "$work/session" --series 3 --slices 40 --rows 256 --cols 256 \
  --project DEMO --subject SUBJ01 --session SESS01

export HOME="$work/home" XNAT_URL="$url" XNAT_USER=admin XNAT_PASS=admin
step "xnatctl and its plugins"
show "$bin/xnatctl" --version
show "$bin/xnatctl" plugin list

step "Log in and check who we are"
show "$bin/xnatctl" auth login
show "$bin/xnatctl" whoami
show "$bin/xnatctl" doctor

step "Upload the session every way"
show "$bin/xnatctl" session upload "$work/session" -P DEMO -S SUBJ01 -E SESS_ZIP --dry-run
show "$bin/xnatctl" session upload "$work/session" -P DEMO -S SUBJ01 -E SESS_ZIP --verify
show "$bin/xnatctl" session upload "$work/session" -P DEMO -S SUBJ01 -E SESS_ZIPFMT --archive-format zip --workers 8
show "$bin/xnatctl" session upload "$work/session" -P DEMO -S SUBJ01 -E SESS_GRADUAL --gradual --workers 8
tar -C "$work/session" -czf "$work/session.tgz" .
show "$bin/xnatctl" session upload "$work/session.tgz" -P DEMO -S SUBJ01 -E SESS_TGZ
show "$bin/xnatctl" session upload "$work/session" -P DEMO -S SUBJ01 -E SESS_REVIEW --prearchive
show "$bin/xnatctl" session upload-dicom "$work/session" --host 127.0.0.1 --port "$dicom_port" --called-aet XNAT

step "Baseline for comparison: curl posts the same files as one tar to the import service"
tar -C "$work/session" -cf "$work/session.tar" .
show curl -sS -u admin:admin -H 'Content-Type: application/x-tar' --data-binary @"$work/session.tar" \
  "$url/data/services/import?import-handler=DICOM-zip&project=DEMO&subject=SUBJ01&session=SESS_CURL&dest=/archive"
echo

step "Verify what arrived"
show "$bin/xnatctl" session list -P DEMO
show "$bin/xnatctl" scan list -P DEMO -E SESS_GRADUAL
show "$bin/xnatctl" session verify "$work/session" -P DEMO -S SUBJ01 -E SESS_GRADUAL
show "$bin/xnatctl" prearchive list --project DEMO
step "Demo finished"
