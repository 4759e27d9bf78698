#!/bin/bash
# Benchmark `seoibctl check --dest` (issue 5) over 100 running domains: a
# libvirt test-driver node (test:///FILE) with 100 running domains of split
# and in-kernel irqchip, half with recorded seoib state, against a
# destination record read from a file (the ssh round trip is the network's,
# not seoib's). Run from the source tree:  bench/check.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
SEOIBCTL=$BUILD/cli/seoibctl
command -v hyperfine >/dev/null || { echo "hyperfine is not installed"; exit 2; }
T=$(mktemp -d /tmp/seoib-bench-check.XXXXXX)
trap 'rm -rf "$T"' EXIT
states=(respected not-advertised quirked)
{
	echo "<node>"
	for i in $(seq 0 99); do
		meta="" chip=qemu
		[ $((i % 2)) = 0 ] && meta="<seoib:guest xmlns:seoib='https://seoib.org/xmlns/libvirt/guest/1' state='${states[$((i % 3))]}'/>"
		[ $((i % 5)) = 0 ] && chip=kvm
		printf "<domain type='test'><name>vm%03d</name><uuid>%08x-0000-4000-8000-000000000000</uuid><metadata>%s</metadata><memory>65536</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/><ioapic driver='%s'/></features></domain>\n" \
			"$i" "$i" "$meta" "$chip"
	done
	echo "</node>"
} >"$T/node.xml"
jq --argjson now "$(date +%s)" '.probe.time_unix = $now' "$ROOT/tests/record/data/legacy.json" >"$T/legacy.json"
printf 'max-record-age = 0\n' >"$T/seoib.conf"
count=$("$SEOIBCTL" check --dest hv-legacy -c "test://$T/node.xml" --config "$T/seoib.conf" \
	--record-from-file "$T/legacy.json" --json | jq '.domains | length') || true
echo "domains checked: $count"
hyperfine -N --warmup 3 --runs 50 -i --export-json "$T/check.json" \
	"$SEOIBCTL check --dest hv-legacy -c test://$T/node.xml --config $T/seoib.conf --record-from-file $T/legacy.json" >/dev/null
printf 'check --dest, 100 domains: median %.2f ms, mean %.2f ms\n' \
	"$(jq '.results[0].median * 1000' "$T/check.json")" "$(jq '.results[0].mean * 1000' "$T/check.json")"
# The same connection with one domain: the difference is seoib's own cost
# per 99 domains; the rest is libvirt opening the connection.
hyperfine -N --warmup 3 --runs 50 -i --export-json "$T/one.json" \
	"$SEOIBCTL check --dest hv-legacy -c test://$T/node.xml --config $T/seoib.conf --record-from-file $T/legacy.json --domain vm001" >/dev/null
printf 'check --dest, 1 domain:    median %.2f ms (libvirt connection included)\n' \
	"$(jq '.results[0].median * 1000' "$T/one.json")"
