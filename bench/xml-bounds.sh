#!/bin/bash
# The hook's cost on hostile domain XML at seoib's parse limits (issue 11):
# median wall and CPU time (user+sys) of `seoib-hook GUEST prepare begin -`
# over RUNS runs per input, as a ratio to a ~20 KB ordinary domain measured in
# the same run. Goal: no input over 100 ms. Inputs over a limit are refused
# unparsed; the "just under" ones are parsed in full.
# Usage: bench/xml-bounds.sh [BUILD_DIR] [RUNS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
RUNS=${2:-15}
. "$ROOT/bench/lib.sh"
T=$(mktemp -d /tmp/seoib-bench-xml.XXXXXX)
trap 'rm -rf "$T"' EXIT
GEN=$ROOT/tests/policy/make-hostile-xml.py
printf 'hook-mode = enforce\non-error = allow\nrecord-path = %s/absent.json\n' "$T" >"$T/seoib.conf"
"$ROOT/bench/make-domain-xml.sh" 20000 >"$T/reference.xml"
inputs=(reference)
for spec in "attrs 127" "attrs 25000" "attrs 75000" "attrs 200000" "attrs-spread 16000" "tags 32000" \
	"bytes 2000000" "bytes 2200000"; do
	name=${spec// /-}
	# shellcheck disable=SC2086
	python3 "$GEN" $spec >"$T/$name.xml"
	inputs+=("$name")
done
echo "machine: $(machine)"
echo "command: bench/xml-bounds.sh ${1:-build} $RUNS"
python3 - "$BUILD/cli/seoib-hook" "$T" "$RUNS" "${inputs[@]}" <<'PY'
import os, resource, statistics, subprocess, sys, time
hook, tmp, runs, names = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
def run(path):
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        with open(path) as f:
            subprocess.run([hook, "--config", tmp + "/seoib.conf", "hostile", "prepare", "begin", "-"],
                           stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall.append((time.perf_counter() - t) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
    return statistics.median(wall), statistics.median(cpu), max(wall)
ref = None
print("| input | bytes | wall median (ms) | wall max | CPU median (ms) | wall / reference |")
print("|---|---|---|---|---|---|")
for name in names:
    path = "%s/%s.xml" % (tmp, name)
    w, c, m = run(path)
    ref = ref or w
    print("| %s | %d | %.1f | %.1f | %.1f | %.2f |" % (name, os.path.getsize(path), w, m, c, w / ref))
PY
