#!/bin/bash
# The real seoibd writes every export it is configured for, each checked
# against its consumer's documented format (check-exports.py): the NFD
# features file, the Prometheus textfile (parsed by the Prometheus client's
# parser) and the Nova provider configuration file; for a host that runs
# every state (fixed) and one that runs quirked only (legacy).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

CHECK=$HERE/check-exports.py
/usr/bin/python3 -c 'import prometheus_client, yaml' 2>/dev/null ||
	skip "python3-prometheus-client and python3-yaml are not installed (./setup.sh installs them)"

has() { grep -qxF -- "$2" "$WORK/$1.out" || fail "$1 lacks '$2': $(cat "$WORK/$1.out")"; }
lacks() { ! grep -qxF -- "$2" "$WORK/$1.out" || fail "$1 has '$2'"; }
check() { # SCENARIO: start seoibd, check its three exports, stop it
	local scenario=$1
	rm -f "$WORK"/export.*
	write_config "nfd-features-file=$WORK/export.nfd" "prometheus-textfile=$WORK/export.prom" \
		"nova-provider-file=$WORK/export.yaml"
	start_daemon "$scenario" --no-bus
	wait_until 10 test -s "$WORK/export.yaml" || fail "$scenario: no Nova file"
	/usr/bin/python3 "$CHECK" nfd "$WORK/export.nfd" >"$WORK/nfd.out" || fail "$scenario: bad NFD file"
	/usr/bin/python3 "$CHECK" prometheus "$WORK/export.prom" >"$WORK/prom.out" || fail "$scenario: bad textfile"
	/usr/bin/python3 "$CHECK" nova "$WORK/export.yaml" >"$WORK/nova.out" || fail "$scenario: bad Nova file"
	# Written atomically: no temporary file is left beside them.
	[ "$(find "$WORK" -maxdepth 1 -name 'export.*' | wc -l)" -eq 3 ] ||
		fail "$scenario: stray files beside the exports: $(ls "$WORK")"
	stop_daemon
	# One trait and one supports=1 series per state the record says runs here.
	local s trait
	for s in quirked respected not-advertised; do
		trait=CUSTOM_SEOIB_$(echo "$s" | tr a-z- A-Z_)
		if jq -e --arg s "$s" '.verdict.states | index($s)' "$RECORD" >/dev/null; then
			has nova "$trait"
			has prom "seoib_host_supports{state=\"$s\"} 1"
			has nfd "seoib.org/state.$s=true"
		else
			lacks nova "$trait"
			has prom "seoib_host_supports{state=\"$s\"} 0"
			has nfd "seoib.org/state.$s=false"
		fi
	done
}

check fixed
has nova CUSTOM_SEOIB_PROBED_OK
has nova CUSTOM_SEOIB_QUIRKED
has prom 'seoib_kernel_generation{generation="fixed"} 1'
has prom 'seoib_kernel_generation{generation="legacy"} 0'
has prom 'seoib_last_probe_status{status="ok"} 1'
has prom 'seoib_behaviour_contradictions{} 0'
# behaviour-probe = no in the harness: every state's verdict is not-run.
for s in quirked respected not-advertised; do
	has prom "seoib_behaviour_proof{proof=\"not-run\",state=\"$s\"} 1"
	has prom "seoib_behaviour_proof{proof=\"verified\",state=\"$s\"} 0"
done
grep -q '^seoib_probe_timestamp_seconds{} [0-9]' "$WORK/prom.out" || fail "no record timestamp"
grep -q '^seoib_last_probe_timestamp_seconds{} [0-9]' "$WORK/prom.out" || fail "no last-probe timestamp"
! grep -q seoib_record_age "$WORK/prom.out" || fail "the frozen record age is still exported"

check legacy
has nova CUSTOM_SEOIB_QUIRKED
lacks nova CUSTOM_SEOIB_RESPECTED
has prom 'seoib_kernel_generation{generation="legacy"} 1'
has nfd 'seoib.org/generation=legacy'

# NFD reads every file of features.d whose name does not start with '.':
# the temporary files beside the exports must be hidden, or NFD would
# publish a half-written one, or forever one that a killed writer left.
mkdir "$WORK/features.d"
/usr/bin/python3 "$HERE/watch-creates.py" "$WORK/features.d" 30 >"$WORK/created" &
watcher=$!
wait_until 5 grep -qx watching "$WORK/created" || fail "the inotify watcher did not start"
write_config "nfd-features-file=$WORK/features.d/seoib" "prometheus-textfile=$WORK/features.d/seoib.prom" \
	"nova-provider-file=$WORK/features.d/seoib.yaml"
start_daemon fixed --no-bus
wait_until 10 test -s "$WORK/features.d/seoib.yaml" || fail "no Nova file in features.d"
# The storm watch's series beside the record's (docs/seoibd.md, "Storm watch"):
# written at start, parsed by prometheus_client, removed when seoibd stops.
wait_until 10 test -s "$WORK/features.d/seoib-storms.prom" || fail "no storm watch series beside seoib.prom"
/usr/bin/python3 "$CHECK" prometheus "$WORK/features.d/seoib-storms.prom" >/dev/null ||
	fail "the storm watch's series do not parse: $(cat "$WORK/features.d/seoib-storms.prom")"
stop_daemon
[ ! -e "$WORK/features.d/seoib-storms.prom" ] || fail "the storm watch's series outlived seoibd"
kill "$watcher" && wait "$watcher" || true
visible=$(grep -vx -e watching -e seoib -e seoib.prom -e seoib-storms.prom -e seoib.yaml -e '\..*' "$WORK/created" || true)
[ -z "$visible" ] || fail "files NFD would read were created in features.d: $visible"
grep -qx '\.seoib\.tmp\..*' "$WORK/created" || fail "the watcher saw no temporary file: $(cat "$WORK/created")"

# The checker can fail: a family without TYPE, a non-custom trait, a bad label.
printf 'seoib_x 1\n' >"$WORK/bad.prom"
! /usr/bin/python3 "$CHECK" prometheus "$WORK/bad.prom" 2>/dev/null || fail "the checker accepts a family without TYPE"
sed 's/CUSTOM_SEOIB_QUIRKED/COMPUTE_SEOIB/' "$WORK/export.yaml" >"$WORK/bad.yaml" 2>/dev/null ||
	printf 'meta: {schema_version: "1.0"}\nproviders: [{identification: {uuid: x}}]\n' >"$WORK/bad.yaml"
! /usr/bin/python3 "$CHECK" nova "$WORK/bad.yaml" 2>/dev/null || fail "the checker accepts a non-custom trait"
printf 'seoib.org/state respected=true\n' >"$WORK/bad.nfd"
! /usr/bin/python3 "$CHECK" nfd "$WORK/bad.nfd" 2>/dev/null || fail "the checker accepts a bad label name"

# An export seoibd cannot write (here a missing directory; under
# seoibd.service anything outside /run/seoib): the warning says what failed
# and the way out, a file under /run/seoib and a link to it.
write_config "prometheus-textfile=$WORK/missing/seoib.prom"
start_daemon fixed --no-bus
want="set prometheus-textfile to a file there, and make $WORK/missing/seoib.prom a symbolic link to it"
wait_until 10 grep -qF "$want" "$WORK/seoibd.log" ||
	fail "an export that cannot be written does not say what to do: $(grep -F missing/seoib.prom "$WORK/seoibd.log" | tail -n 1)"
stop_daemon
echo "PASS"
