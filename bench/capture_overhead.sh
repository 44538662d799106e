#!/bin/bash
# What attaching sockeye costs a service, per syscall, measured A/B/A/B in one run:
# a one-way stream of 100-byte writes on a watched port (8080: every write and read is
# captured) and on an unwatched one (9999: filtered out in the kernel), a watched ping-pong
# (request/response round trips), writes to /dev/null (not a socket), and getppid(2) (a
# syscall sockeye does not hook: what attaching costs every other syscall), and a UDP
# ping-pong of a DNS query and its answer on 127.0.0.1:53 (captured as DNS: both the client's
# and the server's side) and on an unwatched port (9998: other UDP traffic), from a connected
# client socket (glibc's way) and from one never connected, naming the server in each sendto
# (musl's way; on the unwatched port, what other such UDP traffic pays), and that client's
# sends alone, unanswered (no wake-up in the measure). Prints medians
# and the ratio with/without, and sockeye's own CPU time per 10k captured writes. As root.
#   [PORT=8080] [SOCKEYE_ARGS=--data-hooks=syscall] bench/capture_overhead.sh [BUILD_DIR] [REPEATS]
set -euo pipefail
BUILD=${1:-build}
REPEATS=${2:-5}
ROUNDS=${ROUNDS:-50000}
COST=$BUILD/bench/syscall_cost
PORT=${PORT:-8080} # a watched port (in the default --ports)
SOCKEYE=$BUILD/sockeye

measure() { # prints: watched-stream unwatched-stream watched-pingpong devnull other
	echo "$($COST stream "$PORT" $((ROUNDS * 4))) $($COST stream 9999 $((ROUNDS * 4)))" \
		"$($COST pingpong "$PORT" "$ROUNDS") $($COST devnull $((ROUNDS * 4)))" \
		"$($COST other $((ROUNDS * 4)))"
}

measure_udp() { # prints: dns udp dns-sendto udp-sendto sendto-53 sendto-other
	echo "$($COST dns 53 "$ROUNDS") $($COST dns 9998 "$ROUNDS")" \
		"$($COST dns-sendto 53 "$ROUNDS") $($COST dns-sendto 9998 "$ROUNDS")" \
		"$($COST sendto 53 $((ROUNDS * 4))) $($COST sendto 9998 $((ROUNDS * 4)))"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

declare -a A B
cpu_total=0
for ((i = 0; i < REPEATS; i++)); do
	A+=("$(measure) $(measure_udp)")
	"$SOCKEYE" --stdout --window 1 ${SOCKEYE_ARGS:-} >/dev/null 2>/tmp/capture_overhead.err &
	pid=$!
	for _ in $(seq 200); do grep -q capturing: /tmp/capture_overhead.err && break; sleep 0.05; done
	before=$(cpu_ticks "$pid")
	tcp=$(measure)
	after=$(cpu_ticks "$pid")
	cpu_total=$((cpu_total + after - before))
	B+=("$tcp $(measure_udp)")
	kill -INT "$pid"
	wait "$pid"
done

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
col() { local arr=("$@"); for r in "${arr[@]:1}"; do echo "$r" | cut -d' ' -f"$1"; done; }

printf "%-36s %12s %12s %7s\n" "median of $REPEATS (ns per op)" "without" "with" "ratio"
names=("watched stream, per 100 B write" "unwatched stream, per 100 B write"
	"watched ping-pong, per round trip" "write 100 B to /dev/null" "getppid (not hooked)"
	"DNS query and answer, UDP port 53" "the same on an unwatched port"
	"the same with sendto, UDP port 53" "sendto on an unwatched port"
	"sendto alone, UDP port 53" "sendto alone, unwatched port")
for c in 1 2 3 4 5 6 7 8 9 10 11; do
	a=$(col "$c" x "${A[@]}" | median)
	b=$(col "$c" x "${B[@]}" | median)
	printf "%-36s %12s %12s %7.3f\n" "${names[$((c - 1))]}" "$a" "$b" "$(awk "BEGIN {print $b / $a}")"
done
hz=$(getconf CLK_TCK)
# sockeye CPU while measuring, over everything it captured: the watched stream's writes
# (and the reads draining them) and the ping-pong's round trips
awk -v t="$cpu_total" -v hz="$hz" -v n="$((REPEATS * ROUNDS * 5))" \
	'BEGIN {printf "sockeye CPU per 10k captured writes: %.2f ms\n", t / hz * 1000 / n * 10000}'
