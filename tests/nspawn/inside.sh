#!/bin/bash
# inside.sh: run by seoib-nspawn-check.service inside the booted bookworm
# container (tests/nspawn/nspawn.sh) against the installed package, through
# systemctl, busctl and etcdctl only. Writes /results/log and, last,
# /results/status (PASS or FAIL), then powers the container off.
set -uo pipefail
exec >/results/log 2>&1

step() { echo "--- $*"; }
finish() {
	echo "$1" >/results/status
	systemctl --no-block poweroff
	exit 0
}
fail() {
	echo "FAIL: $*"
	echo "--- journal of seoibd.service"
	journalctl -u seoibd.service --no-pager -n 60
	finish FAIL
}
wait_until() { # SECONDS COMMAND...
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 5; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
main_pid() { systemctl show -P MainPID seoibd.service; }
seoib_prop() { busctl --timeout=20 get-property org.seoib1 /org/seoib1 org.seoib1.Host "$1"; }

NFD=/etc/kubernetes/node-feature-discovery/features.d/seoib
PROM=/var/lib/prometheus/node-exporter/seoib.prom
NOVA=/etc/nova/provider_config/seoib.yaml
CONF=/etc/seoib/seoib.conf

step "the package made user seoib and enabled the service"
id seoib || fail "there is no user seoib after installing the package"
kvm_gid=$(getent group kvm | cut -d: -f3)
[ -n "$kvm_gid" ] || fail "there is no group kvm after installing the package"
systemctl is-enabled seoibd.service || fail "the package did not enable seoibd.service"

step "seoibd reaches active (Type=notify: READY=1 after its first probe)"
wait_until 60 systemctl is-active seoibd.service || fail "seoibd is $(systemctl is-active seoibd.service)"
grep -q "^Groups:.*\b$kvm_gid\b" "/proc/$(main_pid)/status" ||
	fail "seoibd does not run with group kvm (SupplementaryGroups=): $(grep -E '^(Uid|Groups)' "/proc/$(main_pid)/status")"
grep -q "^Uid:[[:space:]]*$(id -u seoib)[[:space:]]" "/proc/$(main_pid)/status" || fail "seoibd does not run as user seoib"
test -s /run/seoib/host.json || fail "no record at /run/seoib/host.json"
grep -q '"schema": *"seoib.host/1"' /run/seoib/host.json || fail "the record: $(head -c 300 /run/seoib/host.json)"
if [ -e /dev/kvm ]; then
	echo "real /dev/kvm bound in: $(grep -m1 '"status"' /run/seoib/host.json)"
else
	grep -q '"status": *"kvm-unavailable"' /run/seoib/host.json ||
		fail "without /dev/kvm the record does not say so: $(grep -m1 '"status"' /run/seoib/host.json)"
fi
stat -c '%U %a' /run/seoib/host.json | grep -q '^seoib 644$' || fail "record owner/mode: $(stat -c '%U %a' /run/seoib/host.json)"

step "D-Bus activation of org.seoib1"
systemctl stop seoibd.service
systemctl is-active -q seoibd.service && fail "seoibd did not stop"
seoib_prop Generation || fail "the call to org.seoib1 did not activate seoibd"
systemctl is-active -q seoibd.service || fail "seoibd is not active after activation"

step "the exports' directories, then systemctl reload re-reads seoib.conf"
install -d -o seoib -g seoib "${NFD%/*}" "${PROM%/*}" "${NOVA%/*}"
# ReadWritePaths= takes directories that exist when the unit starts.
systemctl restart seoibd.service
wait_until 60 systemctl is-active seoibd.service || fail "seoibd did not come back after restart"
for f in "$NFD" "$PROM" "$NOVA"; do [ ! -e "$f" ] || fail "$f exists before it is configured"; done
cat >>"$CONF" <<CONF
nfd-features-file = $NFD
prometheus-textfile = $PROM
nova-provider-file = $NOVA
CONF
pid=$(main_pid)
systemctl reload seoibd.service || fail "systemctl reload seoibd failed"
for f in "$NFD" "$PROM" "$NOVA"; do
	wait_until 30 test -s "$f" || fail "reload did not adopt the new seoib.conf: no $f"
done
[ "$(main_pid)" = "$pid" ] || fail "reload restarted seoibd instead of reloading"
grep -qx 'seoib.org/status=kvm-unavailable\|seoib.org/status=ok' "$NFD" || fail "NFD file: $(cat "$NFD")"
grep -q '^seoib_probe_timestamp_seconds ' "$PROM" || fail "textfile: $(cat "$PROM")"
grep -q "uuid: '\$COMPUTE_NODE'" "$NOVA" || fail "Nova file: $(cat "$NOVA")"
journalctl -u seoibd.service --no-pager | grep -q "reloaded the configuration from $CONF" ||
	fail "no 'reloaded the configuration' line in the journal"

step "a bad seoib.conf on reload keeps the running configuration, and the reload fails"
cp "$CONF" /root/good.conf
echo "hook-mode = enforse" >>"$CONF"
! systemctl reload seoibd.service || fail "systemctl reload of a bad seoib.conf exited 0"
wait_until 20 sh -c "journalctl -u seoibd.service --no-pager | grep -q \"seoibctl check-config: $CONF:\"" ||
	fail "the failed reload's reason (seoibctl check-config) is not in the unit's journal"
systemctl is-active -q seoibd.service || fail "seoibd is not active after a bad reload"
cp /root/good.conf "$CONF"

step "the watchdog restarts a wedged seoibd"
mkdir -p /etc/systemd/system/seoibd.service.d
printf '[Service]\nWatchdogSec=3s\n' >/etc/systemd/system/seoibd.service.d/test-watchdog.conf
systemctl daemon-reload
systemctl restart seoibd.service
wait_until 60 systemctl is-active seoibd.service || fail "seoibd did not start with WatchdogSec=3s"
pid=$(main_pid)
restarts=$(systemctl show -P NRestarts seoibd.service)
kill -STOP "$pid"
wait_until 60 sh -c "[ \"\$(systemctl show -P NRestarts seoibd.service)\" -gt $restarts ] && systemctl is-active -q seoibd.service" ||
	fail "seoibd stopped (SIGSTOP) was not restarted by the watchdog: $(systemctl show -p NRestarts -p ActiveState -p MainPID seoibd.service)"
[ "$(main_pid)" != "$pid" ] || fail "the same process is still the main PID"
journalctl -u seoibd.service --no-pager | grep -qi "watchdog timeout" || fail "no watchdog timeout in the journal"
rm /etc/systemd/system/seoibd.service.d/test-watchdog.conf

step "etcd on the container's loopback"
systemd-run --unit=etcd-test --property=Type=exec /usr/local/bin/etcd --name test \
	--data-dir /var/lib/etcd-test --listen-client-urls http://127.0.0.1:2379 \
	--advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380 \
	--initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster test=http://127.0.0.1:2380 ||
	fail "cannot start etcd"
export ETCDCTL_API=3
etcd_get() { /usr/local/bin/etcdctl --endpoints=http://127.0.0.1:2379 get --prefix /seoib/v1/ --keys-only; }
wait_until 30 /usr/local/bin/etcdctl --endpoints=http://127.0.0.1:2379 endpoint health || fail "etcd did not become healthy"
echo "etcd-endpoints = http://127.0.0.1:2379" >>"$CONF"
echo "etcd-lease-ttl = 10" >>"$CONF"

# The shipped unit alone denies IP: the record must NOT reach etcd.
systemctl reload seoibd.service
sleep 5
[ -z "$(etcd_get)" ] || fail "the record reached etcd without the fleet drop-in: the unit does not sandbox IP"

# With the shipped drop-in, scoped to the loopback addresses, it must.
sed 's/^IPAddressAllow=.*/IPAddressAllow=127.0.0.1 ::1/' /usr/share/doc/seoib/examples/seoibd-fleet.conf \
	>/etc/systemd/system/seoibd.service.d/fleet.conf || fail "the package lacks the fleet drop-in example"
systemctl daemon-reload
systemctl restart seoibd.service
wait_until 60 sh -c '[ -n "$(/usr/local/bin/etcdctl --endpoints=http://127.0.0.1:2379 get --prefix /seoib/v1/ --keys-only)" ]' ||
	fail "the record did not reach etcd from inside the sandbox"
echo "etcd keys: $(etcd_get | tr '\n' ' ')"

step "the installed seoibctl loads libvirt and libcurl when a command calls them"
[ ! -e /usr/libexec/seoib/seoibctl-full ] || fail "the package still ships seoibctl-full"
seoibctl policy --domain test -c test:///default --host /run/seoib/host.json --json >/root/policy.json
case $? in 0 | 1 | 3) ;; *) fail "seoibctl policy --domain through libvirt's test driver failed" ;; esac
grep -q '"name": *"test"' /root/policy.json || fail "policy --domain: $(head -c 300 /root/policy.json)"
seoibctl fleet --endpoints http://127.0.0.1:2379 --json >/root/fleet.json ||
	fail "seoibctl fleet against the container's etcd failed"
grep -q '"hosts"' /root/fleet.json || fail "fleet --json: $(head -c 300 /root/fleet.json)"

step "systemd-analyze security with the fleet on"
systemd-analyze security --no-pager seoibd.service >/root/security.txt 2>&1 || true
cat /root/security.txt | tail -n 25
score=$(sed -n 's/.*Overall exposure level for seoibd.service: \([0-9.]*\).*/\1/p' /root/security.txt)
[ -n "$score" ] || fail "no exposure level from systemd-analyze security"
echo "exposure level: $score"
awk -v s="$score" 'BEGIN { exit !(s <= 1.5) }' || fail "exposure level $score is above 1.5"
echo "$score" >/results/score

finish PASS
