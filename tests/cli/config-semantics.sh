#!/bin/bash
# One meaning for each seoib.conf key in every front end (seoib.conf(5)):
# probe-timeout-ms and seoibctl's --timeout bound the whole probe, with one
# range and one default; record-path is where seoibctl policy finds this
# host's record, as the hook does.
set -euo pipefail

: "${SEOIBCTL:?}" "${SEOIB_SOURCE_ROOT:?}"
man5="$SEOIB_SOURCE_ROOT/docs/seoib.conf.5"
records="$SEOIB_SOURCE_ROOT/tests/policy/records"
data="$SEOIB_SOURCE_ROOT/tests/policy/data"
. "$(dirname "$0")/../lib.sh"
make_work_dir config-semantics work

# expect RC CMD...: run CMD, bounded, and check its exit code.
expect() {
	local want="$1" rc=0
	shift
	timeout 30 "$@" >"$work/out" 2>"$work/err" || rc=$?
	[[ "$rc" == "$want" ]] || fail "'$*' exited $rc, expected $want; stderr: $(cat "$work/err")"
}
# The "Default: N" of KEY in seoib.conf(5).
man_default() {
	awk -v key="$1" '$0 == ".B " key { f = 1; next } f && /^\.(TP|SH)/ { exit }
		f && match($0, /Default: [0-9]+/) { print substr($0, RSTART + 9, RLENGTH - 9); exit }' "$man5"
}

# --timeout's help names the default the man page documents.
want=$(man_default probe-timeout-ms)
[[ -n "$want" ]] || fail "seoib.conf(5) gives no default for probe-timeout-ms"
expect 0 "$SEOIBCTL" probe --help
grep -q -- "--timeout MS .*(default probe-timeout-ms, $want)" "$work/out" ||
	fail "probe --help does not say --timeout defaults to probe-timeout-ms ($want): $(grep -- --timeout "$work/out")"

# --timeout takes probe-timeout-ms's range, 100 to 3600000.
printf 'probe-timeout-ms = 50\n' >"$work/low.conf"
expect 2 "$SEOIBCTL" probe --config "$work/low.conf" --no-vmm --no-behaviour --device /nonexistent/kvm
grep -q "between 100 and 3600000" "$work/err" || fail "probe-timeout-ms = 50: $(cat "$work/err")"
expect 2 "$SEOIBCTL" probe --timeout 50 --no-vmm --no-behaviour --device /nonexistent/kvm
grep -q -- "--timeout '50' is not a number of milliseconds between 100 and 3600000" "$work/err" ||
	fail "--timeout 50: $(cat "$work/err")"
expect 3 "$SEOIBCTL" probe --timeout 3600000 --no-vmm --no-behaviour --device /nonexistent/kvm --json
expect 2 "$SEOIBCTL" probe --timeout 3600001 --no-vmm --no-behaviour --device /nonexistent/kvm

# The bound is on the whole probe, not the capability probe alone: a QEMU
# that never answers QMP (the VMM's own bound is 3000 ms) is cut off by a
# 300 ms probe-timeout-ms, as seoibd's watchdog would.
printf '#!/bin/sh\nexec sleep 20\n' >"$work/hung-qemu"
chmod +x "$work/hung-qemu"
printf 'probe-timeout-ms = 300\n' >"$work/short.conf"
for via in "--config $work/short.conf" "--timeout 300"; do
	# shellcheck disable=SC2086 # $via is two words
	expect 2 "$SEOIBCTL" probe $via --json --no-behaviour --device /nonexistent/kvm --qemu "$work/hung-qemu" \
		--no-vmm-cache
	grep -q "the probe did not finish within 300 ms and was stopped" "$work/err" ||
		fail "probe $via with a hung QEMU: $(cat "$work/err")"
	[[ ! -s "$work/out" ]] || fail "probe $via printed a record after it was stopped: $(head -c 200 "$work/out")"
done

# seoibctl policy reads this host's record at record-path, as the hook does
# (the record published there is this host's, of this boot, and fresh:
# policy judges it current by the hook's one rule).
jq --arg m "$(cat /etc/machine-id 2>/dev/null)" --arg h "$(cat /proc/sys/kernel/hostname)" \
	--arg b "$(cat /proc/sys/kernel/random/boot_id)" --arg k "$(uname -r)" --argjson now "$(date +%s)" \
	'.host.machine_id = $m | .host.hostname = $h | .host.boot_id = $b | .host.kernel_release = $k
	 | .probe.time_unix = $now | .probe.time = ($now | todate)' \
	"$records/h1-fixed.json" >"$work/host.json"
printf 'record-path = %s\n' "$work/host.json" >"$work/record.conf"
expect 0 "$SEOIBCTL" policy --xml "$data/tdx.xml" --config "$work/record.conf" --json
jq -e '.host_source == "record" and .verdict == "safe"' "$work/out" >/dev/null ||
	fail "policy did not read record-path: $(cat "$work/out")"
# ... and probes live when there is none there, whatever /run/seoib holds.
printf 'record-path = %s/none.json\n' "$work" >"$work/none.conf"
expect 3 "$SEOIBCTL" policy --xml "$data/vmm-no-control.xml" --config "$work/none.conf" --device /nonexistent/kvm \
	--no-vmm --no-behaviour --json
jq -e '.host_source == "live probe"' "$work/out" >/dev/null || fail "policy without a record: $(cat "$work/out")"
echo "config semantics: ok"
