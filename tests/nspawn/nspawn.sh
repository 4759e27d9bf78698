#!/bin/bash
# Suite 'nspawn': the Debian package under a real systemd. Builds the .deb
# with dpkg-buildpackage (build-deb.sh), boots a copy of a cached bookworm
# root with libvirt's daemon (make-rootfs.sh) with systemd-nspawn -b (the
# host's /dev/kvm bound in when there is one, else kvm-on-tcg; a private
# network, so etcd listens on the container's own loopback) and runs
# inside.sh there as a unit: it installs the .deb with apt on the running
# system, starts a KVM guest and drives systemctl, busctl, virsh and etcdctl.
# SEOIB_NSPAWN_DEBS=DIR installs the seoib_*.deb found there instead of
# building one (e.g. the package of another tree). SEOIB_NSPAWN_KVM=no binds
# no /dev/kvm, to run the kvm-on-tcg path on a machine that has one (the
# node inside is then made with KVM's numbers, so seoibd may still see KVM).
# Skipped (77), saying why, only where systemd-nspawn or debootstrap cannot run.
set -euo pipefail
: "${SEOIB_SOURCE_ROOT:?run through meson test}"
HERE=$SEOIB_SOURCE_ROOT/tests/nspawn

. "$HERE/../lib.sh"

[ "$(id -u)" -eq 0 ] || skip "systemd-nspawn needs root"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn is not installed (package systemd-container; ./setup.sh installs it)"
command -v etcd >/dev/null && command -v etcdctl >/dev/null || skip "etcd is not installed (etcd-server, etcd-client)"

make_work_dir nspawn
NSPAWN_PID=
at_exit '[ -z "$NSPAWN_PID" ] || kill -TERM "$NSPAWN_PID" 2>/dev/null || true'

status=0
root=$("$HERE/make-rootfs.sh") || status=$?
[ "$status" -ne 77 ] || skip "no bookworm root (make-rootfs.sh said why above)"
[ "$status" -eq 0 ] || fail "make-rootfs.sh failed"

if [ -n "${SEOIB_NSPAWN_DEBS:-}" ]; then
	mkdir "$WORK/debs" && cp "$SEOIB_NSPAWN_DEBS"/seoib_*.deb "$WORK/debs/" || fail "no seoib_*.deb in $SEOIB_NSPAWN_DEBS"
else
	echo "building the .deb with dpkg-buildpackage"
	status=0
	"$HERE/build-deb.sh" "$SEOIB_SOURCE_ROOT" "$WORK/debs" || status=$?
	[ "$status" -ne 77 ] || skip "cannot build the .deb (build-deb.sh said why above)"
	[ "$status" -eq 0 ] || fail "the package does not build"
fi
deb=$(find "$WORK/debs" -name 'seoib_*.deb' | head -n 1)
[ -n "$deb" ] || fail "dpkg-buildpackage made no seoib_*.deb: $(ls "$WORK/debs")"

# What the binaries load with dlopen() and run is declared.
depends=$(dpkg-deb -f "$deb" Depends) recommends=$(dpkg-deb -f "$deb" Recommends)
echo "Depends: $depends"
echo "Recommends: $recommends"
# (Checked again at the end, so that one run shows what fails inside too.)
undeclared=
for lib in libvirt0 libcurl4 libssl3; do
	grep -qE "(^|, )$lib( |,|$)" <<<"$depends" ||
		undeclared+="the package does not depend on $lib, which seoibctl loads with dlopen(); "
done
grep -qE "(^|, )openssh-client( |,|$)" <<<"$depends, $recommends" ||
	undeclared+="the package neither depends on nor recommends openssh-client (seoibctl check --dest runs ssh); "
[ -z "$undeclared" ] || echo "FAIL: $undeclared"

# A copy: the cached root stays pristine for the next run. The .deb is
# installed inside, with apt, on the booted system (inside.sh), where
# postinst's start of seoibd and the bus policy run for real; the root has
# every dependency, so apt needs no network. /srv/debs: readable by apt's
# sandbox user.
cp -a "$root" "$WORK/root"
nspawn=(systemd-nspawn -q -D "$WORK/root" --register=no --keep-unit)
install -d -m 0755 "$WORK/root/srv/debs"
install -m 0644 "$deb" "$WORK/root/srv/debs/"

install -m 0755 "$HERE/inside.sh" "$WORK/root/root/inside.sh"
cat >"$WORK/root/etc/systemd/system/seoib-nspawn-check.service" <<'UNIT'
[Unit]
Description=seoib package checks (tests/nspawn)
After=multi-user.target dbus.service libvirtd.service
[Service]
Type=oneshot
ExecStart=/root/inside.sh
[Install]
WantedBy=multi-user.target
UNIT
ln -s ../seoib-nspawn-check.service "$WORK/root/etc/systemd/system/multi-user.target.wants/"
mkdir "$WORK/results"

binds=(--bind="$WORK/results:/results" --bind-ro=/usr/bin/etcd:/usr/local/bin/etcd
	--bind-ro=/usr/bin/etcdctl:/usr/local/bin/etcdctl)
if [ -e /dev/kvm ] && [ "${SEOIB_NSPAWN_KVM:-yes}" != no ]; then
	binds+=(--bind=/dev/kvm)
	echo "binding the host's /dev/kvm"
else
	binds+=(--bind-ro="$SEOIB_SOURCE_ROOT/tests/libvirt/kvm-on-tcg:/usr/local/bin/kvm-on-tcg")
	echo "no /dev/kvm bound in: libvirt's guest runs on TCG through kvm-on-tcg"
fi
echo "booting the container"
timeout 600 "${nspawn[@]}" --private-network -b "${binds[@]}" >"$WORK/console.log" 2>&1 </dev/null &
NSPAWN_PID=$!
status=0
wait "$NSPAWN_PID" || status=$?
NSPAWN_PID=
cat "$WORK/results/log" 2>/dev/null || true
if [ ! -s "$WORK/results/status" ]; then
	tail -n 40 "$WORK/console.log" >&2
	fail "the container ended (status $status) before the checks finished"
fi
[ "$(cat "$WORK/results/status")" = PASS ] || fail "checks inside the container failed (log above)${undeclared:+; and $undeclared}"
[ -z "$undeclared" ] || fail "$undeclared"
echo "systemd-analyze security seoibd.service with the fleet drop-in: $(cat "$WORK/results/score")"
echo "PASS"
