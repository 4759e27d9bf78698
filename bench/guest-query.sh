#!/bin/bash
# Asking the guest's own QEMU (issue 18): the cost of a cold question, the
# answer from the cache, seoibd's pre-warm pass over 50 defined guests, and
# the hook at prepare begin with a warm cache, each against a reference
# measured in the same run: a bare `qemu-system-x86_64 -version` for the
# QEMU figures, a bare process (/bin/true) for the hook. Run as root from the
# source tree (the hook writes under /run: a private mount namespace):
#   bench/guest-query.sh [BUILD_DIR]      (default: build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
. "$ROOT/bench/lib.sh"
QEMU=/usr/bin/qemu-system-x86_64
RUNS=${RUNS:-30}
[ -x "$QEMU" ] || { echo "no $QEMU"; exit 2; }
if [ -z "${GQ_IN_NS:-}" ]; then
	exec env GQ_IN_NS=1 unshare --mount --propagation private "$0" "$@"
fi
mount --make-rprivate /
mount -t tmpfs -o mode=755 tmpfs /run
T=$(mktemp -d /tmp/seoib-bench-gq.XXXXXX)
trap 'rm -rf "$T"' EXIT
export XDG_CACHE_HOME=$T/xdg
tool=$BUILD/tests/vmm/guest-query-test
prewarm=$BUILD/tests/vmm/prewarm-test
hook=$BUILD/cli/seoib-hook

# domain N: a q35 KVM guest with N vCPUs (a question of its own each).
domain() {
	cat <<EOX
<domain type='kvm'>
  <name>g$1</name>
  <uuid>6f1b2c3d-4e5f-4a6b-8c7d-$(printf '%012d' "$1")</uuid>
  <vcpu>$1</vcpu>
  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
  <features><acpi/><apic/><ioapic driver='qemu'/></features>
  <cpu mode='custom'><model>qemu64</model></cpu>
  <devices><emulator>$QEMU</emulator></devices>
</domain>
EOX
}
for i in $(seq 1 50); do domain "$i" >"$T/g$i.xml"; done
kvm=$([ -r /dev/kvm ] && [ -w /dev/kvm ] && echo KVM || echo "TCG (no usable /dev/kvm)")

echo "machine: $(machine); $($QEMU -version | head -1); questions under $kvm"
read -r bare cold < <(median_pair_ms "$RUNS" "$QEMU -version" "$tool $T/g1.xml")
"$tool" --cache "$T/cache" "$T/g1.xml" >/dev/null
read -r bare2 warm < <(median_pair_ms "$RUNS" "$QEMU -version" "$tool --cache $T/cache $T/g1.xml")
printf 'qemu-system-x86_64 -version (reference): median %s ms (%s ms in the second pair)\n' "$bare" "$bare2"
printf 'cold question (QEMU started, no cache): median %s ms = %.2f x the reference\n' "$cold" "$(echo "$cold / $bare" | bc -l)"
printf 'warm question (from the cache): median %s ms = %.2f x the reference\n' "$warm" "$(echo "$warm / $bare2" | bc -l)"

# seoibd's pre-warm pass: 50 defined guests, cold cache, one at a time.
passes=()
for r in 1 2 3 4 5; do
	rm -rf "$T/pw"
	passes+=("$("$prewarm" --cache "$T/pw" "$T"/g{1..50}.xml 2>/dev/null | jq .ms)")
done
pw=$(printf '%s\n' "${passes[@]}" | sort -n | sed -n 3p)
printf 'pre-warm, 50 guests (cold cache): median of 5 passes %s ms = %.1f ms a guest = %.2f x the reference a guest\n' \
	"$pw" "$(echo "$pw / 50" | bc -l)" "$(echo "$pw / 50 / $bare" | bc -l)"
rm -rf "$T/pw2"
"$prewarm" --cache "$T/pw2" "$T"/g{1..50}.xml >/dev/null 2>&1
printf 'pre-warm, 50 guests, warm cache: %s ms\n' "$("$prewarm" --cache "$T/pw2" "$T"/g{1..50}.xml 2>/dev/null | jq .ms)"

# The hook at prepare begin, warm cache, against a bare process.
"$BUILD/cli/seoibctl" probe --json --no-behaviour >"$T/host.json"
printf 'record-path = %s\nhook-mode = enforce\non-error = allow\nmax-record-age = 3600\n' "$T/host.json" >"$T/seoib.conf"
mkdir -p "$T/xdg"
"$hook" --config "$T/seoib.conf" g1 prepare begin - <"$T/g1.xml" # warms the hook's cache
cat >"$T/hook.sh" <<EOS
#!/bin/sh
exec $hook --config $T/seoib.conf g1 prepare begin - <$T/g1.xml
EOS
cat >"$T/true.sh" <<EOS
#!/bin/sh
exec /bin/true <$T/g1.xml
EOS
chmod +x "$T/hook.sh" "$T/true.sh"
read -r t h < <(median_pair_ms "$RUNS" "$T/true.sh" "$T/hook.sh")
printf 'hook, prepare begin, warm cache: median %s ms = %.2f x a bare process (/bin/true through the same sh, %s ms); goal <= 5 x\n' \
	"$h" "$(echo "$h / $t" | bc -l)" "$t"
# The same hook call for a guest without <emulator>: nothing to ask, the
# hook's cost before issue 18.
grep -v '<emulator>' "$T/g1.xml" | sed 's|<devices></devices>|<devices/>|' >"$T/g1-noemu.xml"
sed "s|$T/g1.xml|$T/g1-noemu.xml|" "$T/hook.sh" >"$T/hook-noemu.sh"
chmod +x "$T/hook-noemu.sh"
read -r t n < <(median_pair_ms "$RUNS" "$T/true.sh" "$T/hook-noemu.sh")
printf 'hook, prepare begin, no <emulator> (no question): median %s ms = %.2f x a bare process (%s ms)\n' \
	"$n" "$(echo "$n / $t" | bc -l)" "$t"
