#!/usr/bin/env bash
# The DICOM receiver wired into xnat-emulator (xnat-server-api.md §7.2, §7.3, §3.9), driven by
# DCMTK's echoscu/storescu; objects go through the same per-object import as gradual-DICOM.
source "$(dirname "$0")/lib.sh"
export TCP_NODELAY=1  # toolchain.md §2.5
start_emulator scp --project P1 --dicom-port 0 --dicom-aet XNAT
[[ "$DICOM_PORT" =~ ^[0-9]+$ ]] && ok "port file carries dicom=PORT" || fail "no dicom port"

echoscu -aec XNAT 127.0.0.1 "$DICOM_PORT" && ok "§7.2 C-ECHO" || fail "C-ECHO failed"
dicom_with "$TESTDATA/MR_small.dcm" "$WORK/mr.dcm" "(0010,4000)=Project: P1 Subject: CS1 Session: CSESS1"
storescu -aec XNAT 127.0.0.1 "$DICOM_PORT" "$WORK/mr.dcm" "$TESTDATA/CT_small.dcm" && ok "§7.2 C-STORE accepted" || fail "C-STORE failed"
areq GET /data/prearchive/projects/P1
expect_eq "$(json "[r['subject'] for r in j['ResultSet']['Result'] if r['name']=='CSESS1'][0]")" "CS1" "§7.3 routed by PatientComments into P1"
FILES=$(find "$DATA/prearchive/P1" -path '*CSESS1/SCANS/1/DICOM/*' -type f -printf '%f\n')
[[ "$FILES" =~ ^1\.3\.6\.1\.4\.1\.5962\.1\.2\.4\.20040826185059\.5457-1-1-[0-9a-z]+\.dcm$ ]] && ok "§7.2/§3.9 C-STORE objects get template names" || fail "template name: $FILES"
STORED=$(find "$DATA/prearchive/P1" -path '*CSESS1/SCANS/1/DICOM/*' -type f)
expect_eq "$(dcmdump +P 0008,0018 "$STORED")" "$(dcmdump +P 0008,0018 "$WORK/mr.dcm")" "§3.4.9 the received object is stored (same SOP instance)"
areq GET /data/prearchive/projects/Unassigned
expect_eq "$(json "len(j['ResultSet']['Result'])")" "1" "§7.3 CT without routing lands in Unassigned"
RC=0
storescu -aec WRONG 127.0.0.1 "$DICOM_PORT" "$TESTDATA/CT_small.dcm" 2>/dev/null || RC=$?
[[ $RC -ne 0 ]] && ok "§7.2 unknown called AE title rejected" || fail "wrong AE accepted"
stop_emulator

start_emulator scpabort --project P1 --dicom-port 0 --fault-scp-abort-after 1
RC=0
storescu -aec XNAT 127.0.0.1 "$DICOM_PORT" "$TESTDATA/MR_small.dcm" "$TESTDATA/CT_small.dcm" 2>/dev/null || RC=$?
[[ $RC -ne 0 ]] && ok "--fault-scp-abort-after 1 aborts the association" || fail "no abort"
finish
