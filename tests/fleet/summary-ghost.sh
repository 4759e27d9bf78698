#!/bin/bash
# A listing reads every record under hosts/ and checks each summary against
# its record (summary-bound.sh has the rest of the rule): a summary for a
# host without a record is not listed (it is named under "invalid"), and a
# host whose record has no summary is listed from its record, so the
# listing names the hosts policy and check (which read records) know. Equal
# counts of records and summaries once listed hv-ghost and hid hv-fixed-2.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require etcd "Debian package etcd-server"
require etcdctl "Debian package etcd-client"
require jq "Debian package jq"

RECORDS="$SEOIB_SOURCE_ROOT/tests/record/data"
start_fleet_etcd
# hv-fixed-2 published its record but no summary (say, by hand or by a
# seoibd older than summaries); hv-ghost has a summary and no record.
ctl put /seoib/v1/hosts/hv-fixed-2 "$(jq -c . "$RECORDS/fixed-control.json")" >/dev/null
ctl put /seoib/v1/summaries/hv-ghost \
	"$(jq -c '.hostname = "hv-ghost"' "$RECORDS/fixed-control.summary.json")" >/dev/null
json=$(fleet --json 2>"$WORK/stderr") || fail "fleet failed: $(cat "$WORK/stderr")"
jq -e '[.hosts[].hostname] == ["hv-fixed-2"]' <<<"$json" >/dev/null ||
	fail "the listing is not the records' hosts: $(jq -c '[.hosts[].hostname]' <<<"$json")"
jq -e '[.invalid[] | select(.key == "/seoib/v1/summaries/hv-ghost" and (.why | contains("no record")))] | length == 1' \
	<<<"$json" >/dev/null || fail "the summary without a record is not named under invalid: $(jq -c .invalid <<<"$json")"
# Every host has its summary again, and it matches its record.
ctl put /seoib/v1/summaries/hv-fixed-2 "$(jq -c . "$RECORDS/fixed-control.summary.json")" >/dev/null
ctl del /seoib/v1/summaries/hv-ghost >/dev/null
json=$(fleet --json 2>"$WORK/stderr") || fail "fleet failed: $(cat "$WORK/stderr")"
jq -e '[.hosts[].hostname] == ["hv-fixed-2"] and (.invalid | length == 0)' <<<"$json" >/dev/null ||
	fail "a matched listing changed: $(jq -c . <<<"$json")"
echo "PASS"
