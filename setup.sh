#!/usr/bin/env bash
# Install what seoib needs to build and to run its whole test suite on Debian
# bookworm, then build it in ./build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

packages=(
	# build
	meson ninja-build pkg-config gcc libc6-dev linux-libc-dev
	libjson-c-dev libsystemd-dev libvirt-dev libxml2-dev libcurl4-openssl-dev libssl-dev libcmocka-dev
	# fuzz/run.sh: clang with libFuzzer (its runtime is packaged apart)
	clang libclang-rt-14-dev
	# tests: real kernels under TCG, real libvirt, D-Bus, etcd, ssh, namespaces
	qemu-system-x86 busybox-static xz-utils cpio jq ca-certificates debian-archive-keyring
	dbus systemd libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients
	openssh-server openssh-client iproute2 util-linux procps etcd-server etcd-client python3
	python3-prometheus-client python3-yaml
	# the Debian package and its test under a real systemd (tests/nspawn)
	dpkg-dev debhelper fakeroot bash-completion debootstrap systemd-container
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	sudo=()
	[[ $(id -u) -eq 0 ]] || sudo=(sudo)
	echo "setup.sh: installing ${missing[*]}"
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ -f build/build.ninja ]]; then
	meson setup --reconfigure build --werror
else
	meson setup build --werror
fi
ninja -C build
