#!/bin/bash
# Every etcd reply is untrusted: a fake etcd gateway on loopback
# (fake_etcd.py) answers one kind of request with a reply that is valid JSON
# but not what etcd sends, or never ends. The real clients must each keep
# running, say what is wrong in one sentence, and neither crash, loop, nor
# use the reply: seoibd's publisher (publish-driver runs daemon/publisher.c)
# for lease grant, keepalive, the put transaction, revoke and authenticate;
# seoibctl fleet for range pages (of summaries/, then of hosts/: a listing
# reads both and checks each summary against its record); seoibctl check
# --dest for a get.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require jq "Debian package jq"
require python3 "Debian package python3"

FAKE="$(dirname "$0")/fake_etcd.py"
RECORD="$SEOIB_SOURCE_ROOT/tests/record/data/fixed-control.json" # host hv-fixed-2
HOSTS=/seoib/v1/hosts/
LISTED=/seoib/v1/summaries/ # what a listing reads first, then hosts/
b64() { printf '%s' "$1" | base64 -w0; }
RECORD_B64=$(base64 -w0 <"$RECORD")
SUMMARY_B64=$(jq -c . "$SEOIB_SOURCE_ROOT/tests/record/data/fixed-control.summary.json" | tr -d '\n' | base64 -w0)
echo "secret" >"$WORK/password"
AUTH=("etcd-user = seoib" "etcd-password-file = $WORK/password")

# One fake for every case; each case sets its replies and clears the log.
FAKE_REQUESTS=$WORK/fake.requests
: >"$WORK/fake.replies"
python3 "$FAKE" "$WORK/fake.port" "$FAKE_REQUESTS" "$WORK/fake.replies" 2>>"$WORK/fake.log" &
PIDS+=("$!")
wait_until 30 test -s "$WORK/fake.port" || fail "the fake etcd did not start"
ETCD_URL="http://127.0.0.1:$(cat "$WORK/fake.port")"
start_fake() { # start_fake [PATH=BODY...]
	printf '%s\n' "$@" >"$WORK/fake.replies.tmp"
	mv "$WORK/fake.replies.tmp" "$WORK/fake.replies"
	: >"$FAKE_REQUESTS"
}
served() { grep -qx "$1" "$FAKE_REQUESTS"; }

# publisher_case NAME PATH BODY EXPECT [config lines]: the publisher meets
# BODY on PATH, keeps running, logs EXPECT, and stops cleanly (exit 0; under
# ASan also no leak). Revoke is met on the way out.
publisher_case() {
	local name=$1 path=$2 body=$3 expect=$4 pid
	shift 4
	echo "== publisher: $name"
	start_fake "$path=$body"
	write_config "$WORK/$name.conf" "$@"
	cp "$RECORD" "$WORK/$name.json"
	"$PUBLISH_DRIVER" "$WORK/$name.conf" "$WORK/$name.json" >"$WORK/$name.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	if [ "$path" = /v3/lease/revoke ]; then
		wait_until 10 served /v3/kv/txn || fail "$name: the publisher never put its record"
	else
		wait_until 10 served "$path" || fail "$name: the publisher never asked $path"
		sleep 1 # several more steps: retries, backoff
		kill -0 "$pid" 2>/dev/null || fail "$name: the publisher died on $body from $path"
	fi
	stop_publisher "$pid" "$name"
	grep -q -- "$expect" "$WORK/$name.log" || fail "$name: the log lacks '$expect': $(cat "$WORK/$name.log")"
}

# client_case NAME RC EXPECT COMMAND... (after start_fake): COMMAND ends
# within 30 s with RC and EXPECT on stderr, which holds no control character.
# Its configuration has the lines in EXTRA besides the endpoint.
EXTRA=()
client_case() {
	local name=$1 want=$2 expect=$3 rc=0
	shift 3
	write_config "$WORK/$name.conf" "${EXTRA[@]}"
	timeout 30 "$@" --config "$WORK/$name.conf" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
	[ "$rc" != 124 ] || fail "$name: $* did not finish within 30 s"
	[ "$rc" = "$want" ] || fail "$name: $* exited $rc, not $want: $(cat "$WORK/$name.err")"
	[ -z "$expect" ] || grep -q -- "$expect" "$WORK/$name.err" ||
		fail "$name: stderr lacks '$expect': $(cat "$WORK/$name.err")"
	! LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n' <"$WORK/$name.err") ||
		fail "$name: control characters reach the terminal: $(od -c "$WORK/$name.err" | head)"
}

fleet_case() { # fleet_case NAME RC EXPECT PATH=BODY...
	local name=$1 want=$2 expect=$3
	shift 3
	echo "== fleet: $name"
	start_fake "$@"
	client_case "fleet-$name" "$want" "$expect" "$SEOIBCTL" fleet --json
}

check_case() { # check_case NAME EXPECT PATH=BODY...: the record is unusable, the verdict unknown
	local name=$1 expect=$2
	shift 2
	echo "== check --dest: $name"
	start_fake "$@"
	client_case "check-$name" 3 "$expect" "$SEOIBCTL" check -c test:///default --json --dest hv-fixed-2
	jq -e '.verdict == "unknown" and (.record.usable | not)' "$WORK/check-$name.out" >/dev/null ||
		fail "check-$name: not unknown: $(cat "$WORK/check-$name.out")"
}

# A reply that is JSON but not an object, at each of the seven call sites.
for body in '[]' '"ok"'; do
	for path in /v3/lease/grant /v3/lease/keepalive /v3/kv/txn /v3/lease/revoke; do
		publisher_case "${path##*/}-$body" "$path" "$body" "not an object"
	done
	publisher_case "authenticate-$body" /v3/auth/authenticate "$body" "not an object" "${AUTH[@]}"
	fleet_case "range-$body" 2 "not an object" "/v3/kv/range=$body"
	EXTRA=("${AUTH[@]}")
	fleet_case "authenticate-$body" 2 "not an object" "/v3/auth/authenticate=$body"
	EXTRA=()
	check_case "get-$body" "not an object" "/v3/kv/range=$body"
done

# Fields of the wrong type, or of the right type and wrong value.
publisher_case grant-id-text /v3/lease/grant '{"ID": "12abc"}' '"ID" is not a 64-bit integer'
publisher_case grant-id-zero /v3/lease/grant '{"ID": "0"}' '"ID" is missing'
publisher_case grant-error /v3/lease/grant '{"error": "etcdserver: too many requests"}' 'too many requests'
publisher_case keepalive-result-array /v3/lease/keepalive '{"result": []}' '"result" is array'
publisher_case keepalive-stream-error /v3/lease/keepalive \
	'{"error": {"grpc_code": 14, "message": "etcdserver: leader changed"}}' 'leader changed'
publisher_case token-header-injection /v3/auth/authenticate \
	'{"token": "t\r\nX-Injected: 1"}' 'not printable ASCII' "${AUTH[@]}"
EXTRA=("${AUTH[@]}")
fleet_case token-object 2 '"token" is object' '/v3/auth/authenticate={"token": {}}'
EXTRA=()

fleet_case kvs-object 2 '"kvs" is object, not array' '/v3/kv/range={"kvs": {}}'
fleet_case kvs-entry-array 2 'entry 0 of "kvs" is array' '/v3/kv/range={"kvs": [[]]}'
fleet_case key-null 2 'entry 0 of "kvs" has an empty key' '/v3/kv/range={"kvs": [{"key": null}]}'
fleet_case key-number 2 '"key" is int, not string' '/v3/kv/range={"kvs": [{"key": 7}]}'
fleet_case key-not-base64 2 '"key" is not padded base64' '/v3/kv/range={"kvs": [{"key": "%%%"}]}'
fleet_case key-nul 2 'holds a NUL' "/v3/kv/range={\"kvs\": [{\"key\": \"$(b64 "$HOSTS")\\u0000x\"}]}"
fleet_case key-decodes-to-nul 2 'one holding a NUL byte' \
	"/v3/kv/range={\"kvs\": [{\"key\": \"$(printf '/seoib/v1/hosts/\0x' | base64 -w0)\"}]}"
fleet_case key-shorter-than-prefix 2 'outside the range asked for' \
	"/v3/kv/range={\"kvs\": [{\"key\": \"$(b64 /se)\", \"value\": \"$RECORD_B64\"}]}"
fleet_case key-past-range 2 'outside the range asked for' \
	"/v3/kv/range={\"kvs\": [{\"key\": \"$(b64 /seoib/v1/other)\", \"value\": \"$RECORD_B64\"}]}"
fleet_case keys-out-of-order 2 'out of order' \
	"/v3/kv/range={\"kvs\": [{\"key\": \"$(b64 "${LISTED}b")\"}, {\"key\": \"$(b64 "${LISTED}a")\"}]}"
fleet_case record-keys-out-of-order 2 'out of order' \
	"/v3/kv/range?hosts={\"kvs\": [{\"key\": \"$(b64 "${HOSTS}b")\"}, {\"key\": \"$(b64 "${HOSTS}a")\"}]}"
fleet_case more-than-limit 2 'more than the 5000 asked for' \
	"/v3/kv/range=$(jq -cn --arg k "$(b64 "${LISTED}x")" '{kvs: [range(5001) | {key: $k}]}')"
fleet_case more-without-kvs 2 'says "more" but "kvs" is empty' '/v3/kv/range={"more": true}'
fleet_case more-not-bool 2 '"more" is string' '/v3/kv/range={"more": "yes"}'
# "more" for ever: the same page again, or a new key past the last each time.
fleet_case more-same-page 2 'outside the range asked for' \
	"/v3/kv/range={\"kvs\": [{\"key\": \"$(b64 "${LISTED}hv-fixed-2")\", \"value\": \"$SUMMARY_B64\"}], \"more\": true}"
fleet_case more-for-ever 2 'after 64 pages' '/v3/kv/range=@advance'
fleet_case huge-reply 2 'more than 33554432 bytes' '/v3/kv/range=@huge'
fleet_case http-500-escapes 2 'HTTP 500' '/v3/kv/range=@http500'

# A value of null is an empty value: an invalid summary, skipped and named;
# the host is listed from its full record.
RECORD_PAGE="/v3/kv/range?hosts={\"kvs\": [{\"key\": \"$(b64 "${HOSTS}hv-fixed-2")\", \"value\": \"$RECORD_B64\"}]}"
fleet_case value-null 0 "skipped ${LISTED}hv-fixed-2" \
	"/v3/kv/range={\"kvs\": [{\"key\": \"$(b64 "${LISTED}hv-fixed-2")\", \"value\": null}]}" "$RECORD_PAGE"
jq -e '.summary.hosts == 1 and .hosts[0].hostname == "hv-fixed-2" and
	[.invalid[].key] == ["/seoib/v1/summaries/hv-fixed-2"]' "$WORK/fleet-value-null.out" \
	>/dev/null || fail "value-null: $(cat "$WORK/fleet-value-null.out")"
# A summary stored under another host's key, or of a record it does not match.
fleet_case summary-impostor 0 "summary of host hv-fixed-2 stored under another host's key" \
	"/v3/kv/range={\"kvs\": [{\"key\": \"$(b64 "${LISTED}hv-other")\", \"value\": \"$SUMMARY_B64\"}]}" \
	"/v3/kv/range?hosts={}"
jq -e '.summary.hosts == 0' "$WORK/fleet-summary-impostor.out" >/dev/null ||
	fail "summary-impostor listed: $(cat "$WORK/fleet-summary-impostor.out")"

check_case kvs-object '"kvs" is object, not array' '/v3/kv/range={"kvs": {}}'
check_case value-number '"value" is int, not string' \
	"/v3/kv/range={\"kvs\": [{\"key\": \"$(b64 "${HOSTS}hv-fixed-2")\", \"value\": 1}]}"
check_case another-key 'another key than the one asked for' \
	"/v3/kv/range={\"kvs\": [{\"key\": \"$(b64 "${HOSTS}hv-fixed-1")\", \"value\": \"$RECORD_B64\"}]}"
check_case two-kvs 'more than the 1 asked for' \
	"/v3/kv/range={\"kvs\": [{\"key\": \"$(b64 "${HOSTS}hv-fixed-2")\"}, {\"key\": \"$(b64 "${HOSTS}hv-fixed-3")\"}]}"

echo "== a well-formed fake answer still works end to end"
start_fake "/v3/kv/range={\"kvs\": [{\"key\": \"$(b64 "${LISTED}hv-fixed-2")\", \"value\": \"$SUMMARY_B64\"}]}" \
	"$RECORD_PAGE"
client_case fleet-good 0 '' "$SEOIBCTL" fleet --json
jq -e '.summary.hosts == 1 and .hosts[0].hostname == "hv-fixed-2" and .invalid == []' "$WORK/fleet-good.out" \
	>/dev/null ||
	fail "a good page is not listed: $(cat "$WORK/fleet-good.out")"

echo "PASS"
