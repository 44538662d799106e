#!/usr/bin/env python3
"""Figures of the pipeline benchmark (bench/pipeline/run.sh).

  summarize.py record --rate R --repeat K --producer P.json --sockeye OUT.json
                      --worker-ns N --process-ns N      -> one JSON line for one run
  summarize.py line  < one run's JSON line               -> a short progress line
  summarize.py table < runs.jsonl                        -> the table, medians over repeats

Delay percentiles come from sockeye's `stats` lines (`delay_us`: kernel timestamp of a
sampled record to the end of its aggregation, one record in 16, per 1 s window). A run's
figure is the median over its steady windows of each percentile: the first window with
samples is left out (it follows an idle spell, during which the worker's drain timer backs
off, so its first records wait longer: shown apart as `1st p99`), and so are windows with
fewer than half the samples of a typical one (a partial last window), so a handful of
samples does not weigh like a full window. `max p99` is the highest p99 of any window but the
first, over all repeats.
"""
import argparse
import json
import statistics
import sys

TARGET_EVENTS_PER_CORE = 1_000_000
TARGET_P99_US = 2000.0


def record(args):
    with open(args.producer) as f:
        prod = json.loads(f.read().strip().splitlines()[-1])
    stats, http = [], 0
    with open(args.sockeye) as f:
        for line in f:
            if not line.strip():
                continue
            o = json.loads(line)
            if o["type"] == "stats":
                stats.append(o)
            elif o["type"] == "http":
                http += o["count"]
    dropped = {}
    for s in stats:
        for k, v in s["dropped"].items():
            if v:
                dropped[k] = dropped.get(k, 0) + v
    windows = [s["delay_us"] for s in stats if s.get("delay_us", {}).get("samples", 0) > 0]
    dur = prod["duration_s"]
    counted = sum(s["events"] for s in stats)
    out = {
        "rate": args.rate,
        "repeat": args.repeat,
        "duration_s": dur,
        "produced": prod["events"],
        "producer_drops": prod["ring_full"],
        "close_lost": prod["close_lost"],
        "close_parked": prod["close_parked"],
        "requests": prod["requests"],
        "counted": counted,
        "kernel_events": sum(s["kernel_events"] for s in stats),
        "http": http,
        "sockeye_dropped": dropped,
        "worker_cpu_s": args.worker_ns / 1e9,
        "worker_wait_s": args.worker_wait_ns / 1e9,
        "process_cpu_s": args.process_ns / 1e9,
        "producer_cpu_s": prod["producer_cpu_s"],
        "producer_behind_runs": prod["behind_runs"],
        "max_queued_bytes": prod["max_queued_bytes"],
        "ring_bytes": prod["ring_bytes"],
        "delay_windows": windows,
        "request_bytes": prod["request_bytes"],
        "response_bytes": prod["response_bytes"],
    }
    print(json.dumps(out))


def derived(r):
    """Per-run figures from a recorded run."""
    d = dict(r)
    dur = r["duration_s"] or 1e-9
    d["produced_rate"] = r["produced"] / dur
    d["counted_rate"] = r["counted"] / dur
    d["worker_util"] = r["worker_cpu_s"] / dur
    # time the worker was runnable but another thread had its CPU: a noisy machine
    d["worker_waited"] = r.get("worker_wait_s", 0.0) / dur
    d["per_core"] = r["counted"] / r["worker_cpu_s"] if r["worker_cpu_s"] else 0.0
    d["ns_per_event"] = r["worker_cpu_s"] * 1e9 / r["counted"] if r["counted"] else 0.0
    d["sockeye_drops"] = sum(r["sockeye_dropped"].values())
    # sockeye's events are the producer's records plus whatever it captured for real
    d["exact"] = r["counted"] == r["produced"] + r["kernel_events"]
    # The first window of a run follows an idle spell (the worker's drain timer backs off
    # when the rings stay empty): reported apart, the others are the steady state.
    w = r["delay_windows"]
    first, rest = (w[0], w[1:]) if w else (None, [])
    steady = rest or w
    full = steady
    if steady:
        typical = statistics.median(x["samples"] for x in steady)
        full = [x for x in steady if x["samples"] >= typical / 2] or steady
    for p in ("p50", "p99", "p999"):
        d["delay_" + p] = statistics.median(x[p] for x in full) if full else float("nan")
    d["delay_max_p99"] = max((x["p99"] for x in steady), default=float("nan"))
    d["delay_first_p99"] = first["p99"] if first else float("nan")
    d["delay_max"] = max((x["max"] for x in w), default=float("nan"))
    return d


def line(_args):
    d = derived(json.loads(sys.stdin.read()))
    print(f"  {d['rate']:>5} #{d['repeat']}: produced {d['produced_rate']:,.0f}/s, "
          f"counted {d['counted_rate']:,.0f}/s ({'exact' if d['exact'] else 'NOT EXACT'}), "
          f"drops {d['producer_drops']}+{d['sockeye_drops']}{d['sockeye_dropped'] or ''}, "
          f"worker {d['worker_util']:.0%} (waited {d['worker_waited']:.1%}) "
          f"-> {d['per_core']:,.0f} ev/s/core, delay p50/p99/p99.9 "
          f"{d['delay_p50']:.0f}/{d['delay_p99']:.0f}/{d['delay_p999']:.0f} us")


def table(_args):
    runs = [derived(json.loads(l)) for l in sys.stdin if l.strip()]
    order = []
    for r in runs:
        if r["rate"] not in order:
            order.append(r["rate"])
    med = statistics.median
    hdr = ("rate", "produced/s", "counted/s", "drops", "sockeye", "worker", "waited",
           "ev/s/core", "ns/ev", "p50", "p99", "p99.9", "max p99", "1st p99", "exact")
    fmt = "%-6s %11s %11s %10s %8s %6s %6s %11s %6s %6s %6s %7s %7s %7s %5s"
    n = max((r["repeat"] for r in runs), default=0) + 1
    if not runs:
        print("no runs")
        return
    print(f"median of {n} run(s) per rate, {runs[0]['duration_s']:.0f} s each, "
          f"{runs[0]['request_bytes']}-byte requests and {runs[0]['response_bytes']}-byte "
          "responses (drops: the producer's ring-full records, sockeye: its `dropped` counters "
          "summed, both the worst run; worker: CPU time of the worker thread / wall time; "
          "waited: time it was runnable while something else had its CPU / wall time; "
          "delays in microseconds)")
    print(fmt % hdr)
    best = None
    for rate in order:
        rs = [r for r in runs if r["rate"] == rate]
        row = (rate,
               f"{med(r['produced_rate'] for r in rs):,.0f}",
               f"{med(r['counted_rate'] for r in rs):,.0f}",
               f"{max(r['producer_drops'] for r in rs):,.0f}",
               f"{max(r['sockeye_drops'] for r in rs):,.0f}",
               f"{med(r['worker_util'] for r in rs):.0%}",
               f"{med(r['worker_waited'] for r in rs):.1%}",
               f"{med(r['per_core'] for r in rs):,.0f}",
               f"{med(r['ns_per_event'] for r in rs):.0f}",
               f"{med(r['delay_p50'] for r in rs):.0f}",
               f"{med(r['delay_p99'] for r in rs):.0f}",
               f"{med(r['delay_p999'] for r in rs):.0f}",
               f"{max(r['delay_max_p99'] for r in rs):.0f}",
               f"{med(r['delay_first_p99'] for r in rs):.0f}",
               f"{sum(r['exact'] for r in rs)}/{len(rs)}")
        print(fmt % row)
        # the highest fixed rate that met the target: no drop in any repeat, p99 under the bound
        ok = [r for r in rs if not r["producer_drops"] and not r["sockeye_drops"]]
        if rate not in ("max", "sat") and len(ok) == len(rs) and \
                med(r["delay_p99"] for r in rs) < TARGET_P99_US:
            c = med(r["counted_rate"] for r in rs)
            if best is None or c > best[1]:
                best = (rate, c, med(r["per_core"] for r in rs))
    prod_ns = [r["producer_cpu_s"] * 1e9 / max(r["produced"] + r["producer_drops"], 1)
               for r in runs]
    print(f"baseline, same runs: the producer spends {med(prod_ns):.0f} ns of CPU per record "
          "written (BPF record build + ring write + its run syscall)")
    sat = [r for r in runs if r["rate"] == "sat"]
    if sat:
        print(f"worker capacity (sat: ring kept half full, the producer never drops): "
              f"{med(r['counted_rate'] for r in sat):,.0f} events/s at "
              f"{med(r['worker_util'] for r in sat):.0%} of its core; sockeye's drops there: "
              f"{[r['sockeye_dropped'] for r in sat]}")
    if best:
        print(f"target (>= {TARGET_EVENTS_PER_CORE:,} events/s per worker core, p99 < "
              f"{TARGET_P99_US / 1000:g} ms, zero drops): highest fixed rate with p99 under it "
              f"and no drop in any run: {best[0]} ({best[1]:,.0f} events/s, the worker "
              f"draining {best[2]:,.0f} per second of its CPU)")
    else:
        print("target: no fixed rate ran with zero drops and p99 < 2 ms")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("--rate", required=True)
    r.add_argument("--repeat", type=int, default=0)
    r.add_argument("--producer", required=True)
    r.add_argument("--sockeye", required=True)
    r.add_argument("--worker-ns", type=int, required=True)
    r.add_argument("--worker-wait-ns", type=int, default=0)
    r.add_argument("--process-ns", type=int, required=True)
    sub.add_parser("line")
    sub.add_parser("table")
    args = ap.parse_args()
    {"record": record, "line": line, "table": table}[args.cmd](args)


if __name__ == "__main__":
    main()
