#!/usr/bin/env bash
# seoibctl policy on a ~20 KB domain XML (a Windows guest with many devices),
# whole process, against a host record and two targets.
# Usage: bench/policy.sh [SEOIBCTL]
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"
seoibctl=${1:-build/cli/seoibctl}
data=$here/../tests/record/data
xml=$(mktemp)
trap 'rm -f "$xml"' EXIT
"$here/make-domain-xml.sh" 20000 >"$xml"

echo "machine: $(machine)"
echo "domain XML: $(wc -c <"$xml") bytes"
printf '| command | median wall (ms) | median peak RSS (KiB) |\n|---|---|---|\n'
printf '| seoibctl policy --json (host + 2 targets) | %s | %s |\n' \
	"$(median_ms "${RUNS:-50}" "$seoibctl" policy --xml "$xml" --host "$data/fixed-control.json" \
		--target "$data/fixed-stock-qemu.json" --target "$data/legacy.json" --json)" \
	"$(median_rss_kib 11 "$seoibctl" policy --xml "$xml" --host "$data/fixed-control.json" \
		--target "$data/fixed-stock-qemu.json" --target "$data/legacy.json" --json)"
