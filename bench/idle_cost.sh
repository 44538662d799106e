#!/bin/bash
# What an idle sockeye costs: CPU time and wake-ups a second, and RSS, over a quiet spell.
#
#   bench/idle_cost.sh [BINARY...] [-- SOCKEYE_ARGS...]     (as root; default build/sockeye)
#
# Each binary runs RUNS times (3), interleaved, with SOCKEYE_ARGS (default --stdout): started,
# left SETTLE seconds (5) past its start-up, then measured over QUIET seconds (20): CPU time
# from /proc/PID/task/*/schedstat (nanoseconds on a CPU, every thread), voluntary context
# switches (each a thread going to sleep: its wake-ups), and VmRSS at the end. The TLS
# watcher is a process of its own and is not counted (it sleeps until a program starts).
# Prints one line per run, then per binary the run of median CPU. Nothing must send traffic to the
# watched ports meanwhile. The machine's CPU is named first: compare within one run only.
set -eu

runs=${RUNS:-3}
settle=${SETTLE:-5}
quiet=${QUIET:-20}
bins=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	bins+=("$1")
	shift
done
[ $# -gt 0 ] && shift
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--stdout)
[ ${#bins[@]} -gt 0 ] || bins=(build/sockeye)

cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {print s}'; }
wakes() { cat /proc/"$1"/task/*/status | awk '/^voluntary_ctxt/ {s += $2} END {print s}'; }

measure() { # BINARY: prints "cpu_ms_per_s wakes_per_s rss_kib"
	local pid c0 w0 t0 c1 w1 t1 rss
	"$1" "${args[@]}" >/dev/null 2>&1 &
	pid=$!
	sleep "$settle"
	c0=$(cpu_ns $pid) w0=$(wakes $pid) t0=$(date +%s%N)
	sleep "$quiet"
	c1=$(cpu_ns $pid) w1=$(wakes $pid) t1=$(date +%s%N)
	rss=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
	kill -INT $pid
	wait $pid || true
	awk -v c=$((c1 - c0)) -v w=$((w1 - w0)) -v t=$((t1 - t0)) -v r="$rss" \
		'BEGIN {printf "%.3f %.1f %d\n", c / t * 1000, w / (t / 1e9), r}'
}

echo "cpu: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) CPUs"
declare -A results
for ((r = 1; r <= runs; r++)); do
	for b in "${bins[@]}"; do
		m=$(measure "$b")
		results[$b]+="$m"$'\n'
		read -r c w s <<<"$m"
		echo "run $r $b: cpu $c ms/s, wake-ups $w /s, rss $s KiB"
	done
done
for b in "${bins[@]}"; do
	printf '%s' "${results[$b]}" | sort -n | awk -v b="$b" '{c[NR] = $1} {w[NR] = $2} {s[NR] = $3}
		END {m = int((NR + 1) / 2); printf "median run of %s (by CPU): cpu %.3f ms/s, wake-ups %s /s, rss %s KiB\n", b, c[m], w[m], s[m]}'
done
