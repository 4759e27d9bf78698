#!/bin/bash
# Suite 'nspawn': the Debian package under a real systemd. Builds the .deb
# with dpkg-buildpackage (build-deb.sh), installs it with apt into a copy of
# a cached bookworm root (make-rootfs.sh), boots that copy with
# systemd-nspawn -b (the host's /dev/kvm bound in when there is one; a
# private network, so etcd listens on the container's own loopback) and runs
# inside.sh there as a unit; inside.sh drives systemctl, busctl and etcdctl.
# Skipped (77), saying why, only where systemd-nspawn or debootstrap cannot run.
set -euo pipefail
: "${SEOIB_SOURCE_ROOT:?run through meson test}"
HERE=$SEOIB_SOURCE_ROOT/tests/nspawn

skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "systemd-nspawn needs root"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn is not installed (package systemd-container; ./setup.sh installs it)"
command -v etcd >/dev/null && command -v etcdctl >/dev/null || skip "etcd is not installed (etcd-server, etcd-client)"

WORK=$(mktemp -d /tmp/seoib-nspawn.XXXXXX)
NSPAWN_PID=
cleanup() {
	[ -z "$NSPAWN_PID" ] || kill -TERM "$NSPAWN_PID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

status=0
root=$("$HERE/make-rootfs.sh") || status=$?
[ "$status" -ne 77 ] || skip "no bookworm root (make-rootfs.sh said why above)"
[ "$status" -eq 0 ] || fail "make-rootfs.sh failed"

echo "building the .deb with dpkg-buildpackage"
status=0
"$HERE/build-deb.sh" "$SEOIB_SOURCE_ROOT" "$WORK/debs" || status=$?
[ "$status" -ne 77 ] || skip "cannot build the .deb (build-deb.sh said why above)"
[ "$status" -eq 0 ] || fail "the package does not build"
deb=$(find "$WORK/debs" -name 'seoib_*.deb' | head -n 1)
[ -n "$deb" ] || fail "dpkg-buildpackage made no seoib_*.deb: $(ls "$WORK/debs")"

# A copy: the cached root stays pristine for the next run.
cp -a "$root" "$WORK/root"
nspawn=(systemd-nspawn -q -D "$WORK/root" --register=no --keep-unit)

# The host's network for apt (a Depends the cached root lacks comes from the
# archive); the booted container gets a private one.
echo "installing $(basename "$deb") with apt"
"${nspawn[@]}" --bind-ro="$WORK/debs:/debs" --setenv=DEBIAN_FRONTEND=noninteractive \
	sh -c 'apt-get update -qq >/dev/null 2>&1; apt-get install -y -q --no-install-recommends "$@"' apt -o Dpkg::Options::=--force-confdef \
	"/debs/$(basename "$deb")" >"$WORK/apt.log" 2>&1 ||
	{ tail -n 30 "$WORK/apt.log" >&2; fail "apt-get install of the .deb failed in the bookworm root"; }
grep -q "restart libvirtd\|Setting up seoib" "$WORK/apt.log" || fail "apt did not set up seoib: $(tail -n 5 "$WORK/apt.log")"

install -m 0755 "$HERE/inside.sh" "$WORK/root/root/inside.sh"
cat >"$WORK/root/etc/systemd/system/seoib-nspawn-check.service" <<'UNIT'
[Unit]
Description=seoib package checks (tests/nspawn)
After=multi-user.target dbus.service
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
if [ -e /dev/kvm ]; then
	binds+=(--bind=/dev/kvm)
	echo "binding the host's /dev/kvm"
else
	echo "no /dev/kvm on this machine: the record will say KVM is unavailable"
fi
echo "booting the container"
timeout 420 "${nspawn[@]}" --private-network -b "${binds[@]}" >"$WORK/console.log" 2>&1 </dev/null &
NSPAWN_PID=$!
status=0
wait "$NSPAWN_PID" || status=$?
NSPAWN_PID=
cat "$WORK/results/log" 2>/dev/null || true
if [ ! -s "$WORK/results/status" ]; then
	tail -n 40 "$WORK/console.log" >&2
	fail "the container ended (status $status) before the checks finished"
fi
[ "$(cat "$WORK/results/status")" = PASS ] || fail "checks inside the container failed (log above)"
echo "systemd-analyze security seoibd.service with the fleet drop-in: $(cat "$WORK/results/score")"
echo "PASS"
