#!/bin/bash
# seoibctl check judges this host's own record (the source's VMM model, for a
# guest without seoib metadata) by the rule the hook uses, host_view_local()
# (issue 22): a two-hour-old record of this host with max-record-age = 60
# tells nothing, so a split guest's state is unknown (3), and the reason
# says why; the same record probed now tells the state (0). libvirt's
# in-process test driver: no daemon.
set -euo pipefail
: "${SEOIBCTL:?}" "${SEOIB_SOURCE_ROOT:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -s /etc/machine-id && -r /proc/sys/kernel/random/boot_id ]] ||
	{ echo "SKIP: no /etc/machine-id or boot_id here" >&2; exit 77; }
work=$(mktemp -d /tmp/seoib-check-own.XXXXXX)
trap 'rm -rf "$work"' EXIT
records="$SEOIB_SOURCE_ROOT/tests/policy/records"
now=$(date +%s)

# A running split guest with an I/O APIC 0x20 and no seoib metadata.
cat >"$work/node.xml" <<'XML'
<node>
  <domain type='test'><name>split20</name><memory>65536</memory><vcpu>2</vcpu>
    <os><type machine='pc-q35-8.2'>hvm</type></os>
    <features><acpi/><apic/><ioapic driver='qemu'/></features>
  </domain>
</node>
XML
# This host's record (its identity, this boot), VMM model automatic.
own() {
	jq --arg m "$(cat /etc/machine-id)" --arg h "$(hostname)" --arg b "$(cat /proc/sys/kernel/random/boot_id)" \
		--arg k "$(uname -r)" --argjson t "$1" \
		'.host.machine_id = $m | .host.hostname = $h | .host.boot_id = $b | .host.kernel_release = $k
		 | .probe.time_unix = $t | .probe.time = ($t | todate)' "$records/h1-fixed.json"
}
own $((now - 7200)) >"$work/own-old.json"
own "$now" >"$work/own-new.json"
jq --argjson t "$now" '.probe.time_unix = $t | .probe.time = ($t | todate)' "$records/h1-fixed.json" >"$work/dest.json"

check() {
	printf 'libvirt-uri =\nmax-record-age = 60\nrecord-path = %s\n' "$1" >"$work/seoib.conf"
	status=0
	timeout 30 "$SEOIBCTL" check --dest h1 --record-from-file "$work/dest.json" -c "test://$work/node.xml" \
		--config "$work/seoib.conf" --json >"$work/out" 2>"$work/err" || status=$?
}

check "$work/own-new.json"
[ "$status" -eq 0 ] || fail "a current record: exit $status: $(cat "$work/out" "$work/err")"
jq -e '.domains[0].state == "respected"' "$work/out" >/dev/null || fail "a current record: $(cat "$work/out")"

check "$work/own-old.json"
[ "$status" -eq 3 ] || fail "a two-hour-old record of this host was used: exit $status: $(cat "$work/out")"
jq -e '.domains[0].state == null and (.domains[0].reason | test("own-old.json is 7[0-9]{3} s old"))' "$work/out" \
	>/dev/null || fail "the reason does not say the record is too old: $(cat "$work/out")"
# check neither allows nor refuses (the destination's hook follows its own
# on-error), and what to do is done here: make this host's record current.
jq -e '(.domains[0].reason | test("on-error|allowing|refusing") | not)
	and (.domains[0].remediation | test("make this host.s record current .seoibctl status"))' "$work/out" \
	>/dev/null || fail "the reason or remediation of an unknown state: $(cat "$work/out")"
echo PASS
