#!/bin/bash
# seoibctl policy's command line: usage errors, stdin, the live probe fallback.
set -euo pipefail

: "${SEOIBCTL:?}" "${SEOIB_SOURCE_ROOT:?}"
data="$SEOIB_SOURCE_ROOT/tests/policy/data"
records="$SEOIB_SOURCE_ROOT/tests/policy/records"
. "$SEOIB_SOURCE_ROOT/tests/lib.sh"
make_work_dir policy-cli work

# expect RC CMD...: run CMD, bounded, and check its exit code.
expect() {
	local want="$1" rc=0
	shift
	timeout 30 "$@" >"$work/out" 2>"$work/err" || rc=$?
	[[ "$rc" == "$want" ]] || fail "'$*' exited $rc, expected $want; stderr: $(cat "$work/err")"
}

expect 0 "$SEOIBCTL" policy --help
must_grep '--target RECORD' "$work/out"
expect 2 "$SEOIBCTL" policy
must_grep 'exactly one of --xml' "$work/err"
expect 2 "$SEOIBCTL" policy --xml "$data/tdx.xml" --bogus
expect 2 "$SEOIBCTL" policy --xml "$data/tdx.xml" extra-argument
expect 2 "$SEOIBCTL" policy --xml "$data/tdx.xml" --domain tdx
expect 2 "$SEOIBCTL" policy --xml - --host - </dev/null
must_grep 'standard input' "$work/err"
expect 2 "$SEOIBCTL" policy --xml /nonexistent.xml --host "$records/h1-fixed.json"
must_grep 'domain XML /nonexistent.xml' "$work/err"
expect 2 "$SEOIBCTL" policy --xml "$data/tdx.xml" --host /nonexistent.json
must_grep 'cannot use host record /nonexistent.json' "$work/err"
expect 2 "$SEOIBCTL" policy --xml "$data/tdx.xml" --host "$records/h1-fixed.json" --target "$data/tdx.xml"
must_grep 'cannot use target record' "$work/err"

# The XML on standard input gives the same decision as from a file.
expect 0 "$SEOIBCTL" policy --xml - --host "$records/h1-fixed.json" --json <"$data/tdx.xml"
must_jq '.state == "respected" and .verdict == "safe" and .host_source == "record"' "$work/out"

# Human output: the table's lines.
expect 1 "$SEOIBCTL" policy --xml "$data/targets-mixed.xml" --host "$records/h7-fixed-machine-property.json" \
	--target "$records/h3-legacy.json"
for label in Guest 'At risk' State Risk Verdict Reasons Remediation Host Target; do
	grep -q "^$label " "$work/out" || { cat "$work/out" >&2; fail "human output lacks '$label'"; }
done
must_grep '^Target *h3 *runs quirked; cannot run respected' "$work/out"

# This host's own record (its machine id and host name) from another boot or
# kernel no longer describes it: unknown (3), and the reason says why. The
# same record of this boot decides as usual.
if [[ -s /etc/machine-id && -r /proc/sys/kernel/random/boot_id ]]; then
	jq --arg m "$(cat /etc/machine-id)" --arg h "$(cat /proc/sys/kernel/hostname)" \
		--arg b "$(cat /proc/sys/kernel/random/boot_id)" --arg k "$(uname -r)" \
		--argjson now "$(date +%s)" \
		'.host.machine_id = $m | .host.hostname = $h | .host.boot_id = $b | .host.kernel_release = $k
		 | .probe.time_unix = $now | .probe.time = ($now | todate)' \
		"$records/h1-fixed.json" >"$work/own.json"
	expect 0 "$SEOIBCTL" policy --xml "$data/tdx.xml" --host "$work/own.json" --json
	jq '.host.boot_id = "00000000-0000-4000-8000-000000000000"' "$work/own.json" >"$work/other-boot.json"
	expect 3 "$SEOIBCTL" policy --xml "$data/tdx.xml" --host "$work/other-boot.json" --json
	jq -e '.verdict == "unknown" and (.reasons | any(contains("from another boot of this host")))' "$work/out" >/dev/null ||
		fail "another boot's record: $(cat "$work/out")"
	jq '.host.kernel_release = "5.10.0-0-amd64"' "$work/own.json" >"$work/other-kernel.json"
	expect 3 "$SEOIBCTL" policy --xml "$data/tdx.xml" --host "$work/other-kernel.json"
	grep -q "describes kernel 5.10.0-0-amd64" "$work/out" ||
		fail "another kernel's record: $(cat "$work/out")"
fi

# --device: an empty path is a usage error; a path that does not exist is
# said to be a wrong path, not "enable VT-x".
expect 2 "$SEOIBCTL" probe --device '' --no-vmm --no-behaviour
must_grep '--device needs the path' "$work/err"
expect 3 "$SEOIBCTL" probe --device /nonexistent --no-vmm --no-behaviour --json
jq -e '.message | test("/nonexistent: no such file") and (test("VT-x") | not)' "$work/out" >/dev/null ||
	fail "probe --device /nonexistent: $(cat "$work/out")"

# --domain reads the XML through libvirt: the test driver's built-in domain
# "test" (in-kernel irqchip) is quirked and safe; an unknown name is an error.
expect 0 "$SEOIBCTL" policy -c test:///default --domain test --host "$records/h1-fixed.json" --json
must_jq '.guest.name == "test" and .state == "quirked" and .verdict == "safe"' "$work/out"
expect 2 "$SEOIBCTL" policy --connect test:///default --domain no-such-guest --host "$records/h1-fixed.json"
must_grep "no domain 'no-such-guest' at test:///default" "$work/err"

# Without --host and without the published record: a live probe. Here it
# cannot reach KVM (a missing device), so a split guest is unknown (3) and
# an in-kernel guest is still safe (0). record-path names a file that does
# not exist, so a host that runs seoibd (/run/seoib/host.json) runs this
# part too.
printf 'record-path = %s\n' "$work/no-record.json" >"$work/seoib.conf"
expect 3 "$SEOIBCTL" policy --config "$work/seoib.conf" --xml "$data/vmm-no-control.xml" --device /nonexistent/kvm \
	--no-vmm --no-behaviour --json
must_jq '.host_source == "live probe" and .verdict == "unknown" and .host.can_run == null' "$work/out"
expect 0 "$SEOIBCTL" policy --config "$work/seoib.conf" --xml "$data/inkernel-default.xml" --device /nonexistent/kvm \
	--no-vmm --no-behaviour
must_grep '^Host (live)' "$work/out"
# One rule for this host's own record (issue 22): policy, apply and the hook
# all judge it current by boot and by max-record-age. A two-hour-old record
# of this host with max-record-age = 60: policy must not decide "safe" on it
# where the hook calls it 7200 s old.
if [[ -s /etc/machine-id ]]; then
	jq --arg h "$(hostname)" --arg m "$(cat /etc/machine-id)" --arg boot "$(cat /proc/sys/kernel/random/boot_id)" \
		--arg kernel "$(uname -r)" --argjson old "$(($(date +%s) - 7200))" \
		'.host.hostname = $h | .host.machine_id = $m | .host.boot_id = $boot | .host.kernel_release = $kernel
		 | .probe.time_unix = $old | .probe.time = ($old | todate)' \
		"$records/h1-fixed.json" >"$work/old-own.json"
	printf 'max-record-age = 60\nrecord-path = %s\nhook-mode = enforce\non-error = allow\n' "$work/old-own.json" \
		>"$work/age.conf"
	expect 3 "$SEOIBCTL" policy --config "$work/age.conf" --xml "$data/tdx.xml" --host "$work/old-own.json" --json
	jq -e '.verdict == "unknown"' "$work/out" >/dev/null ||
		fail "policy decided on a stale own record: $(cat "$work/out")"
	grep -q 'old' <<<"$(jq -r '.host.message // .reasons[]' "$work/out")" ||
		fail "policy does not say the record is too old: $(cat "$work/out")"
	expect 3 "$SEOIBCTL" policy --config "$work/age.conf" --xml "$data/tdx.xml" --json
	# One view of the record (host_view_local()): policy says why in the
	# hook's own sentence, not as a probe status a front end wrote over it.
	policy_why=$(jq -r '.host.why' "$work/out")
	[[ "$policy_why" == "the host record $work/old-own.json is 7"[0-9][0-9][0-9]" s old"* ]] ||
		fail "policy's why is not the view's sentence: $policy_why"
	# The hook, on the same file, says the same thing (and on-error = allow lets it start).
	expect 0 "$SEOIBCTL" hook --config "$work/age.conf" guest prepare begin - <"$data/tdx.xml"
	grep -q "no usable host record (the host record $work/old-own.json is 7[0-9][0-9][0-9] s old" "$work/err" ||
		fail "the hook's sentence: $(cat "$work/err")"
	# (the same sentence but for the age, a second apart)
	grep -qF "s old${policy_why#* s old})" "$work/err" ||
		fail "the hook and policy word the record differently: $(cat "$work/err") / $policy_why"
	# Unknown to policy is on-error to the hook: with on-error = deny it refuses.
	sed 's/^on-error = allow$/on-error = deny/' "$work/age.conf" >"$work/age-deny.conf"
	expect 1 "$SEOIBCTL" hook --config "$work/age-deny.conf" guest prepare begin - <"$data/tdx.xml"
else
	skip "the own-record currency part needs /etc/machine-id; the others passed"
fi
echo "policy CLI: ok"
