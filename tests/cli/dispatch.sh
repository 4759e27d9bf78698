#!/bin/bash
# seoibctl's two binaries: the lean one answers probe/policy/status itself and
# hands check, apply, fleet and policy --domain to seoibctl-full.
set -euo pipefail
: "${SEOIBCTL:?run through meson test}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The point of the split: no libvirt, no libcurl at start-up.
# (ldd's output is taken whole first: grep -q closing the pipe early would
# fail the pipeline under pipefail.)
lean_libs=$(ldd "$SEOIBCTL")
full_libs=$(ldd "$(dirname "$SEOIBCTL")/seoibctl-full")
if grep -E 'libvirt|libcurl' <<<"$lean_libs"; then
	fail "seoibctl links libvirt or libcurl; those belong in seoibctl-full"
fi
grep -q libvirt <<<"$full_libs" || fail "seoibctl-full does not link libvirt"

# Delegated commands work through the lean binary, with its name in usage.
"$SEOIBCTL" fleet --help >"$work/out" || fail "seoibctl fleet --help failed"
grep -q '^Usage: seoibctl fleet' "$work/out" || fail "fleet --help: $(cat "$work/out")"
"$SEOIBCTL" check --help >"$work/out" || fail "seoibctl check --help failed"
"$SEOIBCTL" policy --domain test -c test:///default \
	--host "$SEOIB_SOURCE_ROOT/tests/record/data/legacy.json" --json >"$work/out" ||
	fail "policy --domain through seoibctl-full failed"
jq -e '.guest.name == "test"' "$work/out" >/dev/null || fail "policy --domain: $(cat "$work/out")"

# Without seoibctl-full anywhere: a sentence and exit 2, never a crash.
cp "$SEOIBCTL" "$work/seoibctl"
rc=0
"$work/seoibctl" check --dest host2 2>"$work/err" || rc=$?
[ "$rc" = 2 ] || fail "a missing seoibctl-full gave exit $rc, not 2"
grep -q "cannot run .*seoibctl-full for 'check'.*reinstall seoib" "$work/err" || fail "message: $(cat "$work/err")"
# ... while the lean commands still work.
"$work/seoibctl" --version | grep -q '^seoibctl ' || fail "lean seoibctl --version"
echo "dispatch: ok"
