#!/bin/bash
# The guest-CPU remediations that seoibctl policy gives (x2APIC off; vmx/svm
# off for a guest with more than 255 vCPUs) must be ones QEMU accepts, on the
# host as it is (docs/policy.md, "x2APIC off as a remediation"). For every
# case in data/ whose remediation is such an edit:
#   1. carry it out on the case's XML (remediate-xml.py apply);
#   2. seoibctl policy on the result: x2APIC off must give rule 9 (never
#      offered Directed EOI) and a safe verdict, vmx/svm off a guest that is
#      not the victim and no high risk;
#   3. start the real QEMU with the options that shape that guest's machine
#      (machine type, split irqchip, IOMMU with intremap, -cpu with the
#      remediated features; never a disk or other backend), frozen (-S),
#      and ask it over QMP for the first vCPU's x2apic (or vmx and svm):
#      QEMU must start, and answer false.
# Under KVM when /dev/kvm can be opened, else under TCG (-cpu max, and eim
# left out: QEMU wants KVM's split irqchip for it). Exit 77 without QEMU.
set -euo pipefail

: "${SEOIBCTL:?SEOIBCTL must point at the built seoibctl}"
: "${SEOIB_SOURCE_ROOT:?SEOIB_SOURCE_ROOT must point at the source tree}"
here="$SEOIB_SOURCE_ROOT/tests/policy"
data="$here/data"
records="$here/records"
qemu="${SEOIB_TEST_QEMU:-/usr/bin/qemu-system-x86_64}"
. "$here/../lib.sh"
[ -x "$qemu" ] || skip "$qemu is not installed (apt install qemu-system-x86)"
accel=tcg
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then accel=kvm; fi

make_work_dir remediation-qemu work
checked=0

case_args() {
	args=()
	local word file="$data/$1.args"
	[ -e "$file" ] || { args=(--host "$records/h1-fixed.json"); return; }
	for word in $(<"$file"); do
		if [[ "$word" == @* ]]; then args+=("$records/${word#@}.json"); else args+=("$word"); fi
	done
}

# The QEMU arguments of a remediated XML, adapted to this QEMU and accelerator.
qemu_argv() {
	local xml="$1" line prev=""
	qargv=()
	while IFS= read -r line; do
		if [ "$prev" = -machine ] && ! "$qemu" -machine help | grep -q "^${line%%,*} "; then
			# A machine type this QEMU lacks (pc-q35-8.2 on QEMU 7.2):
			# the newest q35 shapes the same irqchip and I/O APIC.
			line="q35${line#"${line%%,*}"}"
		fi
		if [ "$prev" = -cpu ] && [ "$accel" = tcg ]; then
			line="${line/#host/max}"
		elif [ "$prev" = -cpu ] && [[ "$line" == host* ]]; then
			# kvm_pvm hosts refuse to set MSR 0x10a (domain facts).
			line="$line,-arch-capabilities"
		fi
		if [ "$prev" = -device ] && [ "$accel" = tcg ]; then
			line="${line/,eim=on/}"
		fi
		qargv+=("$line")
		prev="$line"
	done < <(python3 "$here/remediate-xml.py" argv "$xml" "$(jq -r .guest.irqchip "$work/after.json")")
}

# QOM property of the first vCPU, as QEMU answers it.
vcpu_property() {
	local prop="$1"
	printf '%s\n' '{"execute":"qmp_capabilities"}' \
		"{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"/machine/unattached/device[0]\",\"property\":\"$prop\"}}" \
		'{"execute":"quit"}' |
		timeout 30 "$qemu" "${qargv[@]}" -accel "$accel" -display none -nodefaults -S -qmp stdio \
			>"$work/qmp.out" 2>"$work/qmp.err" || true
	jq -s -r '[.[] | select(has("return"))][1].return | tostring' "$work/qmp.out" 2>/dev/null || echo "no answer"
}

for expect in "$data"/*.expect.json; do
	name=$(basename "$expect" .expect.json)
	remediation=$(jq -r '.remediation // ""' "$expect")
	case "$remediation" in
	*"name='x2apic'"* | *"name='vmx'/> and <feature policy='disable' name='svm'"*) ;;
	*) continue ;;
	esac
	[[ "$remediation" == *"name='x2apic'"* ]] && kind=x2apic || kind=vmx
	fixed="$work/$name.xml"
	rc=0
	python3 "$here/remediate-xml.py" apply "$remediation" "$data/$name.xml" "$fixed" || rc=$?
	[ "$rc" = 0 ] || { fail_case "$name" "remediate-xml.py does not know the remediation '$remediation'"; continue; }
	checked=$((checked + 1))

	case_args "$name"
	"$SEOIBCTL" policy --xml "$fixed" "${args[@]}" --json >"$work/after.json" || true
	if [ "$kind" = x2apic ]; then
		jq -e '.rule == 9 and .verdict == "safe" and .guest.x2apic == "absent"' "$work/after.json" >/dev/null ||
			fail_case "$name" "after the remediation seoibctl says $(jq -c '{rule, verdict, x2apic: .guest.x2apic}' "$work/after.json")"
	else
		jq -e '.guest.victim == "no" and .risk != "high"' "$work/after.json" >/dev/null ||
			fail_case "$name" "after the remediation seoibctl says $(jq -c '{risk, verdict, victim: .guest.victim}' "$work/after.json")"
	fi

	qemu_argv "$fixed"
	props=(x2apic)
	[ "$kind" = vmx ] && props=(vmx svm)
	for prop in "${props[@]}"; do
		answer=$(vcpu_property "$prop")
		if [ "$answer" != false ]; then
			fail_case "$name" "QEMU ($accel) ${qargv[*]}: $prop is '$answer', not false: $(head -c 400 "$work/qmp.err")"
		else
			echo "ok $name: QEMU ($accel) accepts ${qargv[*]}; $prop false"
		fi
	done
done

exit_cases "$checked" "guest-CPU remediations (with $qemu, $accel)"
