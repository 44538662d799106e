#!/bin/bash
# The pipeline benchmark: how many records one sockeye worker drains, parses and aggregates
# per second of its CPU, and how long a record waits from its kernel timestamp to the end of
# its aggregation. For each rate, a fresh `sockeye --stdout --window 1 --workers 1` (its
# worker pinned to the first online CPU) is fed by bench/pipeline/pipeline_producer, pinned
# to the last online CPU, which writes synthetic HTTP/1.1 records (SE_EV_OPEN, a request IN
# and a response OUT per request, SE_EV_CLOSE) into sockeye's own rings from a BPF program
# for DURATION seconds, open loop at that rate. `max` runs the producer flat out (the ring
# overflows: drops are expected and counted); `sat` runs it flat out but waiting while the
# ring is more than half full, so it measures the worker's capacity with no drop (and the
# delay of a queue kept half full). Rates run interleaved REPEATS times; the table shows
# medians over the repeats. PAD=N in the environment adds an N-byte header to every request
# and response (default 0: 35-byte requests, 40-byte responses); RUNS=FILE keeps the raw
# figures of every run (JSON lines, with each window's delay_us) in FILE; PRODUCER_ARGS adds
# options to every producer run (e.g. "--requests-per-conn 4096"; see pipeline_producer
# --help). As root.
#   bench/pipeline/run.sh [BUILD_DIR] [DURATION] [REPEATS] [RATES...]
#   e.g. bench/pipeline/run.sh build 5 3 250k 500k 1M 2M max sat
set -euo pipefail
BUILD=${1:-build}
DURATION=${2:-5}
REPEATS=${3:-3}
shift $(($# < 3 ? $# : 3))
RATES=("$@")
[ ${#RATES[@]} -gt 0 ] || RATES=(250k 500k 1M 2M max sat)
PAD=${PAD:-0}
PORT=18191 # watched, but nothing listens on it: sockeye's real capture stays quiet
HERE=$(cd "$(dirname "$0")" && pwd)
SOCKEYE=$BUILD/sockeye
PRODUCER=$BUILD/bench/pipeline/pipeline_producer
DIR=$(mktemp -d /tmp/sockeye-pipeline.XXXXXX)
sockeye_pid=
cleanup() {
	[ -n "$sockeye_pid" ] && kill -INT "$sockeye_pid" 2>/dev/null && wait "$sockeye_pid" || true
	rm -rf "$DIR"
}
trap cleanup EXIT

for f in "$SOCKEYE" "$PRODUCER"; do
	[ -x "$f" ] || { echo "run.sh: $f missing: build first (cmake --build $BUILD)" >&2; exit 1; }
done
read -r WORKER_CPU PRODUCER_CPU < <(python3 -c 'import os
c = sorted(os.sched_getaffinity(0)); print(c[0], c[-1])')
if [ "$WORKER_CPU" = "$PRODUCER_CPU" ]; then
	echo "run.sh: one CPU only: the producer would share the worker's CPU" >&2
fi

# The worker thread: the one task of sockeye pinned to a single CPU (the others float).
worker_tid() {
	local t
	for t in /proc/"$1"/task/*; do
		if [ "$(awk '/^Cpus_allowed_list:/ {print $2}' "$t/status")" = "$WORKER_CPU" ]; then
			basename "$t"
			return
		fi
	done
	echo "run.sh: no pinned worker thread in sockeye $1" >&2
	exit 1
}
run_ns() { awk '{print $1}' "/proc/$1/task/$2/schedstat"; }  # time on CPU, ns
wait_ns() { awk '{print $2}' "/proc/$1/task/$2/schedstat"; } # time runnable, not running
proc_ns() { # all threads of a process, ns
	local t sum=0
	for t in /proc/"$1"/task/*; do sum=$((sum + $(awk '{print $1}' "$t/schedstat"))); done
	echo $sum
}

run_one() { # rate repeat: appends one JSON line to $DIR/runs.jsonl
	local rate=$1 rep=$2 extra=()
	case $rate in
	max) extra=(--rate max) ;;
	sat) extra=(--rate max --backpressure 0.5) ;;
	*) extra=(--rate "$rate") ;;
	esac
	"$SOCKEYE" --stdout --window 1 --workers 1 --ports $PORT >"$DIR/out.json" 2>"$DIR/err" &
	sockeye_pid=$!
	for _ in $(seq 1200); do
		grep -q capturing: "$DIR/err" && break
		kill -0 "$sockeye_pid" 2>/dev/null || { cat "$DIR/err" >&2; exit 1; }
		sleep 0.05
	done
	if ! grep -q capturing: "$DIR/err"; then
		echo "run.sh: sockeye did not start capturing within 60 s:" >&2
		cat "$DIR/err" >&2
		exit 1
	fi
	local tid w0 p0 q0 w1 p1 q1
	tid=$(worker_tid "$sockeye_pid")
	w0=$(run_ns "$sockeye_pid" "$tid")
	q0=$(wait_ns "$sockeye_pid" "$tid")
	p0=$(proc_ns "$sockeye_pid")
	"$PRODUCER" --pid "$sockeye_pid" --cpu "$PRODUCER_CPU" --port $PORT \
		--duration "$DURATION" --pad "$PAD" "${extra[@]}" ${PRODUCER_ARGS:-} \
		>"$DIR/producer.json"
	sleep 0.1 # the worker's next polls drain what is left in the ring
	w1=$(run_ns "$sockeye_pid" "$tid")
	q1=$(wait_ns "$sockeye_pid" "$tid")
	p1=$(proc_ns "$sockeye_pid")
	kill -INT "$sockeye_pid"
	wait "$sockeye_pid"
	sockeye_pid=
	python3 "$HERE/summarize.py" record --rate "$rate" --repeat "$rep" \
		--producer "$DIR/producer.json" --sockeye "$DIR/out.json" \
		--worker-ns $((w1 - w0)) --worker-wait-ns $((q1 - q0)) --process-ns $((p1 - p0)) \
		>>"$DIR/runs.jsonl"
	python3 "$HERE/summarize.py" line <<<"$(tail -1 "$DIR/runs.jsonl")" >&2
}

echo "sockeye worker on CPU $WORKER_CPU, producer on CPU $PRODUCER_CPU;" \
	"$REPEATS x ${DURATION}s per rate: ${RATES[*]}" >&2
for ((rep = 0; rep < REPEATS; rep++)); do
	for rate in "${RATES[@]}"; do
		run_one "$rate" "$rep"
	done
done
python3 "$HERE/summarize.py" table <"$DIR/runs.jsonl"
[ -z "${RUNS:-}" ] || cp "$DIR/runs.jsonl" "$RUNS"
