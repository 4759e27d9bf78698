#!/usr/bin/env bash
# make-bundle.sh OUTDIR BINARY...
#
# Copy binaries (seoibctl, jq, ...) with every library ldd lists and the
# dynamic loader into OUTDIR/root, and write OUTDIR/bin/NAME wrappers that run
# them through the bundled loader. This runs the real-KVM checks and benches
# on a KVM host that has none of seoib's libraries installed (a hardware test
# machine, a different distribution):
#   PATH=OUTDIR/bin:$PATH SEOIBCTL=OUTDIR/bin/seoibctl tests/realkvm/probe-realkvm.sh
set -euo pipefail
out=${1:?usage: make-bundle.sh OUTDIR BINARY...}
shift
mkdir -p "$out/root" "$out/bin"
out=$(cd "$out" && pwd)

copy() { # copy PATH to the same path under root, once
	[[ -e $out/root$1 ]] || install -D -m 0755 "$(readlink -f "$1")" "$out/root$1"
}

loader=
for bin in "$@"; do
	bin=$(readlink -f "$(command -v "$bin")")
	copy "$bin"
	while read -r lib; do
		copy "$lib"
	done < <(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}')
	loader=$(ldd "$bin" | awk '$1 ~ /^\/.*ld-linux/ {print $1}')
	name=$(basename "$bin")
	cat >"$out/bin/$name" <<WRAP
#!/bin/sh
# Run $bin from this bundle through its own loader and libraries.
d=\$(dirname "\$(readlink -f "\$0")")/../root
exec "\$d$loader" --library-path "\$d/lib/x86_64-linux-gnu:\$d/usr/lib/x86_64-linux-gnu:\$d/lib64" "\$d$bin" "\$@"
WRAP
	chmod +x "$out/bin/$name"
done
echo "bundle: $(du -sh "$out" | cut -f1) in $out"
