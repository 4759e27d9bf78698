#!/bin/bash
# The real binaries escape C1 controls and bidi overrides from guest names
# and record strings on every output: the hook's message (libvirt shows it,
# and it reaches the journal), policy in human and JSON form, status.
# U+009B is CSI for a terminal; U+202E (RLO) reverses what follows.
set -euo pipefail
: "${SEOIBCTL:?}" "${SEOIB_SOURCE_ROOT:?}" "${SEOIB_BUILD_ROOT:?}"
. "$(dirname "$0")/../lib.sh"
make_work_dir escape T
CSI=$'\xc2\x9b' RLO=$'\xe2\x80\xae'
NAME="win${CSI}2J${RLO}exe"
# raw FILE WHAT: no raw C1/bidi byte sequence, and the escapes are there.
raw() {
	if LC_ALL=C grep -q -e "$CSI" -e "$RLO" -e $'\x1b' "$1"; then fail "$2 printed a raw control: $(od -c "$1" | head)"; fi
	grep -qF 'win\u009b2J\u202eexe' "$1" || fail "$2 did not escape the name: $(cat "$1")"
}

# This boot's record (another boot's is stale) of a KVM guest (TCG guests
# are never exposed, so the hook would allow them).
jq --argjson now "$(date +%s)" --arg boot "$(cat /proc/sys/kernel/random/boot_id)" --arg kernel "$(uname -r)" \
	'.probe.time_unix = $now | .host.hostname = "hv1" | .host.boot_id = $boot | .host.kernel_release = $kernel' \
	"$SEOIB_SOURCE_ROOT/tests/record/data/legacy.json" >"$T/host.json"
printf 'record-path = %s/host.json\nhook-mode = enforce\n' "$T" >"$T/seoib.conf" # refused: enforcement is the operator's step
cat >"$T/guest.xml" <<XML
<domain type='kvm'>
  <name>$NAME</name>
  <uuid>6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d</uuid>
  <metadata><libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'><libosinfo:os id='http://microsoft.com/win/11'/></libosinfo:libosinfo></metadata>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/><hyperv mode='custom'><relaxed state='on'/></hyperv><ioapic driver='qemu'/></features>
  <cpu mode='host-passthrough'/>
</domain>
XML

# The hook, as libvirt runs it (refused: nothing is written under /run).
rc=0
"$SEOIB_BUILD_ROOT/cli/seoib-hook" --config "$T/seoib.conf" "$NAME" prepare begin - <"$T/guest.xml" 2>"$T/hook.err" || rc=$?
[ "$rc" = 1 ] || fail "hook: exit $rc: $(cat "$T/hook.err")"
raw "$T/hook.err" "the hook"

# policy: human output escaped; JSON escaped the JSON way, same value.
rc=0
"$SEOIBCTL" policy --xml "$T/guest.xml" --host "$T/host.json" >"$T/policy.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "policy: exit $rc: $(cat "$T/policy.out")"
raw "$T/policy.out" "policy"
rc=0
"$SEOIBCTL" policy --xml "$T/guest.xml" --host "$T/host.json" --json >"$T/policy.json" || rc=$?
raw "$T/policy.json" "policy --json"
[ "$(jq -r '.guest.name' "$T/policy.json")" = "$NAME" ] || fail "policy --json changed the name's value"

# status: a record's message with a bidi override and a C1 control (the
# reader already refuses C0 controls such as ESC in record strings).
jq --arg m "cannot open /dev/kvm ${RLO}gnorw $NAME" '.status = "kvm-unavailable" | .message = $m |
	.verdict.states = [] | .verdict.kernel_states = []' "$T/host.json" >"$T/bad.json"
rc=0
"$SEOIBCTL" status --config "$T/seoib.conf" --record "$T/bad.json" >"$T/status.out" 2>&1 || rc=$?
[ "$rc" = 3 ] || fail "status: exit $rc: $(cat "$T/status.out")"
raw "$T/status.out" "status"
echo "PASS"
