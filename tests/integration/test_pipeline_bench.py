"""The pipeline benchmark's producer (bench/pipeline) feeds the real sockeye exactly: at a low
fixed rate for 2 s, the records its BPF program writes into sockeye's own rings are all
counted (`events`), every synthetic request is aggregated into its HTTP group, every
synthetic connection is opened, closed and accounted to the byte, nothing is dropped, and
the delay telemetry sampled those records. Proves the benchmark measures what it claims (a
producer whose records sockeye rejected or lost would still look fast). Runs in the release,
ASan and TSan builds alike: the rate is one every build drains."""

import json
import os
import subprocess
import sys
import unittest

import harness

PRODUCER = os.environ.get(
    "PIPELINE_PRODUCER_BIN",
    os.path.join(os.path.dirname(os.path.abspath(harness.SOCKEYE)),
                 "bench", "pipeline", "pipeline_producer"))
RATE = 20000  # records/s
SECONDS = 2
CONNS = 4
REQUESTS_PER_CONN = 500  # several generations of connections open and close in the run
PATHS = 4


class PipelineBench(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        # watched, nothing listens: sockeye's own capture has nothing to report
        cls.port = harness.free_port()
        sockeye = harness.Sockeye("--ports", str(cls.port), "--window", "1", "--workers", "1")
        try:
            res = subprocess.run(
                [PRODUCER, "--pid", str(sockeye.proc.pid), "--rate", str(RATE),
                 "--duration", str(SECONDS), "--port", str(cls.port), "--conns", str(CONNS),
                 "--requests-per-conn", str(REQUESTS_PER_CONN), "--paths", str(PATHS)],
                capture_output=True, text=True, timeout=60)
            if res.returncode != 0:
                raise AssertionError(f"pipeline_producer exited {res.returncode}: {res.stderr}")
            cls.prod = json.loads(res.stdout.splitlines()[-1])
        finally:
            cls.report = sockeye.stop()
        print(f"\nproducer: {res.stdout.strip()}\nsockeye: events {cls.report.total('events')}, "
              f"http {cls.report.http_counts('server')}", file=sys.stderr)

    def test_producer_ran_clean(self):
        p = self.prod
        self.assertGreater(p["events"], RATE * SECONDS * 0.9, p)
        self.assertEqual((p["ring_full"], p["close_lost"], p["no_ring"]), (0, 0, 0), p)
        self.assertEqual(p["opens"], p["closes"] + p["close_parked"], p)
        self.assertEqual(p["events"], 2 * p["requests"] + p["opens"] + p["closes"], p)

    def test_every_record_counted(self):
        r = self.report
        self.assertEqual(r.total("events"), self.prod["events"] + r.total("kernel_events"))
        self.assertEqual({k: v for k, v in r.total_dropped().items() if v}, {})

    def test_every_request_aggregated(self):
        counts = self.report.http_counts("server")
        expected_paths = {("GET", f"/bench/{i:02d}", 200) for i in range(PATHS)}
        self.assertEqual(set(counts), expected_paths)
        self.assertEqual(sum(counts.values()), self.prod["requests"])
        self.assertEqual(self.report.http_counts("client"), {})
        self.assertEqual(self.report.total("http_requests"), self.prod["requests"])
        for key in ("http_unanswered", "http_resync"):
            self.assertEqual(self.report.total(key), 0, key)

    def test_every_connection_accounted(self):
        r = self.report
        self.assertEqual(r.total("conns_opened"), self.prod["opens"])
        self.assertEqual(r.total("conns_closed"), self.prod["closes"] + self.prod["close_parked"])
        self.assertEqual(r.stats[-1]["connections_active"], 0)
        local = f"127.0.0.1:{self.port}"
        conns = {}  # by connection id, summed over windows
        for l in r.lines:
            if l["type"] == "conn" and l["role"] == "server" and l["local"] == local:
                c = conns.setdefault(l["conn_id"], {"bytes_in": 0, "bytes_out": 0, "events_in": 0})
                for k in c:
                    c[k] += l[k]
        conns = list(conns.values())
        self.assertEqual(len(conns), self.prod["opens"])
        p = self.prod
        self.assertEqual(sum(c["bytes_in"] for c in conns), p["requests"] * p["request_bytes"])
        self.assertEqual(sum(c["bytes_out"] for c in conns), p["requests"] * p["response_bytes"])
        self.assertEqual(sum(c["events_in"] for c in conns), p["requests"])

    def test_delay_sampled(self):
        samples = sum(s["delay_us"]["samples"] for s in self.report.stats)
        self.assertGreater(samples, 0)
        for s in self.report.stats:
            d = s["delay_us"]
            if d["samples"]:
                self.assertLessEqual(d["p50"], d["p99"], d)
                self.assertLessEqual(d["p99"], d["p999"], d)


if __name__ == "__main__":
    unittest.main(verbosity=2)
