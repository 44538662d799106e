#!/bin/bash
# Where the CPU time that sockeye adds to each request goes: nginx (one worker, port 18190,
# access log off) under bench/loadgen (closed loop, 10 keep-alive connections) is profiled
# system-wide (`perf record -a`) for DURATION s without sockeye and again with it. The CPU
# time per request is cores / requests per second (time a core idles counts too, under the
# kernel's idle functions); each symbol's share of it is its share of the samples. The
# script prints the CPU time per request of each run, what sockeye adds grouped by kind (its
# BPF programs, their reads of user memory, ring writes, tracepoint dispatch, map lookups,
# clock reads, sockeye's own threads, everything else), and the symbols that grew most. As
# root, with perf (Debian: linux-perf).
#   [POD=1] perf/profile.sh [BUILD_DIR] [DURATION] [SOCKEYE_COMMAND]
# POD=1: nginx and sockeye in a network namespace of their own and loadgen outside, over a
# veth pair, as in `POD=1 perf/run.sh`: sockeye captures only the server side.
# One pair of runs: sockeye's own kinds repeat within some tens of ns between invocations,
# "everything else" (the baseline's own variation) swings by a microsecond or more. It says
# where the time goes; perf/compare.sh and perf/bpf_cost.sh say whether a change moved it.
set -euo pipefail
BUILD=${1:-build}
DURATION=${2:-4}
SOCKEYE=${3:-$BUILD/sockeye}
PORT=18190
LOADGEN=$BUILD/bench/loadgen/loadgen
DIR=$(mktemp -d /tmp/sockeye-profile.XXXXXX)
command -v perf >/dev/null || { echo "profile: perf is missing (apt-get install linux-perf)" >&2; exit 1; }

source "$(dirname "$0")/service.sh"
trap 'kill ${load:-} ${sockeye_pid:-} ${nginx_pid:-} 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"; [ -z "${NS:-}" ] || ip netns del "$NS"' EXIT
if [ "${POD:-0}" = 1 ]; then perf_pod_create; fi
perf_nginx_start "$DIR" $PORT off

# profile NAME: DURATION s of `perf record -a` in the middle of a load 2 s longer; writes
# NAME.samples (tgid, address and symbol of each sample) and NAME.rate (responses/s of the load)
profile() {
	"$LOADGEN" --url "http://$ADDR:$PORT/ok" --connections 10 \
		--duration $((DURATION + 2)) --json >"$DIR/$1.json" &
	load=$!
	sleep 1
	perf record -q -a -e cpu-clock -F 2999 -o "$DIR/$1.data" -- sleep "$DURATION" \
		>/dev/null 2>"$DIR/perf.err" || { cat "$DIR/perf.err" >&2; exit 1; }
	wait $load
	load=
	perf script -i "$DIR/$1.data" -F pid,ip,sym 2>"$DIR/perf.err" >"$DIR/$1.samples" ||
		{ cat "$DIR/perf.err" >&2; exit 1; }
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["rate"])' \
		"$DIR/$1.json" >"$DIR/$1.rate"
}

profile without
read -r -a cmd <<<"$SOCKEYE"
"${IN_POD[@]}" "${cmd[@]}" --stdout --ports $PORT >/dev/null 2>"$DIR/sockeye.err" &
sockeye_pid=$!
for _ in $(seq 200); do grep -q capturing: "$DIR/sockeye.err" && break; sleep 0.05; done
grep -q capturing: "$DIR/sockeye.err" || { cat "$DIR/sockeye.err" >&2; exit 1; }
profile with
kill -INT $sockeye_pid
wait $sockeye_pid
measured_pid=$sockeye_pid
sockeye_pid= # gone: the EXIT trap must not signal a reused pid

# the rate is over the whole load (DURATION + 2 s), the samples over its middle DURATION s
python3 - "$DIR" "$measured_pid" "$(getconf _NPROCESSORS_ONLN)" <<'PY'
import collections, re, sys
run_dir, sockeye_pid, cores = sys.argv[1], sys.argv[2], int(sys.argv[3])

# kinds of added time, by symbol (first match wins); sockeye's threads go by process
KINDS = [
    ("BPF programs (own code)", r"^bpf_prog_"),
    ("user-memory reads", r"probe_read_user|copy_from_user_nofault|check_object_size"
     r"|nmi_uaccess_okay|virt_addr_valid|is_vmalloc_addr|check_stack_object"),
    ("ring buffer writes", r"ringbuf"),
    ("tracepoint dispatch", r"^bpf_trace_run|^__bpf_trace_|^call_trace_"),
    ("map lookups", r"htab|lookup_nulls_elem|lookup_elem"),
    ("clock reads", r"read_tsc|ktime_get|clocksource|sched_clock"),
]


def per_request(name):
    """ns of CPU per request, by (kind or symbol)."""
    rate = float(open(f"{run_dir}/{name}.rate").read())
    by_sym = collections.Counter()
    total = 0
    for line in open(f"{run_dir}/{name}.samples"):
        parts = line.split(None, 2)  # tgid, address, symbol
        if len(parts) < 2:
            continue
        pid, sym = parts[0], (parts[2].strip() if len(parts) > 2 else "[unknown]")
        key = "sockeye's threads" if pid == sockeye_pid else sym
        by_sym[key] += 1
        total += 1
    ns_per_request = cores / rate * 1e9
    return rate, ns_per_request, {k: v / total * ns_per_request for k, v in by_sym.items()}


rate_a, total_a, a = per_request("without")
rate_b, total_b, b = per_request("with")
print(f"requests/s: {rate_a:.0f} without, {rate_b:.0f} with (ratio {rate_b / rate_a:.3f})")
print(f"CPU per request: {total_a:.0f} ns without, {total_b:.0f} ns with: +{total_b - total_a:.0f} ns")
added = {k: b.get(k, 0) - a.get(k, 0) for k in set(a) | set(b)}
by_kind = collections.Counter()
for sym, ns in added.items():
    other = "everything else (TCP, scheduling, idle, nginx, loadgen)"
    kind = "sockeye's threads" if sym == "sockeye's threads" else next(
        (k for k, pattern in KINDS if re.search(pattern, sym)), other)
    by_kind[kind] += ns
print("\nadded per request, by kind:")
for kind, ns in sorted(by_kind.items(), key=lambda kv: -kv[1]):
    print(f"  {ns:7.0f} ns  {kind}")
print("\nsymbols that grew most (ns per request: without -> with):")
for sym, ns in sorted(added.items(), key=lambda kv: -kv[1])[:15]:
    print(f"  {ns:+7.0f}  {a.get(sym, 0):6.0f} -> {b.get(sym, 0):6.0f}  {sym[:60]}")
PY
