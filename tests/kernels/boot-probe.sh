#!/bin/bash
# boot-probe.sh [OPTIONS] SUITE [-- ARG...]
#
# Boot the Debian kernel of SUITE (fetch-kernel.sh) under QEMU TCG with an
# emulated AMD SVM CPU, load kvm_amd so that the guest has a real /dev/kvm, and
# run the real, dynamically linked $SEOIBCTL inside it:
#     seoibctl probe --json --no-vmm ARG...
# The binary, every library `ldd` lists for it and the dynamic loader are
# copied into the initramfs at their host paths (so $ORIGIN run paths hold).
#
# Options:
#   --name NAME         base name of the outputs (default SUITE)
#   --out-dir DIR       where outputs go (default $SEOIB_BUILD_ROOT/tests/kernels/out)
#   --env NAME=VALUE    set NAME in seoibctl's environment in the guest;
#   --env NAME          ... or pass NAME's value from this environment (repeatable)
#   --file PATH[:GUEST] copy PATH into the initramfs at GUEST (default: PATH);
#                       for an ELF file its ldd libraries too (e.g. an
#                       LD_PRELOAD shim, then --env LD_PRELOAD=PATH) (repeatable)
#   --command           the ARGs are seoibctl's whole argument list instead of
#                       being appended to 'probe --json --no-vmm'
#   --no-json           do not require stdout to be a JSON document
#   --expect-exit N     fail unless seoibctl exits with N (default: any status)
#   --guest-timeout S   bound on seoibctl inside the guest, SIGKILL after S
#                       seconds: exit status 137 (default 90)
#   --timeout S         bound on the whole QEMU run (default 120)
#   --module-param MODULE=PARAMS  insmod parameters (default kvm_amd=nrips=0:
#                       TCG lacks nrip-save, which newer kvm_amd requires)
#   --no-kvm-required   do not fail when kvm_amd does not load / no /dev/kvm
#
# Environment: SEOIBCTL (the binary, required), SEOIB_BUILD_ROOT, and those of
# fetch-kernel.sh (SEOIB_KERNEL_CACHE, SEOIB_DEBIAN_MIRROR, SEOIB_KERNEL_MAX_AGE).
#
# Outputs, in the output directory:
#   NAME.json         seoibctl's stdout, when it is a JSON document
#   NAME.stdout       seoibctl's stdout, as printed
#   NAME.stderr       seoibctl's stderr
#   NAME.exit         seoibctl's exit status
#   NAME.kernel       the guest's kernel release
#   NAME.console.log  the whole serial console; NAME.qemu.log QEMU's stderr
#
# Exit status: 0 the guest ran seoibctl and reported (its status is in
# NAME.exit); 77 the Debian archive is unreachable and nothing is cached;
# 1 anything else (one sentence on stderr, the console log's path with it).
#
# QEMU exits 0 whatever happened inside: only the marker lines printed by the
# guest's /init, each prefixed with a per-boot random token, are trusted.
set -euo pipefail

die() { echo "boot-probe.sh: $*" >&2; exit 1; }
note() { echo "boot-probe.sh: $*" >&2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

name='' out_dir='' command_mode=0 require_json=1 expect_exit='' guest_timeout=90 qemu_timeout=120
kvm_required=1
guest_env=() extra_files=()
declare -A module_params=([kvm_amd]="nrips=0")

while [ $# -gt 0 ]; do
	case $1 in
	--name) name=$2; shift 2 ;;
	--out-dir) out_dir=$2; shift 2 ;;
	--env)
		if [[ $2 == *=* ]]; then
			guest_env+=("$2")
		else
			[ -n "${!2+x}" ] || die "--env $2: $2 is not set in this environment; set it or pass --env $2=VALUE."
			guest_env+=("$2=${!2}")
		fi
		shift 2 ;;
	--file) extra_files+=("$2"); shift 2 ;;
	--command) command_mode=1; shift ;;
	--no-json) require_json=0; shift ;;
	--expect-exit) expect_exit=$2; shift 2 ;;
	--guest-timeout) guest_timeout=$2; shift 2 ;;
	--timeout) qemu_timeout=$2; shift 2 ;;
	--module-param) module_params[${2%%=*}]=${2#*=}; shift 2 ;;
	--no-kvm-required) kvm_required=0; shift ;;
	--) die "the SUITE comes before '--'; usage: boot-probe.sh [OPTIONS] SUITE [-- ARG...]." ;;
	-*) die "unknown option $1; see the comment at the top of $0." ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || die "usage: boot-probe.sh [OPTIONS] SUITE [-- ARG...]."
suite=$1
shift
if [ $# -gt 0 ]; then
	[ "$1" = -- ] || die "unexpected argument '$1' after SUITE; put seoibctl's arguments after '--'."
	shift
fi
seoibctl_args=("$@")
name=${name:-$suite}
out_dir=${out_dir:-${SEOIB_BUILD_ROOT:-${TMPDIR:-/tmp}}/tests/kernels/out}

[ -n "${SEOIBCTL:-}" ] || die "SEOIBCTL is not set; run through meson test, or export SEOIBCTL=BUILD/cli/seoibctl."
[ -x "$SEOIBCTL" ] || die "SEOIBCTL=$SEOIBCTL is not an executable file; build it first (ninja -C BUILD)."
for tool in qemu-system-x86_64 cpio ldd timeout jq; do
	command -v "$tool" >/dev/null || die "$tool is not installed; install qemu-system-x86, cpio, libc-bin, coreutils and jq."
done
busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
	die "no statically linked busybox found; install busybox-static."
fi

fetch_status=0
kernel_dir=$("$here/fetch-kernel.sh" "$suite") || fetch_status=$?
[ $fetch_status -eq 0 ] || exit $fetch_status
release=$(cat "$kernel_dir/release")

mkdir -p "$out_dir" || die "cannot create the output directory $out_dir."
work=$(mktemp -d "${TMPDIR:-/tmp}/seoib-boot-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp,modules,seoib}

# copy_into_root HOSTPATH GUESTPATH: the file, and for an ELF file every library
# ldd resolves plus the loader, each at its host path.
copy_into_root() {
	local src=$1 dst=$2 lib
	mkdir -p "$root$(dirname "$dst")"
	cp -L "$src" "$root$dst"
	head -c4 "$src" | grep -q 'ELF' || return 0
	local libs
	libs=$(ldd "$src" 2>&1) || return 0 # static, or not a program: nothing to add
	if grep -q 'not found' <<<"$libs"; then
		die "$src needs libraries ldd cannot find: $(grep 'not found' <<<"$libs" | tr -s ' \t\n' ' ')."
	fi
	while read -r lib; do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done < <(sed -n -e 's/.*=> \(\/[^ ]*\) .*/\1/p' -e 's/^[[:space:]]*\(\/[^ ]*\) .*/\1/p' <<<"$libs")
}

seoibctl_path=$(readlink -f "$SEOIBCTL")
copy_into_root "$seoibctl_path" "$seoibctl_path"
for spec in "${extra_files[@]}"; do
	src=${spec%%:*}
	dst=${spec#*:}
	[ "$spec" = "$src" ] && dst=$(readlink -f "$src")
	[ -f "$src" ] || die "--file $src: no such file."
	copy_into_root "$src" "$dst"
done
cp "$busybox" "$root/bin/busybox"
cp "$kernel_dir"/modules/*.ko "$root/modules/"
while read -r module; do
	printf '%s %s\n' "$module" "${module_params[$module]:-}"
done <"$kernel_dir/modules/order" >"$root/modules/load"

token=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
marker="SEOIB-$token"

# The command and environment, quoted for the guest's shell.
if [ $command_mode -eq 1 ]; then
	argv=("$seoibctl_path" "${seoibctl_args[@]}")
else
	argv=("$seoibctl_path" probe --json --no-vmm "${seoibctl_args[@]}")
fi
{
	for assignment in "${guest_env[@]}"; do
		var=${assignment%%=*}
		[[ $var =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "--env $assignment: '$var' is not a variable name."
		printf 'export %s=%q\n' "$var" "${assignment#*=}"
	done
	printf 'set --'
	printf ' %q' "${argv[@]}"
	printf '\n'
} >"$root/seoib/run.sh"

cat >"$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin HOME=/tmp TMPDIR=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
# Only emergencies on the console: kernel messages must not split the JSON.
echo 1 >/proc/sys/kernel/printk
hostname seoib-$suite
M=$marker
# A line of its own: the firmware leaves terminal escapes on the current one.
echo
echo "\$M booted \$(uname -r)"
while read -r module params; do
	insmod /modules/\$module.ko \$params
	echo "\$M insmod \$module \$?"
done </modules/load
if [ -c /dev/kvm ]; then echo "\$M devkvm yes"; else echo "\$M devkvm no"; fi
. /seoib/run.sh
cd /tmp
timeout -s KILL $guest_timeout "\$@" </dev/null >/tmp/stdout 2>/tmp/stderr
echo "\$M exit \$?"
echo "\$M stdout-begin"
cat /tmp/stdout
echo
echo "\$M stdout-end"
echo "\$M stderr-begin"
cat /tmp/stderr
echo
echo "\$M stderr-end"
echo "\$M done"
poweroff -f
EOF
chmod +x "$root/init"

(cd "$root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) >"$work/initrd" ||
	die "cannot build the initramfs in $work."

console=$out_dir/$name.console.log
qemu_log=$out_dir/$name.qemu.log
rm -f "$out_dir/$name".{json,stdout,stderr,exit,kernel}
started_us=${EPOCHREALTIME/./}
qemu_status=0
# The initramfs is not compressed: decompressing under TCG costs more than
# copying. QEMU's own warnings (TCG lacks some EPYC features) go to its log.
timeout "$qemu_timeout" qemu-system-x86_64 -accel tcg -cpu EPYC -m 1024 -smp 1 \
	-kernel "$kernel_dir/vmlinuz" -initrd "$work/initrd" \
	-append 'console=ttyS0 quiet panic=-1' \
	-nographic -no-reboot -monitor none </dev/null >"$work/console.raw" 2>"$qemu_log" ||
	qemu_status=$?
tr -d '\r' <"$work/console.raw" >"$console"
elapsed_ms=$(( (${EPOCHREALTIME/./} - started_us) / 1000 ))

marks() { sed -n "s/^$marker //p" "$console"; }
section() { # the lines between "$marker NAME-begin" and "$marker NAME-end", trailing blank lines dropped (/init adds one)
	awk -v b="$marker $1-begin" -v e="$marker $1-end" '
		$0 == e { on = 0 }
		on { line[n++] = $0 }
		$0 == b { on = 1 }
		END { while (n > 0 && line[n - 1] == "") n--; for (i = 0; i < n; i++) print line[i] }' "$console"
}

if [ $qemu_status -eq 124 ] && ! marks | grep -q '^done$'; then
	die "the guest (kernel $release of $suite) did not power off within $qemu_timeout s; see $console and $qemu_log."
fi
[ $qemu_status -eq 0 ] || die "qemu-system-x86_64 failed with status $qemu_status on kernel $release of $suite: $(tail -n2 "$qemu_log" | tr '\n' ' ')(log: $qemu_log)."
marks | grep -q '^booted ' || die "kernel $release of $suite never ran /init; see $console."
echo "$release" >"$out_dir/$name.kernel"

if [ $kvm_required -eq 1 ]; then
	failed=$(marks | awk '$1 == "insmod" && $3 != 0 { print $2 " (status " $3 ")" }')
	[ -z "$failed" ] || die "insmod failed on kernel $release of $suite: $failed; the guest CPU must expose SVM (-cpu EPYC), see $console."
	marks | grep -q '^devkvm yes$' || die "kernel $release of $suite loaded kvm_amd but has no /dev/kvm; see $console."
fi
marks | grep -q '^done$' || die "the guest's /init on kernel $release of $suite stopped before reporting seoibctl's output; see $console."

guest_exit=$(marks | sed -n 's/^exit //p')
section stdout >"$out_dir/$name.stdout"
section stderr >"$out_dir/$name.stderr"
echo "$guest_exit" >"$out_dir/$name.exit"
note "kernel $release ($suite): seoibctl exited $guest_exit, QEMU ran ${elapsed_ms} ms; outputs in $out_dir/$name.*"

if [ $require_json -eq 1 ]; then
	jq -e 'type == "object"' "$out_dir/$name.stdout" >/dev/null 2>&1 ||
		die "seoibctl's stdout on kernel $release of $suite is not a JSON object (exit status $guest_exit); see $out_dir/$name.stdout and $out_dir/$name.stderr: $(head -c 300 "$out_dir/$name.stderr")"
	cp "$out_dir/$name.stdout" "$out_dir/$name.json"
fi
if [ -n "$expect_exit" ] && [ "$guest_exit" != "$expect_exit" ]; then
	die "seoibctl exited $guest_exit, not $expect_exit, on kernel $release of $suite; its stderr: $(head -c 500 "$out_dir/$name.stderr")"
fi
exit 0
