#!/bin/bash
# The same synthetic input into two sockeye builds, and their stdout compared: for a change
# that must not change behaviour. Each build runs alone (--window 60 --workers 1
# --connections), fed by its own bench/pipeline/pipeline_producer at RATE records/s for
# SECONDS, inside one window; the lines are compared in full, in key order, with only what
# depends on the clock or on the producer's pid masked (window bounds, durations, sockeye's
# delay, late shards, the pid). As root; run nothing else that captures meanwhile.
#   tools/compare_stdout.sh OLD_BUILD_DIR NEW_BUILD_DIR [RATE] [SECONDS]
#   e.g. tools/compare_stdout.sh /tmp/old/build build 200k 3
set -euo pipefail
OLD=${1:?old build dir}
NEW=${2:?new build dir}
RATE=${3:-200k}
SECS=${4:-3}
PORT=18191 # watched, but nothing listens on it
DIR=$(mktemp -d /tmp/sockeye-stdout.XXXXXX)
trap 'rm -rf "$DIR"' EXIT

run() { # build_dir out
	local pid
	# start in the first half of a 60-s window, so the burst and its close land in one
	while [ $(($(date +%s) % 60)) -gt 30 ]; do sleep 1; done
	"$1/sockeye" --stdout --connections --window 60 --workers 1 --ports $PORT >"$2" 2>"$2.err" &
	pid=$!
	for _ in $(seq 600); do
		grep -q capturing: "$2.err" && break
		kill -0 $pid 2>/dev/null || { cat "$2.err" >&2; exit 1; }
		sleep 0.05
	done
	"$1/bench/pipeline/pipeline_producer" --pid $pid --rate "$RATE" --duration "$SECS" \
		--port $PORT >/dev/null
	sleep 1
	kill -INT $pid
	wait $pid || true
}

masked() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    for k in ("window_start", "window_end", "duration_ms", "delay_us", "late_shards", "pid"):
        if k in o:
            o[k] = "T"
    print(json.dumps(o))' "$1" | sort
}

run "$OLD" "$DIR/old"
run "$NEW" "$DIR/new"
masked "$DIR/old" >"$DIR/old.masked"
masked "$DIR/new" >"$DIR/new.masked"
echo "lines: old $(wc -l <"$DIR/old"), new $(wc -l <"$DIR/new")"
if cmp -s "$DIR/old.masked" "$DIR/new.masked"; then
	echo "same output (clock-dependent fields masked)"
else
	diff "$DIR/old.masked" "$DIR/new.masked" | head -20
	exit 1
fi
