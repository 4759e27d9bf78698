#!/bin/bash
# The hook under hostile and odd input, invoked directly as libvirt would:
# malformed and huge XML, unknown operations, a missing record, a UUID that
# tries to escape /run/seoib, stdin that never ends, 20 concurrent calls,
# an arrival's authorisation at started begin.
# And check --dest with host names that try option or shell injection.
set -euo pipefail
. "$SEOIB_SOURCE_ROOT/tests/libvirt/lib.sh"
lv_skip_unless_possible
# The XML goes to the hook directly: a KVM guest, whatever this machine has.
export LV_DOMAIN_TYPE=kvm
# A private /run so the hook's /run/seoib is this test's alone.
if [ -z "${LV_IN_NS:-}" ]; then
	exec env LV_IN_NS=1 unshare --mount --propagation private "$0" "$@"
fi
mount --make-rprivate /
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/seoib
make_work_dir hostile T
UUID=6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
lv_config "$T" enforce allow
lv_record legacy hv-legacy /run/seoib/host.json

hook() { # STDIN-FILE ARGS... ; sets rc, out, err
	rc=0
	timeout 30 "$SEOIBCTL" hook --config "$T/seoib.conf" "${@:2}" <"$1" >"$T/out" 2>"$T/err" || rc=$?
	out=$(cat "$T/out"); err=$(cat "$T/err")
}
expect() { # RC WHAT
	[ "$rc" = "$1" ] || lv_fail "$2: exit $rc, expected $1; stderr: $err"
	[ -z "$out" ] || lv_fail "$2: printed on stdout (it replaces the XML for migrate/restore): $out"
}

lv_domain vm1 $UUID linux >"$T/linux.xml"
lv_domain win11 $UUID windows >"$T/win11.xml"
lv_domain vm1 $UUID linux respected >"$T/respected.xml"

# Baseline: a Windows guest on a legacy host is refused, a Linux one allowed.
hook "$T/win11.xml" win11 prepare begin -; expect 1 "at-risk guest, enforce"
lv_expect_contains "$err" "seoib: refused:" "refusal"
hook "$T/linux.xml" vm1 prepare begin -; expect 0 "plain guest"
# Pending until libvirt commits the start (started begin), then what it runs.
jq -e '.state == "quirked" and .operation == "prepare" and .phase == "pending"' /run/seoib/domains/$UUID.pending.json >/dev/null ||
	lv_fail "domain record after prepare: $(cat /run/seoib/domains/$UUID.pending.json)"
[ ! -e /run/seoib/domains/$UUID.json ] || lv_fail "prepare begin wrote what the guest runs"
hook "$T/linux.xml" vm1 started begin -; expect 0 "started begin"
jq -e '.state == "quirked" and .operation == "prepare" and .phase == "running"' /run/seoib/domains/$UUID.json >/dev/null ||
	lv_fail "domain record after started: $(cat /run/seoib/domains/$UUID.json)"
[ ! -e /run/seoib/domains/$UUID.pending.json ] || lv_fail "started begin left the pending record"
hook "$T/linux.xml" vm1 release end -; expect 0 "release end"
[ ! -e /run/seoib/domains/$UUID.json ] || lv_fail "release end did not forget the domain"

# migrate begin: respected guest, legacy host -> refused; stdout stays empty.
hook "$T/respected.xml" vm1 migrate begin -; expect 1 "respected guest arriving on a legacy host"
lv_expect_contains "$err" "runs respected" "migrate refusal"
hook "$T/respected.xml" vm1 restore begin -; expect 1 "respected guest restored on a legacy host"
hook "$T/linux.xml" vm1 migrate begin -; expect 0 "quirked guest arriving"
# It carries no metadata: its state is unknown, allowed by on-error = allow
# and remembered as unknown; the prepare begin that follows accepts the
# arrival (never this host's own start decision) once; a later start is a
# start again, as is another guest's under the same UUID.
jq -e '.state == "unknown" and .operation == "migrate" and .verdict == "error-allow"' /run/seoib/domains/$UUID.pending.json >/dev/null ||
	lv_fail "record of an arrival in an unknown state: $(cat /run/seoib/domains/$UUID.pending.json)"
hook "$T/win11.xml" win11 prepare begin -; expect 1 "another guest's start after vm1's arrival"
hook "$T/linux.xml" vm1 migrate begin -; expect 0 "vm1 arriving again"
hook "$T/linux.xml" vm1 prepare begin -; expect 0 "prepare after an arrival in an unknown state"
lv_expect_contains "$err" "arrives by migrate in a state seoib cannot tell" "prepare after an unknown arrival"
jq -e '.state == "unknown" and .operation == "prepare"' /run/seoib/domains/$UUID.pending.json >/dev/null ||
	lv_fail "record after the arrival's prepare: $(cat /run/seoib/domains/$UUID.pending.json)"
hook "$T/linux.xml" vm1 prepare begin -; expect 0 "a later start"
jq -e '.state == "quirked" and .operation == "prepare"' /run/seoib/domains/$UUID.pending.json >/dev/null ||
	lv_fail "a later start was not decided afresh: $(cat /run/seoib/domains/$UUID.pending.json)"
hook "$T/linux.xml" vm1 release end -; expect 0 "release end"

# Issue 20: on a legacy host (enforce, on-error = deny) an accepted arrival
# that libvirt aborts before its prepare begin (a later hook refusing
# migrate begin, a name clash) never opens the fresh start of that guest,
# and answers one prepare only.
lv_config "$T" enforce deny
lv_domain win11 $UUID windows quirked >"$T/win11-quirked.xml"
hook "$T/win11.xml" win11 prepare begin -; expect 1 "fresh start of an at-risk guest (deny)"
hook "$T/win11-quirked.xml" win11 migrate begin -; expect 0 "an arrival carrying quirked"
hook "$T/win11.xml" win11 prepare begin -; expect 1 "the fresh start after an aborted arrival"
lv_expect_contains "$err" "would start quirked with risk high" "the fresh start after an aborted arrival"
[ ! -e /run/seoib/domains/$UUID.pending.json ] || lv_fail "a refused prepare left the arrival's authorisation"
hook "$T/win11-quirked.xml" win11 migrate begin -; expect 0 "the arrival again"
hook "$T/win11-quirked.xml" win11 prepare begin -; expect 0 "the arrival's own prepare"
lv_expect_contains "$(cat /run/seoib/domains/$UUID.pending.json)" '"operation":"prepare"' "the arrival's prepare"
hook "$T/win11-quirked.xml" win11 prepare begin -; expect 1 "a second prepare after one arrival"
# A fresh start whose XML says the arrival's state is let in at prepare
# begin; started begin tells (issue 20, item 2): the authorisation stands
# only for a QEMU libvirt launched with -incoming, read from libvirt's PID
# file (here a stand-in process with that command line) and /proc.
mkdir -p /run/libvirt/qemu
launched() { # ARGS...: a process whose command line carries ARGS, as win11's QEMU
	# $0 is -nodefaults, one of QEMU's options without a value, so that
	# the command line reads as QEMU's would (lib/guest/qemu_launch.c).
	sh -c 'sleep 20; :' -nodefaults "$@" </dev/null >/dev/null 2>&1 &
	LAUNCHED=$!
	echo "$LAUNCHED" >/run/libvirt/qemu/win11.pid
}
arrival_prepared() { # WHAT
	hook "$T/win11-quirked.xml" win11 migrate begin -; expect 0 "$1: migrate begin"
	hook "$T/win11-quirked.xml" win11 prepare begin -; expect 0 "$1: prepare begin"
	jq -e '.arrival == "migrate"' /run/seoib/domains/$UUID.pending.json >/dev/null ||
		lv_fail "$1: the pending record does not name the arrival: $(cat /run/seoib/domains/$UUID.pending.json)"
}
arrival_prepared "a fresh QEMU"
launched -uuid $UUID
hook "$T/win11-quirked.xml" win11 started begin -; expect 1 "started begin of a fresh QEMU an arrival let in"
lv_expect_contains "$err" "seoib: refused: 'win11' was let in at prepare begin by the authorisation of a migrate begin, but libvirt started its QEMU afresh" "a fresh QEMU"
lv_expect_contains "$err" "would start quirked with risk high" "a fresh QEMU"
[ ! -e /run/seoib/domains/$UUID.json ] || lv_fail "a refused fresh start was recorded: $(cat /run/seoib/domains/$UUID.json)"
kill "$LAUNCHED"
# "-incoming" as the value of -append (a guest's <os><cmdline>) is no
# -incoming: still a fresh start.
arrival_prepared "a fresh QEMU whose kernel command line is -incoming"
launched -uuid $UUID -kernel /boot/vmlinuz -append -incoming
hook "$T/win11-quirked.xml" win11 started begin -; expect 1 "started begin of a fresh QEMU with -append -incoming"
lv_expect_contains "$err" "but libvirt started its QEMU afresh" "a fresh QEMU with -append -incoming"
[ ! -e /run/seoib/domains/$UUID.json ] || lv_fail "a refused fresh start was recorded: $(cat /run/seoib/domains/$UUID.json)"
# The live XML libvirt passes to started begin is longer than prepare
# begin's (aliases, addresses, the CPU QEMU gave): one over seoib's bounds
# there cannot be judged, so a start an arrival let in is refused, as at
# prepare begin, never let through unjudged. Without such a start, started
# begin still refuses nothing.
arrival_prepared "a live XML over seoib's bounds"
{ printf "<pad xmlns='urn:pad'>"; printf '<a/>%.0s' $(seq 1 33000); printf '</pad>\n'; } >"$T/pad.xml"
sed "/<metadata>/r $T/pad.xml" "$T/win11-quirked.xml" >"$T/win11-big.xml"
hook "$T/win11-big.xml" win11 started begin -; expect 1 "started begin of a start an arrival let in, live XML over the bounds"
lv_expect_contains "$err" "seoib: refused: the domain XML of 'win11' is over seoib's limits" "a live XML over the bounds"
[ ! -e /run/seoib/domains/$UUID.pending.json ] || lv_fail "started begin left the pending record"
hook "$T/win11-big.xml" win11 started begin -; expect 0 "started begin of a plain start, live XML over the bounds"
kill "$LAUNCHED"
arrival_prepared "an incoming QEMU"
launched -uuid $UUID -incoming defer
hook "$T/win11-quirked.xml" win11 started begin -; expect 0 "started begin of an incoming QEMU"
jq -e '.arrival == "migrate" and .state == "quirked" and .phase == "running"' /run/seoib/domains/$UUID.json >/dev/null ||
	lv_fail "the arrival was not committed: $(cat /run/seoib/domains/$UUID.json 2>&1)"
kill "$LAUNCHED"
hook "$T/win11.xml" win11 release end -; expect 0 "release end"
# The arrival's authorisation stands, but its pending record is dated ahead
# of the clock (a clock stepped back since prepare begin): nothing can be
# committed, and started begin says so rather than stay silent.
arrival_prepared "an incoming QEMU, the clock stepped back"
jq -c '.time_unix += 3600' /run/seoib/domains/$UUID.pending.json >"$T/ahead.json"
cat "$T/ahead.json" >/run/seoib/domains/$UUID.pending.json
launched -uuid $UUID -incoming defer
hook "$T/win11-quirked.xml" win11 started begin -; expect 0 "started begin of an incoming QEMU, pending record ahead"
lv_expect_contains "$err" "dated ahead of the clock; seoib records nothing as what it runs" "pending record ahead"
[ ! -e /run/seoib/domains/$UUID.json ] || lv_fail "a pending record dated ahead was committed: $(cat /run/seoib/domains/$UUID.json)"
kill "$LAUNCHED"
hook "$T/win11.xml" win11 release end -; expect 0 "release end"
arrival_prepared "no PID file"
rm -f /run/libvirt/qemu/win11.pid
hook "$T/win11-quirked.xml" win11 started begin -; expect 1 "started begin without a PID file, on-error = deny"
lv_expect_contains "$err" "cannot tell whether libvirt started the QEMU of 'win11' for the migrate that let it in at prepare begin, or afresh" "no PID file"
lv_config "$T" enforce allow
arrival_prepared "no PID file, on-error = allow"
hook "$T/win11-quirked.xml" win11 started begin -; expect 0 "started begin without a PID file, on-error = allow"
lv_expect_contains "$err" "seoib: warning: seoib could not decide: cannot tell whether" "no PID file, allowed"
[ ! -e /run/seoib/domains/$UUID.json ] || lv_fail "an undecided launch was recorded: $(cat /run/seoib/domains/$UUID.json)"
hook "$T/win11.xml" win11 release end -; expect 0 "release end"
lv_config "$T" enforce allow

# Malformed XML: on-error = allow (default) allows with a warning; deny refuses.
printf '<domain><name>x</nam' >"$T/bad.xml"
hook "$T/bad.xml" x prepare begin -; expect 0 "malformed XML, on-error allow"
lv_expect_contains "$err" "on-error = allow" "malformed XML warning"
hook "$T/bad.xml" x migrate begin -; expect 0 "malformed XML at migrate, on-error allow"
lv_config "$T" enforce deny
hook "$T/bad.xml" x prepare begin -; expect 1 "malformed XML, on-error deny"
lv_expect_contains "$err" "on-error = deny" "malformed XML refusal"
lv_config "$T" enforce allow

# Not XML at all, and binary junk.
head -c 4096 /dev/urandom >"$T/junk"
hook "$T/junk" x prepare begin -; expect 0 "binary junk"

# 2 MB domain XML: read whole (below the 2 MiB bound), answered in time.
{ sed -n '1,3p' "$T/linux.xml"; printf '  <description>'; head -c 2000000 /dev/zero | tr '\0' 'x';
  printf '</description>\n'; sed -n '4,$p' "$T/linux.xml"; } >"$T/big.xml"
start=$(date +%s%N)
hook "$T/big.xml" vm1 prepare begin -; expect 0 "2 MB XML"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 5000 ] || lv_fail "2 MB XML took $ms ms"
# 4 MB: over the bound, no XML libvirt wrote: refused whatever on-error says.
cat "$T/big.xml" "$T/big.xml" >"$T/huge.xml"
hook "$T/huge.xml" vm1 prepare begin -; expect 1 "4 MB XML, on-error allow"
lv_expect_contains "$err" "over seoib's limits" "4 MB XML refusal"

# Unknown operations: exit 0, nothing on stdout, whatever stdin holds.
hook "$T/junk" x frobnicate sideways -; expect 0 "unknown operation"
hook "$T/win11.xml" win11 started begin -; expect 0 "started begin (not ours)"
hook "$T/junk" x; expect 2 "too few arguments"

# libvirt's four words are positional, always: guest names that look like
# options are names, through seoibctl hook and the installed seoib-hook,
# and nothing ever reaches stdout (libvirt would take it for the XML).
for bin in "$SEOIBCTL hook" "$LV_HOOK"; do
	for name in -h --help --version --json - --config --config=x -- '-c x'; do
		sed "s|<name>win11</name>|<name>${name}</name>|" "$T/win11.xml" >"$T/named.xml"
		rc=0; $bin --config "$T/seoib.conf" "$name" prepare begin - <"$T/named.xml" >"$T/out" 2>"$T/err" || rc=$?
		out=$(cat "$T/out"); err=$(cat "$T/err")
		expect 1 "$bin: at-risk guest named '$name'"
		lv_expect_contains "$err" "seoib: refused: '$name' would start" "$bin: guest named '$name'"
		rc=0; $bin --config "$T/seoib.conf" "$name" migrate begin - <"$T/named.xml" >"$T/out" 2>"$T/err" || rc=$?
		out=$(cat "$T/out"); err=$(cat "$T/err")
		expect 0 "$bin: migrate begin of a guest named '$name'"
		rc=0; $bin --config "$T/seoib.conf" "$name" release end - <"$T/named.xml" >"$T/out" 2>"$T/err" || rc=$?
		[ "$rc" = 0 ] && [ ! -s "$T/out" ] && [ ! -e /run/seoib/domains/$UUID.json ] &&
			[ ! -e /run/seoib/domains/$UUID.pending.json ] ||
			lv_fail "$bin: release end of a guest named '$name': exit $rc"
	done
	# As libvirtd calls the installed hook: no options at all.
	sed "s|<name>win11</name>|<name>-h</name>|" "$T/win11.xml" >"$T/named.xml"
	rc=0; $bin -h prepare begin - <"$T/named.xml" >"$T/out" 2>"$T/err" || rc=$?
	out=$(cat "$T/out"); err=$(cat "$T/err")
	[ "$rc" = 0 ] || [ "$rc" = 1 ] || lv_fail "$bin -h prepare begin -: exit $rc: $err"
	[ -z "$out" ] || lv_fail "$bin -h prepare begin -: printed on stdout: $out"
	lv_expect_contains "$err" "'-h'" "$bin -h prepare begin - judged the guest"
	# --help alone is no libvirt call: usage on stderr, still nothing on stdout.
	rc=0; $bin --help </dev/null >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 0 ] && [ ! -s "$T/out" ] && grep -q "four words" "$T/err" || lv_fail "$bin --help: exit $rc, stdout $(cat "$T/out")"
	rc=0; $bin --bogus x prepare begin - <"$T/win11.xml" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 2 ] && [ ! -s "$T/out" ] || lv_fail "$bin --bogus before the four words: exit $rc"
done

# A TCG guest (<domain type='qemu'>) is not exposed: allowed on a legacy host,
# and its arrival too, with the reason in the journal's words.
LV_DOMAIN_TYPE=qemu lv_domain win11 $UUID windows respected >"$T/tcg.xml"
hook "$T/tcg.xml" win11 prepare begin -; expect 0 "TCG Windows guest on a legacy host"
hook "$T/tcg.xml" win11 migrate begin -; expect 0 "TCG guest with a recorded respected state arriving"
hook "$T/tcg.xml" win11 release end -; expect 0 "TCG guest released"

# This host's record from another boot (or kernel) no longer describes it:
# on-error decides, and the sentence says why.
cp /run/seoib/host.json "$T/host.json"
jq '.host.boot_id = "00000000-0000-4000-8000-000000000000"' "$T/host.json" >/run/seoib/host.json
hook "$T/win11.xml" win11 prepare begin -; expect 0 "record of another boot, on-error allow"
lv_expect_contains "$err" "from another boot of this host" "another boot's record"
lv_config "$T" enforce deny
hook "$T/linux.xml" vm1 prepare begin -; expect 1 "record of another boot, on-error deny"
jq '.host.kernel_release = "5.10.0-0-amd64"' "$T/host.json" >/run/seoib/host.json
hook "$T/linux.xml" vm1 prepare begin -; expect 1 "record of another kernel, on-error deny"
lv_expect_contains "$err" "describes kernel 5.10.0-0-amd64" "another kernel's record"
# And one older than max-record-age (3600 s here).
jq '.probe.time_unix -= 7200' "$T/host.json" >/run/seoib/host.json
hook "$T/linux.xml" vm1 prepare begin -; expect 1 "record older than max-record-age, on-error deny"
lv_expect_contains "$err" "older than max-record-age" "old record"
lv_config "$T" enforce allow
cp "$T/host.json" /run/seoib/host.json

# Missing record: allowed (on-error = allow) with a sentence, refused with deny.
mv /run/seoib/host.json "$T/host.json"
hook "$T/win11.xml" win11 prepare begin -; expect 0 "missing record, on-error allow"
lv_expect_contains "$err" "no usable host record" "missing record warning"
lv_config "$T" enforce deny
hook "$T/respected.xml" vm1 migrate begin -; expect 1 "missing record, on-error deny"
lv_config "$T" enforce allow
mv "$T/host.json" /run/seoib/host.json

# A prepare begin that returns before deciding (no usable record, on-error =
# allow) still drops the pending record of an earlier prepare that libvirt
# never started (a later qemu.d hook refused it): started begin must not
# commit that older start's state. Here the earlier start was split (legacy
# host: quirked) and this one never had its state decided.
lv_config "$T" enforce allow
hook "$T/linux.xml" vm1 prepare begin -; expect 0 "prepare of a start that libvirt then aborts"
[ -e /run/seoib/domains/$UUID.pending.json ] || lv_fail "prepare begin recorded nothing"
mv /run/seoib/host.json "$T/host.json"
hook "$T/linux.xml" vm1 prepare begin -; expect 0 "prepare without a usable record, on-error allow"
[ ! -e /run/seoib/domains/$UUID.pending.json ] ||
	lv_fail "a prepare that decided nothing kept an older prepare's record: $(cat /run/seoib/domains/$UUID.pending.json)"
hook "$T/linux.xml" vm1 started begin -; expect 0 "started after an undecided prepare"
[ ! -e /run/seoib/domains/$UUID.json ] ||
	lv_fail "started begin committed an older start's state: $(cat /run/seoib/domains/$UUID.json)"
hook "$T/linux.xml" vm1 release end -; expect 0 "release end"
mv "$T/host.json" /run/seoib/host.json

# Another guest under the same UUID (a renamed copy's save or migration):
# its hooks never take away the running record of the guest that runs.
lv_domain vm1 $UUID linux quirked >"$T/vm1-quirked.xml"
lv_domain vm1-copy $UUID linux quirked >"$T/copy-quirked.xml"
hook "$T/vm1-quirked.xml" vm1 prepare begin -; expect 0 "vm1 starts"
hook "$T/vm1-quirked.xml" vm1 started begin -; expect 0 "vm1 started"
[ -e /run/seoib/domains/$UUID.json ] || lv_fail "vm1's start was not committed"
for op in "restore begin" "release end" "stopped end" "started begin"; do
	hook "$T/copy-quirked.xml" vm1-copy $op -; expect 0 "vm1-copy $op"
	jq -e '.name == "vm1" and .phase == "running"' /run/seoib/domains/$UUID.json >/dev/null ||
		lv_fail "vm1-copy's $op took away vm1's running record"
done
hook "$T/vm1-quirked.xml" vm1 release end -; expect 0 "vm1 released"
[ ! -e /run/seoib/domains/$UUID.json ] || lv_fail "vm1's release end kept its running record"

# A UUID that tries to escape /run/seoib/domains is never used as a path.
sed "s|<uuid>.*</uuid>|<uuid>../../../$(basename "$T")/escape</uuid>|" "$T/linux.xml" >"$T/escape.xml"
hook "$T/escape.xml" vm1 prepare begin - || true
[ "$rc" = 0 ] || [ "$rc" = 1 ] || lv_fail "escaping UUID: exit $rc"
[ ! -e "$T/escape.json" ] || lv_fail "an escaping UUID wrote a file"

# stdin that never ends: the hook gives up on its own, within its bound.
start=$(date +%s)
mkfifo "$T/fifo"
sleep 60 >"$T/fifo" &
holder=$!
rc=0; "$SEOIBCTL" hook --config "$T/seoib.conf" vm1 prepare begin - <"$T/fifo" >"$T/out" 2>"$T/err" || rc=$?
kill "$holder"
[ $(( $(date +%s) - start )) -le 15 ] || lv_fail "the hook hung on an endless stdin"
[ "$rc" = 0 ] || lv_fail "endless stdin: exit $rc (on-error = allow)"
lv_expect_contains "$(cat "$T/err")" "gave up" "timeout message"

# 20 concurrent calls: the same answers, and an intact domain record. The
# Windows guest under a UUID of its own: its refused prepare drops its own
# pending record, never the Linux guest's.
sed 's|<uuid>.*</uuid>|<uuid>7f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d</uuid>|' "$T/win11.xml" >"$T/win11-own.xml"
pids=()
for i in $(seq 1 10); do
	( r=0; "$SEOIBCTL" hook --config "$T/seoib.conf" vm1 prepare begin - <"$T/linux.xml" >"$T/c-linux-$i.out" 2>&1 || r=$?; echo $r >"$T/c-linux-$i.rc" ) &
	pids+=($!)
	( r=0; "$SEOIBCTL" hook --config "$T/seoib.conf" win11 prepare begin - <"$T/win11-own.xml" >"$T/c-win-$i.out" 2>&1 || r=$?; echo $r >"$T/c-win-$i.rc" ) &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
for i in $(seq 1 10); do
	[ "$(cat "$T/c-linux-$i.rc")" = 0 ] || lv_fail "concurrent Linux call $i: $(cat "$T/c-linux-$i.out")"
	[ "$(cat "$T/c-win-$i.rc")" = 1 ] || lv_fail "concurrent Windows call $i: $(cat "$T/c-win-$i.out")"
	cmp -s "$T/c-win-1.out" "$T/c-win-$i.out" || lv_fail "concurrent Windows call $i said something else"
done
jq -e '.state == "quirked"' /run/seoib/domains/$UUID.pending.json >/dev/null || lv_fail "domain record torn by concurrent writers"
[ -z "$(ls /run/seoib/domains | grep -v "^$UUID.pending.json$")" ] || lv_fail "temporary files left: $(ls /run/seoib/domains)"

# check --dest: host names that try option or shell injection never reach ssh.
for bad in "-oProxyCommand=touch $T/pwned" "a;b" 'a b' '$(touch x)' 'a/b' '' 'x..y'; do
	rc=0; "$SEOIBCTL" check --dest "$bad" -c test:///default >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 2 ] || lv_fail "check --dest '$bad': exit $rc, expected 2"
	lv_expect_contains "$(cat "$T/err")" "host name" "check --dest '$bad'"
done
[ ! -e "$T/pwned" ] || lv_fail "ProxyCommand ran"

# check --dest and the record's age (libvirt's test driver runs one domain).
printf 'max-record-age = 60\n' >"$T/age.conf"
lv_record legacy hv-legacy "$T/fresh.json"
jq '.probe.time_unix -= 3600' "$T/fresh.json" >"$T/old.json"
rc=0; "$SEOIBCTL" check --dest hv-legacy -c test:///default --config "$T/age.conf" --record-from-file "$T/fresh.json" --json >"$T/out" || rc=$?
[ "$rc" = 0 ] && jq -e '.verdict == "ok" and (.domains | length) == 1' "$T/out" >/dev/null || lv_fail "check, fresh record: exit $rc: $(cat "$T/out")"
rc=0; "$SEOIBCTL" check --dest hv-legacy -c test:///default --config "$T/age.conf" --record-from-file "$T/old.json" --json >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 3 ] && jq -e '.domains[0].verdict == "unknown"' "$T/out" >/dev/null || lv_fail "check, stale record: exit $rc: $(cat "$T/out")"
lv_expect_contains "$(cat "$T/err")" "older than max-record-age = 60 s" "stale record"
# ...dated ten years ahead: not fresh (a negative age bypassed max-record-age).
jq '.probe.time_unix += 315359987' "$T/fresh.json" >"$T/future.json"
rc=0; "$SEOIBCTL" check --dest hv-legacy -c test:///default --config "$T/age.conf" --record-from-file "$T/future.json" --json >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 3 ] || lv_fail "check, future record: exit $rc: $(cat "$T/out")"
lv_expect_contains "$(cat "$T/err")" "in the future, more than the 300 s of clock skew allowed" "future record"
# A record file of another host is not used for this one (seoibctl(1)).
rc=0; "$SEOIBCTL" check --dest hv2 -c test:///default --config "$T/age.conf" --record-from-file "$T/fresh.json" --json >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 3 ] && jq -e '.domains[0].verdict == "unknown"' "$T/out" >/dev/null || lv_fail "check, another host's record: exit $rc: $(cat "$T/out")"
lv_expect_contains "$(cat "$T/err")" "the record in $T/fresh.json is of host 'hv-legacy', not of hv2" "another host's record"
for same in HV-Legacy hv-legacy.example.net; do
	rc=0; "$SEOIBCTL" check --dest "$same" -c test:///default --config "$T/age.conf" --record-from-file "$T/fresh.json" --json >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 0 ] || lv_fail "check --dest $same with hv-legacy's record: exit $rc: $(cat "$T/err")"
done
jq '.host.hostname = "hv-legacy.example.net"' "$T/fresh.json" >"$T/fqdn.json"
for other in hv-legacy.example.org hv-legacy2; do
	rc=0; "$SEOIBCTL" check --dest "$other" -c test:///default --config "$T/age.conf" --record-from-file "$T/fqdn.json" --json >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 3 ] || lv_fail "check --dest $other with hv-legacy.example.net's record: exit $rc"
done
echo "PASS: hostile inputs"
