#!/bin/bash
# inside.sh: run by seoib-nspawn-check.service inside the booted bookworm
# container (tests/nspawn/nspawn.sh). Installs the package with apt as an
# operator would, on a running system with libvirt's daemon, then drives it
# through systemctl, busctl, virsh and etcdctl only. Writes /results/log and,
# last, /results/status (PASS or FAIL), then powers the container off.
set -uo pipefail
exec >/results/log 2>&1

step() { echo "--- $*"; }
finish() {
	echo "$1" >/results/status
	systemctl --no-block poweroff
	exit 0
}
journal() {
	echo "--- journal of seoibd.service"
	journalctl -u seoibd.service --no-pager -n 60
}
fail() {
	echo "FAIL: $*"
	journal
	finish FAIL
}
# The first install's checks go on after a failure, so that one run shows
# every problem of a first install; checkpoint stops before what needs them.
failures=0
bad() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
checkpoint() {
	[ "$failures" -eq 0 ] && return
	journal
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

CONF=/etc/seoib/seoib.conf
GUEST=seoib-nspawn
META_URI=https://seoib.org/xmlns/libvirt/guest/1

step "/dev/kvm as udev makes it on a host: 0660 root:kvm"
# libvirt-daemon-system made group kvm and put libvirt-qemu in it. The
# host's node is bound in 0600 root:root: replace it, in the container only.
if [ -e /dev/kvm ]; then
	major=$((0x$(stat -c %t /dev/kvm))) minor=$((0x$(stat -c %T /dev/kvm)))
	umount /dev/kvm && rm -f /dev/kvm && mknod -m 0660 /dev/kvm c "$major" "$minor" && chgrp kvm /dev/kvm ||
		fail "cannot replace the bound /dev/kvm by a 0660 root:kvm node"
	emulator=/usr/bin/qemu-system-x86_64
	echo "real KVM: /dev/kvm $major:$minor, $(stat -c '%U:%G %a' /dev/kvm)"
else
	# No KVM here: libvirt offers <domain type='kvm'> only with a node it
	# can access and a QEMU that says KVM (docs/libvirt.md, kvm-on-tcg).
	mknod -m 0660 /dev/kvm c 10 232 && chgrp kvm /dev/kvm || fail "cannot make a /dev/kvm node for kvm-on-tcg"
	emulator=/usr/local/bin/kvm-on-tcg
	echo "no /dev/kvm bound in: KVM guests on TCG through $emulator"
fi

step "libvirtd runs before seoib is installed"
# The container's cgroup v1 hierarchies are read-only (a host without
# systemd gives nspawn nothing to delegate): libvirt must not make one for
# each guest, or every start fails "Failed to create v1 controller".
echo 'cgroup_controllers = [ ]' >>/etc/libvirt/qemu.conf
systemctl restart libvirtd.service ||
	fail "libvirtd does not run: $(systemctl status --no-pager libvirtd.service | tail -n 5)"
virsh -c qemu:///system version || fail "virsh cannot reach qemu:///system"

step "apt install ./seoib_*.deb on the running system prints no error"
deb=$(ls /srv/debs/seoib_*.deb | head -n 1)
( cd /srv/debs && apt-get install -y -q "./${deb##*/}" ) >/root/apt.log 2>&1
rc=$?
cat /root/apt.log
[ "$rc" -eq 0 ] || fail "apt-get install ./${deb##*/} exited $rc"
grep -iE 'error|fail|denied|warning|could not|cannot|^W:|^E:' /root/apt.log && bad "apt printed the lines above while installing the package"

step "the package made user seoib, in group libvirt, and started seoibd once"
id seoib || fail "there is no user seoib after installing the package"
kvm_gid=$(getent group kvm | cut -d: -f3)
[ -n "$kvm_gid" ] || fail "there is no group kvm after installing the package"
id -nG seoib | tr ' ' '\n' | grep -qx libvirt ||
	bad "user seoib is not in group libvirt, which Debian's polkit rule for qemu:///system asks for: $(id seoib)"
systemctl is-enabled seoibd.service || bad "the package did not enable seoibd.service"
wait_until 60 systemctl is-active seoibd.service || fail "seoibd is $(systemctl is-active seoibd.service)"
restarts=$(systemctl show -P NRestarts seoibd.service)
[ "$restarts" = 0 ] || bad "seoibd's first start failed: it is active only after $restarts restart(s)"
journalctl -u seoibd.service --no-pager | grep 'cannot own the bus name' &&
	bad "seoibd could not own org.seoib1 (the bus policy was not loaded before its start)"
grep -q "^Groups:.*\b$kvm_gid\b" "/proc/$(main_pid)/status" ||
	bad "seoibd does not run with group kvm (SupplementaryGroups=): $(grep -E '^(Uid|Groups)' "/proc/$(main_pid)/status")"
grep -q "^Uid:[[:space:]]*$(id -u seoib)[[:space:]]" "/proc/$(main_pid)/status" || bad "seoibd does not run as user seoib"
test -s /run/seoib/host.json || fail "no record at /run/seoib/host.json"
grep -q '"schema": *"seoib.host/1"' /run/seoib/host.json || fail "the record: $(head -c 300 /run/seoib/host.json)"
echo "KVM in the record: $(grep -m1 '"status"' /run/seoib/host.json)"
stat -c '%U %a' /run/seoib/host.json | grep -q '^seoib 644$' || bad "record owner/mode: $(stat -c '%U %a' /run/seoib/host.json)"

step "seoibd, seoibctl and the hook read the same boot"
here=$(cat /proc/sys/kernel/random/boot_id)
recorded=$(sed -n 's/.*"boot_id": *"\([^"]*\)".*/\1/p' /run/seoib/host.json | head -n 1)
echo "this boot: $here; the record's: $recorded"
[ "$recorded" = "$here" ] || bad "seoibd recorded boot_id $recorded, but the container's is $here"
seoibctl status >/root/status.txt 2>&1
grep -i 'another boot' /root/status.txt && bad "seoibctl status calls the fresh record stale"

step "root's seoibctl probe uses its own cache, without a warning"
seoibctl probe >/root/probe.out 2>/root/probe.err
cat /root/probe.err
grep -q 'refusing to use' /root/probe.err && bad "root's seoibctl probe refuses the package's cache directory"
echo "cache: $(stat -c '%n %U:%G %a' /var/cache/seoib /var/cache/seoib/* 2>&1 | tr '\n' ' ')"

step "a KVM guest starts through the hook, and seoibd writes its state into its metadata"
# libvirtd reads hooks/qemu.d when it starts: the restart postinst asks for.
systemctl restart libvirtd.service || fail "cannot restart libvirtd"
cat >/root/guest.xml <<XML
<domain type='kvm'>
  <name>$GUEST</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/><apic/></features>
  <devices>
    <emulator>$emulator</emulator>
    <memballoon model='none'/>
  </devices>
</domain>
XML
virsh -c qemu:///system define /root/guest.xml || fail "virsh define of a KVM guest failed"
timeout 120 virsh -c qemu:///system start "$GUEST" ||
	fail "the KVM guest did not start: $(tail -n 5 /var/log/libvirt/qemu/$GUEST.log 2>/dev/null)"
meta() { virsh -c qemu:///system metadata "$GUEST" "$META_URI" --live 2>/dev/null | grep -E 'state="(quirked|respected|not-advertised)"'; }
if wait_until 60 meta; then
	echo "metadata: $(meta)"
else
	bad "seoibd wrote no state into the running guest's metadata within 60 s"
	journalctl -u seoibd.service --no-pager | grep -i libvirt | tail -n 5
fi
virsh -c qemu:///system destroy "$GUEST" >/dev/null 2>&1

step "libvirt installed after seoib: the trigger on its polkit rule adds seoib to group libvirt"
# What dpkg does when libvirt-daemon-system is unpacked after seoib
# (debian/seoib.triggers); the group is there already, the membership not.
gpasswd -d seoib libvirt >/dev/null || bad "cannot take seoib out of group libvirt"
pid=$(main_pid)
dpkg-trigger --no-await /usr/share/polkit-1/rules.d/60-libvirt.rules && dpkg --triggers-only --pending >/root/trigger.log 2>&1 ||
	bad "the trigger did not run: $(cat /root/trigger.log)"
cat /root/trigger.log
id -nG seoib | tr ' ' '\n' | grep -qx libvirt || bad "after the trigger, seoib is not in group libvirt: $(id seoib)"
wait_until 60 systemctl is-active -q seoibd.service || bad "seoibd is $(systemctl is-active seoibd.service) after the trigger"
[ "$(main_pid)" != "$pid" ] || bad "the trigger did not restart seoibd, whose groups are read at start"
libvirt_gid=$(getent group libvirt | cut -d: -f3)
grep -q "^Groups:.*\b$libvirt_gid\b" "/proc/$(main_pid)/status" ||
	bad "seoibd does not run with group libvirt after the trigger: $(grep '^Groups' "/proc/$(main_pid)/status")"

step "apt remove stops seoibd; installing again starts it"
apt-get remove -y -q seoib >/root/remove.log 2>&1 || bad "apt-get remove seoib failed: $(tail -n 3 /root/remove.log)"
systemctl is-active -q seoibd.service && bad "seoibd still runs after apt-get remove seoib"
( cd /srv/debs && apt-get install -y -q "./${deb##*/}" ) >/root/apt2.log 2>&1 || bad "reinstalling failed: $(tail -n 3 /root/apt2.log)"
grep -iE 'error|fail|denied|warning|could not|cannot|^W:|^E:' /root/apt2.log && bad "apt printed the lines above while reinstalling"
wait_until 60 systemctl is-active -q seoibd.service || bad "seoibd is $(systemctl is-active seoibd.service) after reinstalling the removed package"
checkpoint

step "D-Bus activation of org.seoib1"
systemctl stop seoibd.service
systemctl is-active -q seoibd.service && fail "seoibd did not stop"
seoib_prop Generation || fail "the call to org.seoib1 did not activate seoibd"
# Type=notify: active once the first probe ends, which may be after it answers.
wait_until 60 systemctl is-active -q seoibd.service || fail "seoibd is $(systemctl is-active seoibd.service) after activation"

step "exports on Debian's layout, configured with systemctl reload only"
# The consumers' directories as their Debian packages make them, root:root
# 0755, created while seoibd runs; each holds a link to seoibd's file in
# /run/seoib (docs/seoibd.md, "Exports").
NFD=/etc/kubernetes/node-feature-discovery/features.d/seoib
PROM=/var/lib/prometheus/node-exporter/seoib.prom
NOVA=/etc/nova/provider_config/seoib.yaml
install -d -m 0755 "${NFD%/*}" "${PROM%/*}" "${NOVA%/*}"
ln -s /run/seoib/nfd-features "$NFD"
ln -s /run/seoib/seoib.prom "$PROM"
ln -s /run/seoib/nova-provider.yaml "$NOVA"
for f in "$NFD" "$PROM" "$NOVA"; do [ ! -e "$f" ] || fail "$f exists before it is configured"; done
cat >>"$CONF" <<CONF
nfd-features-file = /run/seoib/nfd-features
prometheus-textfile = /run/seoib/seoib.prom
nova-provider-file = /run/seoib/nova-provider.yaml
CONF
pid=$(main_pid)
systemctl reload seoibd.service || fail "systemctl reload seoibd failed"
for f in "$NFD" "$PROM" "$NOVA"; do
	wait_until 30 test -s "$f" || fail "reload did not adopt the new seoib.conf: nothing at $f"
done
[ "$(main_pid)" = "$pid" ] || fail "reload restarted seoibd instead of reloading"
grep -qx 'seoib.org/status=kvm-unavailable\|seoib.org/status=ok' "$NFD" || fail "NFD file: $(cat "$NFD")"
grep -q '^seoib_probe_timestamp_seconds ' "$PROM" || fail "textfile: $(cat "$PROM")"
grep -q "uuid: '\$COMPUTE_NODE'" "$NOVA" || fail "Nova file: $(cat "$NOVA")"
journalctl -u seoibd.service --no-pager | grep -q "reloaded the configuration from $CONF" ||
	fail "no 'reloaded the configuration' line in the journal"

step "an export outside /run/seoib: the warning says what to do"
cp "$CONF" /root/exports.conf
echo "prometheus-textfile = /var/lib/prometheus/node-exporter/direct.prom" >>"$CONF"
systemctl reload seoibd.service || fail "systemctl reload seoibd failed"
wait_until 30 sh -c 'journalctl -u seoibd.service --no-pager | grep -q "direct.prom.*link"' ||
	fail "writing an export outside /run/seoib failed without saying to link to a file under /run/seoib: $(journalctl -u seoibd.service --no-pager | grep direct.prom | tail -n 1)"
cp /root/exports.conf "$CONF"
systemctl reload seoibd.service

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

step "apt purge removes the configuration and the VMM cache"
apt-get purge -y -q seoib >/root/purge.log 2>&1 || fail "apt-get purge seoib failed: $(tail -n 3 /root/purge.log)"
[ ! -e /etc/seoib/seoib.conf ] || fail "/etc/seoib/seoib.conf survived apt-get purge"
[ ! -e /var/cache/seoib ] || fail "/var/cache/seoib survived apt-get purge: $(ls -A /var/cache/seoib)"

finish PASS
