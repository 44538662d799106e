#!/bin/bash
# What attaching sockeye costs an HTTP service end to end, A/B/A/B in one run: nginx with one
# worker on 127.0.0.1:18190 under bench/loadgen (closed loop, 10 keep-alive connections,
# DURATION s), run REPEATS times without and with sockeye watching the port. Prints the
# median requests/s of each side and their ratio, the median p99 latency and its ratio,
# sockeye's CPU time per 10k requests, its drops, and the requests it counted (server role)
# against those nginx served; and appends one line per run to perf/results.tsv, keyed by the
# commit, so regressions show. As root.
#   [POD=1] [SOCKEYE_ARGS='--workers 1'] perf/run.sh [BUILD_DIR] [REPEATS] [DURATION]
# POD=1: nginx and sockeye run in their own network namespace (a pod: sockeye watches its
# own namespace, its default) and loadgen reaches nginx from outside over a veth pair, as a
# client in another pod would; sockeye then sees only the server side. Results go to
# perf/results-pod.tsv.
set -euo pipefail
BUILD=${1:-build}
REPEATS=${2:-5}
DURATION=${3:-5}
PORT=18190
SOCKEYE=$BUILD/sockeye
LOADGEN=$BUILD/bench/loadgen/loadgen
RESULTS=$(dirname "$0")/results.tsv
DIR=$(mktemp -d /tmp/sockeye-http-overhead.XXXXXX)
source "$(dirname "$0")/service.sh"
trap 'kill ${nginx_pid:-} 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"; [ -z "${NS:-}" ] || ip netns del "$NS"' EXIT
if [ "${POD:-0}" = 1 ]; then
	RESULTS=$(dirname "$0")/results-pod.tsv
	perf_pod_create
fi
perf_nginx_start "$DIR" $PORT "$DIR/access.log"

run_load() { # prints: requests/s p99_ms
	"$LOADGEN" --url "http://$ADDR:$PORT/ok" --connections 10 --duration "$DURATION" \
		--json >"$DIR/load.json"
	python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r["rate"], r["latency_ms"]["p99"])' "$DIR/load.json"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

declare -a A B
cpu_ticks_total=0 served_with=0 counted=0 dropped=0
for ((i = 0; i < REPEATS; i++)); do
	A+=("$(run_load)")
	: >"$DIR/access.log"
	"${IN_POD[@]}" "$SOCKEYE" --stdout --ports $PORT ${SOCKEYE_ARGS:-} >"$DIR/out.json" \
		2>"$DIR/sockeye.err" &
	pid=$!
	for _ in $(seq 200); do grep -q capturing: "$DIR/sockeye.err" && break; sleep 0.05; done
	before=$(cpu_ticks "$pid")
	B+=("$(run_load)")
	after=$(cpu_ticks "$pid")
	sleep 0.2 # nginx writes its log lines after the responses
	kill -INT "$pid"
	wait "$pid"
	cpu_ticks_total=$((cpu_ticks_total + after - before))
	served_with=$((served_with + $(wc -l <"$DIR/access.log")))
	read -r c d < <(python3 -c '
import json, sys
c = d = 0
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["type"] == "http" and o["role"] == "server":
        c += o["count"]
    elif o["type"] == "stats":
        d += sum(o["dropped"].values())
print(c, d)' "$DIR/out.json")
	counted=$((counted + c))
	dropped=$((dropped + d))
done

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
col() { local n=$1; shift; for r in "$@"; do echo "$r" | cut -d' ' -f"$n"; done; }
a_rps=$(col 1 "${A[@]}" | median) b_rps=$(col 1 "${B[@]}" | median)
a_p99=$(col 2 "${A[@]}" | median) b_p99=$(col 2 "${B[@]}" | median)
printf "%-32s %12s %12s %7s\n" "median of $REPEATS x ${DURATION}s" "without" "with" "ratio"
calc() { awk "BEGIN {print $1}"; }
printf "%-32s %12.0f %12.0f %7.3f\n" "requests/s (loadgen, 10 conns)" "$a_rps" "$b_rps" \
	"$(calc "$b_rps / $a_rps")"
printf "%-32s %12.3f %12.3f %7.3f\n" "p99 latency, ms" "$a_p99" "$b_p99" \
	"$(calc "$b_p99 / $a_p99")"
printf "sockeye CPU per 10k requests: %.2f ms\n" \
	"$(calc "$cpu_ticks_total * 1000 / $hz * 10000 / $served_with")"
echo "requests served by nginx with sockeye: $served_with; counted by sockeye (server role):" \
	"$counted (ratio $(calc "$counted / $served_with")); dropped: $dropped"
commit=$(git -C "$BUILD" rev-parse --short HEAD 2>/dev/null || echo unknown) # what was measured
[ -f "$RESULTS" ] || printf "date\tcommit\trepeats\tduration_s\trps_without\trps_with\trps_ratio\tp99_ms_without\tp99_ms_with\tp99_ratio\tcpu_ms_per_10k\tdropped\tcounted\tserved\tsockeye_args\n" >"$RESULTS"
# sockeye_args: the flags the "with" side ran with ("-" = the defaults), so lines measured
# with different settings are not compared as a regression
printf "%s\t%s\t%s\t%s\t%.0f\t%.0f\t%.3f\t%.3f\t%.3f\t%.3f\t%.2f\t%s\t%s\t%s\t%s\n" \
	"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$commit" "$REPEATS" "$DURATION" "$a_rps" "$b_rps" \
	"$(calc "$b_rps / $a_rps")" "$a_p99" "$b_p99" "$(calc "$b_p99 / $a_p99")" \
	"$(calc "$cpu_ticks_total * 1000 / $hz * 10000 / $served_with")" "$dropped" "$counted" \
	"$served_with" "${SOCKEYE_ARGS:--}" >>"$RESULTS"
echo "appended to $RESULTS"
