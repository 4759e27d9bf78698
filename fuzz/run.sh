#!/usr/bin/env bash
# fuzz/run.sh [SECONDS [TARGET...]]: build the libFuzzer targets with clang,
# ASan and UBSan in build-fuzz/ (or $FUZZ_BUILD_DIR) and run each for
# SECONDS (default 30), starting from its seed corpus in fuzz/corpus/TARGET.
# New inputs go to build-fuzz/corpus/TARGET, never into the source tree.
# Exits 1 when a target crashes, leaks or times out; the input that did it
# is left in build-fuzz/artifacts/ and named on stderr. Reproduce one with
#   build-fuzz/fuzz/fuzz-TARGET build-fuzz/artifacts/TARGET-crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
[ $# -eq 0 ] || shift
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz/run.sh: SECONDS must be a positive number, not '$seconds'" >&2; exit 2; }
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(etcd_reply host_record host_summary peer_reply vmm_cache config guest_facts guest_edit qemu_question guest_query_cache domain_record storm_report qemu_launch)
build=${FUZZ_BUILD_DIR:-build-fuzz}

command -v clang >/dev/null || { echo "fuzz/run.sh: clang is not installed (Debian packages clang, libclang-rt-14-dev)" >&2; exit 2; }
# The build's own output goes to a log, shown when it fails: ninja reports
# compiler errors on stdout, and clang's warnings differ from gcc's.
build_log=$(mktemp /tmp/seoib-fuzz-build.XXXXXX)
trap 'rm -f "$build_log"' EXIT
if ! { [ -f "$build/build.ninja" ] || CC=clang meson setup "$build" --werror -Dfuzz=true -Dtests=false \
		-Db_sanitize=address,undefined -Db_lundef=false; } >"$build_log" 2>&1 ||
	! ninja -C "$build" "${targets[@]/#/fuzz/fuzz-}" >>"$build_log" 2>&1; then
	tail -n 40 "$build_log" >&2
	echo "fuzz/run.sh: building the fuzz targets with clang in $build failed (above); fix the code or the build, then run it again" >&2
	exit 2
fi

mkdir -p "$build/artifacts"
failed=()
for t in "${targets[@]}"; do
	mkdir -p "$build/corpus/$t"
	echo "fuzz/run.sh: $t for $seconds s"
	# -rss_limit_mb and -timeout make memory blow-ups and hangs failures too.
	if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
		"$build/fuzz/fuzz-$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
		"$build/corpus/$t" "fuzz/corpus/$t" >"$build/artifacts/$t.log" 2>&1; then
		failed+=("$t")
		tail -n 40 "$build/artifacts/$t.log" >&2
	fi
	grep -E '^stat::number_of_executed_units|^Done' "$build/artifacts/$t.log" | sed "s/^/  $t: /" || true
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz/run.sh: ${failed[*]} failed; the inputs are in $build/artifacts/" >&2
	exit 1
fi
echo "fuzz/run.sh: ${targets[*]}: no crash in $seconds s each"
