#!/bin/bash
# A listing shows a host from its summary only when the host's record under
# hosts/ is present, a valid host record, fresh and of the same host, and
# says what the summary says; otherwise the host is listed as a decision
# sees it (from its record, or under "invalid"), and the totals count only
# what a decision would accept (issue 20, item 3). Before the fix the
# listing read summaries alone: a self-consistent "fixed" summary listed
# hosts whose record was invalid JSON, another host's, two days old or
# legacy, and a summary claiming generation none with respected states
# counted too ("respected 6" where one host can run it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require etcd "Debian package etcd-server"
require etcdctl "Debian package etcd-client"
require jq "Debian package jq"

RECORDS="$SEOIB_SOURCE_ROOT/tests/record/data"
NOW=$(date +%s)
TWO_DAYS_AGO=$((NOW - 2 * 86400))
start_fleet_etcd

record() { # record FIXTURE HOSTNAME PROBE_TIME
	jq -c --arg h "$2" --argjson t "$3" '.host.hostname = $h | .probe.time_unix = $t' "$RECORDS/$1"
}
# The summary seoibd derives from fixed-control.json: fixed, all three
# states verified, VMM control. It contradicts nothing by itself.
fixed_summary() { # fixed_summary HOSTNAME PROBE_TIME
	jq -c --arg h "$1" --argjson t "$2" '.hostname = $h | .probe_time = $t' "$RECORDS/fixed-control.summary.json"
}
put_host() { # put_host NAME RECORD-TEXT SUMMARY-TEXT
	ctl put "/seoib/v1/hosts/$1" "$2" >/dev/null
	ctl put "/seoib/v1/summaries/$1" "$3" >/dev/null
}

# The one honest host, record and summary as seoibd publishes them.
put_host hv-good "$(record fixed-control.json hv-good "$NOW")" "$(fixed_summary hv-good "$NOW")"
# A fixed summary beside ...
put_host hv-badjson '{"schema": "seoib.host/1", "host": ' "$(fixed_summary hv-badjson "$NOW")"
put_host hv-other "$(record fixed-control.json hv-elsewhere "$NOW")" "$(fixed_summary hv-other "$NOW")"
put_host hv-old "$(record legacy.json hv-old "$TWO_DAYS_AGO")" "$(fixed_summary hv-old "$NOW")"
put_host hv-legacy "$(record legacy.json hv-legacy "$NOW")" "$(fixed_summary hv-legacy "$NOW")"
# A summary claiming generation none with respected states, beside a valid
# legacy record.
put_host hv-none "$(record legacy.json hv-none "$NOW")" \
	"$(fixed_summary hv-none "$NOW" | jq -c '.generation = "none"')"
# A fixed record, two days old, with its own summary: listed, STALE, and
# counted for no state, as every decision takes it as unknown.
put_host hv-old-fixed "$(record fixed-control.json hv-old-fixed "$TWO_DAYS_AGO")" \
	"$(fixed_summary hv-old-fixed "$TWO_DAYS_AGO")"

json=$(fleet --json 2>"$WORK/stderr") || fail "fleet failed: $(cat "$WORK/stderr")"
row() { jq -c --arg h "$1" '.hosts[] | select(.hostname == $h) | {generation, states, stale}' <<<"$json"; }

echo "== only hosts with a valid record of their own are listed"
jq -e '[.hosts[].hostname] == ["hv-good", "hv-legacy", "hv-none", "hv-old", "hv-old-fixed"]' <<<"$json" >/dev/null ||
	fail "listed $(jq -c '[.hosts[].hostname]' <<<"$json"), not the hosts with a valid record of their own"

echo "== each is listed as its record says, never from a summary that differs"
[ "$(row hv-good)" = '{"generation":"fixed","states":["quirked","respected","not-advertised"],"stale":false}' ] ||
	fail "hv-good: $(row hv-good)"
for h in hv-legacy hv-none; do
	[ "$(row $h)" = '{"generation":"legacy","states":["quirked"],"stale":false}' ] || fail "$h: $(row $h)"
done
[ "$(row hv-old)" = '{"generation":"legacy","states":["quirked"],"stale":true}' ] || fail "hv-old: $(row hv-old)"
[ "$(jq -c '.stale' <<<"$(row hv-old-fixed)")" = true ] || fail "hv-old-fixed: $(row hv-old-fixed)"

echo "== the totals count what a decision accepts"
jq -e '.summary.hosts == 5 and .summary.generations.fixed == 2 and .summary.generations.legacy == 3
	and .summary.states.quirked == 3 and .summary.states.respected == 1
	and .summary.states["not-advertised"] == 1' <<<"$json" >/dev/null ||
	fail "wrong totals: $(jq -c .summary <<<"$json")"
text=$(fleet 2>/dev/null)
grep -q 'hosts able to run each state: quirked 3 respected 1 not-advertised 1' <<<"$text" ||
	fail "text totals wrong: $text"

echo "== every summary not shown is named, with why"
invalid_why() { jq -r --arg k "/seoib/v1/$1" '.invalid[] | select(.key == $k) | .why' <<<"$json"; }
for h in hv-badjson hv-other; do
	[ -n "$(invalid_why "hosts/$h")" ] || fail "the record of $h is not named invalid: $(jq -c .invalid <<<"$json")"
	invalid_why "summaries/$h" | grep -q 'is not listed' ||
		fail "the summary of $h is not named unused: $(jq -c .invalid <<<"$json")"
done
invalid_why hosts/hv-other | grep -q 'another host' || fail "hv-other: $(invalid_why hosts/hv-other)"
invalid_why summaries/hv-none | grep -q 'generation is none' ||
	fail "the generation-none summary is not refused by its generation: $(invalid_why summaries/hv-none)"
invalid_why summaries/hv-legacy | grep -q 'says generation fixed where its record says legacy' ||
	fail "the fixed summary beside a legacy record: $(invalid_why summaries/hv-legacy)"
invalid_why summaries/hv-old | grep -q 'does not match its record' ||
	fail "the summary of the two-day-old record: $(invalid_why summaries/hv-old)"
jq -e '.invalid | length == 7' <<<"$json" >/dev/null || fail "expected 7 invalid entries: $(jq -c .invalid <<<"$json")"

echo "== check --dest agrees: the hosts shown invalid are not ok"
for h in hv-badjson hv-other; do
	rc=0
	"$SEOIBCTL" check --config "$WORK/seoib.conf" -c test:///default --json --dest "$h" >"$WORK/check.out" 2>&1 ||
		rc=$?
	[ "$rc" != 0 ] || fail "check --dest $h said ok: $(cat "$WORK/check.out")"
done
echo "PASS"
