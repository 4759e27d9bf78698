# tests/lib.sh: the helpers every test script shares (in the spirit of the
# KVM selftests' kselftest.h). Source it first, from a `set -euo pipefail`
# script run by meson test:
#   . "$(dirname "$0")/../lib.sh"
# The suites' own harnesses (tests/daemon/lib.sh, tests/fleet/lib.sh,
# tests/libvirt/lib.sh) source it themselves. It owns the script's EXIT
# trap: register cleanups with at_exit, never with `trap ... EXIT`.
#
# Two ways to fail, two names:
#   fail MESSAGE...            the test failed: say so and stop now (exit 1);
#   fail_case CASE MESSAGE...  one case of a data-driven test failed: say so
#                              and go on; exit_cases ends the test, failing
#                              when any case did.
# A test that cannot run here says why and exits 77, which meson reports as
# SKIP (never 0, which would read as a pass): skip MESSAGE..., or
# require COMMAND WHERE-FROM.
# shellcheck shell=bash

[ -z "${SEOIB_TESTS_LIB:-}" ] || return 0
SEOIB_TESTS_LIB=1

# fail MESSAGE...: "FAIL: MESSAGE" on stderr, exit 1. A script whose
# failures need a context (its case, its kernel) sets FAIL_CONTEXT.
fail() {
	echo "FAIL${FAIL_CONTEXT:+ ($FAIL_CONTEXT)}: $*" >&2
	exit 1
}

# fail_case CASE MESSAGE...: "FAIL CASE: MESSAGE" on stderr; counted in
# CASES_FAILED, and the script goes on.
CASES_FAILED=0
fail_case() {
	local case_name=$1
	shift
	echo "FAIL $case_name: $*" >&2
	CASES_FAILED=$((CASES_FAILED + 1))
}

# exit_cases CHECKED WHAT: the end of a data-driven test. Fails when no
# case was CHECKED (a test that checked nothing proves nothing) or when any
# case failed; else exit 0.
exit_cases() {
	local checked=$1 what=$2
	[ "$checked" -gt 0 ] || fail "no $what checked"
	echo "$checked $what checked, $CASES_FAILED failed"
	[ "$CASES_FAILED" -eq 0 ] || exit 1
	exit 0
}

# must_grep PATTERN FILE: fail, quoting FILE, unless a line of FILE
# matches PATTERN (grep's basic regular expression).
must_grep() {
	grep -q -- "$1" "$2" || fail "no line of $2 matches '$1'; it reads: $(head -c 2000 "$2")"
}

# must_jq FILTER FILE: fail, quoting FILE, unless jq's FILTER on FILE is true.
must_jq() {
	jq -e "$1" "$2" >/dev/null 2>&1 || fail "$2 does not satisfy jq '$1'; it reads: $(head -c 2000 "$2")"
}

# skip MESSAGE...: "SKIP: MESSAGE", exit 77 (meson's skip).
skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# require COMMAND WHERE-FROM: skip unless COMMAND is installed.
require() {
	command -v "$1" >/dev/null || skip "$1 is not installed ($2)"
}

# at_exit COMMAND: run COMMAND (a string, as eval runs it) when the script
# exits, whatever the reason; the last registered runs first. $? in COMMAND
# is the script's exit status. Use it instead of `trap ... EXIT`, which
# would replace this file's trap and drop the others' cleanups.
_AT_EXIT=()
at_exit() {
	_AT_EXIT+=("$1")
}
_status_is() { return "$1"; }
_run_at_exit() {
	local status=$? i
	set +e # every cleanup runs, whichever fails
	for ((i = ${#_AT_EXIT[@]} - 1; i >= 0; i--)); do
		_status_is "$status"
		eval "${_AT_EXIT[i]}"
	done
	exit "$status"
}
trap _run_at_exit EXIT

# make_work_dir NAME [VAR]: VAR (default WORK) names a fresh private
# directory, /tmp/seoib-NAME.XXXXXX, removed at exit (after every later
# at_exit command).
make_work_dir() {
	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/seoib-$1.XXXXXX")
	printf -v "${2:-WORK}" %s "$dir"
	at_exit "rm -rf '$dir'"
}

# wait_until SECONDS COMMAND...: run COMMAND (its output discarded) every
# 0.1 s until it succeeds (0) or SECONDS have passed (1). Every wait of a
# test is bounded.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# stop_pid PID [SIGNAL [SECONDS]]: SIGNAL (default TERM), up to SECONDS
# (default 5) for PID to end, then SIGKILL; reaps PID when it is a child
# of this shell.
stop_pid() {
	local pid=$1 deadline=$((SECONDS + ${3:-5}))
	kill -"${2:-TERM}" "$pid" 2>/dev/null || return 0
	while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
