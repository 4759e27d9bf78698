#!/bin/bash
# make-rootfs.sh
#
# Make a Debian bookworm root (debootstrap --variant=minbase) that boots a
# real systemd under systemd-nspawn and has every package the seoib package
# depends on, plus libvirt's system daemon and QEMU, so that installing the
# .deb with apt inside the booted container needs no network. Print its
# directory. The root is built once into a temporary directory and renamed
# into the cache under a name made from the package lists (a change of
# either list makes a new root by itself; other roots in the cache are
# removed then), so an interrupted run never leaves half a root; callers
# must copy it before changing anything in it.
#
# Environment:
#   SEOIB_ROOTFS_CACHE   cache directory (default $HOME/.cache/seoib-rootfs)
#   SEOIB_DEBIAN_MIRROR  archive URL (default http://deb.debian.org/debian)
#
# Exit status: 0 ready (path on stdout); 77 debootstrap is missing or the
# archive is unreachable and nothing is cached (a skip for meson); 1 anything
# else, with one sentence on stderr.
set -euo pipefail

die() { echo "make-rootfs.sh: $*" >&2; exit 1; }
skip() { echo "make-rootfs.sh: SKIP: $*" >&2; exit 77; }

# systemd as PID 1, the system bus, and what debian/control's Depends and
# Recommends name (seoibctl loads libvirt, libcurl and libcrypto at first
# use; check --dest runs ssh).
PACKAGES=systemd,systemd-sysv,dbus,procps,libjson-c5,libxml2,libcurl4,libvirt0,libssl3,openssh-client,ca-certificates
# Installed with apt after debootstrap (its resolver does not follow
# alternatives), without Recommends: libvirt's system daemon (group libvirt,
# its polkit rule, libvirt-qemu in group kvm), the QEMU it runs, and python3
# for tests/libvirt/kvm-on-tcg where there is no /dev/kvm.
EXTRA="libvirt-daemon-system qemu-system-x86 libvirt-clients python3"
STAMP=bookworm-minbase-$(printf '%s\n' "$PACKAGES" "$EXTRA" | sha256sum | cut -c1-12)

cache=${SEOIB_ROOTFS_CACHE:-$HOME/.cache/seoib-rootfs}
mirror=${SEOIB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
root=$cache/$STAMP

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock -w 900 9 || die "another make-rootfs.sh held $cache/.lock for 15 minutes; remove the lock if no such process runs."
if [ -x "$root/usr/lib/systemd/systemd" ]; then
	echo "$root"
	exit 0
fi
command -v debootstrap >/dev/null || skip "debootstrap is not installed (./setup.sh installs it)."
[ "$(id -u)" -eq 0 ] || skip "debootstrap needs root."

tmp=$(mktemp -d "$cache/.new.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "make-rootfs.sh: debootstrap bookworm into $root (once, about a minute)" >&2
if ! debootstrap --variant=minbase --include="$PACKAGES" bookworm "$tmp/root" "$mirror" >"$tmp/log" 2>&1; then
	if grep -qiE 'Failed getting release file|Temporary failure resolving|Could not resolve|Connection refused|unreachable' "$tmp/log"; then
		skip "the Debian archive $mirror is unreachable and no root is cached in $cache."
	fi
	tail -n 20 "$tmp/log" >&2
	die "debootstrap of bookworm from $mirror failed (log above); fix the mirror or set SEOIB_DEBIAN_MIRROR."
fi
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn is not installed (package systemd-container)."
# No service starts while the root is made (no systemd runs in it then).
if ! systemd-nspawn -q -D "$tmp/root" --register=no --keep-unit --setenv=DEBIAN_FRONTEND=noninteractive \
	sh -c 'apt-get update -qq && apt-get install -y -q --no-install-recommends $0 "$@"' $EXTRA >"$tmp/log" 2>&1; then
	tail -n 20 "$tmp/log" >&2
	die "apt-get install of $EXTRA into the new bookworm root failed (log above)."
fi
# Slim it: the package cache is not needed, the apt lists are (apt install ./x.deb).
rm -rf "$tmp/root/var/cache/apt/archives/"*.deb
echo seoib-test >"$tmp/root/etc/hostname"
mv "$tmp/root" "$root"
# Roots made from older lists are never used again.
find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'bookworm-*' ! -name "$STAMP" -exec rm -rf {} +
echo "$root"
