#!/bin/bash
# What sockeye's BPF programs cost per request, measured by the kernel itself: nginx (one
# worker, 127.0.0.1:18190, access log off) under bench/loadgen (closed loop, 10 keep-alive
# connections) with sockeye watching the port, and kernel.bpf_stats_enabled on, which makes
# the kernel count every run of every program and the time spent in it. Prints, per program,
# its runs per request, its mean time per run and its time per request (medians over
# REPEATS), and the sum per request. As root.
#   perf/bpf_cost.sh [BUILD_DIR] [REPEATS] [DURATION] [SOCKEYE_COMMAND ...]
# With no command it measures BUILD_DIR/sockeye and appends a line to perf/bpf-cost.tsv,
# keyed by the commit. With commands (a binary and flags, as in perf/compare.sh) it measures
# each of them in turn within every repeat and appends nothing. A change of 20 ns per run
# shows here after a few repeats; in an end-to-end ratio it is far inside the noise.
# What it does not see: the tracepoint's own call into the program (bpf_trace_run* and the
# indirect call), and sockeye's threads. The statistics cost two clock reads per run, the
# same for every build: compare lines with each other, not with perf/run.sh's figures.
# H2=1 measures HTTP/2 instead, as perf/h2.sh drives it: nghttpd (cleartext) on
# 127.0.0.1:18191 under h2load (one thread, 4 connections of 32 streams, DURATION s), every
# frame of both ends walked by the kernel (bpf/frame_walk.bpf.h); nothing is appended then.
# TLS=1 measures HTTPS: nginx over TLS 1.3 on 127.0.0.1:18192 under h2load --h1 (one thread,
# 10 keep-alive connections), the plaintext seen through the TLS uprobes (bpf/tls.bpf.h).
# What the uprobes' traps cost is not a program's run: perf/compare.sh TLS=1 sees it.
set -euo pipefail
BUILD=${1:-build}
REPEATS=${2:-5}
DURATION=${3:-4}
shift $(($# < 3 ? $# : 3))
COMMANDS=("$@")
[ ${#COMMANDS[@]} -gt 0 ] || COMMANDS=("$BUILD/sockeye")
H2=${H2:-0}
TLS=${TLS:-0}
PORT=$([ "$H2" = 1 ] && echo 18191 || { [ "$TLS" = 1 ] && echo 18192; } || echo 18190)
LOADGEN=$BUILD/bench/loadgen/loadgen
RESULTS=$(dirname "$0")/bpf-cost.tsv
DIR=$(mktemp -d /tmp/sockeye-bpf-cost.XXXXXX)
command -v bpftool >/dev/null || { echo "bpf_cost: bpftool is missing (tools/setup.sh)" >&2; exit 1; }
stats_before=$(sysctl -n kernel.bpf_stats_enabled)

source "$(dirname "$0")/service.sh"
trap 'kill ${pid:-} ${nginx_pid:-} 2>/dev/null; wait 2>/dev/null; sysctl -q kernel.bpf_stats_enabled=$stats_before; rm -rf "$DIR"' EXIT
if [ "$H2" = 1 ]; then
	mkdir "$DIR/www" && printf 'hello\n' >"$DIR/www/small"
	nghttpd --no-tls -d "$DIR/www" -m 256 $PORT >/dev/null 2>&1 &
	nginx_pid=$! # stopped by the same trap
	for _ in $(seq 100); do h2load -n 1 "http://127.0.0.1:$PORT/small" >/dev/null 2>&1 && break; sleep 0.05; done
else
	perf_nginx_start "$DIR" $PORT off "$TLS"
fi
sysctl -q kernel.bpf_stats_enabled=1

# the load, and in $DIR/load.json the requests it completed ("received")
load() {
	if [ "$H2" = 1 ]; then
		h2load -D "$DURATION" -c 4 -m 32 -t 1 "http://127.0.0.1:$PORT/small" |
			awk '/^requests:/ { printf "{\"received\": %d}\n", $8 }' >"$DIR/load.json"
	elif [ "$TLS" = 1 ]; then
		h2load --h1 -D "$DURATION" -c 10 -t 1 "https://127.0.0.1:$PORT/ok" |
			awk '/^requests:/ { printf "{\"received\": %d}\n", $8 }' >"$DIR/load.json"
	else
		"$LOADGEN" --url "http://127.0.0.1:$PORT/ok" --connections 10 --duration "$DURATION" \
			--json >"$DIR/load.json"
	fi
}

n=${#COMMANDS[@]}
for ((i = 0; i < REPEATS; i++)); do
	# each repeat starts with the next command: the order within a repeat moves the figures
	# by more than a small change does (measured: 40 ns per run on the same binaries)
	for ((j = 0; j < n; j++)); do
		k=$(((i + j) % n))
		read -r -a cmd <<<"${COMMANDS[$k]}"
		bpftool -j prog show >"$DIR/loaded.json" # what was there before this sockeye
		"${cmd[@]}" --stdout --ports $PORT >/dev/null 2>"$DIR/sockeye.err" &
		pid=$!
		for _ in $(seq 200); do grep -q capturing: "$DIR/sockeye.err" && break; sleep 0.05; done
		grep -q capturing: "$DIR/sockeye.err" || { cat "$DIR/sockeye.err" >&2; exit 1; }
		bpftool -j prog show >"$DIR/before.json"
		load
		bpftool -j prog show >"$DIR/after.json"
		kill -INT "$pid"
		wait "$pid"
		pid= # gone: the EXIT trap must not signal a reused pid
		# one line per program of this sockeye: command index, requests, name, runs, ns
		python3 - "$DIR/loaded.json" "$DIR/before.json" "$DIR/after.json" "$DIR/load.json" "$k" \
			>>"$DIR/runs" <<'PY'
import json, sys
# this sockeye's programs: the ones it loaded (bpftool here cannot name a program's process)
others = {p["id"] for p in json.load(open(sys.argv[1]))}
before = {p["id"]: p for p in json.load(open(sys.argv[2]))}
load = json.load(open(sys.argv[4]))
k = sys.argv[5]
for p in json.load(open(sys.argv[3])):
    if p["id"] in others or p["id"] not in before:
        continue
    b = before.get(p["id"], {})
    runs = p.get("run_cnt", 0) - b.get("run_cnt", 0)
    ns = p.get("run_time_ns", 0) - b.get("run_time_ns", 0)
    print(k, load["received"], p["name"], runs, ns)
PY
	done
done

commit=$(git -C "$BUILD" rev-parse --short HEAD 2>/dev/null || echo unknown) # what was measured
append=$([ $# -eq 0 ] && [ "$H2" != 1 ] && [ "$TLS" != 1 ] && echo "$RESULTS" || echo "")
python3 - "$DIR/runs" "$REPEATS" "$DURATION" "$commit" "$append" "${COMMANDS[@]}" <<'PY'
import collections, datetime, os, statistics, sys
path, repeats, duration, commit, append = sys.argv[1:6]
commands = sys.argv[6:]
# per command, per program: [(runs per request, ns per run, ns per request)] over repeats
table = collections.defaultdict(lambda: collections.defaultdict(list))
totals = collections.defaultdict(lambda: collections.defaultdict(float))
for line in open(path):
    k, requests, name, runs, ns = line.split()
    requests, runs, ns = int(requests), int(runs), int(ns)
    if requests and runs:
        table[int(k)][name].append((runs / requests, ns / runs, ns / requests))
for k, command in enumerate(commands):
    print(f"{command}: median of {repeats} x {duration}s")
    print(f"  {'program':28s} {'runs/request':>12s} {'ns/run':>8s} {'ns/request':>10s}")
    total, fields = 0.0, []
    for name, rows in sorted(table[k].items()):
        med = [statistics.median(r[j] for r in rows) for j in range(3)]
        total += med[2]
        fields.append(f"{name}={med[0]:.2f}x{med[1]:.0f}")
        print(f"  {name:28s} {med[0]:12.2f} {med[1]:8.1f} {med[2]:10.1f}")
    print(f"  {'all programs':28s} {'':12s} {'':8s} {total:10.1f}")
    if append:
        new = not os.path.exists(append)
        with open(append, "a") as f:
            if new:
                f.write("date\tcommit\trepeats\tduration_s\tns_per_request\tprograms (name=runs_per_request x ns_per_run)\n")
            now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            f.write(f"{now}\t{commit}\t{repeats}\t{duration}\t{total:.0f}\t{' '.join(fields)}\n")
        print(f"appended to {append}")
PY
