#!/bin/bash
# Data-driven policy tests, in the style of libvirt's tests/qemuxmlconfdata:
# every tests/policy/data/CASE.xml is run through the real
#   $SEOIBCTL policy --xml CASE.xml ARGS --json
# where ARGS come from CASE.args (default "--host @h1-fixed"; "@NAME" stands for
# tests/policy/records/NAME.json), and compared with CASE.expect.json (jq -S),
# or, for a guest seoibctl must reject (exit 2), with CASE.expect.stderr.
# The exit code must match the verdict (0 safe, 1 unsafe, 3 unknown), and the
# human output must agree with the JSON. SEOIB_REGENERATE=1 rewrites the
# expectations from the current output (review the diff before committing).
set -euo pipefail

: "${SEOIBCTL:?SEOIBCTL must point at the built seoibctl}"
: "${SEOIB_SOURCE_ROOT:?SEOIB_SOURCE_ROOT must point at the source tree}"
here="$SEOIB_SOURCE_ROOT/tests/policy"
data="$here/data"
records="$here/records"
regenerate="${SEOIB_REGENERATE:-0}"
only="${1:-}"

. "$here/../lib.sh"
make_work_dir policy-cases work

cases=0


# Expand a case's .args file into an argument array.
case_args() {
	local file="$1" word
	args=()
	if [[ ! -e "$file" ]]; then
		args=(--host "$records/h1-fixed.json")
		return
	fi
	for word in $(<"$file"); do
		if [[ "$word" == @* ]]; then
			[[ -e "$records/${word#@}.json" ]] || { echo "no record fixture $records/${word#@}.json (in $file)" >&2; return 1; }
			args+=("$records/${word#@}.json")
		else
			args+=("$word")
		fi
	done
}

verdict_exit() {
	case "$1" in
	safe) echo 0 ;;
	unsafe) echo 1 ;;
	unknown) echo 3 ;;
	*) echo "invalid verdict '$1'" >&2; echo 99 ;;
	esac
}

check_rejected() {
	local name="$1" out="$2" err="$3" expect="$data/$name.expect.stderr"

	if [[ "$regenerate" == 1 ]]; then
		cp "$err" "$expect"
		return
	fi
	[[ -s "$out" ]] && fail_case "$name" "exit 2 but something on stdout: $(head -c 200 "$out")"
	[[ -e "$expect" ]] || { fail_case "$name" "exit 2 and no $expect (run with SEOIB_REGENERATE=1)"; return; }
	diff -u "$expect" "$err" >&2 || fail_case "$name" "stderr differs from $name.expect.stderr"
}

# Sentences that misled readers, checked on every case's human output: a
# bare "Risk none" beside "Verdict unsafe", a word said twice ("CANNOT run
# cannot run"), VBS signals listed after "At risk no" (reads as "none of
# these"), and "not every host" when this host is the only one.
human_reads_right() {
	local name="$1" verdict="$2" h="$work/human.txt"

	if [[ "$verdict" == unsafe ]] && grep -q '^Risk *none$' "$h"; then
		fail_case "$name" "'Risk none' beside 'Verdict unsafe' without saying why"
	fi
	grep -qi 'cannot run cannot run\|CONFLICT *CONFLICT' "$h" && fail_case "$name" "a word said twice: $(grep -i 'cannot run cannot' "$h")"
	grep '^At risk *no' "$h" | grep -q 'nested-virt\|secure-boot\|TPM' && fail_case "$name" "VBS signals after 'At risk no'"
	# Unknown values are printed as unknown, never as a number; signals are
	# named for what they are: VBS only for the victim (Windows that can run
	# its own hypervisor), Hyper-V enlightenments only where QEMU exposes them.
	grep -q 'I/O APIC 0x0\b' "$h" && fail_case "$name" "an unknown I/O APIC printed as 0x0"
	if jq -e '.guest.ioapic_version == "unknown" and (.guest.irqchip == "split" or .guest.irqchip == "unknown")' \
		"$work/got.json" >/dev/null && ! grep -q '^Guest .*I/O APIC unknown' "$h"; then
		fail_case "$name" "the I/O APIC is unknown but the human output does not say so"
	fi
	if grep -q 'VBS' "$h" && ! jq -e '.guest.victim == "yes"' "$work/got.json" >/dev/null; then
		fail_case "$name" "VBS named for a guest that is not the victim: $(grep VBS "$h")"
	fi
	if jq -e '.guest.hyperv == false and (.reasons | any(test("(?<!no )Hyper-V enlightenments")))' "$work/got.json" >/dev/null; then
		fail_case "$name" "'Hyper-V enlightenments' in the reasons of a guest whose XML exposes none"
	fi
	if [[ "$(jq '.targets | length' "$work/got.json")" == 0 ]] && grep -q 'not every host' "$h"; then
		fail_case "$name" "'not every host' with this host alone"
	fi
	return 0
}

check_decision() {
	local name="$1" rc="$2" out="$3" expect="$data/$name.expect.json" verdict want_rc human_rc

	if ! jq -S . "$out" >"$work/got.json"; then
		fail_case "$name" "stdout is not JSON"
		return
	fi
	verdict=$(jq -r .verdict "$work/got.json")
	want_rc=$(verdict_exit "$verdict")
	[[ "$rc" == "$want_rc" ]] || fail_case "$name" "exit $rc but verdict '$verdict' means exit $want_rc"
	jq -e '.schema == "seoib.decision/1" and (.reasons | length > 0) and (.targets | type == "array")' \
		"$work/got.json" >/dev/null || fail_case "$name" "decision lacks schema, reasons or targets"

	# The human table must tell the same story, with the same exit code.
	human_rc=0
	"$SEOIBCTL" policy --xml "$data/$name.xml" "${args[@]}" >"$work/human.txt" 2>&1 || human_rc=$?
	[[ "$human_rc" == "$rc" ]] || fail_case "$name" "human output exits $human_rc, --json exits $rc"
	grep -q "^Verdict *$verdict " "$work/human.txt" || fail_case "$name" "human output lacks 'Verdict $verdict'"
	grep -q "^State *$(jq -r .state "$work/got.json")" "$work/human.txt" || fail_case "$name" "human output lacks the state"
	human_reads_right "$name" "$verdict"
	grep -q "^Proof *$(jq -r .proof "$work/got.json") " "$work/human.txt" || fail_case "$name" "human output lacks the proof"

	if [[ "$regenerate" == 1 ]]; then
		cp "$work/got.json" "$expect"
		return
	fi
	[[ -e "$expect" ]] || { fail_case "$name" "no $expect (run with SEOIB_REGENERATE=1)"; return; }
	diff -u <(jq -S . "$expect") "$work/got.json" >&2 || fail_case "$name" "decision differs from $name.expect.json"
}

run_case() {
	local xml="$1" name rc=0
	name=$(basename "$xml" .xml)
	case_args "$data/$name.args" || { fail_case "$name" "bad .args file"; return; }
	timeout 20 "$SEOIBCTL" policy --xml "$xml" "${args[@]}" --json >"$work/out" 2>"$work/err" || rc=$?
	cases=$((cases + 1))
	case "$rc" in
	2) check_rejected "$name" "$work/out" "$work/err" ;;
	0 | 1 | 3)
		[[ -e "$data/$name.expect.stderr" ]] && fail_case "$name" "expected a rejection (exit 2), got exit $rc"
		check_decision "$name" "$rc" "$work/out"
		;;
	*) fail_case "$name" "exit $rc: $(head -c 300 "$work/err")" ;;
	esac
}

for xml in "$data"/*.xml; do
	[[ -z "$only" || "$(basename "$xml" .xml)" == "$only" ]] || continue
	run_case "$xml"
done

# An expectation without its XML is a case that silently stopped running.
for expect in "$data"/*.expect.json "$data"/*.expect.stderr "$data"/*.args; do
	[[ -e "$expect" ]] || continue
	base="${expect%.expect.json}"
	base="${base%.expect.stderr}"
	base="${base%.args}"
	[[ -e "$base.xml" ]] || fail_case "$(basename "$base")" "$(basename "$expect") has no $(basename "$base").xml"
done

exit_cases "$cases" "cases${only:+ matching '$only'}"
