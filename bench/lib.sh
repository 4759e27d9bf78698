# Shared by the bench/ scripts: median wall time and median peak RSS of a
# whole command, with hyperfine where it exists and a plain loop elsewhere
# (the real-KVM machine has no package manager).

# median_ms RUNS CMD... : prints the median wall time in milliseconds.
median_ms() {
	local runs=$1
	shift
	if command -v hyperfine >/dev/null; then
		local out
		out=$(mktemp)
		# -N: no shell in between; -i: "unsafe" and "unknown" exit codes are answers too.
		hyperfine -N -i --warmup 3 --runs "$runs" --export-json "$out" -- "$(printf '%q ' "$@")" >/dev/null 2>&1
		jq -r '.results[0].median * 1000 | . * 100 | round / 100' "$out"
		rm -f "$out"
		return
	fi
	local t=()
	for ((i = 0; i < runs; i++)); do
		local s e
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		e=$(date +%s%N)
		t+=($(((e - s) / 1000)))
	done
	printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f\n", m / 1000}'
}

# median_rss_kib RUNS CMD... : median peak resident set size in KiB.
median_rss_kib() {
	local runs=$1
	shift
	local r=() f
	f=$(mktemp)
	for ((i = 0; i < runs; i++)); do
		/usr/bin/time -o "$f" -f '%M' "$@" >/dev/null 2>&1 || true
		r+=($(tail -1 "$f"))
	done
	rm -f "$f"
	printf '%s\n' "${r[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}

machine() {
	printf '%s, %s cores, Linux %s' "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
		"$(nproc)" "$(uname -r)"
}

# median_pair_ms RUNS "CMD A" "CMD B": A and B run in turn, RUNS times each
# (after one warm-up each), so that a load that comes and goes on a shared
# machine weighs on both alike; prints "MEDIAN-A MEDIAN-B" in milliseconds.
# The commands are split on white space (no quoting inside).
median_pair_ms() {
	local runs=$1 a=$2 b=$3 ta=() tb=() s e
	$a >/dev/null 2>&1 || true
	$b >/dev/null 2>&1 || true
	for ((i = 0; i < runs; i++)); do
		s=$(date +%s%N); $a >/dev/null 2>&1 || true; e=$(date +%s%N); ta+=($(((e - s) / 1000)))
		s=$(date +%s%N); $b >/dev/null 2>&1 || true; e=$(date +%s%N); tb+=($(((e - s) / 1000)))
	done
	printf '%s %s\n' "$(printf '%s\n' "${ta[@]}" | sort -n | _median_us)" "$(printf '%s\n' "${tb[@]}" | sort -n | _median_us)"
}
_median_us() { awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f\n", m / 1000}'; }

# A free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ratio A B: A / B with two decimals.
ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }

# start_etcd DATA-DIR LOG: a one-member etcd on free local ports, its data in
# DATA-DIR, its output in LOG, waited for (10 s at most, else the script
# exits naming the log's last lines). Sets url (its client URL) and
# etcd_pid; the caller stops it.
start_etcd() {
	local data_dir=$1 log=$2 cport pport
	cport=$(free_port) pport=$(free_port)
	url=http://127.0.0.1:$cport
	etcd --name bench --data-dir "$data_dir" --listen-client-urls "$url" --advertise-client-urls "$url" \
		--listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
		--initial-cluster "bench=http://127.0.0.1:$pport" --quota-backend-bytes $((8 << 30)) >"$log" 2>&1 &
	etcd_pid=$!
	for _ in $(seq 100); do
		ETCDCTL_API=3 etcdctl --endpoints "$url" endpoint health >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "etcd did not become healthy in 10 s: $(tail -3 "$log")" >&2
	exit 1
}
