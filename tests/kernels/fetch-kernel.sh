#!/bin/bash
# fetch-kernel.sh SUITE
#
# Make a Debian kernel of SUITE (bookworm, bookworm-backports, trixie-backports,
# or any suite of the Debian archive) ready to boot under QEMU, and print the
# directory that holds it. That directory contains:
#   vmlinuz              the kernel image
#   modules/NAME.ko      kvm_amd and every module it needs, decompressed
#   modules/order        module names, one a line, in load order
#   release              the kernel release (what `uname -r` says inside)
#   package              the linux-image-amd64 version it was resolved from
#   suite                SUITE
#
# The system's apt configuration is never read for sources nor changed: each
# suite has a private sources list, lists, cache and (empty) status file under
# the cache directory. Kernel package names carry the ABI (6.1.0-28-amd64), so
# they are resolved through the suite's linux-image-amd64 metapackage. Since
# 7.x, Debian splits the kernel into linux-binary-REL (vmlinuz at
# /usr/lib/modules/REL/vmlinuz) and linux-modules-REL; 6.x ships one
# linux-image-REL with /boot/vmlinuz-REL and /lib/modules/REL.
#
# Environment:
#   SEOIB_KERNEL_CACHE     cache directory (default $HOME/.cache/seoib-kernels)
#   SEOIB_DEBIAN_MIRROR    archive URL (default http://deb.debian.org/debian)
#   SEOIB_KERNEL_MAX_AGE   seconds a cached kernel is used without asking the
#                          archive for a newer one (default 604800, a week);
#                          0 = always ask
#
# Exit status: 0 ready (path on stdout); 77 the archive is unreachable and
# nothing is cached (a skip for meson); 1 anything else, with one sentence on
# stderr.
set -euo pipefail

# The modules kvm_amd needs on every Debian kernel so far (irqbypass, ccp, kvm, kvm-amd). A
# kernel that grows a new dependency fails with a sentence naming it.
MODULE_PATHS=(
	kernel/virt/lib/irqbypass
	kernel/drivers/crypto/ccp/ccp
	kernel/arch/x86/kvm/kvm
	kernel/arch/x86/kvm/kvm-amd
)

die() { echo "fetch-kernel.sh: $*" >&2; exit 1; }
skip() { echo "fetch-kernel.sh: SKIP: $*" >&2; exit 77; }
note() { echo "fetch-kernel.sh: $*" >&2; }

[ $# -eq 1 ] || die "usage: fetch-kernel.sh SUITE (e.g. bookworm, bookworm-backports, trixie-backports)."
suite=$1
[[ $suite =~ ^[a-z][a-z0-9-]*$ ]] || die "'$suite' is not a Debian suite name; use e.g. bookworm-backports."

cache_root=${SEOIB_KERNEL_CACHE:-$HOME/.cache/seoib-kernels}
mirror=${SEOIB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
max_age=${SEOIB_KERNEL_MAX_AGE:-604800}
suite_dir=$cache_root/$suite
apt_dir=$suite_dir/apt
checked_stamp=$suite_dir/checked

for tool in apt-get apt-cache dpkg-deb tar xz flock timeout; do
	command -v "$tool" >/dev/null || die "$tool is not installed; install it (apt-get install apt dpkg tar xz-utils util-linux coreutils)."
done
[ -r /usr/share/keyrings/debian-archive-keyring.gpg ] ||
	die "cannot read /usr/share/keyrings/debian-archive-keyring.gpg; install debian-archive-keyring."

mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/empty" ||
	die "cannot create $apt_dir; set SEOIB_KERNEL_CACHE to a writable directory."

# Private apt: nothing from /etc/apt/sources.list*, no pinning, no installed
# packages. The sandbox user is root because _apt cannot enter root's $HOME.
apt_opts=(
	-o "Dir::Etc::sourcelist=$apt_dir/sources.list"
	-o "Dir::Etc::sourceparts=$apt_dir/empty"
	-o "Dir::Etc::preferences=/dev/null"
	-o "Dir::Etc::preferencesparts=$apt_dir/empty"
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::Cache=$apt_dir/cache"
	-o "Dir::State::status=$apt_dir/status"
	-o "APT::Sandbox::User=root"
	-o "APT::Architecture=amd64"
	-o "APT::Architectures=amd64"
	-o "Acquire::Languages=none"
	-o "Acquire::http::Timeout=30"
	-o "Acquire::https::Timeout=30"
	-o "Acquire::Retries=2"
	-q
)

# Serialise everything touching this suite's cache: concurrent tests wait for
# the one fetching instead of fetching the same kernel twice.
exec 9>"$suite_dir/lock"
flock -w 900 9 || die "waited 900 s for the lock $suite_dir/lock; another fetch of $suite is stuck, end it or remove the lock."

current_entry() {
	local link=$suite_dir/current
	[ -L "$link" ] && [ -f "$link/vmlinuz" ] && [ -f "$link/modules/order" ] && readlink -f "$link"
}

cache_is_fresh() {
	[ -f "$checked_stamp" ] || return 1
	local now age
	now=$(date +%s)
	age=$(( now - $(stat -c %Y "$checked_stamp") ))
	[ "$age" -lt "$max_age" ]
}

# apt-get update; returns 0, 2 when the archive cannot be reached, 1 otherwise.
apt_update() {
	printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
		"$mirror" "$suite" >"$apt_dir/sources.list"
	: >"$apt_dir/status"
	local log=$apt_dir/update.log
	if timeout 300 apt-get "${apt_opts[@]}" -o APT::Update::Error-Mode=any update >"$log" 2>&1 &&
		! grep -q '^[WE]: ' "$log"; then
		return 0
	fi
	if grep -Eqi 'could not resolve|temporary failure resolving|failed to connect|could not connect|connection timed out|network is unreachable|no route to host|connection refused|unable to connect' "$log"; then
		return 2
	fi
	return 1
}

apt_field() { # PACKAGE FIELD: the candidate version's field, empty if none
	apt-cache "${apt_opts[@]}" show --no-all-versions "$1" 2>/dev/null |
		sed -n "s/^$2: //p" | head -n1
}

# The kernel release linux-image-amd64 points to, e.g. 6.1.0-28-amd64.
resolve_release() {
	local depends
	depends=$(apt_field linux-image-amd64 Depends)
	[ -n "$depends" ] || die "suite $suite of $mirror has no linux-image-amd64; check the suite name."
	tr ',' '\n' <<<"$depends" | sed -n 's/^ *linux-image-\([0-9][^ ]*\).*/\1/p' | head -n1
}

# The packages that hold vmlinuz and the modules of RELEASE.
kernel_packages() {
	local release=$1
	if [ -n "$(apt_field "linux-binary-$release" Package)" ]; then
		echo "linux-binary-$release linux-modules-$release"
	else
		echo "linux-image-$release"
	fi
}

# Extract vmlinuz and the modules from DEB into DIR. A deb may hold only some
# of them (7.x splits them in two): tar's "not found" is expected, nothing else.
extract_deb() {
	local deb=$1 dir=$2 patterns=('./boot/vmlinuz-*' './usr/lib/modules/*/vmlinuz') path err
	for path in "${MODULE_PATHS[@]}"; do
		patterns+=("./lib/modules/*/$path.ko*" "./usr/lib/modules/*/$path.ko*")
	done
	err=$(dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" --wildcards "${patterns[@]}" 2>&1) || true
	err=$(grep -v -e 'Not found in archive' -e 'Exiting with failure status' <<<"$err" || true)
	[ -z "$err" ] || die "cannot extract $deb: $err"
}

module_depends() { # KO: its depends= list, one name a line, '-' as '_'
	tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | head -n1 | tr ',' '\n' | tr '-' '_' | sed '/^$/d'
}

# Flatten the extracted tree into ENTRY/modules/NAME.ko and write the load order
# (dependencies first), refusing a dependency the harness did not extract.
install_modules() {
	local tree=$1 entry=$2 release=$3 path file name
	mkdir -p "$entry/modules"
	for path in "${MODULE_PATHS[@]}"; do
		file=$(find "$tree" -path "*/$path.ko*" -type f | head -n1)
		[ -n "$file" ] || die "kernel $release has no ${path##*/}.ko; Debian may have built it in or moved it, update MODULE_PATHS in fetch-kernel.sh."
		name=$(basename "$path" | tr '-' '_')
		case $file in
		*.xz) xz -dc "$file" >"$entry/modules/$name.ko" ;;
		*.zst) die "kernel $release ships zstd modules ($file); teach fetch-kernel.sh to decompress them." ;;
		*) cp "$file" "$entry/modules/$name.ko" ;;
		esac
	done
	local order=() placed=" " progress dep ok
	while [ ${#order[@]} -lt ${#MODULE_PATHS[@]} ]; do
		progress=0
		for file in "$entry"/modules/*.ko; do
			name=$(basename "$file" .ko)
			[[ $placed == *" $name "* ]] && continue
			ok=1
			for dep in $(module_depends "$file"); do
				[ -f "$entry/modules/$dep.ko" ] ||
					die "module $name of kernel $release depends on $dep, which fetch-kernel.sh does not extract; add its path to MODULE_PATHS."
				[[ $placed == *" $dep "* ]] || ok=0
			done
			[ $ok -eq 1 ] || continue
			order+=("$name")
			placed+="$name "
			progress=1
		done
		[ $progress -eq 1 ] || die "the modules of kernel $release depend on each other in a cycle; cannot order them."
	done
	printf '%s\n' "${order[@]}" >"$entry/modules/order"
}

download_entry() {
	local release=$1 version=$2 entry_name=$3
	local tmp debs packages
	tmp=$(mktemp -d "$suite_dir/.tmp-XXXXXX")
	# shellcheck disable=SC2064 # expand now: tmp is local
	trap "rm -rf '$tmp'" EXIT
	read -r -a packages <<<"$(kernel_packages "$release")"
	note "downloading ${packages[*]} from $mirror $suite"
	(cd "$tmp" && timeout 900 apt-get "${apt_opts[@]}" download "${packages[@]}" >"$tmp/download.log" 2>&1) ||
		die "apt-get download ${packages[*]} failed; see the log: $(tail -n3 "$tmp/download.log" | tr '\n' ' ')"
	mkdir -p "$tmp/tree" "$tmp/entry"
	for debs in "$tmp"/*.deb; do
		extract_deb "$debs" "$tmp/tree"
	done
	local vmlinuz
	vmlinuz=$(find "$tmp/tree" -type f \( -name 'vmlinuz' -o -name "vmlinuz-$release" \) | head -n1)
	[ -n "$vmlinuz" ] || die "the packages ${packages[*]} of $suite hold no vmlinuz; Debian changed its packaging, update extract_deb in fetch-kernel.sh."
	mv "$vmlinuz" "$tmp/entry/vmlinuz"
	install_modules "$tmp/tree" "$tmp/entry" "$release"
	echo "$release" >"$tmp/entry/release"
	echo "$version" >"$tmp/entry/package"
	echo "$suite" >"$tmp/entry/suite"
	# Atomic: an entry directory exists complete or not at all.
	mv -T "$tmp/entry" "$suite_dir/$entry_name"
	rm -rf "$tmp"
	trap - EXIT
}

point_current_at() { # atomic replacement of the symlink
	ln -sfn "$1" "$suite_dir/.current.new"
	mv -T "$suite_dir/.current.new" "$suite_dir/current"
}

main() {
	local cached release version entry_name status=0
	cached=$(current_entry || true)
	if [ -n "$cached" ] && cache_is_fresh; then
		echo "$cached"
		return 0
	fi
	apt_update || status=$?
	if [ $status -eq 2 ]; then
		if [ -n "$cached" ]; then
			note "the archive $mirror is unreachable; using the cached kernel $(cat "$cached/release") of $suite."
			echo "$cached"
			return 0
		fi
		skip "the Debian archive $mirror is unreachable and no $suite kernel is cached in $cache_root; connect to the network or set SEOIB_DEBIAN_MIRROR (log: $apt_dir/update.log)."
	fi
	[ $status -eq 0 ] || die "apt-get update of $suite from $mirror failed: $(grep -m2 '^[WE]: ' "$apt_dir/update.log" | tr '\n' ' ')(log: $apt_dir/update.log)."
	release=$(resolve_release)
	[ -n "$release" ] || die "linux-image-amd64 of $suite depends on no linux-image-RELEASE package; Debian changed the metapackage, update resolve_release in fetch-kernel.sh."
	version=$(apt_field linux-image-amd64 Version)
	entry_name="${release}_${version}"
	[ -f "$suite_dir/$entry_name/modules/order" ] || download_entry "$release" "$version" "$entry_name"
	point_current_at "$entry_name"
	touch "$checked_stamp"
	rm -f "$apt_dir/cache/"*.bin
	echo "$suite_dir/$entry_name"
}

main
