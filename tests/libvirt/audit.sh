#!/bin/bash
# seoibctl audit, ack and forget-state against a real libvirtd with the real
# hook, on a legacy host record (no Directed EOI flags): an at-risk Windows
# guest with a split irqchip is listed as refused at its next start (exit 1)
# and a Linux guest as allowed; --hook-mode warn and an acknowledgement turn
# the refusal into a warning, and the acknowledged guest really starts under
# enforce; seoibd's Audit() and Prometheus series say the same as audit;
# forget-state clears a sticky recorded state only while the guest
# is shut off; check --dest marks a running guest at risk here although it
# may migrate; no usable record follows on-error (exit 3 / 1).
set -euo pipefail
. "$SEOIB_SOURCE_ROOT/tests/libvirt/lib.sh"
lv_skip_unless_possible
make_work_dir libvirt-audit T
at_exit lv_cleanup
A=$T/a
WIN=6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e
LIN=7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e
OLD=9c1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e
lv_kvm_guests "$T/kvm"
lv_prepare "$A" a hv-legacy 11111111-2222-3333-4444-555555555556 0
lv_record legacy hv-legacy "$A/run/seoib/host.json"
lv_start "$A"
lv_domain win11 $WIN windows >"$T/win11.xml"
lv_domain vm-linux $LIN linux >"$T/linux.xml"
# A state recorded once (by seoibd or apply, under hook-mode = warn): sticky.
lv_domain win-old $OLD windows quirked >"$T/old.xml"
for x in win11 linux old; do lv_virsh "$A" define "$T/$x.xml" >/dev/null; done
lv_virsh "$A" start vm-linux >/dev/null

# audit runs on the instance's "host": its /run/seoib and libvirt socket.
audit() { # WANT-RC ARGS...: leaves stdout in $out
	local want=$1 rc=0; shift
	out=$(lv_exec "$A" "$SEOIBCTL" audit --config "$A/seoib.conf" "$@" 2>"$T/audit.err") || rc=$?
	[ "$rc" = "$want" ] || lv_fail "audit $*: exit $rc, not $want: $out $(cat "$T/audit.err")"
}
row() { jq -c --arg n "$1" '.domains[] | select(.name == $n)' <<<"$out"; }
expect_row() { # NAME JQ-FILTER WHAT
	jq -e "$2" <<<"$(row "$1")" >/dev/null || lv_fail "$3: $(row "$1")"
}

# enforce: the Windows guests would be refused, the Linux guest is clear.
audit 1 --json
jq -e '.schema == "seoib.audit/1" and .hook_mode == "enforce" and .verdict == "refuse" and .record.usable' \
	<<<"$out" >/dev/null || lv_fail "audit header: $out"
expect_row win11 '.hook.verdict == "refuse" and .risk == "high" and .active == false and .persistent
	and .start_state == "quirked" and .acknowledged == false and .decision.guest.irqchip == "split"' "win11"
expect_row win11 '.hook.remediation | contains("<ioapic driver='"'kvm'"'/>")' "win11's remediation"
expect_row win-old '.hook.verdict == "refuse" and .decision.sticky' "win-old (recorded quirked)"
expect_row vm-linux '.hook.verdict == "allow" and .active and .running_state == "quirked" and .risk != "high"' "vm-linux"
[ "$(jq '.domains | length' <<<"$out")" = 3 ] || lv_fail "audit lists $(jq '.domains | length' <<<"$out") domains, not 3"
# The table says the same, with the remediation.
audit 1
lv_expect_contains "$out" "win11" "audit table"
lv_expect_contains "$out" "refuse" "audit table"
lv_expect_contains "$out" "to fix: switch guest win11 to the in-kernel irqchip" "audit table"
lv_expect_contains "$out" "2 would be refused" "audit summary"
lv_expect_contains "$out" "remedy: seoibctl apply --domain win11 --remediation auto" "audit table"
lv_expect_contains "$out" "or accept the risk: seoibctl ack --domain win11 --reason TEXT" "audit table's ack hint (the guest's name, not NAME)"
grep -E '^vm-linux +running +quirked +quirked +[a-z]+ +allow' <<<"$out" >/dev/null || lv_fail "vm-linux's row: $out"
# A dry run of warn mode, and warn mode itself: nothing refused.
audit 0 --json --hook-mode warn
expect_row win11 '.hook.verdict == "warn"' "win11 under --hook-mode warn"
lv_config "$A" warn allow
audit 0 --json
expect_row win11 '.hook.verdict == "warn"' "win11 under hook-mode = warn"
lv_config "$A" enforce allow

# seoibd publishes the same audit: Audit() on its bus (a private one here)
# gives the verdicts seoibctl audit gives for the same record, and the
# guests' Prometheus series name the guests at risk, beside its textfile.
SEOIBD="$SEOIB_BUILD_ROOT/daemon/seoibd"
mkdir -p "$T/prom" "$T/cache"
cat >"$T/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path=$T/bus.sock</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/>
<allow receive_sender="*"/></policy></busconfig>
CONF
dbus-daemon --config-file="$T/bus.conf" --fork --print-pid=3 3>"$T/bus.pid"
BUS="unix:path=$T/bus.sock"
cat >"$T/seoibd.conf" <<CONF
hook-mode = enforce
behaviour-probe = no
qemu = /usr/bin/qemu-system-x86_64
record-path = $T/seoibd-record.json
max-record-age = 3600
prometheus-textfile = $T/prom/seoib.prom
CONF
lv_exec "$A" bash -c 'echo $$ >"$1"; DBUS_SYSTEM_BUS_ADDRESS=$2 exec "$3" --config "$4" --cache-dir "$5" 2>"$6"' \
	seoibd "$T/seoibd.pid" "$BUS" "$SEOIBD" "$T/seoibd.conf" "$T/cache" "$T/seoibd.log" &
at_exit 'lv_kill_pidfile "$T/seoibd.pid"; lv_kill_pidfile "$T/bus.pid"'
daemon_audit() { busctl --address="$BUS" --timeout=10 --json=short call org.seoib1 /org/seoib1 org.seoib1.Host Audit \
	2>/dev/null | jq -r '.data[0]'; }
for i in $(seq 1 120); do
	json=$(daemon_audit || true)
	[ -n "$json" ] && jq -e '.record.usable and (.domains | length) == 3' <<<"$json" >/dev/null 2>&1 && break
	[ "$i" != 120 ] || lv_fail "seoibd's Audit() never listed the 3 guests with a usable record: $json; $(cat "$T/seoibd.log")"
	sleep 0.25
done
# A probe that ended well leaves nothing behind: seoibd's own children (the
# pre-warmer's QEMU asking about the running vm-linux) are not its strays.
! grep -E "the probe left running|cannot ask the QEMU of guest" "$T/seoibd.log" ||
	lv_fail "seoibd killed its own pre-warming QEMU as the probe's stray: $(cat "$T/seoibd.log")"
out=$(lv_exec "$A" "$SEOIBCTL" audit --config "$T/seoibd.conf" --json || true)
[ "$(jq -c '[.domains[] | {name, v: .hook.verdict, r: .risk}]' <<<"$json")" = \
  "$(jq -c '[.domains[] | {name, v: .hook.verdict, r: .risk}]' <<<"$out")" ] ||
	lv_fail "seoibd's audit and seoibctl audit differ: $json ... $out"
# win-old runs recorded quirked on a split irqchip: at high risk on any host.
for i in $(seq 1 40); do grep -q '^seoib_guests_audited 3$' "$T/prom/seoib-guests.prom" 2>/dev/null && break; sleep 0.25; done
grep -q '^seoib_guests_audited 3$' "$T/prom/seoib-guests.prom" || lv_fail "guests' series: $(cat "$T/prom/seoib-guests.prom" 2>&1)"
# seoibd judges with its own probe's record: where it finds no KVM (a
# machine without /dev/kvm: kvm-on-tcg runs the guests), it cannot judge
# them, and the hook's answer is on-error's (error-allow).
hook=refuse
if [ "$(jq -r .status "$T/seoibd-record.json")" != ok ]; then
	hook=error-allow
	echo "seoibd's own probe found no KVM here ($(jq -r .status "$T/seoibd-record.json")): its audit says error-allow"
fi
grep -Eq '^seoib_guest_at_risk\{domain="win-old",uuid="'$OLD'",hook="'$hook'",acknowledged="false"\} 1$' "$T/prom/seoib-guests.prom" ||
	lv_fail "no at-risk series for win-old: $(cat "$T/prom/seoib-guests.prom")"
! grep -q 'domain="vm-linux"' "$T/prom/seoib-guests.prom" || lv_fail "vm-linux has an at-risk series"
lv_kill_pidfile "$T/seoibd.pid"
# seoibd given a boot ID that is not its /proc's (--boot-id=%b in a
# container, whose sandbox sees the host kernel's: docs/seoibd.md) records
# that one, and judges its own record against it: its audit still finds
# the record usable, not "from another boot".
rm -f "$T/seoibd-record.json"
lv_exec "$A" bash -c 'echo $$ >"$1"; DBUS_SYSTEM_BUS_ADDRESS=$2 exec "$3" --config "$4" --cache-dir "$5" --boot-id=0123456789abcdef0123456789abcdef 2>"$6"' \
	seoibd "$T/seoibd.pid" "$BUS" "$SEOIBD" "$T/seoibd.conf" "$T/cache" "$T/seoibd.log" &
for i in $(seq 1 120); do
	json=$(daemon_audit || true)
	[ -n "$json" ] && [ -e "$T/seoibd-record.json" ] &&
		jq -e '(.domains | length) == 3 and (.record.usable or (.record.problem | test("cannot be opened") | not))' \
			<<<"$json" >/dev/null 2>&1 && break
	[ "$i" != 120 ] || lv_fail "seoibd --boot-id never audited the 3 guests on its record: $json; $(cat "$T/seoibd.log")"
	sleep 0.25
done
[ "$(jq -r .host.boot_id "$T/seoibd-record.json")" = 01234567-89ab-cdef-0123-456789abcdef ] ||
	lv_fail "seoibd --boot-id recorded $(jq -r .host.boot_id "$T/seoibd-record.json")"
jq -e '.record.usable' <<<"$json" >/dev/null ||
	lv_fail "seoibd --boot-id judged its own record by its sandbox's /proc: $(jq -c .record <<<"$json")"
lv_kill_pidfile "$T/seoibd.pid"
lv_kill_pidfile "$T/bus.pid"

# ack: written into the persistent metadata; the gate then allows the start.
ack() { lv_exec "$A" "$SEOIBCTL" ack --config "$A/seoib.conf" "$@"; }
rc=0; ack --domain win11 >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || lv_fail "ack without --reason: exit $rc, not 2"
ack --domain win11 --reason "VBS is off inside; checked by <ops> & co" >/dev/null
lv_virsh "$A" dumpxml --inactive win11 | grep -q "reason=\"VBS is off inside; checked by &lt;ops&gt; &amp; co\"" ||
	lv_fail "no acknowledgement in win11's persistent XML: $(lv_virsh "$A" dumpxml --inactive win11 | grep -i ack)"
audit 1 --json
expect_row win11 '.hook.verdict == "warn" and .acknowledged and .ack.reason == "VBS is off inside; checked by <ops> & co"
	and .ack.by == "root" and (.hook.reason | contains("acknowledged by root"))' "acknowledged win11"
expect_row win-old '.hook.verdict == "refuse"' "win-old (not acknowledged)"
rc=0; err=$(lv_virsh "$A" start win11 2>&1) || rc=$?
[ "$rc" = 0 ] || lv_fail "virsh start of the acknowledged win11 was refused under enforce: $err"
jq -e '.verdict == "warn"' "$A/run/seoib/domains/$WIN.json" >/dev/null ||
	lv_fail "acknowledged win11's hook record: $(cat "$A/run/seoib/domains/$WIN.json")"
lv_virsh "$A" destroy win11 >/dev/null
ack --remove --domain win11 --json | jq -e '.domain == "win11" and .acknowledged == false' >/dev/null ||
	lv_fail "ack --remove --json"
audit 1 --json
expect_row win11 '.hook.verdict == "refuse" and .acknowledged == false and .ack == null' "win11 after ack --remove"
rc=0; err=$(lv_virsh "$A" start win11 2>&1) || rc=$?
[ "$rc" != 0 ] || lv_fail "win11 started under enforce after its acknowledgement was removed"
lv_expect_contains "$err" "seoib: refused" "virsh error after ack --remove"

# forget-state: never under a running guest; cleared once it is shut off,
# the acknowledgement kept.
forget() { lv_exec "$A" "$SEOIBCTL" forget-state --config "$A/seoib.conf" "$@"; }
ack --domain win-old --reason "keep" >/dev/null
LV_STATE_BEFORE=$(lv_virsh "$A" dumpxml --inactive win-old | grep -c "seoib:guest" || true)
[ "$LV_STATE_BEFORE" -ge 1 ] || lv_fail "win-old has no recorded state to begin with"
lv_virsh "$A" start win-old >/dev/null # acknowledged: starts
# check --dest answers the migration question ("ok": the destination can
# run quirked) and says that the running guest is at risk here already.
rc=0; out=$(lv_exec "$A" "$SEOIBCTL" check --dest hv-legacy --record-from-file "$A/run/seoib/host.json" \
	--config "$A/seoib.conf") || rc=$?
[ "$rc" = 0 ] || lv_fail "check --dest: exit $rc: $out"
# The running guest's CPU is what libvirt made of <cpu> on this host: its
# definition asks for vmx on a qemu64 (which has neither vmx nor svm in
# seoib's model); where the host cannot give vmx (no nesting, as on kvm_pvm,
# or TCG through kvm-on-tcg), libvirt disables it in the live XML, the guest
# cannot run its own hypervisor, and it is rightly not at risk here
# (docs/policy.md, "Who is the victim").
here=at-risk risk=high
if lv_virsh "$A" dumpxml win-old | grep -q "<feature policy='disable' name='vmx'/>"; then
	here='-' risk=low
	echo "this host cannot give vmx: libvirt disabled it in win-old's live CPU, so check must not mark it at risk"
fi
grep -Eq "^win-old +quirked +ok +$here" <<<"$out" || lv_fail "check does not mark win-old '$here' here: $out"
grep -Eq '^vm-linux +quirked +ok +- ' <<<"$out" || lv_fail "check marks vm-linux: $out"
[ "$here" = '-' ] || lv_expect_contains "$out" "see 'seoibctl audit'" "check's at-risk line"
out=$(lv_exec "$A" "$SEOIBCTL" check --dest hv-legacy --record-from-file "$A/run/seoib/host.json" \
	--config "$A/seoib.conf" --json)
jq -e --arg risk "$risk" '(.domains[] | select(.name == "win-old") | .verdict == "ok" and .risk_here == $risk)
	and (.domains[] | select(.name == "vm-linux") | .risk_here != "high")' <<<"$out" >/dev/null ||
	lv_fail "check --json risk_here: $out"
rc=0; forget --domain win-old >/dev/null 2>"$T/forget.err" || rc=$?
[ "$rc" = 1 ] || lv_fail "forget-state of a running guest: exit $rc, not 1"
lv_expect_contains "$(cat "$T/forget.err")" "is running" "forget-state of a running guest"
lv_virsh "$A" dumpxml --inactive win-old | grep -q "seoib:guest" || lv_fail "forget-state changed a running guest"
lv_virsh "$A" destroy win-old >/dev/null
msg=$(forget --domain win-old)
lv_expect_contains "$msg" "recorded state quirked" "forget-state message"
! lv_virsh "$A" dumpxml --inactive win-old | grep -q "seoib:guest" || lv_fail "the recorded state is still there"
lv_virsh "$A" dumpxml --inactive win-old | grep -q 'reason="keep"' || lv_fail "forget-state removed the acknowledgement"
audit 1 --json
expect_row win-old '.decision.sticky == false and .hook.verdict == "warn"' "win-old after forget-state"
msg=$(forget --domain win-old)
lv_expect_contains "$msg" "no recorded state" "forget-state again"
forget --domain win-old --json | jq -e '.cleared == false and .state == null' >/dev/null || lv_fail "forget-state --json"

# No usable record: every guest follows on-error.
rm "$A/run/seoib/host.json"
audit 3 --json
expect_row vm-linux '.hook.verdict == "error-allow"' "vm-linux without a record, on-error = allow"
jq -e '.record.usable == false and (.record.problem | contains("no usable host record"))' <<<"$out" >/dev/null ||
	lv_fail "record problem: $out"
# The summary counts the guests on-error = allow lets start unjudged.
audit 3
lv_expect_contains "$out" "3 allowed unjudged (on-error = allow)" "audit summary without a record"
lv_config "$A" enforce deny
audit 1 --json
expect_row vm-linux '.hook.verdict == "error-deny"' "vm-linux without a record, on-error = deny"
echo "PASS: audit, ack, forget-state"
