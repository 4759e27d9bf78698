#!/bin/bash
# behaviour-timeout.sh SUITE FAULT
#
# Prove the behavioural probe's timeout path on a real kernel (issue 3): boot
# the Debian kernel of SUITE under TCG (boot-probe.sh) and run the real
# `seoibctl probe --json --no-vmm --behaviour` with the test-only fault
# SEOIB_BEHAVIOUR_FAULT=FAULT (docs/behaviour.md):
#   no-irq   the host never pulses the interrupt line: the guest halts for ever;
#   no-eoi   the guest's handler never EOIs and never signals completion.
# Every case that runs must end as `timeout` within its 1000 ms bound (never a
# hang), with a sentence saying so, and no verdict may be drawn from it.
# Exit status: 0 pass, 1 fail, 77 skip (Debian archive unreachable, nothing cached).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib.sh"
[ $# -eq 2 ] || { echo "usage: behaviour-timeout.sh SUITE FAULT" >&2; exit 1; }
suite=$1 fault=$2
name=behaviour-timeout-$suite-$fault
out_dir=${SEOIB_BUILD_ROOT:-${TMPDIR:-/tmp}}/tests/kernels/out

status=0
"$here/boot-probe.sh" --out-dir "$out_dir" --name "$name" --guest-timeout 60 \
	--env SEOIB_BEHAVIOUR_FAULT="$fault" "$suite" -- --behaviour || status=$?
[ $status -eq 0 ] || exit $status
json=$out_dir/$name.json

FAIL_CONTEXT="$suite, $fault; record $json"
check() {
	local what=$1 expr=$2
	[ "$(jq -c "$expr" "$json")" = true ] || fail "$what (jq: $expr printed $(jq -c "$expr" "$json" | head -c 300))"
}

check "the probe itself must succeed" '.status == "ok"'
check "the behavioural probe must have run" '.behaviour.ran == true'
check "at least the two legacy cases must run" '[.behaviour.cases[] | select(.outcome != "skipped")] | length >= 2'
check "every case that ran must time out" '[.behaviour.cases[] | select(.outcome != "skipped") | .outcome] | all(. == "timeout")'
check "each timeout must say so in a sentence" \
	'[.behaviour.cases[] | select(.outcome == "timeout") | .detail | test("did not finish within 1000 ms")] | all'
check "the guest must have said ready before it got stuck" \
	'[.behaviour.cases[] | select(.outcome == "timeout") | .detail | test("it took no interrupt or never EOIed it")] | all'
# Bounded: each case stops at its 1000 ms deadline plus the VM's set-up and
# tear-down (a few tens of ms under TCG), never later.
check "each case must stop at its deadline" \
	'[.behaviour.cases[] | select(.outcome == "timeout") | .duration_ms] | all(. >= 1000 and . < 3000)'
check "no verdict may come from a timed-out run" \
	'[.behaviour.respected_verified, .behaviour.legacy_quirk_observed, .behaviour.not_advertised_verified] == [null, null, null]'
check "a timeout is not a conflict" '.behaviour.conflicts == []'
echo "behaviour timeouts ($fault) hold on $suite: $(jq -c '[.behaviour.cases[] | [.mode, .outcome, .duration_ms]]' "$json")"
