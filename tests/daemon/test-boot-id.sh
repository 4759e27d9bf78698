#!/bin/bash
# seoibd --boot-id: the record carries the boot ID its service manager gave
# (seoibd.service: --boot-id=%b), in the form /proc/sys/kernel/random/boot_id
# has, and seoibctl status, which reads that file, compares against it. In a
# container seoibd's sandbox sees the host kernel's boot ID in its own procfs
# (docs/seoibd.md); tests/nspawn checks the whole under systemd-nspawn.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/no-bus-here
write_config

here=$(cat /proc/sys/kernel/random/boot_id)
other=0123456789abcdef0123456789abcdef

# This boot's ID as %b writes it (no dashes): the record is current.
start_daemon fixed --no-bus --boot-id="${here//-/}"
stop_daemon
recorded=$(jq -r .host.boot_id "$RECORD")
[ "$recorded" = "$here" ] || fail "--boot-id=${here//-/} recorded '$recorded', not $here"
"$SEOIBCTL" status --config "$CONFIG" >"$WORK/out" 2>&1 || fail "seoibctl status on a record of this boot: $(cat "$WORK/out")"

# Another boot's: recorded as given, and status says it is from another boot.
start_daemon fixed --no-bus --boot-id="$other"
stop_daemon
recorded=$(jq -r .host.boot_id "$RECORD")
[ "$recorded" = 01234567-89ab-cdef-0123-456789abcdef ] || fail "--boot-id=$other recorded '$recorded'"
status=0
"$SEOIBCTL" status --config "$CONFIG" >"$WORK/out" 2>&1 || status=$?
[ "$status" -eq 3 ] && grep -q 'from another boot' "$WORK/out" ||
	fail "seoibctl status (exit $status) on another boot's record: $(cat "$WORK/out")"

# Without it, /proc's.
start_daemon fixed --no-bus
stop_daemon
[ "$(jq -r .host.boot_id "$RECORD")" = "$here" ] || fail "without --boot-id: $(jq -r .host.boot_id "$RECORD")"

# A value that is no boot ID: exit 2, one sentence.
status=0
"$SEOIBD" --config "$CONFIG" --no-bus --boot-id=not-an-id 2>"$WORK/err" || status=$?
[ "$status" -eq 2 ] || fail "--boot-id=not-an-id exited $status, not 2"
grep -q "is not a boot ID (32 hexadecimal digits, or a UUID)" "$WORK/err" || fail "--boot-id=not-an-id: $(cat "$WORK/err")"
echo PASS
