#!/bin/bash
# tests/lib.sh's own checks: each helper does what its comment says, so a
# script built on it fails, skips and cleans up as it should. Each case runs
# a small script under bash and checks its exit status, its stderr and what
# it left behind.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
LIB=$(cd "$(dirname "$0")/.." && pwd)/lib.sh
make_work_dir lib-selftest

# run_script BODY: run BODY after sourcing tests/lib.sh; sets rc, out, err.
run_script() {
	rc=0
	printf 'set -euo pipefail\n. %q\n%s\n' "$LIB" "$1" >"$WORK/script.sh"
	bash "$WORK/script.sh" >"$WORK/out" 2>"$WORK/err" || rc=$?
	out=$(cat "$WORK/out") err=$(cat "$WORK/err")
}
expect_rc() { [ "$rc" = "$1" ] || fail "$2: exit $rc, not $1; stderr: $err"; }

run_script 'fail "the widget broke"; echo after'
expect_rc 1 "fail"
[ "$err" = "FAIL: the widget broke" ] && [ -z "$out" ] || fail "fail said '$err' and went on to '$out'"

run_script 'FAIL_CONTEXT="case-a"; fail "bad"'
[ "$err" = "FAIL (case-a): bad" ] || fail "FAIL_CONTEXT: '$err'"

run_script 'fail_case c1 "one"; fail_case c2 "two"; echo "went on"; exit_cases 5 cases'
expect_rc 1 "two failed cases"
[ "$out" = $'went on\n5 cases checked, 2 failed' ] || fail "fail_case did not go on, or exit_cases miscounted: $out"
[ "$err" = $'FAIL c1: one\nFAIL c2: two' ] || fail "fail_case said: $err"
run_script 'exit_cases 3 cases'
expect_rc 0 "no failed case"
run_script 'exit_cases 0 cases'
expect_rc 1 "nothing checked"
[ "$err" = "FAIL: no cases checked" ] || fail "exit_cases 0 said: $err"

run_script 'skip "no widget here"'
expect_rc 77 "skip"
[ "$err" = "SKIP: no widget here" ] || fail "skip said: $err"
run_script 'require no-such-command-seoib "package none"'
expect_rc 77 "require of a missing command"
run_script 'require bash "package bash"'
expect_rc 0 "require of bash"

printf 'alpha\nbeta\n' >"$WORK/text"
printf '{"a": 1}\n' >"$WORK/json"
run_script "must_grep '^bet' '$WORK/text'; must_jq '.a == 1' '$WORK/json'"
expect_rc 0 "must_grep and must_jq that hold"
run_script "must_grep gamma '$WORK/text'"
expect_rc 1 "must_grep of an absent line"
[[ "$err" == *"matches 'gamma'; it reads: alpha"* ]] || fail "must_grep said: $err"
run_script "must_jq '.a == 2' '$WORK/json'"
expect_rc 1 "must_jq that is false"

# at_exit: last registered first, $? is the exit status, every one runs
# even after one fails, and the work directory goes last.
run_script 'make_work_dir selftest-inner
echo "$WORK" >'"$WORK"'/inner
at_exit "echo first:\$? >&2"
at_exit "false; echo second:\$? >&2; [ -d \"\$WORK\" ] && echo dir-still-there >&2"
fail "stop"'
expect_rc 1 "at_exit after fail"
[ "$err" = $'FAIL: stop\nsecond:1\ndir-still-there\nfirst:1' ] || fail "at_exit ran as: $err"
[ ! -e "$(cat "$WORK/inner")" ] || fail "make_work_dir left $(cat "$WORK/inner") behind"
run_script 'at_exit "echo status:\$? >&2"; exit 77'
expect_rc 77 "at_exit keeps the exit status"
[ "$err" = "status:77" ] || fail "at_exit saw: $err"
run_script '. '"$(printf %q "$LIB")"'; at_exit "echo once >&2"'
[ "$err" = "once" ] || fail "sourcing tests/lib.sh twice: $err"

# A script built on tests/lib.sh registers its cleanups with at_exit: its own
# `trap ... EXIT` replaces lib.sh's, and every at_exit cleanup (make_work_dir's
# included) is then dropped. Every test script that sources tests/lib.sh,
# itself or through its suite's lib.sh, is checked.
run_script 'make_work_dir selftest-trap
echo "$WORK" >'"$WORK"'/trapped
trap "true" EXIT'
[ -e "$(cat "$WORK/trapped")" ] || fail "a script's own trap EXIT no longer drops at_exit's cleanups: update this comment"
rm -rf "$(cat "$WORK/trapped")"
SOURCE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
trapped=$(cd "$SOURCE_ROOT" && grep -lE '^[[:space:]]*\.[[:space:]].*lib\.sh' tests/*/*.sh |
	grep -v '^tests/lib\.sh$' | xargs grep -nE '^[[:space:]]*trap[[:space:]].*[[:space:]]EXIT[[:space:]]*$' || true)
[ -z "$trapped" ] || fail "test scripts built on tests/lib.sh set their own EXIT trap, which drops lib.sh's at_exit cleanups; use at_exit: $trapped"

# wait_until is bounded; stop_pid stops what ignores SIGTERM, and does not
# wait out its bound on a child that ended.
run_script 'start=$SECONDS; wait_until 1 false && exit 3; echo $((SECONDS - start))'
expect_rc 0 "wait_until"
# Margins far from the bounds, so that a loaded machine cannot fail them:
# what they catch is a wait that ignores its bound, or waits it out.
[ "$out" -le 10 ] || fail "wait_until 1 false took $out s"
run_script 'sleep 600 & p=$!; start=$SECONDS; stop_pid $p TERM 120; echo $((SECONDS - start)); kill -0 $p 2>/dev/null && exit 3 || true'
expect_rc 0 "stop_pid of a child"
[ "$out" -lt 60 ] || fail "stop_pid waited $out s (its bound: 120 s) for a child that ended at once"
run_script 'bash -c "trap \"\" TERM; sleep 20" & p=$!; sleep 0.3
start=$SECONDS; stop_pid $p TERM 1; echo $((SECONDS - start)); kill -0 $p 2>/dev/null && exit 3 || true'
expect_rc 0 "stop_pid of a child that ignores SIGTERM"
[ "$out" -le 4 ] || fail "stop_pid PID TERM 1 took $out s to stop a child that ignores SIGTERM"
echo "PASS"
