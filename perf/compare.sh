#!/bin/bash
# Two sockeye builds against each other end to end: nginx (one worker, 127.0.0.1:18190) under
# bench/loadgen (closed loop, 10 keep-alive connections), each round running DURATION s
# without sockeye, then with OLD, then with NEW. Every round gives each build its ratio to
# that round's own baseline; the script prints both ratios per round, their medians, and the
# median of the paired differences (NEW - OLD). On a noisy machine a change of a point or two
# shows in the paired difference long before it shows in two separate perf/run.sh lines.
# As root. Nothing is appended to perf/results.tsv. TLS=1 serves over TLS 1.3 and loads
# with h2load --h1 (one thread, 10 keep-alive HTTP/1.1 connections): the TLS uprobes'
# cost, traps included (bpf/tls.bpf.h).
#   perf/compare.sh OLD_SOCKEYE NEW_SOCKEYE [BUILD_DIR] [ROUNDS] [DURATION]
# OLD and NEW are commands: a binary and any flags of its own, so one build can also be set
# against itself with a flag changed ('build/sockeye --capture-bytes 0').
# e.g. git worktree add /tmp/old HEAD~1 && make -C /tmp/old build && make build && \
#   perf/compare.sh /tmp/old/build/sockeye build/sockeye build 8 4
set -euo pipefail
OLD=${1:?old sockeye command}
NEW=${2:?new sockeye command}
BUILD=${3:-build}
ROUNDS=${4:-8}
DURATION=${5:-4}
PORT=18190
LOADGEN=$BUILD/bench/loadgen/loadgen
DIR=$(mktemp -d /tmp/sockeye-compare.XXXXXX)

source "$(dirname "$0")/service.sh"
trap 'kill ${nginx_pid:-} 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"' EXIT
TLS=${TLS:-0}
perf_nginx_start "$DIR" $PORT "$DIR/access.log" "$TLS"

rate() { # requests/s of one loadgen run
	if [ "$TLS" = 1 ]; then
		h2load --h1 -c 10 -t 1 -D "$DURATION" "https://127.0.0.1:$PORT/ok" |
			awk '/^finished in/ { sub(/,/, "", $4); print $4 }'
		return
	fi
	"$LOADGEN" --url "http://127.0.0.1:$PORT/ok" --connections 10 --duration "$DURATION" \
		--json | python3 -c 'import json, sys; print(json.load(sys.stdin)["rate"])'
}
rate_with() { # requests/s with the sockeye command $1 (binary and flags) watching the port
	local cmd
	read -r -a cmd <<<"$1"
	"${cmd[@]}" --stdout --ports $PORT >/dev/null 2>"$DIR/sockeye.err" &
	local pid=$!
	for _ in $(seq 200); do grep -q capturing: "$DIR/sockeye.err" && break; sleep 0.05; done
	grep -q capturing: "$DIR/sockeye.err" || { cat "$DIR/sockeye.err" >&2; exit 1; }
	rate
	kill -INT "$pid"
	wait "$pid"
}

printf "%-6s %10s %8s %8s\n" round without old new
for ((i = 1; i <= ROUNDS; i++)); do
	base=$(rate)
	old=$(rate_with "$OLD")
	new=$(rate_with "$NEW")
	echo "$i $base $old $new" >>"$DIR/rounds"
	awk -v i="$i" -v b="$base" -v o="$old" -v n="$new" \
		'BEGIN {printf "%-6s %10.0f %8.3f %8.3f\n", i, b, o / b, n / b}'
done
python3 - "$DIR/rounds" <<'PY'
import statistics, sys
rows = [list(map(float, l.split()))[1:] for l in open(sys.argv[1])]
old = [o / b for b, o, n in rows]
new = [n / b for b, o, n in rows]
print(f"median ratio: old {statistics.median(old):.3f}, new {statistics.median(new):.3f}; "
      f"median paired difference (new - old) {statistics.median(n - o for o, n in zip(old, new)):+.3f}")
PY
