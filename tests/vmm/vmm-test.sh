#!/bin/bash
# The vmm suite: vmm_probe() against the real QEMU and a fake one (fake-qemu).
# Usage: vmm-test.sh CASE PROBE   (PROBE = path of the built vmm-probe-test)
set -euo pipefail

case_name=$1
probe=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
make_work_dir vmm tmp
export FAKE_QEMU_COUNT=$tmp/starts
: >"$FAKE_QEMU_COUNT"
fake=$tmp/bin/qemu-system-x86_64
mkdir -p "$tmp/bin"
cp "$here/fake-qemu" "$fake"
chmod +x "$fake"

# A generous bound: CI's 2 cores run several suites at once. The hang and
# garbage cases pass their own, shorter --timeout (the last one wins).
run_probe() { "$probe" --timeout 10000 "$@"; }
FAIL_CONTEXT=$case_name
starts() { wc -l <"$FAKE_QEMU_COUNT"; }
# expect JSON JQ-FILTER DESCRIPTION: the filter must yield true.
expect() {
	jq -e "$2" <<<"$1" >/dev/null || { echo "$1" >&2; fail "$3"; }
}
# No fake may outlive the probe: it kills what it started.
no_leftover() {
	if pgrep -f "$fake" >/dev/null; then fail "a fake QEMU outlived the probe"; fi
}

case $case_name in
real-qemu)
	real=/usr/bin/qemu-system-x86_64
	[ -x "$real" ] || skip "$real is not installed (apt install qemu-system-x86)"
	out=$(run_probe --qemu "$real")
	expect "$out" '.found == true and .error == ""' "the real QEMU was not found"
	want=$("$real" --version | sed -n 's/^QEMU emulator version \([0-9]*\.[0-9]*\.[0-9]*\).*/\1/p')
	expect "$out" ".version == \"$want\"" "version is not $want"
	expect "$out" '.controls == [] and .can_set_state == false' "stock QEMU must have no control"
	expect "$out" '.from_cache == false and .size > 0 and .mtime_ns > 0' "identity not recorded"
	# Every machine type and alias -machine help lists, and nothing else.
	want=$("$real" -machine help | awk 'NR > 1 {print $1}' | sort -u | jq -R . | jq -s -c .)
	expect "$out" "(.machine_types | sort) == $want" "machine types differ from -machine help"
	# A name stock 7.2 does have proves the lookup really reads kvm-accel.
	out=$(run_probe --qemu "$real" --control kernel-irqchip)
	expect "$out" '.controls == ["kvm-accel.kernel-irqchip"] and .can_set_state' "kernel-irqchip not seen on kvm-accel"
	;;
fake-control)
	out=$(FAKE_QEMU_MODE=control run_probe --qemu "$fake")
	expect "$out" '.found and .version == "11.0.1" and .error == ""' "fake not probed"
	expect "$out" '.controls == ["kvm-accel.seoib-policy", "max-x86_64-cpu.seoib-policy"]' "controls wrong"
	expect "$out" '.can_set_state == true' "can_set_state must follow the controls"
	no_leftover
	;;
fake-machine)
	# A machine property with its type and default: the property model,
	# settable from libvirt XML; the same from the cache.
	for i in 1 2; do
		out=$(FAKE_QEMU_MODE=machine run_probe --qemu "$fake" --cache "$tmp/cache")
		expect "$out" '.model == "property" and .model_configured == false' "machine property: not the property model ($i)"
		expect "$out" '.property == {"qom_type": "pc-q35-11.0-machine", "name": "seoib-policy", "location": "machine", "value_type": "SeoibPolicy", "default": "quirked", "settable_from_xml": true}' "machine property described wrongly ($i)"
	done
	expect "$out" '.from_cache' "second probe not from the cache"
	expect "$out" '(.machine_types | index("pc-q35-7.2")) != null and (.machine_types | index("q35")) != null' "cached machine types lost"
	out=$(FAKE_QEMU_MODE=cpu run_probe --qemu "$fake")
	expect "$out" '.property.location == "cpu" and .property.qom_type == "x86_64-cpu" and .property.settable_from_xml' "cpu property"
	;;
model-override)
	# Stock QEMU looks like an RFC-style automatic one: only seoib.conf tells.
	out=$(FAKE_QEMU_MODE=stock run_probe --qemu "$fake")
	expect "$out" '.model == "none" and .property == null' "stock fake is not model none"
	out=$(FAKE_QEMU_MODE=stock run_probe --qemu "$fake" --model automatic)
	expect "$out" '.model == "automatic" and .model_configured' "vmm-model = automatic not followed"
	out=$(FAKE_QEMU_MODE=stock run_probe --qemu "$fake" --model property)
	expect "$out" '.model == "none" and (.error | test("vmm-model = property"))' "property without a control must say so"
	out=$(FAKE_QEMU_MODE=control run_probe --qemu "$fake")
	expect "$out" '.model == "property" and .property.location == "accelerator" and .property.settable_from_xml == false and .property.default == null' "accelerator property"
	out=$(FAKE_QEMU_MODE=control run_probe --qemu "$fake" --model none)
	expect "$out" '.model == "none" and .model_configured' "vmm-model = none not followed"
	out=$(run_probe --qemu "$tmp/missing" --model automatic)
	expect "$out" '.found == false and .model == "none"' "a missing QEMU runs nothing"
	;;
fake-stock)
	out=$(FAKE_QEMU_MODE=stock run_probe --qemu "$fake")
	expect "$out" '.found and .controls == [] and .can_set_state == false and .error == ""' "stock fake"
	;;
fake-events)
	# Asynchronous events before every reply must be skipped, not taken as replies.
	out=$(FAKE_QEMU_MODE=event run_probe --qemu "$fake")
	expect "$out" '.found and .version == "11.0.1" and .controls == ["kvm-accel.seoib-policy"]' "events not skipped"
	;;
control-names)
	out=$(FAKE_QEMU_MODE=control run_probe --qemu "$fake" --control other-knob)
	expect "$out" '.found and .controls == [] and .can_set_state == false' "unasked name reported"
	out=$(FAKE_QEMU_MODE=control run_probe --qemu "$fake" --control x2apic --control kernel-irqchip)
	expect "$out" '.controls == ["kvm-accel.kernel-irqchip", "x86_64-cpu.x2apic"]' "configured names not used"
	;;
cache)
	cache=$tmp/cache
	export FAKE_QEMU_MODE=control
	out=$(run_probe --qemu "$fake" --cache "$cache")
	expect "$out" '.found and .from_cache == false' "first probe came from a cache"
	[ "$(starts)" = 1 ] || fail "first probe started QEMU $(starts) times"
	file=$(ls "$cache"/vmm-*.json)
	[ "$(ls "$cache" | wc -l)" = 1 ] || fail "temp files left in $cache: $(ls "$cache")"
	jq -e --arg p "$fake" '.path == $p and .schema == "seoib.vmm-cache/4"' "$file" >/dev/null || fail "bad cache file"

	out=$(run_probe --qemu "$fake" --cache "$cache")
	expect "$out" '.found and .from_cache and .version == "11.0.1" and .can_set_state' "warm probe not cached"
	expect "$out" '.controls == ["kvm-accel.seoib-policy", "max-x86_64-cpu.seoib-policy"]' "cached controls wrong"
	[ "$(starts)" = 1 ] || fail "a cached probe started QEMU"

	touch -d '2001-01-01 00:00:00' "$fake"
	out=$(run_probe --qemu "$fake" --cache "$cache")
	expect "$out" '.from_cache == false' "a new mtime did not invalidate the cache"
	[ "$(starts)" = 2 ] || fail "mtime change did not re-probe"

	# Same mtime, different size.
	echo "# grown" >>"$fake"
	touch -d '2001-01-01 00:00:00' "$fake"
	out=$(run_probe --qemu "$fake" --cache "$cache")
	expect "$out" '.from_cache == false' "a new size did not invalidate the cache"
	[ "$(starts)" = 3 ] || fail "size change did not re-probe"
	out=$(run_probe --qemu "$fake" --cache "$cache")
	expect "$out" '.from_cache' "re-probed answer was not cached"

	out=$(run_probe --qemu "$fake" --cache "$cache" --control kernel-irqchip)
	expect "$out" '.from_cache == false and .controls == ["kvm-accel.kernel-irqchip"]' "other names served from cache"
	[ "$(starts)" = 4 ] || fail "different control names did not re-probe"
	;;
corrupt-cache)
	cache=$tmp/cache
	export FAKE_QEMU_MODE=control
	run_probe --qemu "$fake" --cache "$cache" >/dev/null
	file=$(ls "$cache"/vmm-*.json)
	n=1
	for bad in '{"schema": "seoib.vmm-cache/4", "path": ' 'garbage' '[]' \
		"$(jq -c '.controls = "x"' "$file")" "$(jq -c '.size = "12"' "$file")" \
		"$(jq -c '.schema = "seoib.vmm-cache/9"' "$file")" "$(jq -c 'del(.control_names)' "$file")" \
		"$(jq -c '.ino += 1' "$file")" "$(jq -c '.ctime_ns -= 1' "$file")" "$(jq -c 'del(.dev)' "$file")"; do
		good=$(cat "$file")
		printf '%s' "$bad" >"$file"
		out=$(run_probe --qemu "$fake" --cache "$cache")
		n=$((n + 1))
		expect "$out" '.found and .from_cache == false and .can_set_state' "corrupt cache trusted: $bad"
		[ "$(starts)" = "$n" ] || fail "corrupt cache did not re-probe: $bad"
		jq -e '.schema == "seoib.vmm-cache/4"' "$file" >/dev/null || fail "corrupt cache not overwritten"
		[ "$(cat "$file")" = "$good" ] || fail "rewritten cache differs"
	done
	# An unwritable cache directory is not fatal either.
	out=$(run_probe --qemu "$fake" --cache /proc/seoib-cannot-exist)
	expect "$out" '.found and .can_set_state' "unwritable cache made the probe fail"
	;;
failure-not-cached)
	cache=$tmp/cache
	FAKE_QEMU_MODE=die run_probe --qemu "$fake" --cache "$cache" >/dev/null
	out=$(FAKE_QEMU_MODE=control run_probe --qemu "$fake" --cache "$cache")
	expect "$out" '.found and .from_cache == false' "a failed probe was cached"
	;;
missing)
	out=$(run_probe --qemu "$tmp/no/such/qemu")
	expect "$out" '.found == false and .controls == [] and .can_set_state == false' "missing binary found"
	expect "$out" ".error == \"QEMU not found at $tmp/no/such/qemu; install qemu-system-x86 or set qemu= in /etc/seoib/seoib.conf\"" "wrong error"
	[ "$(starts)" = 0 ] || fail "something was started"
	chmod -x "$fake"
	out=$(run_probe --qemu "$fake")
	expect "$out" '.found == false and (.error | test("is not an executable file"))' "non-executable accepted"
	;;
hang)
	start=$(date +%s%N)
	out=$(FAKE_QEMU_MODE=hang timeout 20 "$probe" --qemu "$fake" --timeout 1000)
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	expect "$out" '.found == false and .can_set_state == false' "a hanging QEMU counted as found"
	expect "$out" '.error | test("did not answer QMP within 1000 ms")' "wrong error"
	[ "$ms" -lt 4000 ] || fail "took $ms ms with a 1000 ms bound"
	[ "$(starts)" = 1 ] || fail "fake not started"
	no_leftover
	;;
garbage)
	out=$(FAKE_QEMU_MODE=garbage timeout 20 "$probe" --qemu "$fake" --timeout 2000)
	expect "$out" '.found == false and (.error | test("answered something that is not QMP"))' "garbage accepted"
	no_leftover
	;;
dies)
	out=$(FAKE_QEMU_MODE=die timeout 20 "$probe" --qemu "$fake")
	expect "$out" '.found == false' "a dead QEMU counted as found"
	expect "$out" '.error | test("exited before answering QMP \\(fake-qemu: cannot do that today\\)")' "stderr not quoted"
	;;
default-cache-dir)
	out=$(XDG_CACHE_HOME=$tmp/xdg run_probe --default-cache-dir)
	if [ -w /var/cache/seoib ]; then want=/var/cache/seoib; else want=$tmp/xdg/seoib; fi
	[ "$out" = "$want" ] || fail "default cache dir $out, want $want"
	if [ ! -w /var/cache/seoib ]; then
		out=$(env -u XDG_CACHE_HOME HOME=$tmp/home "$probe" --default-cache-dir)
		[ "$out" = "$tmp/home/.cache/seoib" ] || fail "default cache dir $out without XDG_CACHE_HOME"
	fi
	;;
cache-special-files)
	# A cache entry that is a link to /dev/zero (grew the probe to 2 GB) or
	# a FIFO (hung it): refused at once, QEMU asked, the entry replaced.
	cache=$tmp/cache
	export FAKE_QEMU_MODE=control
	run_probe --qemu "$fake" --cache "$cache" >/dev/null
	file=$(ls "$cache"/vmm-*.json)
	n=1
	for kind in symlink fifo; do
		rm -f "$file"
		if [ $kind = symlink ]; then ln -s /dev/zero "$file"; else mkfifo "$file"; fi
		out=$(timeout 20 "$probe" --timeout 10000 --qemu "$fake" --cache "$cache")
		n=$((n + 1))
		expect "$out" '.found and .from_cache == false and .can_set_state' "$kind cache entry"
		if [ $kind = symlink ]; then want='is a symbolic link, which is not followed here'; else want='is not a regular file (a FIFO)'; fi
		expect "$out" ".cache_note | contains(\"$want\")" "$kind: no sentence"
		[ "$(starts)" = "$n" ] || fail "$kind cache entry did not re-probe"
		[ -f "$file" ] && [ ! -L "$file" ] || fail "$kind cache entry not replaced by a regular file"
	done
	# Bigger than any entry: refused by its size, unread.
	head -c 70000 /dev/zero >"$file"
	out=$(run_probe --qemu "$fake" --cache "$cache")
	expect "$out" '.from_cache == false and (.cache_note | contains("70000 bytes"))' "oversized cache entry"
	# The cache directory itself a symbolic link: not followed.
	ln -s "$cache" "$tmp/link"
	out=$(run_probe --qemu "$fake" --cache "$tmp/link")
	expect "$out" '.from_cache == false and (.cache_note | contains("is a symbolic link"))' "linked cache dir"
	;;
cache-note-long)
	# A cache directory under a long path: the note is one sentence around
	# an error already shortened, ending in the ellipsis, not cut mid-word.
	dir="$tmp/$(python3 -c "print('/'.join(['\u00e9' * 41] * 10))")"
	mkdir -p "$dir" "$tmp/real"
	ln -s "$tmp/real" "$dir/link"
	out=$(run_probe --qemu "$fake" --cache "$dir/link")
	expect "$out" '.cache_note | startswith("not using the VMM cache: ") and endswith("\u2026")' "long cache note"
	;;
cache-foreign-owner)
	# Root with another user's HOME: not one byte read from or written to
	# that user's ~/.cache; an entry another user owns is not read either.
	[ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 || skip "needs root and a nobody user"
	chmod 755 "$tmp"
	export FAKE_QEMU_MODE=control
	mkdir -p "$tmp/home/.cache"
	chown -R nobody: "$tmp/home"
	out=$(env -u XDG_CACHE_HOME HOME="$tmp/home" "$probe" --default-cache-dir)
	if [ "$out" = "$tmp/home/.cache/seoib" ]; then dir=$out; else dir=$tmp/home/.cache/seoib; fi
	out=$(run_probe --qemu "$fake" --cache "$dir")
	expect "$out" '.found and .from_cache == false and .can_set_state' "probe with a foreign cache"
	expect "$out" ".cache_note | contains(\"refusing to use $tmp/home: it belongs to uid 65534\")" "no sentence"
	[ -z "$(ls -A "$tmp/home/.cache")" ] || fail "root wrote into another user's cache: $(ls -A "$tmp/home/.cache")"
	# An entry of nobody's in root's own cache directory: not trusted.
	cache=$tmp/cache
	run_probe --qemu "$fake" --cache "$cache" >/dev/null
	file=$(ls "$cache"/vmm-*.json)
	chown nobody "$file"
	out=$(run_probe --qemu "$fake" --cache "$cache")
	expect "$out" '.from_cache == false and (.cache_note | contains("belongs to uid 65534"))' "foreign entry read"
	[ "$(stat -c %u "$file")" = 0 ] || fail "the foreign entry was not replaced"
	# A cache directory others may write to: refused.
	chmod 777 "$cache"
	out=$(run_probe --qemu "$fake" --cache "$cache")
	expect "$out" '.from_cache == false and (.cache_note | contains("with mode 0777"))' "world-writable cache dir"
	;;
cache-forged)
	# A forged entry claiming a control: the binary must back it, or QEMU
	# is asked. The fake never names "forged-knob"; stock QEMU 7.2 never
	# names "seoib-policy".
	cache=$tmp/cache
	export FAKE_QEMU_MODE=stock
	run_probe --qemu "$fake" --cache "$cache" --control forged-knob >/dev/null
	file=$(ls "$cache"/vmm-*.json)
	jq '.controls = ["kvm-accel.forged-knob"]' "$file" >"$tmp/forged" && cat "$tmp/forged" >"$file"
	out=$(run_probe --qemu "$fake" --cache "$cache" --control forged-knob)
	expect "$out" '.from_cache == false and .controls == [] and .can_set_state == false' "forged entry trusted"
	[ "$(starts)" = 2 ] || fail "a forged entry did not re-probe"
	real=/usr/bin/qemu-system-x86_64
	if [ -x "$real" ]; then
		rm -rf "$cache"
		run_probe --qemu "$real" --cache "$cache" >/dev/null
		file=$(ls "$cache"/vmm-*.json)
		jq '.controls = ["kvm-accel.seoib-policy"]' "$file" >"$tmp/forged" && cat "$tmp/forged" >"$file"
		out=$(run_probe --qemu "$real" --cache "$cache")
		expect "$out" '.from_cache == false and .can_set_state == false' "forged entry made stock QEMU capable"
		# A genuine entry of the real binary is still used.
		out=$(run_probe --qemu "$real" --cache "$cache")
		expect "$out" '.from_cache and .can_set_state == false' "genuine entry not used"
	fi
	;;
*)
	fail "unknown case"
	;;
esac
echo "ok: $case_name"
