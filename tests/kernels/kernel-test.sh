#!/bin/bash
# kernel-test.sh SUITE GENERATION [-- SEOIBCTL-PROBE-ARG...]
#
# One meson test of suite 'kernels': boot the current Debian kernel of SUITE
# (boot-probe.sh), run the real `seoibctl probe --json --no-vmm ARG...` on its
# /dev/kvm, require exit status 0, and check the host record against every
# expectation file in expect/GENERATION/ (check-expect.sh), with $suite and
# $release (the guest's kernel release) as jq variables.
# Exit status: 0 pass, 1 fail, 77 skip (the Debian archive is unreachable and
# no kernel of SUITE is cached).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 2 ] || { echo "usage: kernel-test.sh SUITE GENERATION [-- ARG...]" >&2; exit 1; }
suite=$1 generation=$2
shift 2
[ $# -eq 0 ] || { [ "$1" = -- ] && shift; }
out_dir=${SEOIB_BUILD_ROOT:-${TMPDIR:-/tmp}}/tests/kernels/out

status=0
"$here/boot-probe.sh" --out-dir "$out_dir" --expect-exit 0 "$suite" -- "$@" || status=$?
[ $status -eq 0 ] || exit $status

"$here/check-expect.sh" "$out_dir/$suite.json" "$here/expect/$generation" \
	suite "$suite" release "$(cat "$out_dir/$suite.kernel")"
