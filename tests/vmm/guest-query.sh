#!/bin/bash
# The vmm suite, guest side: qemu_guest_ask() against the real QEMU, through
# per-guest <emulator> wrappers that count their runs (docs/vmm.md, "Asking
# the guest's QEMU").
# Usage: guest-query.sh CASE GUEST-QUERY-TEST PREWARM-TEST
set -euo pipefail

case_name=$1
tool=$2
prewarm=${3:-}
real=/usr/bin/qemu-system-x86_64
# The hook writes under /run: that case runs in a mount namespace of its own.
if [ "$case_name" = hook ] && [ -z "${GQ_IN_NS:-}" ] && [ "$(id -u)" = 0 ]; then
	exec env GQ_IN_NS=1 unshare --mount --propagation private "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"
make_work_dir guest-query tmp
runs=$tmp/runs
: >"$runs"

FAIL_CONTEXT=$case_name
# expect JSON JQ-FILTER DESCRIPTION: the filter must yield true.
expect() { jq -e "$2" <<<"$1" >/dev/null || { echo "$1" >&2; fail "$3"; }; }
count() { wc -l <"$runs"; }

[ -x "$real" ] || skip "$real is not installed (apt install qemu-system-x86)"
kvm_ok() { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }
need_kvm() { kvm_ok || skip "no usable /dev/kvm here (the TCG cases run without one)"; }

# A per-guest <emulator>: a wrapper that counts its runs and may rename a
# machine type, as a vendor build answers for its own types.
wrapper() {
	local path=$1 from=${2:-} to=${3:-}
	cat >"$path" <<EOS
#!/bin/bash
echo run >>"$runs"
args=()
for a in "\$@"; do
	if [ -n "$from" ]; then a=\${a//$from/$to}; fi
	args+=("\$a")
done
exec $real "\${args[@]}"
EOS
	chmod +x "$path"
}

# domain TYPE MACHINE EMULATOR [FEATURES] [CPU] [DEVICES] [COMMANDLINE]
domain() {
	cat <<EOX
<domain type='$1' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>g</name>
  <vcpu>2</vcpu>
  <os><type arch='x86_64' machine='$2'>hvm</type></os>
  <features><acpi/><apic/>${4:-}</features>
  ${5:-<cpu mode='custom'><model>qemu64</model></cpu>}
  <devices>$( [ -n "$3" ] && echo "<emulator>$3</emulator>")${6:-}</devices>
  ${7:-}
</domain>
EOX
}

ask() { # XML-FILE [options...]
	local xml=$1
	shift
	"$tool" --timeout 20000 "$@" "$xml"
}

emu=$tmp/bin/qemu-system-x86_64
mkdir -p "$tmp/bin"
wrapper "$emu"

case $case_name in
q35-in-kernel)
	need_kvm
	domain kvm pc-q35-7.2 "$emu" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" '.answer.status == "answered" and .answer.accel == "kvm" and .answer.irqchip == "in-kernel"' "not in-kernel"
	expect "$out" '.facts.irqchip == "in-kernel" and .facts.ioapic_version == "0x11" and .facts.x2apic == true' "facts not QEMU's"
	want=$("$real" --version | sed -n 's/^QEMU emulator version \([0-9.]*\).*/\1/p')
	expect "$out" ".facts.facts_source == \"QEMU $want at $emu under KVM\"" "source does not name QEMU $want at the emulator"
	expect "$out" '.facts.irqchip_why | contains("kvm-ioapic")' "irqchip_why does not say kvm-ioapic"
	;;
q35-split)
	need_kvm
	domain kvm pc-q35-7.2 "$emu" "<ioapic driver='qemu'/>" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" '.answer.question | startswith("-machine pc-q35-7.2,kernel_irqchip=split")' "libvirt's kernel_irqchip not asked"
	expect "$out" '.answer.irqchip == "split" and .facts.irqchip == "split" and .facts.ioapic_version == "0x20"' "not split 0x20"
	;;
pc-q35-7.2)
	# The alias and the versioned type: QEMU says which machine it built.
	need_kvm
	domain kvm q35 "$emu" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	want=$("$real" -machine help | sed -n 's/^q35 .*(alias of \(.*\))$/\1/p')
	expect "$out" ".answer.machine == \"$want\" and .answer.irqchip == \"in-kernel\"" "alias q35 not resolved to $want"
	# pc-q35-4.0 alone defaulted to split; 4.0.1 reverted it: QEMU knows.
	domain kvm pc-q35-4.0 "$emu" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" '.answer.irqchip == "split" and .facts.irqchip == "split"' "pc-q35-4.0 is not split"
	domain kvm pc-q35-4.0.1 "$emu" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" '.answer.irqchip == "in-kernel"' "pc-q35-4.0.1 is not in-kernel"
	;;
old-ioapic)
	need_kvm
	domain kvm pc-i440fx-2.6 "$emu" "<ioapic driver='qemu'/>" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" '.answer.irqchip == "split" and .answer.ioapic_version == 17 and .facts.ioapic_version == "0x11"' "pc-i440fx-2.6 split is not 0x11"
	;;
host-vendor-types)
	# Every machine type of this host's QEMU that is not upstream's is
	# answered for (no irqchip unknown), whatever the machine-type table says.
	need_kvm
	vendor=$("$real" -machine help | awk 'NR > 1 {print $1}' |
		grep -Ev '^(pc|q35|microvm|isapc|none|x-remote|pc-q35-4\.0\.1|pc-(i440fx|q35)-[0-9]+\.[0-9]+)$' || true)
	[ -n "$vendor" ] || skip "this host's QEMU has no vendor machine types ($("$real" --version | head -1))"
	for m in $vendor; do
		domain kvm "$m" "$emu" >"$tmp/g.xml"
		out=$(ask "$tmp/g.xml")
		expect "$out" '.answer.status == "answered" and .facts.irqchip != "unknown"' "vendor type $m unanswered"
	done
	;;
vendor-noble)
	# Ubuntu 24.04's virt-manager writes pc-q35-noble without <ioapic>: its
	# QEMU answers for it. A wrapper plays that QEMU (noble -> this QEMU's q35).
	need_kvm
	noble=$tmp/bin/qemu-noble
	wrapper "$noble" pc-q35-noble pc-q35-7.2
	domain kvm pc-q35-noble "$noble" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" '.facts.irqchip == "in-kernel" and .facts.ioapic_version != "unknown"' "pc-q35-noble still unknown"
	expect "$out" ".facts.facts_source | contains(\"at $noble under KVM\")" "source does not name the guest's emulator"
	;;
x2apic-disabled)
	need_kvm
	domain kvm pc-q35-7.2 "$emu" "<ioapic driver='qemu'/>" \
		"<cpu mode='custom'><model>qemu64</model><feature policy='disable' name='x2apic'/></cpu>" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" '.answer.question | contains("-cpu qemu64,x2apic=off")' "x2apic feature not asked"
	expect "$out" '.answer.x2apic == false and .facts.x2apic == false and .facts.irqchip == "split" and (.facts.x2apic_why | contains("first vCPU"))' "x2apic not off, or not QEMU's answer"
	domain kvm pc-q35-7.2 "$emu" "<ioapic driver='qemu'/>" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" '.answer.x2apic == true' "qemu64 under KVM has x2apic"
	;;
refused-intremap)
	# intremap without the split irqchip: QEMU's own sentence.
	need_kvm
	domain kvm pc-q35-7.2 "$emu" "" "" "<iommu model='intel'><driver intremap='on'/></iommu>" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml" --cache "$tmp/cache")
	expect "$out" '.answer.status == "refused" and (.answer.refusal | contains("Interrupt Remapping cannot work with kernel-irqchip=on"))' "not QEMU's refusal"
	expect "$out" '.facts.facts_source | contains("refuses this guest'"'"'s machine: ") and contains("Interrupt Remapping")' "facts_source lacks the refusal"
	# A refusal is an answer: cached.
	out=$(ask "$tmp/g.xml" --cache "$tmp/cache")
	expect "$out" '.answer.status == "refused" and .answer.from_cache' "refusal not cached"
	[ "$(count)" = 1 ] || fail "a cached refusal started QEMU again"
	;;
own-emulator)
	need_kvm
	own=$tmp/opt/qemu-9/bin/qemu-custom
	mkdir -p "$(dirname "$own")"
	wrapper "$own"
	domain kvm pc-q35-7.2 "$own" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" ".answer.emulator == \"$own\" and (.facts.facts_source | contains(\"at $own \"))" "not the guest's own emulator"
	[ "$(count)" = 1 ] || fail "the guest's <emulator> was not the binary run"
	;;
cache-hit)
	need_kvm
	domain kvm pc-q35-7.2 "$emu" "<ioapic driver='qemu'/>" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml" --cache "$tmp/cache")
	expect "$out" '.answer.from_cache == false and .answer.irqchip == "split"' "first ask"
	[ "$(count)" = 1 ] || fail "first ask did not run QEMU once"
	out=$(ask "$tmp/g.xml" --cache "$tmp/cache")
	expect "$out" '.answer.from_cache and .answer.irqchip == "split" and .facts.irqchip == "split"' "second ask not from the cache"
	expect "$out" '.facts.facts_source | endswith("(its cached answer)")' "cached answer not said"
	[ "$(count)" = 1 ] || fail "second ask ran QEMU"
	out=$(ask "$tmp/g.xml" --cache "$tmp/cache" --cache-only)
	expect "$out" '.answer.from_cache' "cache-only missed"
	# Another question, another answer.
	domain kvm pc-q35-7.2 "$emu" >"$tmp/g2.xml"
	out=$(ask "$tmp/g2.xml" --cache "$tmp/cache" --cache-only)
	expect "$out" '.answer.status == "not-asked" and (.answer.why | contains("no answer"))' "cache-only answered an uncached question"
	out=$(ask "$tmp/g2.xml" --cache "$tmp/cache")
	expect "$out" '.answer.from_cache == false and .answer.irqchip == "in-kernel"' "other options answered from the cache"
	[ "$(count)" = 2 ] || fail "other options did not run QEMU"
	# A changed binary: asked again.
	touch "$emu"
	out=$(ask "$tmp/g.xml" --cache "$tmp/cache")
	expect "$out" '.answer.from_cache == false' "changed binary answered from the cache"
	[ "$(count)" = 3 ] || fail "changed binary did not run QEMU"
	;;
cache-forged)
	need_kvm
	domain kvm pc-q35-7.2 "$emu" >"$tmp/g.xml"
	ask "$tmp/g.xml" --cache "$tmp/cache" >/dev/null
	file=$(ls "$tmp"/cache/guest-*.json)
	n=1
	for bad in 'garbage' '[]' "$(jq -c '.irqchip = "split"' "$file" | sed 's/"split"/"splat"/')" \
		"$(jq -c '.ioapic_version = 7' "$file")" "$(jq -c '.question = ["-machine", "pc-q35-2.6"]' "$file")" \
		"$(jq -c '.accel = "tcg"' "$file")" "$(jq -c '.ino += 1' "$file")" "$(jq -c '.refused = true' "$file")" \
		"$(jq -c '.x2apic = "yes"' "$file")" "$(jq -c '.kernel_release = "1.0"' "$file")"; do
		printf '%s' "$bad" >"$file"
		out=$(ask "$tmp/g.xml" --cache "$tmp/cache")
		n=$((n + 1))
		expect "$out" '.answer.from_cache == false and .answer.irqchip == "in-kernel"' "forged entry trusted: $bad"
		[ "$(count)" = "$n" ] || fail "forged entry did not re-ask: $bad"
	done
	chmod 0666 "$file"
	out=$(ask "$tmp/g.xml" --cache "$tmp/cache")
	expect "$out" '.answer.from_cache == false and (.answer.cache_note | contains("writable by no one else"))' "world-writable entry trusted"
	;;
tcg-fallback)
	# Without /dev/kvm: TCG tells the I/O APIC version, not the irqchip.
	domain kvm pc-i440fx-2.6 "$emu" "<ioapic driver='qemu'/>" \
		"<cpu mode='host-passthrough'/>" "<iommu model='intel'><driver intremap='on' eim='on'/></iommu>" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml" --kvm-device "$tmp/no-kvm" --cache "$tmp/cache")
	expect "$out" '.answer.accel == "tcg" and .answer.status == "answered" and .answer.ioapic_version == 17' "TCG did not tell 0x11"
	expect "$out" '.answer.question == "-machine pc-i440fx-2.6,kernel_irqchip=split"' "TCG question carries KVM-only options"
	expect "$out" '.answer.irqchip == "unknown" and .answer.x2apic == null and .facts.irqchip == "split"' "TCG claimed the irqchip"
	expect "$out" '.facts.facts_source | contains("under TCG") and contains("machine-type table for the rest")' "TCG source not said"
	# A machine type this QEMU lacks is QEMU's refusal, even under TCG.
	domain kvm pc-q35-99.9 "$emu" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml" --kvm-device "$tmp/no-kvm")
	expect "$out" '.answer.status == "refused" and (.answer.refusal | contains("unsupported machine type"))' "missing machine type not refused"
	;;
tcg-guest)
	domain qemu pc-q35-7.2 "$emu" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" '.answer.accel == "tcg" and .answer.status == "answered" and .facts.irqchip == "userspace"' "TCG guest"
	;;
commandline)
	need_kvm
	cmdline="<qemu:commandline><qemu:arg value='-machine'/><qemu:arg value='kernel_irqchip=split,memory-backend=ram0,kernel=$tmp/must-not-read'/>
	  <qemu:arg value='-global'/><qemu:arg value='ioapic.version=0x11'/>
	  <qemu:arg value='-drive'/><qemu:arg value='file=$tmp/must-not-open.img,if=none'/>
	  <qemu:arg value='-set'/><qemu:arg value='device.video0.blob=true'/>
	  <qemu:arg value='-object'/><qemu:arg value='memory-backend-file,id=ram0,mem-path=$tmp/hugepages,prealloc=on'/>
	  <qemu:arg value='-accel'/><qemu:arg value='tcg'/></qemu:commandline>"
	domain kvm pc-q35-7.2 "$emu" "" "" "" "$cmdline" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" '.answer.question == "-machine pc-q35-7.2 -cpu qemu64 -smp 1,maxcpus=2 -machine kernel_irqchip=split -global ioapic.version=0x11"' "question is not the machine-shaping options alone"
	expect "$out" '.answer.irqchip == "split" and .answer.ioapic_version == 17 and .answer.accel == "kvm"' "commandline not applied by QEMU"
	[ ! -e "$tmp/must-not-open.img" ] && [ ! -e "$tmp/hugepages" ] || fail "a backend was created"
	;;
commandline-unasked)
	# A -readconfig (or a -set that reaches a fact) is never passed to QEMU:
	# its answer is then of another guest and decides nothing. The file
	# makes the real guest split, where the question alone is in-kernel.
	need_kvm
	printf '[machine]\n  kernel-irqchip = "split"\n' >"$tmp/split.cfg"
	cmdline="<qemu:commandline><qemu:arg value='-readconfig'/><qemu:arg value='$tmp/split.cfg'/></qemu:commandline>"
	domain kvm pc-q35-7.2 "$emu" "" "" "" "$cmdline" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" '.answer.irqchip == "in-kernel"' "the question now carries -readconfig: this case needs another argument"
	expect "$out" '.facts.irqchip == "unknown" and (.facts.facts_source | contains("-readconfig"))' "QEMU's answer without -readconfig decided the facts"
	cmdline="<qemu:commandline><qemu:arg value='-set'/><qemu:arg value='global.0.x2apic=off'/></qemu:commandline>"
	domain kvm pc-q35-7.2 "$emu" "<ioapic driver='qemu'/>" "" "" "$cmdline" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" '.facts.irqchip == "unknown" and .facts.x2apic != true' "QEMU's answer without the -set decided the facts"
	;;
cannot-ask)
	domain kvm pc-q35-7.2 "" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" '.answer.status == "not-asked" and (.answer.why | contains("names no <emulator>"))' "asked without an emulator"
	expect "$out" '.facts.facts_source | startswith("the domain XML and seoib'"'"'s machine-type table (QEMU not asked: ")' "fallback not said"
	domain kvm pc-q35-7.2 "$emu" "" "" "" "<launchSecurity type='sev'/>" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" '.answer.status == "not-asked" and (.answer.why | contains("launchSecurity"))' "asked with launchSecurity"
	[ "$(count)" = 0 ] || fail "QEMU was started"
	;;
missing-emulator)
	domain kvm pc-q35-7.2 "$tmp/no/such/qemu" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" ".answer.status == \"failed\" and .answer.why == \"the guest's <emulator> $tmp/no/such/qemu does not exist; install it or correct the domain's <emulator>\"" "missing emulator"
	# An <emulator> anyone could have written (a domain XML may come from
	# anywhere): never run. A world-writable file, then a world-writable
	# directory that is not sticky, then a link into such a directory.
	chmod o+w "$emu"
	domain kvm pc-q35-7.2 "$emu" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" ".answer.status == \"failed\" and (.answer.why | contains(\"$emu belongs to uid 0 with mode 0757\"))" "world-writable emulator run"
	chmod o-w "$emu"
	mkdir -m 0777 "$tmp/open"
	cp -p "$emu" "$tmp/open/qemu"
	domain kvm pc-q35-7.2 "$tmp/open/qemu" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" ".answer.status == \"failed\" and (.answer.why | contains(\"$tmp/open belongs to uid 0 with mode 0777\"))" "emulator in a world-writable directory run"
	ln -s "$tmp/open/qemu" "$tmp/bin/link"
	domain kvm pc-q35-7.2 "$tmp/bin/link" >"$tmp/g.xml"
	out=$(ask "$tmp/g.xml")
	expect "$out" '.answer.status == "failed"' "a link into a world-writable directory run"
	[ "$(count)" = 0 ] || fail "an untrusted emulator was started"
	;;
hang)
	printf '#!/bin/bash\necho run >>"%s"\nexec sleep 600\n' "$runs" >"$tmp/bin/hang"
	chmod +x "$tmp/bin/hang"
	domain kvm pc-q35-7.2 "$tmp/bin/hang" >"$tmp/g.xml"
	start=$(date +%s%N)
	out=$("$tool" --timeout 500 --cache "$tmp/cache" "$tmp/g.xml")
	took=$(( ($(date +%s%N) - start) / 1000000 ))
	expect "$out" '.answer.status == "failed" and (.answer.why | contains("did not answer QMP within 500 ms"))' "hang not bounded"
	[ "$took" -lt 5000 ] || fail "the bound of 500 ms took $took ms"
	[ -z "$(ls "$tmp/cache" 2>/dev/null)" ] || fail "a failure was cached"
	pgrep -f "$tmp/bin/hang" >/dev/null && fail "the hanging emulator outlived the ask"
	;;
policy)
	# seoibctl policy asks the guest's own QEMU when it judges this host
	# (a live probe here), and says so; never for another host's record.
	need_kvm
	: "${SEOIBCTL:?}" "${SEOIB_SOURCE_ROOT:?}"
	noble=$tmp/bin/qemu-noble
	wrapper "$noble" pc-q35-noble pc-q35-7.2
	domain kvm pc-q35-noble "$noble" >"$tmp/g.xml"
	export XDG_CACHE_HOME=$tmp/xdg SEOIB_CACHEDIR=$tmp/not-writable
	rc=0
	out=$("$SEOIBCTL" policy --xml "$tmp/g.xml" --no-behaviour --json) || rc=$?
	expect "$out" '.guest.irqchip == "in-kernel" and (.guest.irqchip_why | contains("kvm-ioapic")) and .verdict == "safe"' "pc-q35-noble not decided from its QEMU (exit $rc)"
	expect "$out" ".guest.facts_source == \"QEMU 7.2.22 at $noble under KVM\" or (.guest.facts_source | startswith(\"QEMU \") and contains(\"at $noble under KVM\"))" "facts_source not QEMU's"
	[ "$rc" = 0 ] || fail "exit $rc for a safe guest"
	out=$("$SEOIBCTL" policy --xml "$tmp/g.xml" --no-behaviour --json) || true
	expect "$out" '.guest.facts_source | endswith("(its cached answer)")' "second policy run did not read the cache"
	[ "$(count)" = 1 ] || fail "second policy run started QEMU"
	human=$("$SEOIBCTL" policy --xml "$tmp/g.xml" --no-behaviour) || true
	grep -q "^Facts from   QEMU .* at $noble under KVM (its cached answer)$" <<<"$human" || { echo "$human" >&2; fail "human output lacks the source"; }
	# Another host's record: the table, and no QEMU run.
	out=$("$SEOIBCTL" policy --xml "$tmp/g.xml" --host "$SEOIB_SOURCE_ROOT/tests/policy/records/h1-fixed.json" --json) || true
	expect "$out" '.guest.facts_source == null and (.guest.ioapic_why | contains("Ubuntu'"'"'s noble types"))' "another host's guest judged by this host's QEMU"
	out=$("$SEOIBCTL" policy --xml "$tmp/g.xml" --no-behaviour --no-ask-qemu --json) || true
	expect "$out" '.guest.facts_source == null and (.guest.irqchip_why | contains("kvm-ioapic") | not)' "--no-ask-qemu asked"
	[ "$(count)" = 1 ] || fail "QEMU was started for another host or with --no-ask-qemu"
	;;
prewarm)
	# seoibd's pre-warmer fills the cache for every defined guest; the hook's
	# question then reads it and starts no QEMU.
	for i in 1 2 3 4 5; do
		domain kvm pc-q35-7.2 "$emu" "" "<cpu mode='custom'><model>qemu64</model></cpu>" >"$tmp/g$i.xml"
		sed -i "s|<vcpu>2</vcpu>|<vcpu>$i</vcpu>|" "$tmp/g$i.xml"
	done
	out=$("$prewarm" --cache "$tmp/cache" "$tmp"/g[1-5].xml)
	expect "$out" '.guests == 5' "not every guest queued"
	[ "$(count)" = 5 ] || fail "the pre-warmer ran QEMU $(count) times for 5 guests"
	for i in 1 2 3 4 5; do
		out=$(ask "$tmp/g$i.xml" --cache "$tmp/cache" --cache-only)
		expect "$out" '.answer.from_cache and .answer.status == "answered"' "guest $i not pre-warmed"
	done
	# A second pass reads the cache: no QEMU run.
	"$prewarm" --cache "$tmp/cache" "$tmp"/g[1-5].xml >/dev/null
	[ "$(count)" = 5 ] || fail "a warm pass ran QEMU"
	;;
hook)
	# The hook at prepare begin asks the guest's own QEMU itself when the
	# cache is cold: a vendor type no table row knows (a wrapper plays that
	# QEMU) is in-kernel by QEMU's answer, so on-error = deny does not refuse
	# it; the answer is cached for the next start. Before issue 18 it was
	# "irqchip unknown, rule 8" and refused.
	need_kvm
	: "${SEOIBCTL:?}" "${SEOIB_BUILD_ROOT:?}"
	[ "$(id -u)" = 0 ] || skip "the hook writes under /run: run as root"
	[ -n "${GQ_IN_NS:-}" ] || fail "not in a mount namespace of its own"
	mount --make-rprivate /
	mount -t tmpfs -o mode=755 tmpfs /run
	vendor=$tmp/bin/qemu-vendor
	wrapper "$vendor" pc-q35-vendor-7.2 pc-q35-7.2
	domain kvm pc-q35-vendor-7.2 "$vendor" >"$tmp/g.xml"
	sed -i "s|<name>g</name>|<name>g</name><uuid>6f1b2c3d-4e5f-4a6b-8c7d-000000000018</uuid>|" "$tmp/g.xml"
	"$SEOIBCTL" probe --json --no-behaviour >"$tmp/host.json"
	printf 'record-path = %s\nhook-mode = enforce\non-error = deny\nmax-record-age = 3600\n' "$tmp/host.json" >"$tmp/seoib.conf"
	export XDG_CACHE_HOME=$tmp/xdg
	hook=$SEOIB_BUILD_ROOT/cli/seoib-hook
	"$hook" --config "$tmp/seoib.conf" g prepare begin - <"$tmp/g.xml" 2>"$tmp/err" ||
		{ cat "$tmp/err" >&2; fail "the hook refused a guest its QEMU answers for"; }
	[ "$(count)" = 1 ] || fail "the hook did not ask the guest's QEMU once"
	ls "$tmp"/xdg/seoib/guest-*.json >/dev/null || fail "the hook's answer was not cached"
	"$hook" --config "$tmp/seoib.conf" g prepare begin - <"$tmp/g.xml" 2>"$tmp/err" || fail "second start refused"
	[ "$(count)" = 1 ] || fail "the hook asked QEMU again with a warm cache"
	# The same guest, its QEMU unable to answer (gone): the table, unknown,
	# and on-error = deny refuses, saying why.
	rm "$vendor"
	if "$hook" --config "$tmp/seoib.conf" g prepare begin - <"$tmp/g.xml" 2>"$tmp/err"; then
		fail "a guest nobody can answer for was allowed under on-error = deny"
	fi
	grep -q "rule 8\|unknown" "$tmp/err" || { cat "$tmp/err" >&2; fail "the refusal does not say the facts are unknown"; }
	;;
*)
	fail "unknown case"
	;;
esac
echo "ok: $case_name"
