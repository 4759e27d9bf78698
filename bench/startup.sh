#!/bin/bash
# startup.sh [RUNS] NAME=BUILD_DIR...
#
# Start-up cost of seoibctl's paths, to choose the shape of its binaries
# (issue 10; docs/layout.md, "The binaries"): for each build given, the lean
# paths (`seoibctl --version`, the libvirt hook on a ~20 KB domain, `seoibctl
# policy` on the same domain) and the paths that need libvirt or libcurl
# (`check --help`, `fleet --help`, `policy --domain` on libvirt's test
# driver), and `--version` with libcurl, libcrypto or libvirt preloaded:
# what linking that library would add to every command. Every command is
# run RUNS times (default 201), all of them interleaved in a shuffled order
# each round, so that the machine's load drifts over all of them alike; `/bin/true` runs in the same rounds as the
# reference. Prints, per command, the median wall time and the median CPU
# time (user+sys, from wait4) and the ratio of each median to /bin/true's.
#
# Compare shapes by building each (e.g. the commit before the change in
# /tmp/seoib-old, `meson setup --buildtype=debugoptimized`) and naming both:
#   bench/startup.sh 201 before=/tmp/seoib-old/build after=build
# A build without seoib-hook is measured through `seoibctl hook`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
RUNS=201
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
	RUNS=$1
	shift
fi
[ $# -gt 0 ] || set -- "build=$ROOT/build"
T=$(mktemp -d /tmp/seoib-bench-startup.XXXXXX)
trap 'rm -rf "$T"' EXIT

# A host record of this boot and kernel, so that the hook decides (and
# refuses this Windows guest on the legacy host: exit 1 is its answer).
jq --argjson now "$(date +%s)" --arg boot "$(cat /proc/sys/kernel/random/boot_id)" \
	--arg kernel "$(uname -r)" --arg h "$(hostname)" \
	'.probe.time_unix = $now | .host.boot_id = $boot | .host.kernel_release = $kernel | .host.hostname = $h' \
	"$ROOT/tests/record/data/legacy.json" >"$T/host.json"
printf 'hook-mode = enforce\non-error = allow\nrecord-path = %s/host.json\n' "$T" >"$T/seoib.conf"
"$ROOT/bench/make-domain-xml.sh" 20000 >"$T/vm.xml"

# One line a command: LABEL<TAB>ENV<TAB>STDIN-FILE<TAB>ARGV (tab-separated;
# ENV is - or one NAME=VALUE).
libdir=$(dirname "$(readlink -f "$(ldconfig -p | awk '$1 == "libcurl.so.4" {print $NF; exit}')")")
{
	printf 'reference /bin/true\t-\t-\t/bin/true\n'
	for spec in "$@"; do
		name=${spec%%=*} build=$(cd "${spec#*=}" && pwd)
		ctl=$build/cli/seoibctl
		[ -x "$ctl" ] || { echo "startup.sh: $ctl is not executable; build $build first." >&2; exit 2; }
		hook=("$ctl" hook)
		[ -x "$build/cli/seoib-hook" ] && hook=("$build/cli/seoib-hook")
		printf '%s: seoibctl --version\t-\t-\t%s\t--version\n' "$name" "$ctl"
		# What linking each library would add to every command's start-up.
		for so in libcurl.so.4 libcrypto.so.3 libvirt.so.0; do
			printf '%s: seoibctl --version, %s preloaded\tLD_PRELOAD=%s\t-\t%s\t--version\n' \
				"$name" "$so" "$libdir/$so" "$ctl"
		done
		printf '%s: hook prepare begin\t-\t%s\t%s\t--config\t%s\twin11\tprepare\tbegin\t-\n' "$name" "$T/vm.xml" \
			"$(IFS=$'\t'; echo "${hook[*]}")" "$T/seoib.conf"
		printf '%s: seoibctl hook prepare begin\t-\t%s\t%s\thook\t--config\t%s\twin11\tprepare\tbegin\t-\n' "$name" \
			"$T/vm.xml" "$ctl" "$T/seoib.conf"
		printf '%s: seoibctl policy --xml -\t-\t%s\t%s\tpolicy\t--xml\t-\t--host\t%s\t--json\n' "$name" "$T/vm.xml" "$ctl" "$T/host.json"
		printf '%s: seoibctl check --help\t-\t-\t%s\tcheck\t--help\n' "$name" "$ctl"
		printf '%s: seoibctl fleet --help\t-\t-\t%s\tfleet\t--help\n' "$name" "$ctl"
		printf '%s: seoibctl policy --domain (libvirt test driver)\t-\t-\t%s\tpolicy\t--domain\ttest\t-c\ttest:///default\t--host\t%s\t--json\n' \
			"$name" "$ctl" "$T/host.json"
	done
} >"$T/commands"

echo "machine: $(machine)"
echo "command: bench/startup.sh $RUNS $*"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$T/commands" "$RUNS" <<'PY'
import os, random, statistics, sys, time
commands = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
def environment(spec):
    env = dict(os.environ)
    if spec != "-":
        name, value = spec.split("=", 1)
        env[name] = value
    return env
envs = {c[0]: environment(c[1]) for c in commands}
commands = [[c[0]] + c[2:] for c in commands]
runs = int(sys.argv[2])
null = os.open(os.devnull, os.O_RDWR)

def once(label, stdin_path, argv):
    """Wall and CPU (user+sys) milliseconds of one whole process."""
    fd = null if stdin_path == "-" else os.open(stdin_path, os.O_RDONLY)
    actions = [(os.POSIX_SPAWN_DUP2, fd, 0), (os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)]
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, envs[label], file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = (time.perf_counter() - start) * 1000
    if fd != null:
        os.close(fd)
    code = os.waitstatus_to_exitcode(status)
    return wall, (usage.ru_utime + usage.ru_stime) * 1000, code

for label, stdin_path, *argv in commands:  # warm the page cache, record exit codes
    for _ in range(3):
        once(label, stdin_path, argv)
wall = {c[0]: [] for c in commands}
cpu = {c[0]: [] for c in commands}
codes = {}
order = list(commands)
for _ in range(runs):
    random.shuffle(order)
    for label, stdin_path, *argv in order:
        w, c, code = once(label, stdin_path, argv)
        wall[label].append(w)
        cpu[label].append(c)
        codes[label] = code
ref = commands[0][0]
ref_wall, ref_cpu = statistics.median(wall[ref]), statistics.median(cpu[ref])
print("| command | exit | wall median (ms) | CPU median (ms) | wall / true | CPU / true |")
print("|---|---|---|---|---|---|")
for label, *_ in commands:
    w, c = statistics.median(wall[label]), statistics.median(cpu[label])
    print("| %s | %d | %.2f | %.2f | %.1f | %.1f |" % (label, codes[label], w, c, w / ref_wall, c / max(ref_cpu, 0.001)))
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
