# Shared by the fleet tests: a real etcd on loopback, publishers, bounded
# waits. Every process started here is recorded and stopped by PID.
# shellcheck shell=bash

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
make_work_dir fleet
PIDS=()

# At exit: every process started here killed, and after a failure the
# tail of every log of $WORK.
cleanup() {
	local status=$? pid log
	for pid in "${PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	[ "$status" -ne 0 ] && [ "$status" -ne 77 ] || return 0
	for log in "$WORK"/*.log; do
		[ -e "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
	done
}
at_exit cleanup

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_etcd SCHEME [extra etcd args]: sets ETCD_URL, ETCD_PID (same ports
# and data dir on a restart).
start_etcd() {
	local scheme=$1
	shift
	: "${ETCD_PORT:=$(free_port)}" "${ETCD_PEER_PORT:=$(free_port)}"
	ETCD_URL="$scheme://127.0.0.1:$ETCD_PORT"
	etcd --name seoib-test --data-dir "$WORK/etcd-data" \
		--listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
		--listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-cluster "seoib-test=http://127.0.0.1:$ETCD_PEER_PORT" \
		"$@" >>"$WORK/etcd.log" 2>&1 &
	ETCD_PID=$!
	PIDS+=("$ETCD_PID")
}

# A publisher stopped with SIGTERM must exit 0 (under ASan: no leak, no error).
stop_publisher() { # stop_publisher PID NAME
	local rc=0
	kill -TERM "$1"
	wait "$1" || rc=$?
	[ "$rc" = 0 ] || fail "publisher $2 exited $rc on SIGTERM"
}

# A config file for a publisher / seoibctl talking to $ETCD_URL.
write_config() { # write_config FILE [extra lines...]
	local file=$1
	shift
	{
		echo "etcd-endpoints = $ETCD_URL"
		echo "etcd-lease-ttl = ${LEASE_TTL:-2}"
		printf '%s\n' "$@"
	} >"$file"
}

# An etcd over plain HTTP, healthy, with ctl (etcdctl on it), a seoibctl
# configuration in $WORK/seoib.conf and fleet (seoibctl fleet with it).
start_fleet_etcd() {
	start_etcd http
	ctl() { ETCDCTL_API=3 etcdctl --endpoints "$ETCD_URL" --dial-timeout=2s --command-timeout=3s "$@"; }
	wait_until 10 ctl endpoint health >/dev/null 2>&1 || fail "etcd did not become healthy in 10 s"
	write_config "$WORK/seoib.conf"
	fleet() { "$SEOIBCTL" fleet --config "$WORK/seoib.conf" "$@"; }
}
