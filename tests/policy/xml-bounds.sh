#!/bin/bash
# Hostile domain XML (issue 11): inputs over guest_facts.h's bounds are
# refused before libxml2 parses them, the hook refuses them whatever
# on-error says (a big XML must not buy an allow), sane-but-large XML still
# passes, and libxml2's own messages never reach stderr raw.
set -euo pipefail

: "${SEOIBCTL:?}" "${SEOIB_SOURCE_ROOT:?}" "${SEOIB_BUILD_ROOT:?}"
HOOK=$SEOIB_BUILD_ROOT/cli/seoib-hook
GEN=$SEOIB_SOURCE_ROOT/tests/policy/make-hostile-xml.py
. "$(dirname "$0")/../lib.sh"
make_work_dir xml-bounds work


# hook XML_FILE MODE: the real hook binary, prepare begin, on-error = allow.
hook() {
	local rc=0
	printf 'hook-mode = %s\non-error = allow\nrecord-path = %s/absent.json\n' "$2" "$work" >"$work/seoib.conf"
	timeout 60 "$HOOK" --config "$work/seoib.conf" hostile prepare begin - <"$1" >"$work/out" 2>"$work/err" || rc=$?
	echo "$rc"
}

# Over a bound: refused (exit 1) with the bound's sentence, never allowed.
for spec in "attrs 25000" "attrs 75000" "attrs 200000" "attrs-spread 16500" "tags 33000" "bytes 2200000"; do
	# shellcheck disable=SC2086
	python3 "$GEN" $spec >"$work/x.xml"
	for mode in enforce warn; do
		rc=$(hook "$work/x.xml" "$mode")
		[ "$rc" = 1 ] || fail "hook ($mode, $spec): exit $rc, not 1 (refused); stderr: $(cat "$work/err")"
		[ "$(wc -l <"$work/err")" = 1 ] || fail "hook ($spec): stderr is not one line: $(cat "$work/err")"
		grep -q "^seoib: refused: the domain XML of 'hostile' is over seoib's limits: " "$work/err" ||
			fail "hook ($spec): no refusal sentence: $(cat "$work/err")"
		case $spec in
		attrs\ *) grep -q 'more than 128 attributes\|larger than 2097152 bytes' "$work/err" || fail "hook ($spec): $(cat "$work/err")" ;;
		attrs-spread*) grep -q 'more than 16384 attributes' "$work/err" || fail "hook ($spec): $(cat "$work/err")" ;;
		tags*) grep -q 'more than 32768 tags' "$work/err" || fail "hook ($spec): $(cat "$work/err")" ;;
		bytes*) grep -q 'larger than 2097152 bytes' "$work/err" || fail "hook ($spec): $(cat "$work/err")" ;;
		esac
	done
	# seoibctl policy refuses the same input with the same reason (exit 2).
	rc=0
	timeout 60 "$SEOIBCTL" policy --xml "$work/x.xml" >/dev/null 2>"$work/err" || rc=$?
	[ "$rc" = 2 ] || fail "policy --xml ($spec): exit $rc, not 2; $(cat "$work/err")"
	grep -q 'refusing it unparsed\|larger than' "$work/err" || fail "policy --xml ($spec): $(cat "$work/err")"
done

# Just under the bounds: parsed; the hook then fails on the missing record
# and follows on-error = allow, which proves the bounds did not refuse it.
for spec in "attrs 127" "attrs-spread 16000" "tags 32000" "bytes 2000000"; do
	# shellcheck disable=SC2086
	python3 "$GEN" $spec >"$work/x.xml"
	rc=$(hook "$work/x.xml" enforce)
	[ "$rc" = 0 ] || fail "hook ($spec, under the bounds): exit $rc; stderr: $(cat "$work/err")"
	grep -q 'no usable host record' "$work/err" || fail "hook ($spec): $(cat "$work/err")"
done

# libxml2's "encoding error : ..." lines: one seoib sentence on stderr instead.
python3 "$GEN" encoding >"$work/enc.xml"
rc=0
"$SEOIBCTL" policy --xml "$work/enc.xml" >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 2 ] || fail "policy --xml with a bad encoding: exit $rc, not 2"
[ "$(wc -l <"$work/err")" = 1 ] || fail "stderr is not exactly one line: $(cat "$work/err")"
grep -qx 'seoibctl policy: malformed domain XML: input conversion failed due to input error, bytes 0xFF 0xFF 0x80 0x62; pass the XML as libvirt writes it (virsh dumpxml GUEST)' "$work/err" ||
	fail "unexpected sentence: $(cat "$work/err")"
rc=$(hook "$work/enc.xml" enforce)
[ "$(wc -l <"$work/err")" = 1 ] || fail "hook stderr with a bad encoding is not one line: $(cat "$work/err")"
echo PASS
