#!/bin/bash
# D-Bus Get latency while etcd is dead (issue 11): seoibd on a private bus
# under the fake-KVM shim, publishing to 0 (no etcd configured: the
# baseline), 1 and 16 endpoints that accept and never answer
# (tests/daemon/dead-etcd.py). For each, GETS Get(Generation) calls from one
# python3-dbus connection, 10 ms apart so that they span the publisher's
# 1 s request timeouts (the way a monitoring client polls), timed one by
# one: median and p99, and p99 as a ratio of the baseline's p99 measured in
# the same run.
# Goal: p99 within 2x the baseline whatever the number of dead endpoints.
# Usage: [DEAD_LIST="0 1 16"] bench/daemon-etcd-dead.sh BUILD_DIR [GETS]   (as root;
# the first of DEAD_LIST is the reference of the ratios)
set -euo pipefail
SEOIB_BUILD_ROOT=$(realpath "${1:?usage: $0 BUILD_DIR [GETS]}")
SEOIB_SOURCE_ROOT=$(realpath "$(dirname "$0")/..")
export SEOIB_BUILD_ROOT SEOIB_SOURCE_ROOT
export SEOIBCTL=$SEOIB_BUILD_ROOT/cli/seoibctl
GETS=${2:-600}
. "$SEOIB_SOURCE_ROOT/tests/daemon/lib.sh"
. "$SEOIB_SOURCE_ROOT/bench/lib.sh"

/usr/bin/python3 -c 'import dbus' 2>/dev/null || skip "python3-dbus (/usr/bin/python3) is not installed"
echo "machine: $(machine); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: bench/daemon-etcd-dead.sh ${1} $GETS"
start_bus
baseline_p99=
for dead in ${DEAD_LIST:-0 1 16}; do
	lines=()
	if [ "$dead" -gt 0 ]; then
		rm -f "$WORK/etcd-urls"
		python3 "$HERE/dead-etcd.py" "$dead" "$WORK/etcd-urls" &
		listener=$!
		STARTED_PIDS+=("$listener")
		wait_until 10 test -s "$WORK/etcd-urls" || fail "the dead etcd listeners did not start"
		lines=("etcd-endpoints=$(cat "$WORK/etcd-urls")" etcd-lease-ttl=3)
	fi
	rm -f "$CONFIG"
	write_config "${lines[@]}"
	start_daemon fixed
	# Overlap the publisher: it starts right after READY=1.
	result=$(/usr/bin/python3 - "$DBUS_SYSTEM_BUS_ADDRESS" "$GETS" <<'PY'
import statistics, sys, time
import dbus
address, gets = sys.argv[1], int(sys.argv[2])
bus = dbus.bus.BusConnection(address)
props = dbus.Interface(bus.get_object("org.seoib1", "/org/seoib1"), "org.freedesktop.DBus.Properties")
samples = []
start = time.perf_counter()
for _ in range(gets):
    t = time.perf_counter()
    props.Get("org.seoib1.Host", "Generation", timeout=60)
    samples.append((time.perf_counter() - t) * 1000)
    time.sleep(0.01)
total = time.perf_counter() - start
samples.sort()
print("%.3f %.3f %.1f" % (statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))], total))
PY
)
	read -r median p99 total <<<"$result"
	baseline_p99=${baseline_p99:-$p99}
	printf '%2d dead endpoints: %d Gets in %.1f s, median %.3f ms, p99 %.3f ms, p99 / baseline p99 %.2f\n' \
		"$dead" "$GETS" "$total" "$median" "$p99" "$(echo "$p99 / $baseline_p99" | bc -l)"
	stop_daemon
	if [ "$dead" -gt 0 ]; then stop_pid "$listener"; fi
done
