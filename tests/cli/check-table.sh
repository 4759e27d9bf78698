#!/bin/bash
# seoibctl check's table lines up in terminal columns whatever the guest
# names: accented Latin (2 bytes, 1 column), CJK (3 bytes, 2 columns), a
# combining mark (0 columns), and a name wider than the column, which widens
# it for every row. printf's "%-24s" padded bytes (issue 19). The guests are
# libvirt's test driver's, from a node file: no daemon.
set -euo pipefail
: "${SEOIBCTL:?}" "${SEOIB_SOURCE_ROOT:?}"
. "$(dirname "$0")/../lib.sh"
make_work_dir check-table work

names=(plain 'wïn-ünïcode' '日本語-guest' $'cafe\u0301-vm' 'a-guest-name-wider-than-the-24-column-default')
{
	echo "<node>"
	for n in "${names[@]}"; do
		echo "  <domain type='test'><name>$n</name><memory>65536</memory><os><type>hvm</type></os></domain>"
	done
	echo "</node>"
} >"$work/node.xml"
printf 'libvirt-uri =\nmax-record-age = 0\n' >"$work/seoib.conf"
timeout 30 "$SEOIBCTL" check --dest h1 --record-from-file "$SEOIB_SOURCE_ROOT/tests/policy/records/h1-fixed.json" \
	-c "test://$work/node.xml" --config "$work/seoib.conf" >"$work/out" 2>"$work/err" ||
	fail "check exited $?: $(cat "$work/err")"
[ "$(wc -l <"$work/out")" = $((${#names[@]} + 1)) ] || fail "check printed: $(cat "$work/out")"
# The display column where the second column (STATE) starts, on every line.
python3 - "$work/out" <<'PY' || fail "the table does not line up: $(cat "$work/out")"
import sys, unicodedata

def width(s):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)

starts = set()
for line in open(sys.argv[1], encoding="utf-8"):
    # The name (no blank in these), then blanks: STATE starts after them.
    i = line.index(" ")
    while line[i] == " ":
        i += 1
    starts.add(width(line[:i]))
sys.exit(0 if len(starts) == 1 else 1)
PY
echo "PASS"
