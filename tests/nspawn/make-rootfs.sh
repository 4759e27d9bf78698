#!/bin/bash
# make-rootfs.sh
#
# Make a Debian bookworm root (debootstrap --variant=minbase) that boots a
# real systemd under systemd-nspawn and has every library the seoib package
# depends on, so that installing the .deb with apt needs no network. Print
# its directory. The root is built once into a temporary directory and
# renamed into the cache, so an interrupted run never leaves half a root;
# callers must copy it before changing anything in it.
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

# systemd as PID 1, the system bus, and the run-time libraries of seoibd
# and seoibctl (debian/control's shlibs, from seoibd; seoibctl loads
# libvirt, libcurl and libcrypto at first use). Keep this list and
# the version stamp together: a change of the list makes a new root.
PACKAGES=systemd,systemd-sysv,dbus,libjson-c5,libxml2,libcurl4,libvirt0,ca-certificates
STAMP=bookworm-minbase-v1

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
# Slim it: the package cache is not needed, the apt lists are (apt install ./x.deb).
rm -rf "$tmp/root/var/cache/apt/archives/"*.deb
echo seoib-test >"$tmp/root/etc/hostname"
mv "$tmp/root" "$root"
echo "$root"
