#!/bin/bash
# realkvm-under-shim.sh SCRIPT ORDER PATH/TO/fakekvm.so
# Run a tests/realkvm script against the fake-KVM shim playing a fixed kernel
# whose EOI exit comes `late` (on the KVM_RUN after the guest's done write,
# as Linux 6.18.44 kvm_pvm does) or `early` (before it, as under TCG). The
# shim stands in for /dev/kvm at /dev/null, a character device every
# machine has, so the script's own device checks pass; only seoibctl is
# preloaded. Where a real /dev/kvm exists the realkvm suite runs the same
# script against it.
set -euo pipefail
script=$1 order=$2 shim=$3
: "${SEOIBCTL:?SEOIBCTL must name the built seoibctl (meson test sets it)}"
. "$(dirname "$0")/../lib.sh"
make_work_dir realkvm-under-shim work
cat >"$work/seoibctl" <<WRAP
#!/bin/sh
exec env LD_PRELOAD="$shim" FAKEKVM_SCENARIO=fixed FAKEKVM_DEVICE=/dev/null FAKEKVM_EOI_ORDER=$order \\
	ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}verify_asan_link_order=0" "$SEOIBCTL" "\$@"
WRAP
chmod +x "$work/seoibctl"
# Not exec: the work directory is removed at exit.
SEOIBCTL=$work/seoibctl SEOIB_KVM_DEVICE=/dev/null bash "$script"
