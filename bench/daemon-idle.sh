#!/bin/bash
# seoibd at rest: resident memory after the first probe (goal < 4 MiB) and
# wake-ups while idle (goal 0: no polling), counted as context switches of
# the daemon over a quiet window.
# Usage: bench/daemon-idle.sh BUILD_DIR [SECONDS]   (as root; uses the fake-KVM
# shim unless FAKEKVM_SCENARIO=real and /dev/kvm exists)
set -euo pipefail
export SEOIB_BUILD_ROOT=$(realpath "${1:?usage: $0 BUILD_DIR [SECONDS]}")
export SEOIB_SOURCE_ROOT=$(realpath "$(dirname "$0")/..")
export SEOIBCTL=$SEOIB_BUILD_ROOT/cli/seoibctl
WINDOW=${2:-30}
. "$SEOIB_SOURCE_ROOT/tests/daemon/lib.sh"

start_bus
write_config
start_daemon "${FAKEKVM_SCENARIO:-fixed}"
sleep 1 # let the first probe's child be reaped and the bus settle

switches() { awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { n += $2 } END { print n }' "/proc/$DAEMON_PID/status"; }
rss_kib=$(awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status")
hwm_kib=$(awk '/^VmHWM/ { print $2 }' "/proc/$DAEMON_PID/status")
# RSS counts shared library pages (libsystemd, libxml2 and its ICU) that
# other processes share; Pss and RssAnon say what seoibd itself costs.
anon_kib=$(awk '/^RssAnon/ { print $2 }' "/proc/$DAEMON_PID/status")
pss_kib=$(awk '/^Pss:/ { print $2 }' "/proc/$DAEMON_PID/smaps_rollup")
before=$(switches)
sleep "$WINDOW"
after=$(switches)
echo "idle RSS: ${rss_kib} KiB (peak ${hwm_kib} KiB), of which private (RssAnon) ${anon_kib} KiB; Pss ${pss_kib} KiB"
echo "wake-ups in ${WINDOW} s idle: $((after - before))"
