# Shared helpers of the 'libvirt' suite: real libvirtd instances, each in
# its own mount and UTS namespace with per-instance /etc/libvirt, /run,
# /var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt (the hook
# directory and qemu state paths are fixed, so each daemon gets its own), the real seoib hook installed, and a per-instance host record
# at the default /run/seoib/host.json. Every daemon is stopped by PID.
# Source it from a `set -euo pipefail` script; register lv_cleanup with at_exit.
# It builds on tests/lib.sh (fail, skip, wait_until, stop_pid, at_exit).

: "${SEOIBCTL:?SEOIBCTL must point to the built seoibctl}"
: "${SEOIB_SOURCE_ROOT:?}"
. "$SEOIB_SOURCE_ROOT/tests/lib.sh"
LV_DATA="$SEOIB_SOURCE_ROOT/tests/libvirt/data"
LV_RECORDS="$SEOIB_SOURCE_ROOT/tests/record/data"
LV_INSTANCES=()
# What libvirtd runs: the installed form, seoib-hook (seoibctl hook without libvirt).
: "${SEOIB_BUILD_ROOT:?}"
LV_HOOK="$SEOIB_BUILD_ROOT/cli/seoib-hook"
# Sanitizer builds: the hook runs under libvirtd, which clears the
# environment; the wrapper passes this through.
LV_ASAN_OPTIONS="${ASAN_OPTIONS:-}"

lv_skip_unless_possible() {
	local tool
	[ "$(id -u)" = 0 ] || skip "needs root (private mount namespaces, libvirtd as root)"
	for tool in libvirtd virtlogd virsh unshare qemu-system-x86_64 jq; do
		command -v "$tool" >/dev/null || skip "$tool is not installed"
	done
	unshare --mount --propagation private true 2>/dev/null ||
		skip "cannot create a mount namespace here (unshare --mount failed)"
}

lv_uri() { echo "qemu:///system?socket=$1/run/libvirt/libvirt-sock"; }
lv_virsh() { local d=$1; shift; timeout 60 virsh -q -c "$(lv_uri "$d")" "$@"; }

# A host record from a fixture, with a fresh probe time and a hostname, of
# this boot and kernel (the hook takes another boot's record as stale).
lv_record() { # FIXTURE HOSTNAME OUT
	jq --arg h "$2" --argjson now "$(date +%s)" --arg boot "$(cat /proc/sys/kernel/random/boot_id)" \
		--arg kernel "$(uname -r)" \
		'.host.hostname = $h | .probe.time_unix = $now | .probe.time = (now | todate)
		 | .host.boot_id = $boot | .host.kernel_release = $kernel' \
		"$LV_RECORDS/$1.json" >"$3.tmp"
	mv "$3.tmp" "$3"
}

# The QEMU wrapper with a machine-property control (tests/libvirt/qemu-seoib)
# in DIR, with the fake QMP it answers the probe with; it records the state
# each guest runs in under DIR/states/NAME. Visible in every instance.
# libvirt runs QEMU as its qemu user: DIR's parent (a mktemp -d, 0700)
# must let it through, and it writes the states.
lv_qemu_wrapper() { # DIR
	mkdir -p "$1/states"
	chmod 755 "$(dirname "$1")" "$1"
	chmod 1777 "$1/states"
	cp "$SEOIB_SOURCE_ROOT/tests/libvirt/qemu-seoib" "$SEOIB_SOURCE_ROOT/tests/vmm/fake-qemu" "$1/"
	chmod 755 "$1/qemu-seoib" "$1/fake-qemu"
	# Without /dev/kvm, qemu-seoib runs its guests through kvm-on-tcg.
	if [ -n "${LV_KVM_ON_TCG:-}" ] && [ "$LV_KVM_ON_TCG" != "$1/kvm-on-tcg" ]; then
		cp "$LV_KVM_ON_TCG" "$1/kvm-on-tcg"
	fi
}

# KVM guests (<domain type='kvm'>), for the tests whose subject is the
# Directed EOI state: on the real KVM where /dev/kvm exists; else on TCG
# through tests/libvirt/kvm-on-tcg, copied into DIR (the default
# <emulator> from now on). Either way every instance gets a /dev/kvm node
# of its own (lv_dev_with_kvm_node). Says which on stdout, with the host
# node's mode, so that a CI log tells what was covered.
lv_kvm_guests() { # DIR
	LV_DOMAIN_TYPE=kvm
	if lv_have_kvm; then
		echo "KVM guests on the real KVM (the host's /dev/kvm is $(lv_kvm_node_mode); each libvirtd gets its own 0660 root:kvm node with the same numbers)"
		return 0
	fi
	mkdir -p "$1"
	chmod 755 "$(dirname "$1")" "$1"
	cp "$SEOIB_SOURCE_ROOT/tests/libvirt/kvm-on-tcg" "$1/kvm-on-tcg"
	chmod 755 "$1/kvm-on-tcg"
	LV_KVM_ON_TCG=$1/kvm-on-tcg
	echo "KVM guests on TCG through tests/libvirt/kvm-on-tcg (no /dev/kvm here)"
}

# The host's /dev/kvm as ls shows it: "crw------- root:root 10:232".
lv_kvm_node_mode() {
	local mode owner major minor
	read -r mode owner major minor < <(stat -c '%A %U:%G %t %T' /dev/kvm)
	echo "$mode $owner $((0x$major)):$((0x$minor))"
}

# The vmm section of a QEMU, as the real probe reads it over QMP.
lv_probe_vmm() { # QEMU [seoibctl probe options...]
	local rc=0 out empty
	empty=$(mktemp /tmp/seoib-empty-conf.XXXXXX) # the defaults: seoib.conf must be a regular file
	out=$("$SEOIBCTL" probe --json --no-behaviour --no-vmm-cache --qemu "$@" --config "$empty") || rc=$?
	rm -f "$empty"
	[ "$rc" = 0 ] || [ "$rc" = 3 ] || lv_fail "seoibctl probe --qemu $1 failed with exit $rc"
	jq -c .vmm <<<"$out"
}

# A host record from a fixture whose vmm section is VMM-JSON.
lv_record_vmm() { # FIXTURE HOSTNAME OUT VMM-JSON
	lv_record "$1" "$2" "$3"
	jq --argjson v "$4" '.vmm = $v' "$3" >"$3.tmp"
	mv "$3.tmp" "$3"
}

lv_config() { # DIR hook-mode on-error
	printf 'hook-mode = %s\non-error = %s\nmax-record-age = 3600\n' "$2" "$3" >"$1/seoib.conf"
}

# Create an instance directory: DIR NAME HOSTNAME UUID TCP_PORT(0 = none)
lv_prepare() {
	local d=$1 host=$3 uuid=$4 port=$5
	mkdir -p "$d"/{run/libvirt,run/seoib,lib,log,cache}
	cp -a /etc/libvirt "$d/etc"
	cp -a /var/lib/libvirt/. "$d/lib/"
	cp -a /var/cache/libvirt/. "$d/cache/"
	rm -rf "$d/etc/hooks" "$d/etc/qemu/"*.xml "$d/etc/qemu/autostart"
	mkdir -p "$d/etc/hooks/qemu.d"
	echo 'security_driver = "none"' >>"$d/etc/qemu.conf"
	{
		echo "log_outputs = \"2:file:$d/log/libvirtd.log\""
		echo "host_uuid = \"$uuid\""
		if [ "$port" != 0 ]; then
			echo 'listen_tcp = 1'; echo 'listen_tls = 0'; echo 'listen_addr = "127.0.0.1"'
			echo "tcp_port = \"$port\""; echo 'auth_tcp = "none"'
		fi
	} >>"$d/etc/libvirtd.conf"
	# The real hook, pointed at the build's seoibctl and this instance's
	# configuration (libvirt finds hooks only when it starts).
	cat >"$d/etc/hooks/qemu.d/50-seoib" <<HOOK
#!/bin/sh
ASAN_OPTIONS='$LV_ASAN_OPTIONS' exec '$LV_HOOK' --config '$d/seoib.conf' "\$@"
HOOK
	chmod 755 "$d/etc/hooks/qemu.d/50-seoib"
	# seoibctl on the PATH inside the instance (ssh HOST seoibctl status --json).
	mkdir -p "$d/bin"
	printf '#!/bin/sh\nASAN_OPTIONS=%s exec %s "$@"\n' "'$LV_ASAN_OPTIONS'" "'$SEOIBCTL'" >"$d/bin/seoibctl"
	chmod 755 "$d/bin/seoibctl"
	echo "$host" >"$d/hostname"
	echo "$port" >"$d/port"
	lv_config "$d" enforce allow
}

# Inside an instance's mount namespace only, a private /dev that holds what
# the host's does plus a /dev/kvm node made as udev makes one on a real
# Debian host: 0660 root:kvm (libvirt runs QEMU as libvirt-qemu, in group
# kvm). With a real /dev/kvm the node has the host's device numbers, so its
# QEMU runs on the real KVM even where the host's node is 0600 root:root (no
# udev runs on the CI machines). Without one (tests/libvirt/kvm-on-tcg runs
# the KVM guests on TCG) it has KVM's numbers (misc 10:232) but no driver
# behind it: opening it fails (ENODEV), so nothing can take it for a working
# KVM. The host's /dev (devtmpfs, shared by every test and helper on this
# machine) and its /dev/kvm are never written.
lv_dev_with_kvm_node() {
	local e
	mkdir -p /run/lv-host-dev
	mount --rbind /dev /run/lv-host-dev
	# Detached, not hidden: libvirt moves every mount under /dev into each
	# QEMU's namespace, and a hidden second /dev/pts would fail that.
	umount -R /dev
	mount -t tmpfs -o mode=755,nosuid tmpfs /dev
	# Nodes, links and plain directories copied; mounts (pts, shm, ...)
	# bound, never copied (shm holds other processes' memory).
	for e in /run/lv-host-dev/* /run/lv-host-dev/.[!.]*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		[ "$e" != /run/lv-host-dev/kvm ] || continue
		if mountpoint -q "$e"; then
			mkdir -p "/dev/${e##*/}"
			mount --bind "$e" "/dev/${e##*/}"
		else
			cp -a "$e" /dev/
		fi
	done
	local major=10 minor=232
	if [ -c /run/lv-host-dev/kvm ]; then
		major=$((0x$(stat -c %t /run/lv-host-dev/kvm)))
		minor=$((0x$(stat -c %T /run/lv-host-dev/kvm)))
	fi
	mknod -m 0660 /dev/kvm c "$major" "$minor"
	chown root:kvm /dev/kvm
}

# Start virtlogd and libvirtd in a private mount + UTS namespace.
lv_answers() { [ -s "$1/libvirtd.pid" ] && virsh -q -c "$(lv_uri "$1")" list; }
lv_start() { # DIR
	local d=$1 listen=""
	[ "$(cat "$d/port")" != 0 ] && listen=--listen
	unshare --mount --uts --propagation private bash -euo pipefail -c "$(declare -f lv_dev_with_kvm_node)"'
		d=$1 listen=$2 kvm_on_tcg=$3
		mount --make-rprivate /
		hostname "$(cat "$d/hostname")"
		# A private /run: nothing of this instance shows on the real host.
		mount -t tmpfs -o mode=755 tmpfs /run
		mkdir -p /run/libvirt /run/seoib
		mount --bind "$d/run/libvirt" /run/libvirt
		mount --bind "$d/run/seoib" /run/seoib
		mount --bind "$d/etc" /etc/libvirt
		mount --bind "$d/lib" /var/lib/libvirt
		mount --bind "$d/log" /var/log/libvirt
		mount --bind "$d/cache" /var/cache/libvirt
		mount --bind "$d/bin" /usr/local/bin
		if [ -n "$kvm_on_tcg" ] || [ -c /dev/kvm ]; then lv_dev_with_kvm_node; fi
		virtlogd --daemon --pid-file "$d/virtlogd.pid"
		libvirtd --daemon --pid-file "$d/libvirtd.pid" -f /etc/libvirt/libvirtd.conf $listen
	' lv-start "$d" "$listen" "${LV_KVM_ON_TCG:-}"
	LV_INSTANCES+=("$d")
	wait_until 30 lv_answers "$d" && return 0
	echo "FAIL: libvirtd in $d did not answer within 30 s; its log:" >&2
	tail -20 "$d/log/libvirtd.log" >&2 || true
	return 1
}

# Run a command on an instance's "host": in its mount and UTS namespaces.
lv_exec() { # DIR CMD...
	local d=$1; shift
	nsenter --mount=/proc/"$(cat "$d/libvirtd.pid")"/ns/mnt --uts=/proc/"$(cat "$d/libvirtd.pid")"/ns/uts "$@"
}

lv_kill_pidfile() { # FILE: stop that process, bounded (10 s, then SIGKILL)
	[ -s "$1" ] || return 0
	stop_pid "$(cat "$1")" TERM 10
}

lv_stop() { # DIR
	local d=$1 dom f
	for dom in $(virsh -q -c "$(lv_uri "$d")" list --name 2>/dev/null); do
		timeout 20 virsh -q -c "$(lv_uri "$d")" destroy "$dom" >/dev/null 2>&1 || true
	done
	# Guests left behind (libvirtd gone): by their pid files.
	for f in "$d"/run/libvirt/qemu/*.pid; do
		[ -e "$f" ] && lv_kill_pidfile "$f"
	done
	lv_kill_pidfile "$d/libvirtd.pid"
	lv_kill_pidfile "$d/virtlogd.pid"
}

lv_cleanup() {
	local d
	for d in "${LV_INSTANCES[@]}"; do lv_stop "$d"; done
	LV_INSTANCES=()
}

# A running guest is a KVM guest to libvirt (and so to the hook and seoibd),
# whether on the real KVM or through kvm-on-tcg.
lv_expect_kvm_guest() { # DIR DOM
	case "$(lv_virsh "$1" dumpxml "$2")" in
	"<domain type='kvm'"*) ;;
	*) lv_fail "$2 does not run as a KVM guest: $(lv_virsh "$1" dumpxml "$2" | head -1)" ;;
	esac
}

# Domain XML: q35, 64 MiB, no disks, split irqchip, no <graphics> at all
# (libvirt rejects type='none').
# lv_domain NAME UUID windows|linux [METADATA-STATE]; LV_CPU=none drops a Windows guest's <cpu>
# The domain type: 'kvm' where this machine has KVM or after lv_kvm_guests,
# else 'qemu' (TCG). TCG guests are never exposed (QEMU's own local APIC):
# the hook allows them, whatever the host. Tests that feed the hook XML
# directly pass LV_DOMAIN_TYPE=kvm.
lv_have_kvm() { [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; }
lv_domain() {
	local name=$1 uuid=$2 kind=$3 state=${4:-} os="" hyperv="" cpu="" meta="" type
	type=${LV_DOMAIN_TYPE:-$(lv_have_kvm && echo kvm || echo qemu)}
	local cmdline="" a emulator=${LV_EMULATOR:-${LV_KVM_ON_TCG:-/usr/bin/qemu-system-x86_64}}
	for a in ${LV_QEMU_ARGS:-}; do cmdline+="<qemu:arg value='$a'/>"; done
	[ -n "$cmdline" ] && cmdline="<qemu:commandline>$cmdline</qemu:commandline>"
	if [ "$kind" = windows ]; then
		os="<libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'><libosinfo:os id='http://microsoft.com/win/11'/></libosinfo:libosinfo>"
		hyperv="<hyperv mode='custom'><relaxed state='on'/></hyperv>"
		# The victim needs vmx/svm to run its hypervisor (docs/policy.md,
		# "Who is the victim"); check='none' lets TCG start it anyway.
		cpu="<cpu mode='custom' match='exact' check='none'><model fallback='allow'>qemu64</model><feature policy='require' name='vmx'/></cpu>"
		# libvirt rewrites that <cpu> in the live XML after the start with
		# what QEMU gave (vmx disabled where KVM has no nested support).
		# LV_CPU=none: no <cpu>, for a guest that asks for vmx through
		# LV_QEMU_ARGS="-cpu qemu64,+vmx", which the live XML keeps.
		[ "${LV_CPU:-}" = none ] && cpu=""
	fi
	[ -n "$state" ] && meta="<seoib:guest xmlns:seoib='https://seoib.org/xmlns/libvirt/guest/1' state='$state'/>"
	cat <<XML
<domain type='$type' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$name</name>
  <uuid>$uuid</uuid>
  <metadata>$os$meta</metadata>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/>$hyperv<ioapic driver='qemu'/></features>
  $cpu
  <devices>
    <emulator>$emulator</emulator>
    <serial type='pty'/>
    <video><model type='none'/></video>
    <memballoon model='none'/>
  </devices>
  $cmdline
</domain>
XML
}

# Assertions that say what they expected. lv_fail is tests/lib.sh's fail
# under the name this suite's scripts call.
lv_fail() { fail "$@"; }
lv_expect_contains() { # TEXT NEEDLE WHAT
	case "$1" in *"$2"*) ;; *) lv_fail "$3: expected '$2' in: $1" ;; esac
}

# sshd "on" an instance: in DIR's mount namespace, so `seoibctl status
# --json` there reads that instance's record; the client reaches it as HOST
# through an ssh config, and SSHDIR/bin/ssh (put first on PATH by the
# caller) adds that config to the ssh seoibctl spawns. The caller stops it
# with lv_kill_pidfile SSHDIR/sshd.pid.
lv_sshd_as() { # DIR HOST SSHDIR
	local d=$1 host=$2 s=$3
	mkdir -p "$s/bin"
	ssh-keygen -q -t ed25519 -N '' -f "$s/host_key"
	ssh-keygen -q -t ed25519 -N '' -f "$s/client_key"
	cp "$s/client_key.pub" "$s/authorized_keys"
	cat >"$s/sshd_config" <<CFG
Port 2222
ListenAddress 127.0.0.1
HostKey $s/host_key
PidFile $s/sshd.pid
AuthorizedKeysFile $s/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
CFG
	cat >"$s/ssh_config" <<CFG
Host $host
  HostName 127.0.0.1
  Port 2222
  User root
  IdentityFile $s/client_key
  IdentitiesOnly yes
  UserKnownHostsFile $s/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
CFG
	echo "[127.0.0.1]:2222 $(cut -d' ' -f1,2 "$s/host_key.pub")" >"$s/known_hosts"
	# seoibctl spawns "ssh" from PATH: this one adds the test's client config.
	printf '#!/bin/sh\nexec /usr/bin/ssh -F %s "$@"\n' "$s/ssh_config" >"$s/bin/ssh"
	chmod 755 "$s/bin/ssh"
	lv_exec "$d" sh -c 'mkdir -p /run/sshd && /usr/sbin/sshd -f "$1"' sshd "$s/sshd_config"
}

# lv_check_dest WANT-RC WHAT: `seoibctl check --dest hv-dst` from host A, with
# hv-dst's record read from B's file and then over ssh (the fake ssh in
# $S/bin): both exit WANT-RC and give the same verdicts. Leaves the JSON of
# the ssh run in $json. Uses A, B, S, T and URI_A of the calling test.
lv_check_dest() {
	local want=$1 what=$2 mode by_file=""
	for mode in file ssh; do
		local src=(--record-from-file "$B/run/seoib/host.json") rc=0
		[ "$mode" = ssh ] && src=()
		json=$(PATH="$S/bin:$PATH" "$SEOIBCTL" check --dest hv-dst -c "$URI_A" --json --config "$A/seoib.conf" \
			"${src[@]}" 2>"$T/check.err") || rc=$?
		[ "$rc" = "$want" ] || lv_fail "check ($mode) vs $what: exit $rc, not $want: $json $(cat "$T/check.err")"
		local verdicts
		verdicts=$(jq -c '[.domains[] | {name, state, verdict}]' <<<"$json")
		[ -z "$by_file" ] || [ "$verdicts" = "$by_file" ] || lv_fail "ssh and file disagree: $verdicts vs $by_file"
		by_file=$verdicts
	done
}
