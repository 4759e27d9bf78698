# Shared harness of the 'daemon' suite: a private system bus (a dbus-daemon
# with a config modelled on the system bus) with seoib's bus policy, and seoibd under the fake-KVM shim.
# Every wait is bounded; every process started here is stopped by PID.
# shellcheck shell=bash

: "${SEOIB_BUILD_ROOT:?run through meson test}"
: "${SEOIB_SOURCE_ROOT:?run through meson test}"
: "${SEOIBCTL:?run through meson test}"
SEOIBD=${SEOIBD:-$SEOIB_BUILD_ROOT/daemon/seoibd}
HERE=$SEOIB_SOURCE_ROOT/tests/daemon
# The shim is an LD_PRELOAD library next to an ASan runtime in sanitized builds.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

. "$SEOIB_SOURCE_ROOT/tests/lib.sh"
make_work_dir daemon-test
chmod 0755 "$WORK" # the unprivileged peer must reach the bus socket
mkdir -p "$WORK/run" "$WORK/cache" "$WORK/bin"
RECORD=$WORK/run/host.json
CONFIG=$WORK/seoib.conf
BUS_PID=
DAEMON_PID=
STARTED_PIDS=()

cleanup() {
	local status=$? pid
	for pid in "${STARTED_PIDS[@]}"; do stop_pid "$pid"; done
	if [ "$status" -ne 0 ] && [ "$status" -ne 77 ] && [ -f "$WORK/seoibd.log" ]; then
		echo "--- seoibd log" >&2
		tail -n 40 "$WORK/seoibd.log" >&2
	fi
}
at_exit cleanup

find_shim() {
	FAKEKVM=${FAKEKVM:-}
	if [ -z "$FAKEKVM" ]; then
		FAKEKVM=$(find "$SEOIB_BUILD_ROOT/tests/shim" -maxdepth 1 -name '*fakekvm*.so' 2>/dev/null | head -n 1)
	fi
	[ -n "$FAKEKVM" ] && [ -f "$FAKEKVM" ] || fail "the fake-KVM shim is not built (tests/shim); run ninja first"
}

# BUS_POLICY=open replaces seoib's policy file by one that lets anyone own
# and call anything: what seoibd itself enforces is then all that stands.
bus_policy() {
	if [ "${BUS_POLICY:-}" = open ]; then
		echo '<policy context="default"><allow own="*"/><allow send_type="method_call"/></policy>'
	else
		echo "<include>$SEOIB_SOURCE_ROOT/systemd/org.seoib1.conf</include>"
	fi
}

# A bus configured like the system bus (/usr/share/dbus-1/system.conf):
# method calls denied by default, holes punched only by seoib's own policy.
start_bus() {
	command -v dbus-daemon >/dev/null || skip "dbus-daemon is not installed"
	cat >"$WORK/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$WORK/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  $(bus_policy)
</busconfig>
CONF
	dbus-daemon --config-file="$WORK/bus.conf" --fork --print-address=3 --print-pid=4 \
		3>"$WORK/bus.address" 4>"$WORK/bus.pid"
	wait_until 5 test -s "$WORK/bus.pid" || fail "dbus-daemon did not start"
	BUS_PID=$(head -n 1 "$WORK/bus.pid")
	STARTED_PIDS+=("$BUS_PID")
	DBUS_SYSTEM_BUS_ADDRESS=$(head -n 1 "$WORK/bus.address")
	export DBUS_SYSTEM_BUS_ADDRESS
	chmod 0666 "$WORK/system_bus_socket"
}

# write_config KEY=VALUE...: the test's seoib.conf; qemu points at a path the
# test controls (absent at first: the VMM probe then records "not found").
write_config() {
	{
		echo "qemu = $WORK/bin/qemu-system-x86_64"
		echo "behaviour-probe = no" # the shim plays capabilities, not guests
		echo "record-path = $RECORD"
		echo "probe-timeout-ms = 5000"
		echo "libvirt-uri =" # no libvirtd here: the watcher has its own tests (tests/libvirt)
		local kv
		for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
	} >"$CONFIG"
}

# start_daemon SCENARIO [seoibd options]: start seoibd under the shim and wait
# for READY=1 on a NOTIFY_SOCKET this test owns.
start_daemon() {
	local scenario=$1 listener status
	shift
	find_shim
	[ -f "$CONFIG" ] || write_config
	rm -f "$WORK/notify.sock"
	python3 "$HERE/notify-listen.py" "$WORK/notify.sock" 30 >"$WORK/notify.log" &
	listener=$!
	wait_until 5 test -S "$WORK/notify.sock" || fail "the notify listener did not bind its socket"
	NOTIFY_SOCKET=$WORK/notify.sock LD_PRELOAD=$FAKEKVM FAKEKVM_SCENARIO=$scenario \
		"$SEOIBD" --config "$CONFIG" --cache-dir "$WORK/cache" "$@" 2>>"$WORK/seoibd.log" &
	DAEMON_PID=$!
	STARTED_PIDS+=("$DAEMON_PID")
	status=0
	wait "$listener" || status=$?
	[ "$status" -eq 0 ] || fail "seoibd ($scenario) sent no READY=1 within 30 s"
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "seoibd ($scenario) exited after READY=1"
}

# stop_daemon: SIGTERM, and it must exit 0 within 5 s.
stop_daemon() {
	local i status=0
	kill -TERM "$DAEMON_PID"
	for i in $(seq 50); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$DAEMON_PID" || status=$?
	[ "$status" -eq 0 ] || fail "seoibd exited with status $status on SIGTERM"
	DAEMON_PID=
}

bus() { busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" --timeout=10 "$@"; }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
prop() { bus get-property org.seoib1 /org/seoib1 org.seoib1.Host "$1"; }
# LastProbeTime as a bare number ("t 1763890000123456" -> 1763890000123456)
last_probe_time() { prop LastProbeTime | awk '{print $2}'; }
# probed_since USEC: seoibd finished a probe after LastProbeTime USEC.
probed_since() { [ "$(last_probe_time)" -gt "$1" ]; }
