#!/bin/bash
# Decide() judges seoibd's record by the rule the hook judges the published
# copy by (host_view_local(), HOST_ORIGIN_PUBLISHED): a record of another
# boot that seoibd keeps as its last good one (its first probe here failed)
# is no usable record for Decide() either, as it is for the hook and for
# seoibctl status.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

command -v busctl >/dev/null || skip "busctl is not installed"
start_bus
write_config

# A record of another boot at record-path, then a start whose probe hangs:
# seoibd keeps that record as its last good one.
start_daemon fixed --no-bus --boot-id=0123456789abcdef0123456789abcdef
stop_daemon
export FAKEKVM_HANG_SECONDS=60
write_config probe-timeout-ms=1000
start_daemon hang
jq -e '.host.boot_id == "01234567-89ab-cdef-0123-456789abcdef" and .last_probe.status == "timeout"' "$RECORD" \
	>/dev/null || fail "seoibd did not keep the other boot's record: $(head -c 400 "$RECORD")"
status=0
"$SEOIBCTL" status --config "$CONFIG" >"$WORK/status.out" 2>&1 || status=$?
[ "$status" -eq 3 ] || fail "seoibctl status on another boot's record exited $status: $(cat "$WORK/status.out")"

xml='<domain type="kvm"><name>split</name><uuid>8e7d1f0e-4a51-4b8f-9a40-5f0e3c2b6a12</uuid>
<os><type arch="x86_64" machine="pc-q35-7.2">hvm</type></os>
<features><acpi/><ioapic driver="qemu"/></features></domain>'
bus --json=short call org.seoib1 /org/seoib1 org.seoib1.Host Decide sas "$xml" 0 >"$WORK/decision.json" ||
	fail "Decide() failed: $(cat "$WORK/decision.json")"
jq -r '.data[0]' "$WORK/decision.json" >"$WORK/d.json"
jq -e '.host.can_run == null and (.host.why | test("another boot"))' "$WORK/d.json" >/dev/null ||
	fail "Decide() used another boot's record as this host's: $(jq -c .host "$WORK/d.json")"
stop_daemon
echo PASS
