#!/bin/bash
# seoibctl check's "record.problem" is one sentence built around an error
# that may already have been shortened (an over-long record path): it must
# still end in the ellipsis, never cut off mid-word or mid-character.
# libvirt's in-process test driver: no daemon, no port.
set -euo pipefail
: "${SEOIBCTL:?run through meson test}"
. "$(dirname "$0")/../lib.sh"
make_work_dir check-record-problem work

long="$work/$(python3 -c "print('/'.join(['é' * 41] * 12))")/x.json"
status=0
"$SEOIBCTL" check --dest h1 --record-from-file "$long" -c test:///default --json >"$work/out" 2>"$work/err" || status=$?
[ "$status" -eq 3 ] || fail "check exited $status, not 3: $(cat "$work/err")"
python3 - "$work/out" <<'PY' || fail "record.problem is cut off: $(cat "$work/out")"
import json, sys
problem = json.loads(open(sys.argv[1], 'rb').read().decode('utf-8'))['record']['problem']
assert problem.startswith('no record of h1'), problem
assert problem.endswith('\u2026'), problem[-40:]
PY
echo PASS
