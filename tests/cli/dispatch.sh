#!/bin/bash
# seoibctl is one binary that links no libvirt, libcurl or libcrypto: the
# commands that call them load them at first use (cli/dlopen_library.h), the
# lean paths (--version, the hook, policy --xml) never do, and a missing
# library is a sentence naming the package to install, with exit 2.
set -euo pipefail
: "${SEOIBCTL:?run through meson test}"
. "$(dirname "$0")/../lib.sh"
make_work_dir dispatch work
heavy='libvirt\.so|libcurl\.so|libcrypto\.so'

# Nothing heavy at start-up. (ldd's output is taken whole first: grep -q
# closing the pipe early would fail the pipeline under pipefail.)
libs=$(ldd "$SEOIBCTL")
if grep -E "$heavy" <<<"$libs"; then
	fail "seoibctl links libvirt, libcurl or libcrypto; they are loaded with dlopen() by the commands that need them"
fi

# loaded CMD... : the shared objects the dynamic loader opened for CMD.
loaded() { LD_DEBUG=files "$@" 2>&1 >/dev/null | sed -n 's/.*file=\([^ ]*\) .*/\1/p' | sort -u; }

# The lean paths load none of them, even at run time.
printf 'hook-mode = enforce\non-error = allow\nrecord-path = %s/absent.json\n' "$work" >"$work/seoib.conf"
domain=$SEOIB_SOURCE_ROOT/tests/policy/data/amd-iommu-intremap-legacy.xml
for cmd in "--version" "hook --config $work/seoib.conf vm1 prepare begin -" "policy --xml - --host $SEOIB_SOURCE_ROOT/tests/record/data/legacy.json"; do
	# shellcheck disable=SC2086
	files=$(loaded "$SEOIBCTL" $cmd <"$domain" || true)
	if grep -E "$heavy" <<<"$files"; then
		fail "seoibctl $cmd loaded libvirt, libcurl or libcrypto"
	fi
done

# The commands that need them load them, and work.
"$SEOIBCTL" fleet --help >"$work/out" || fail "seoibctl fleet --help failed"
grep -q '^Usage: seoibctl fleet' "$work/out" || fail "fleet --help: $(cat "$work/out")"
"$SEOIBCTL" check --help >"$work/out" || fail "seoibctl check --help failed"
policy_domain=("$SEOIBCTL" policy --domain test -c test:///default
	--host "$SEOIB_SOURCE_ROOT/tests/record/data/legacy.json" --json)
"${policy_domain[@]}" >"$work/out" || fail "policy --domain failed"
jq -e '.guest.name == "test"' "$work/out" >/dev/null || fail "policy --domain: $(cat "$work/out")"
loaded "${policy_domain[@]}" | grep -q 'libvirt\.so\.0' || fail "policy --domain did not load libvirt.so.0 itself"
# libcurl through its forwarding functions (setopt's variable arguments
# included): a refused connection is etcd's sentence, not a crash.
rc=0
"$SEOIBCTL" fleet --endpoints http://127.0.0.1:9 --config "$work/seoib.conf" --json >"$work/out" 2>"$work/err" || rc=$?
[ "$rc" = 2 ] || fail "fleet against a closed port exited $rc, not 2: $(cat "$work/err")"
grep -q '127\.0\.0\.1:9' "$work/err" || fail "fleet against a closed port: $(cat "$work/err")"

# A library that cannot be loaded: hidden by an empty file bound over it in
# a private mount namespace (root only).
if ! unshare --mount true 2>/dev/null; then
	skip "the missing-library cases need unshare --mount (root); the others passed"
fi
hidden() { # SONAME CMD... : run CMD with SONAME's file replaced by an empty one
	local file
	file=$(readlink -f "$(ldconfig -p | awk -v so="$1" '$1 == so {print $NF; exit}')")
	[ -f "$file" ] || fail "ldconfig does not know $1"
	shift
	: >"$work/empty"
	unshare --mount sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$work/empty" "$file" "$@"
}
expect_missing() { # SONAME PACKAGE CMD...
	local so=$1 package=$2 rc=0
	shift 2
	hidden "$so" "$@" >"$work/out" 2>"$work/err" || rc=$?
	[ "$rc" = 2 ] || fail "$* without $so exited $rc, not 2: $(cat "$work/err")"
	grep -q "cannot load $so, which seoibctl needs .*; install the $package package" "$work/err" ||
		fail "$* without $so: $(cat "$work/err")"
}
expect_missing libvirt.so.0 libvirt0 "${policy_domain[@]}"
expect_missing libvirt.so.0 libvirt0 "$SEOIBCTL" check --dest h1 -c test:///default \
	--record-from-file "$SEOIB_SOURCE_ROOT/tests/record/data/legacy.json"
expect_missing libcurl.so.4 libcurl4 "$SEOIBCTL" fleet --endpoints http://127.0.0.1:9 --config "$work/seoib.conf"
# ... while the lean commands still work.
hidden libvirt.so.0 "$SEOIBCTL" --version | grep -q '^seoibctl ' || fail "--version without libvirt"
hidden libcurl.so.4 "$SEOIBCTL" hook --config "$work/seoib.conf" vm1 prepare begin - <"$domain" ||
	fail "the hook without libcurl"
echo "dispatch: ok"
