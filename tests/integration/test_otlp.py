"""OTLP/HTTP export, end to end: the real sockeye (root, real BPF) watches nginx driven by curl
with traffic of known shape, exports with --otlp-endpoint to a real receiver
(tests/integration/otlp/receiver.js) that decodes every request with the OpenTelemetry JS
project's generated protobuf code, not with anything written here, and the decoded requests
are checked against the traffic sent, against sockeye's own --stdout lines, and against the
contract (docs/output.md: names, units, buckets, attributes, resource).

Runs (one sockeye each, 1-second windows, a few seconds long):
  cumulative  the default temporality; endpoint from the flag while OTEL_EXPORTER_OTLP_ENDPOINT
              points at a decoy (the flag wins); --otlp-header and OTEL_EXPORTER_OTLP_HEADERS
  delta       --temporality delta --otlp-compression gzip, endpoint from the environment only
  faults      (a) collector down at start, (b) 503 + Retry-After, (c) collector hanging
              (--otlp-timeout 1), (d) 400: not retried, counted, the next windows still go
  https       a private CA made with openssl at test time: --otlp-certificate of the right CA
              (and --otlp-headers-file); a wrong CA (nothing arrives, every export counted,
              one log line naming the URL without its user:password); the wrong CA for traces
              only (OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE): metrics arrive and count the
              traces' failures as reason "tls"; mutual TLS with the flags, with the variables
              (generic and per signal), and without a client certificate
  secrets     an endpoint's user:password never reaches stderr; a warning once when headers
              would go over plain http:// to another host
  stop        a collector that accepts and never answers, --otlp-timeout 300: SIGTERM ends
              sockeye in the 20 s export budget, every window counted"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import harness
import otlp_receiver as otlp
from otlp_receiver import attrs, int_field, metric_type, metrics_by_name, number, points

SERVICE = "sockeye-it-service"
POD, NAMESPACE = "sockeye-it-pod-7", "sockeye-it-ns"
BODY_BYTES = 1500

# The traffic every run sends, in two batches at least one window apart.
BATCH1 = {("GET", "/a", 200): 20}
BATCH2 = {("GET", "/a", 200): 20, ("GET", "/missing", 404): 10, ("POST", "/created", 201): 1}
EXPECTED = {("GET", "/a", 200): 40, ("GET", "/missing", 404): 10, ("POST", "/created", 201): 1}

DURATION_BOUNDS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]
BODY_BOUNDS = [100, 1000, 10000, 100000, 1000000]
# stdout prints milliseconds with 3 decimals: within half a microsecond of the exact value,
# plus what the float arithmetic adds (0.0205 ms prints as 0.021)
STDOUT_MS_ROUNDING = 0.0005 + 1e-9
FAILURE_REASONS = {"connect", "retryable", "rejected", "gave_up", "encode", "tls"}
CUMULATIVE = "AGGREGATION_TEMPORALITY_CUMULATIVE"
DELTA = "AGGREGATION_TEMPORALITY_DELTA"

# metric -> (type, unit, bounds or None)
CONTRACT = {
    "http.server.request.duration": ("histogram", "ms", DURATION_BOUNDS),
    "http.server.request.body_size": ("histogram", "By", BODY_BOUNDS),
    "http.client.request.duration": ("histogram", "ms", DURATION_BOUNDS),
    "http.client.request.body_size": ("histogram", "By", BODY_BOUNDS),
    "http.server.active_requests": ("gauge", "1", None),
    "tcp.connections.active": ("gauge", "1", None),
    "sockeye.events": ("sum", None, None),
    "sockeye.dropped": ("sum", None, None),
    "sockeye.export.failures": ("sum", None, None),
    "sockeye.attach.tier": ("gauge", None, None),
}
HTTP_ATTRS = {"http.request.method", "url.path", "http.response.status_code",
              "network.peer.address"}

NGINX = None  # one nginx for every run of this file (setUpModule)
_ENV_CLEARED = ("OTEL_", "POD_NAME", "POD_NAMESPACE", "http_proxy", "https_proxy", "all_proxy",
                "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "no_proxy", "NO_PROXY")


def setUpModule():
    global NGINX
    harness.require_root(None)
    otlp.ensure_installed()
    NGINX = harness.NginxServer(otlp.free_port(), files={"a": b"a\n"}).start()


def tearDownModule():
    if NGINX is not None:
        NGINX.stop()
    if PKI is not None:
        shutil.rmtree(PKI.dir, ignore_errors=True)


@contextlib.contextmanager
def environ(**kv):
    """os.environ for a sockeye run: every OTEL_*, POD_* and proxy variable removed, then kv
    set; restored afterwards."""
    saved = dict(os.environ)
    for k in list(os.environ):
        if k.startswith(_ENV_CLEARED):
            del os.environ[k]
    os.environ.update(kv)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def send(batch):
    """The requests of batch on one keep-alive connection per curl (GETs), and the POST with a
    BODY_BYTES body; every status checked."""
    port = NGINX.port
    gets = []
    for (method, path, status), n in batch.items():
        if method == "GET":
            gets += [(path, status)] * n
    if gets:
        args = ["-w", "%{http_code}\n"]
        for path, _ in gets:
            args += ["-o", "/dev/null", f"http://127.0.0.1:{port}{path}"]
        codes = harness.curl(*args).split()
        assert codes == [str(s) for _, s in gets], codes
    for (method, path, status), n in batch.items():
        if method == "POST":
            for _ in range(n):
                code = harness.curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "Expect:",
                                    "-H", "Content-Type: application/octet-stream",
                                    "--data-binary", "p" * BODY_BYTES,
                                    f"http://127.0.0.1:{port}{path}")
                assert code == str(status), code
    harness.wait_port_idle(port)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


# --- reading decoded requests -------------------------------------------------------------------

def window_end_ms(body):
    """The window a request carries: the time of its sockeye.events point (present in every
    request), in unix ms."""
    return int_field(points(metrics_by_name(body)["sockeye.events"])[0], "timeUnixNano") // 10**6


def http_counts(body, role):
    """{(method, path, status): count} of the http.<role>.request.duration points."""
    m = metrics_by_name(body).get(f"http.{role}.request.duration")
    out = {}
    for p in points(m) if m else []:
        a = attrs(p.get("attributes"))
        k = (a.get("http.request.method"), a.get("url.path"), a.get("http.response.status_code"))
        out[k] = out.get(k, 0) + int_field(p, "count")
    return out


def reasons(body, name):
    """{reason attribute: value} of a Sum such as sockeye.dropped or sockeye.export.failures."""
    m = metrics_by_name(body).get(name)
    out = {}
    for p in points(m) if m else []:
        a = attrs(p.get("attributes"))
        if set(a) != {"reason"}:
            raise AssertionError(f"{name} point with attributes {a}")
        if a["reason"] in out:
            raise AssertionError(f"{name}: reason {a['reason']} twice")
        out[a["reason"]] = number(p)
    return out


def gauge_value(body, name):
    m = metrics_by_name(body).get(name)
    if m is None:
        return None
    return sum(number(p) for p in points(m))


def series_key(metric, p):
    return (metric["name"], tuple(sorted((k, repr(v)) for k, v in attrs(p.get("attributes")).items())))


def missing_slots(ends):
    """How many 1 s windows are missing between consecutive window ends (unix ms); the last
    one may end early (when sockeye stopped)."""
    return sum(-(-(b - a) // 1000) - 1 for a, b in zip(ends, ends[1:]))


def summed(dicts):
    out = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out


# --- one sockeye run -----------------------------------------------------------------------------

class Run:
    """sockeye exporting to rx while batches run; the receiver's records and sockeye's stdout."""

    def __init__(self, rx, args, env, script, duration=None):
        self.rx = rx
        with environ(**env):
            extra = ["--duration", str(duration)] if duration else []
            self.sockeye = harness.Sockeye("--ports", str(NGINX.port), "--window", "1",
                                           *extra, *args)
        self.pid = self.sockeye.proc.pid
        self.started = time.time()
        try:
            script(self)
            if duration:
                self.sockeye.proc.wait(timeout=duration + 30)
        finally:
            self.report = self.sockeye.stop()
        self.stderr = self.sockeye.stderr
        self.records = rx.records()
        self.metrics = [r for r in self.records if r["path"] == "/v1/metrics"]
        self.delivered = [r for r in self.metrics if r["status"] == 200 and "body" in r]
        self.bodies = [r["body"] for r in self.delivered]
        self.windows = [window_end_ms(b) for b in self.bodies]
        self.stats_windows = [s["window_end"] for s in self.report.stats]
        print(f"\n[{type(self).__name__}] {len(self.records)} requests "
              f"{[r['status'] for r in self.records]}, {len(self.stats_windows)} windows on "
              f"stdout, last failures {self.failures()}", file=sys.stderr)

    def wait_delivered_past(self, t_s, timeout=25):
        """Wait until a delivered request carries a window ending after unix time t_s."""
        def done(recs):
            for r in recs:
                if r["path"] == "/v1/metrics" and r["status"] == 200 and "body" in r:
                    if window_end_ms(r["body"]) > t_s * 1000:
                        return True
            return False
        if not self.rx.wait_for(done, timeout=timeout):
            raise AssertionError(f"no window past {t_s} delivered in {timeout} s: "
                                 f"{[r['status'] for r in self.rx.records()]}")

    def last(self):
        return self.bodies[-1]

    def failures(self):
        return reasons(self.bodies[-1], "sockeye.export.failures") if self.bodies else None


def basic_script(run):
    send(BATCH1)
    time.sleep(1.1)
    send(BATCH2)


class Checks:
    """What every run must satisfy (a mixin: each run is a unittest.TestCase that sets cls.out
    in setUpClass)."""

    temporality = CUMULATIVE
    out = None

    def test_every_request_decodes_as_protobuf(self):
        self.assertTrue(self.out.metrics, "no request reached the receiver")
        for r in self.out.records:
            self.assertNotIn("decode_error", r, r)
            self.assertEqual(r["method"], "POST", r)
            self.assertIn(r["path"], ("/v1/metrics", "/v1/traces"), r)
            self.assertEqual(r["content_type"], "application/x-protobuf", r)

    def test_windows_delivered_in_order(self):
        w = self.out.windows
        self.assertEqual(w, sorted(set(w)), "delivered windows strictly increasing, none twice")
        for a, b in zip(w[:-1], w[1:-1]):
            self.assertEqual(b - a, 1000, f"1 s windows, none missing: {w}")
        if len(w) > 1:  # the last one ends when sockeye stopped
            self.assertTrue(0 < w[-1] - w[-2] <= 1000, f"the last window: {w}")

    def test_every_window_delivered_or_counted_lost(self):
        """Each window on stdout reached the collector, or is counted in
        sockeye.export.failures as rejected / given up / not encoded."""
        self.assertTrue(set(self.out.windows) <= set(self.out.stats_windows),
                        (self.out.windows, self.out.stats_windows))
        lost = [w for w in self.out.stats_windows if w not in set(self.out.windows)]
        f = self.out.failures()
        unsent = sum(f.get(k, 0) for k in ("rejected", "gave_up", "encode", "tls"))
        self.assertEqual(len(lost), unsent,
                         f"windows on stdout never delivered: {lost}; failures {f}")

    def test_stdout_windows_dropped_accounts_for_undelivered(self):
        """The stats lines' drops cover every window the collector did not get: those that
        never reached stdout either (dropped from the export queue, windows_dropped: a gap in
        the 1 s sequence) and those on stdout that were not delivered (otlp_rejected,
        otlp_unsent)."""
        w = self.out.stats_windows
        gaps = missing_slots(w)
        lost = [x for x in w if x not in set(self.out.windows)]
        total = self.out.report.total_dropped()
        # the queue's drops, and the exports the collector refused or that were given up
        # (each counted in the stats line of the window after: it is printed, then sent)
        dropped = sum(total.get(k, 0) for k in ("windows_dropped", "otlp_rejected",
                                                 "otlp_unsent"))
        self.assertEqual(dropped, gaps + len(lost), f"{gaps} windows missing from stdout, "
                         f"{len(lost)} on stdout never delivered {lost}, vs stdout "
                         f"windows_dropped + otlp_rejected + otlp_unsent {dropped}")

    def test_resource_and_scope(self):
        for b in self.out.bodies:
            self.assertEqual(len(b["resourceMetrics"]), 1)
            rm = b["resourceMetrics"][0]
            a = attrs(rm["resource"].get("attributes"))
            self.assertEqual(a.get("service.name"), SERVICE, a)
            self.assertEqual(a.get("host.name"), socket.gethostname(), a)
            self.assertEqual(a.get("process.pid"), self.out.pid, a)
            self.assertEqual(a.get("k8s.pod.name"), POD, a)
            self.assertEqual(a.get("k8s.namespace.name"), NAMESPACE, a)
            self.assertEqual(len(rm["scopeMetrics"]), 1)
            self.assertEqual(rm["scopeMetrics"][0]["scope"]["name"], "sockeye")

    def test_metric_names_types_units_buckets(self):
        seen = set()
        for body in self.out.bodies:
            seen |= set(metrics_by_name(body))
        self.assertTrue(set(CONTRACT) <= seen, f"missing {set(CONTRACT) - seen}")
        if self.temporality == CUMULATIVE:  # cumulative series stay once they appeared
            last = set(metrics_by_name(self.out.last()))
            self.assertTrue(set(CONTRACT) <= last, f"missing {set(CONTRACT) - last}")
        for body in self.out.bodies:
            for name, m in metrics_by_name(body).items():
                t = metric_type(m)
                if name in CONTRACT:
                    ctype, unit, bounds = CONTRACT[name]
                    self.assertEqual(t, ctype, name)
                    if unit is not None:
                        self.assertEqual(m.get("unit"), unit, name)
                if t in ("sum", "histogram"):
                    self.assertEqual(m[t].get("aggregationTemporality"), self.temporality, name)
                if t == "sum":
                    self.assertTrue(m["sum"].get("isMonotonic"), f"{name} is a monotonic Sum")
                for p in points(m):
                    self.assertGreater(int_field(p, "timeUnixNano"), 0, name)
                    if t == "histogram":
                        bounds = CONTRACT.get(name, (None, None, None))[2]
                        if bounds is not None:
                            self.assertEqual(p.get("explicitBounds"), bounds, name)
                        bc = [int(c) for c in p.get("bucketCounts", [])]
                        self.assertEqual(len(bc), len(p.get("explicitBounds", [])) + 1, name)
                        self.assertEqual(sum(bc), int_field(p, "count"), f"{name} {p}")
                        self.assertIn("sum", p, name)
                        if "min" in p and "max" in p:
                            self.assertLessEqual(p["min"], p["max"], name)
                    else:
                        number(p)  # a value is set, even 0

    def test_http_point_attributes(self):
        for body in self.out.bodies:
            for name, m in metrics_by_name(body).items():
                if not name.startswith("http.") or metric_type(m) != "histogram":
                    continue
                for p in points(m):
                    a = attrs(p.get("attributes"))
                    self.assertEqual(set(a), HTTP_ATTRS, f"{name}: {a}")
                    self.assertIsInstance(a["http.response.status_code"], int, a)
                    self.assertEqual(a["network.peer.address"], "127.0.0.1", a)

    def test_self_telemetry_points(self):
        last = self.out.last()
        drop = reasons(last, "sockeye.dropped")
        stdout_reasons = set(self.out.report.stats[-1]["dropped"])
        self.assertTrue(drop, "sockeye.dropped has points")
        self.assertTrue(set(drop) <= stdout_reasons, set(drop) - stdout_reasons)
        self.assertEqual(set(reasons(last, "sockeye.export.failures")), FAILURE_REASONS)
        tier = metrics_by_name(last)["sockeye.attach.tier"]
        ps = points(tier)
        self.assertEqual(len(ps), 1, ps)
        self.assertEqual(number(ps[0]), 1)
        a = attrs(ps[0].get("attributes"))
        self.assertEqual(set(a), {"tier"}, a)
        self.assertTrue(isinstance(a["tier"], str) and a["tier"], a)

    def test_gauges_match_stdout(self):
        stats = {s["window_end"]: s for s in self.out.report.stats}
        for body, w in zip(self.out.bodies, self.out.windows):
            s = stats.get(w)
            if s is None:
                continue
            self.assertEqual(gauge_value(body, "http.server.active_requests"),
                             s["active_requests"]["server"], w)
            self.assertEqual(gauge_value(body, "tcp.connections.active"),
                             s["connections_active"], w)
        self.assertEqual(gauge_value(self.out.last(), "http.server.active_requests"), 0)

    # --- HTTP totals: what the collector ends with equals the traffic sent

    def totals(self, role):
        if self.temporality == CUMULATIVE:
            return http_counts(self.out.last(), role)
        return summed(http_counts(b, role) for b in self.out.bodies)

    def test_server_totals_equal_traffic(self):
        self.assertEqual(self.totals("server"), EXPECTED)

    def test_client_totals_equal_traffic(self):
        self.assertEqual(self.totals("client"), EXPECTED)

    def test_totals_equal_stdout(self):
        for role in ("server", "client"):
            self.assertEqual(self.totals(role), self.out.report.http_counts(role), role)

    def hist_totals(self, name):
        """{series key: (count, sum, bucket counts)} at the end of the run."""
        out = {}
        self._minmax = {}
        bodies = self.out.bodies[-1:] if self.temporality == CUMULATIVE else self.out.bodies
        for b in bodies:
            m = metrics_by_name(b).get(name)
            for p in points(m) if m else []:
                k = series_key(m, p)
                c, s, bc = out.get(k, (0, 0.0, None))
                pb = [int(x) for x in p.get("bucketCounts", [])]
                out[k] = (c + int_field(p, "count"), s + p.get("sum", 0.0),
                          pb if bc is None else [x + y for x, y in zip(bc, pb)])
                lo, hi = self._minmax.get(k, (None, None))
                if "min" in p:
                    lo = p["min"] if lo is None else min(lo, p["min"])
                if "max" in p:
                    hi = p["max"] if hi is None else max(hi, p["max"])
                self._minmax[k] = (lo, hi)
        return out

    def test_histograms_equal_stdout(self):
        for role in ("server", "client"):
            for metric, field in (("request.duration", "duration_ms"),
                                  ("request.body_size", "request_body_bytes")):
                name = f"http.{role}.{metric}"
                got = self.hist_totals(name)
                want = {}
                for (r, method, path, status, peer), g in self.out.report.http_groups.items():
                    if r != role:
                        continue
                    k = (name, tuple(sorted((
                        ("http.request.method", repr(method)), ("url.path", repr(path)),
                        ("http.response.status_code", repr(status)),
                        ("network.peer.address", repr(peer))))))
                    want[k] = g[field]
                self.assertEqual(set(got), set(want), name)
                for k, (c, s, bc) in got.items():
                    h = want[k]
                    self.assertEqual(c, h["count"], k)
                    self.assertEqual(bc, h["counts"], k)
                    # stdout prints each window's sum rounded to the microsecond
                    self.assertAlmostEqual(s, h["sum"], delta=STDOUT_MS_ROUNDING * (h["count"] + 1),
                                           msg=k)
                    lo, hi = self._minmax[k]
                    if h["count"] and field == "duration_ms":
                        # min and max over the whole series (cumulative: since the start)
                        self.assertAlmostEqual(lo, h["min"], delta=STDOUT_MS_ROUNDING,
                                               msg=f"min {k}")
                        self.assertAlmostEqual(hi, h["max"], delta=STDOUT_MS_ROUNDING,
                                               msg=f"max {k}")

    def test_post_body_size(self):
        got = self.hist_totals("http.server.request.body_size")
        post = [v for k, v in got.items() if ("http.request.method", "'POST'") in k[1]]
        self.assertEqual(len(post), 1, got)
        c, s, bc = post[0]
        self.assertEqual((c, s), (1, BODY_BYTES))
        self.assertEqual(bc, [0, 0, 1, 0, 0, 0])

    def test_events_total_equals_stdout(self):
        if self.temporality == CUMULATIVE:
            got = number(points(metrics_by_name(self.out.last())["sockeye.events"])[0])
        else:
            got = sum(number(points(metrics_by_name(b)["sockeye.events"])[0])
                      for b in self.out.bodies)
        want = sum(s["events"] for s in self.report_stats_upto_last_delivered())
        self.assertEqual(got, want)

    def report_stats_upto_last_delivered(self):
        last = self.out.windows[-1]
        return [s for s in self.out.report.stats if s["window_end"] <= last]

    def test_times(self):
        """Cumulative: the sums start with the first window, each HTTP series with the window
        that first counted into it and keeps that start (none ends within --metrics-ttl); end
        times increasing. Delta: each point starts where the previous window ended."""
        prev_end = None
        sum_starts = set()
        series_start = {}
        for body in self.out.bodies:
            end = None
            for name, m in metrics_by_name(body).items():
                t = metric_type(m)
                for p in points(m):
                    e = int_field(p, "timeUnixNano")
                    end = e if end is None else end
                    self.assertEqual(e, end, f"{name}: one time per request")
                    if t not in ("sum", "histogram"):
                        continue
                    s = int_field(p, "startTimeUnixNano")
                    self.assertLess(s, e, name)
                    if self.temporality != CUMULATIVE:
                        if prev_end is not None:
                            self.assertEqual(s, prev_end, f"{name}: delta start = previous end")
                    elif t == "sum":
                        sum_starts.add(s)
                    else:
                        key = series_key(m, p)
                        self.assertEqual(series_start.setdefault(key, s), s, key)
            if prev_end is not None:
                self.assertGreater(end, prev_end)
            prev_end = end
        if self.temporality == CUMULATIVE:
            self.assertEqual(len(sum_starts), 1, f"cumulative sum starts {sorted(sum_starts)}")
            first = sum_starts.pop()
            for key, s in series_start.items():
                self.assertGreaterEqual(s, first, key)

    def test_series_never_decrease(self):
        """Cumulative: a series never vanishes nor goes down. Delta: every point of a
        monotonic sum or histogram is at least 0 (no window subtracts)."""
        seen = {}
        for body in self.out.bodies:
            now = {}
            for name, m in metrics_by_name(body).items():
                t = metric_type(m)
                if t not in ("sum", "histogram"):
                    continue
                for p in points(m):
                    now[series_key(m, p)] = int_field(p, "count") if t == "histogram" else number(p)
            if self.temporality != CUMULATIVE:
                for k, v in now.items():
                    self.assertGreaterEqual(v, 0, k)
                continue
            for k, v in seen.items():
                self.assertIn(k, now, f"cumulative series {k} vanished")
                self.assertGreaterEqual(now[k], v, k)
            seen = now


class OutageChecks:
    """What every run with a collector that is unreachable for a while must show: the failed
    connections counted, none given up, every window delivered once it is back."""

    def test_connect_failures_counted(self):
        self.assertGreater(self.out.failures()["connect"], 0, self.out.failures())
        self.assertEqual(self.out.failures()["gave_up"], 0, self.out.failures())

    def test_every_window_delivered(self):
        self.assertEqual(self.out.windows, self.out.stats_windows)


class Cumulative(Checks, unittest.TestCase):
    """The default temporality. The endpoint comes from the flag although
    OTEL_EXPORTER_OTLP_ENDPOINT names a decoy; headers from both the flag and the env."""

    @classmethod
    def setUpClass(cls):
        with otlp.OtlpReceiver() as rx, otlp.OtlpReceiver() as decoy:
            env = {"OTEL_SERVICE_NAME": SERVICE, "POD_NAME": POD, "POD_NAMESPACE": NAMESPACE,
                   "OTEL_EXPORTER_OTLP_ENDPOINT": decoy.url,
                   "OTEL_EXPORTER_OTLP_HEADERS": "k1=v1,k2=v2,X-Token=from-env",
                   "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=it,"
                                               "service.name=overridden"}
            cls.out = Run(rx, ["--otlp-endpoint", rx.url, "--otlp-header", "X-Token=abc",
                               "--otlp-header", "X-Second=two"], env, basic_script, duration=8)
            cls.decoy_records = decoy.records()

    def test_flag_wins_over_env_endpoint(self):
        self.assertEqual(self.decoy_records, [])

    def test_headers_from_flag_and_env(self):
        for r in self.out.records:
            h = r["headers"]
            self.assertIn("x-token", h)
            self.assertEqual(h.get("x-second"), "two", h)
            self.assertEqual(h.get("k1"), "v1", h)
            self.assertEqual(h.get("k2"), "v2", h)

    def test_flag_header_wins_over_env_header(self):
        """--otlp-header X-Token=abc and OTEL_EXPORTER_OTLP_HEADERS X-Token=from-env: one
        X-Token, the flag's (a repeated header reaches the receiver joined: "abc, from-env")."""
        for r in self.out.records:
            self.assertEqual(r["headers"].get("x-token"), "abc", r["headers"])

    def test_resource_attributes_env(self):
        """OTEL_RESOURCE_ATTRIBUTES adds attributes; OTEL_SERVICE_NAME wins over its
        service.name."""
        a = attrs(self.out.last()["resourceMetrics"][0]["resource"]["attributes"])
        self.assertEqual(a.get("deployment.environment.name"), "it", a)
        self.assertEqual(a.get("service.name"), SERVICE, a)

    def test_not_compressed(self):
        for r in self.out.records:
            self.assertIn(r["content_encoding"], (None, "identity"), r)

    def test_no_failures_every_window_delivered(self):
        self.assertEqual(self.out.failures(), {k: 0 for k in FAILURE_REASONS})
        self.assertEqual(self.out.windows, self.out.stats_windows)
        self.assertTrue(all(r["status"] == 200 for r in self.out.records))

    def test_traffic_spread_over_windows(self):
        mid = [http_counts(b, "server").get(("GET", "/a", 200), 0) for b in self.out.bodies]
        self.assertTrue(any(0 < n < 40 for n in mid), f"cumulative /a counts {mid}")


class DeltaGzip(Checks, unittest.TestCase):
    """--temporality delta --otlp-compression gzip; endpoint, headers and service.name
    (OTEL_RESOURCE_ATTRIBUTES) from the env only."""

    temporality = DELTA

    @classmethod
    def setUpClass(cls):
        with otlp.OtlpReceiver() as rx:
            env = {"OTEL_RESOURCE_ATTRIBUTES": f"service.name={SERVICE}",
                   "POD_NAME": POD, "POD_NAMESPACE": NAMESPACE,
                   "OTEL_EXPORTER_OTLP_ENDPOINT": rx.url,
                   "OTEL_EXPORTER_OTLP_HEADERS": "k1=v1"}
            cls.out = Run(rx, ["--temporality", "delta", "--otlp-compression", "gzip"], env,
                          basic_script, duration=8)

    def test_gzip(self):
        for r in self.out.records:
            self.assertEqual(r["content_encoding"], "gzip", r)
            self.assertGreater(r["decoded_bytes"], 0)

    def test_env_headers(self):
        for r in self.out.records:
            self.assertEqual(r["headers"].get("k1"), "v1", r["headers"])

    def test_every_window_delivered(self):
        self.assertEqual(self.out.windows, self.out.stats_windows)


FAULT_ENV = {"OTEL_SERVICE_NAME": SERVICE, "POD_NAME": POD, "POD_NAMESPACE": NAMESPACE}


class CollectorDownAtStart(Checks, OutageChecks, unittest.TestCase):
    """(a) Nothing listens for the first 3 s: sockeye keeps capturing, the queued windows go
    in order once the collector is up, and the cumulative totals end exact."""

    @classmethod
    def setUpClass(cls):
        rx = otlp.OtlpReceiver()  # its port, not listening yet

        def script(run):
            send(BATCH1)
            time.sleep(max(0.0, run.started + 3 - time.time()))
            rx.start()
            send(BATCH2)
            run.wait_delivered_past(time.time() + 1)

        try:
            cls.out = Run(rx, ["--otlp-endpoint", rx.url], FAULT_ENV, script)
        finally:
            rx.stop()
            rx.cleanup()


class CollectorGoesDownAndComesBack(Checks, OutageChecks, unittest.TestCase):
    """(a'') The collector accepts windows, goes away for 3 s while traffic goes on, and comes
    back on the same port: sockeye keeps capturing, the windows of the outage wait in the
    export queue and go out in order once it is back, none is lost, totals end exact."""

    @classmethod
    def setUpClass(cls):
        rx = otlp.OtlpReceiver()

        def script(run):
            rx.start()
            send(BATCH1)
            run.wait_delivered_past(time.time())
            rx.stop()  # its log (what it received so far) stays
            down = time.time()
            send(BATCH2)  # while it is down
            time.sleep(max(0.0, down + 3 - time.time()))
            rx.start()
            run.wait_delivered_past(time.time() + 1)

        try:
            cls.out = Run(rx, ["--otlp-endpoint", rx.url], FAULT_ENV, script)
        finally:
            rx.stop()
            rx.cleanup()



def raw_get(port, target):
    """One GET whose request target is the given bytes, sent as they are (curl would
    percent-encode them); returns the status code."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        answer = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1])


class InvalidUtf8Paths(unittest.TestCase):
    """Paths that are not valid UTF-8 (a stray byte, a sequence cut short) or are cut at 255
    bytes in the middle of a character reach the receiver as valid UTF-8: the receiver decodes
    strings strictly (as Go's protobuf does), and one bad path used to make it reject the
    whole window. Each ill-formed sequence becomes one U+FFFD, the cut falls before the
    character that does not fit, and stdout prints the same paths as OTLP."""

    LONG = b"/" + b"x" * 253
    SENT = {b"/bad\xff\xfe": "/bad\ufffd\ufffd",
            b"/cut\xe2\x82": "/cut\ufffd",
            b"/caf\xc3\xa9": "/caf\u00e9",
            LONG + "\u20ac".encode(): LONG.decode()}

    @classmethod
    def setUpClass(cls):
        with otlp.OtlpReceiver() as rx:
            def script(run):
                for target in cls.SENT:
                    assert raw_get(NGINX.port, target) == 404, target
                harness.wait_port_idle(NGINX.port)
                run.wait_delivered_past(time.time() + 1)

            cls.out = Run(rx, ["--otlp-endpoint", rx.url], FAULT_ENV, script)

    def test_every_request_decodes_strictly(self):
        self.assertTrue(self.out.metrics, "no request reached the receiver")
        for r in self.out.records:
            self.assertNotIn("decode_error", r, r)
            self.assertEqual(r["status"], 200, r)

    def test_paths_replaced_and_cut_on_a_character(self):
        got = http_counts(self.out.last(), "server")
        want = {("GET", path, 404): 1 for path in self.SENT.values()}
        self.assertEqual(got, want)
        g = self.out.report.http_group("server", "GET", self.LONG.decode(), 404)
        self.assertIsNotNone(g, self.out.report.http_groups)
        self.assertTrue(g["path_truncated"])

    def test_stdout_and_otlp_agree(self):
        stdout = {k[:3]: n for k, n in self.out.report.http_counts("server").items()}
        self.assertEqual(stdout, http_counts(self.out.last(), "server"))


class SeriesEndAfterTtl(unittest.TestCase):
    """Cumulative totals hold --max-groups series. A burst of 2000 distinct paths fills them;
    once --metrics-ttl has passed without those paths, their series end and ordinary traffic
    is exported as itself again (before, every later series went to the overflow group until
    a restart). A series that ends stops being exported; one that starts has its own start
    time."""

    BURST = 2000
    TTL_S = 2

    @classmethod
    def setUpClass(cls):
        with otlp.OtlpReceiver() as rx:
            def script(run):
                args = []
                for i in range(cls.BURST):
                    args += ["-o", "/dev/null", f"http://127.0.0.1:{NGINX.port}/unique/{i}"]
                harness.curl(*args)
                harness.wait_port_idle(NGINX.port)
                cls.burst_done = time.time()
                time.sleep(cls.TTL_S + 1.5)
                cls.after = time.time()
                send(BATCH1)
                time.sleep(1.1)
                send(BATCH1)
                run.wait_delivered_past(time.time() + 1)

            cls.out = Run(rx, ["--otlp-endpoint", rx.url, "--max-groups", "16",
                               "--metrics-ttl", str(cls.TTL_S)], FAULT_ENV, script)

    def server_points(self, body):
        m = metrics_by_name(body).get("http.server.request.duration")
        return [(attrs(p.get("attributes")), p) for p in points(m)] if m else []

    def test_burst_filled_the_totals(self):
        overflowed = [b for b in self.out.bodies
                      if any(a.get("otel.metric.overflow") for a, _ in self.server_points(b))]
        self.assertTrue(overflowed, "the burst went past --max-groups")

    def test_ordinary_traffic_exported_as_itself(self):
        got = http_counts(self.out.last(), "server")
        self.assertEqual(got, {("GET", "/a", 200): 2 * BATCH1[("GET", "/a", 200)]})

    def test_burst_series_ended(self):
        for a, _ in self.server_points(self.out.last()):
            self.assertFalse(a.get("url.path", "").startswith("/unique/"), a)
            self.assertNotIn("otel.metric.overflow", a)

    def test_new_series_starts_after_the_burst(self):
        (a, p), = self.server_points(self.out.last())
        self.assertGreater(int_field(p, "startTimeUnixNano"), int(self.burst_done * 1e9))


class QueueOverflow(Checks, unittest.TestCase):
    """(a') Collector down for 4 s with --export-queue 2: windows are dropped from the queue
    (counted in windows_dropped; their HTTP requests in http_export_dropped), the rest is
    delivered in order."""

    @classmethod
    def setUpClass(cls):
        rx = otlp.OtlpReceiver()

        def script(run):
            time.sleep(1.5)
            send(BATCH1)  # while the collector is down: maybe in a dropped window
            time.sleep(max(0.0, run.started + 4 - time.time()))
            rx.start()
            run.wait_delivered_past(0)
            send(BATCH2)  # once it is back: delivered
            run.wait_delivered_past(time.time() + 1)

        try:
            cls.out = Run(rx, ["--otlp-endpoint", rx.url, "--export-queue", "2"], FAULT_ENV,
                          script)
        finally:
            rx.stop()
            rx.cleanup()

    def test_windows_delivered_in_order(self):
        w = self.out.windows
        self.assertEqual(w, sorted(set(w)), "delivered windows strictly increasing, none twice")
        self.assertEqual(w, self.out.stats_windows)

    # The HTTP groups of a window dropped from the queue are lost (counted in
    # http_export_dropped), not carried: the totals plus that count equal the traffic.
    def test_server_totals_equal_traffic(self):
        got = self.totals("server")
        for k, n in got.items():
            self.assertLessEqual(n, EXPECTED.get(k, 0), k)

    def test_client_totals_equal_traffic(self):
        got = self.totals("client")
        for k, n in got.items():
            self.assertLessEqual(n, EXPECTED.get(k, 0), k)

    def test_lost_requests_counted(self):
        delivered = sum(self.totals("server").values()) + sum(self.totals("client").values())
        lost = self.out.report.total_dropped().get("http_export_dropped", 0)
        self.assertEqual(delivered + lost, 2 * sum(EXPECTED.values()),
                         f"{delivered} requests delivered, {lost} http_export_dropped")
        otlp_lost = reasons(self.out.last(), "sockeye.dropped").get("http_export_dropped")
        self.assertEqual(otlp_lost, lost, "sockeye.dropped{reason=http_export_dropped}")

    def test_windows_dropped_from_queue(self):
        dropped = self.out.report.total_dropped().get("windows_dropped", 0)
        self.assertGreater(dropped, 0, "the queue of 2 overflowed")
        self.assertEqual(dropped, missing_slots(self.out.stats_windows),
                         f"windows missing {self.out.stats_windows}")


class Retryable503(Checks, unittest.TestCase):
    """(b) 503 with Retry-After: 1 to the first 3 requests: the same window retried after
    about 1 s each time, then every window delivered; failures{retryable} = 3."""

    @classmethod
    def setUpClass(cls):
        with otlp.OtlpReceiver() as rx:
            rx.set_mode("status", status=503, retry_after="1", count=3, path="/v1/metrics")

            def script(run):
                basic_script(run)
                run.wait_delivered_past(time.time() + 1)

            cls.out = Run(rx, ["--otlp-endpoint", rx.url], FAULT_ENV, script)

    def test_retried_same_window_after_retry_after(self):
        m = self.out.metrics
        self.assertEqual([r["status"] for r in m[:4]], [503, 503, 503, 200], m)
        self.assertEqual(len({window_end_ms(r["body"]) for r in m[:4]}), 1,
                         "the 503-answered window is the one retried")
        # never sooner than Retry-After; later only as far as the backoff of that attempt
        # (1 s, 2 s, 4 s bases, jittered into [base/2, base)), as the OpenTelemetry Go
        # exporter does (max of the two); +1.5 s for a loaded machine
        for attempt, (a, b) in enumerate(zip(m[:3], m[1:4])):
            gap = b["t"] - a["t"]
            limit = max(1.0, 2 ** attempt) + 1.5
            self.assertTrue(0.9 <= gap <= limit,
                            f"retry {attempt}: {gap:.2f} s after a Retry-After: 1")

    def test_retryable_failures_counted(self):
        f = self.out.failures()
        self.assertEqual(f["retryable"], 3, f)
        self.assertEqual(f["rejected"] + f["gave_up"] + f["connect"], 0, f)

    def test_every_window_delivered(self):
        self.assertEqual(self.out.windows, self.out.stats_windows)


class CollectorHangs(Checks, unittest.TestCase):
    """(c) The collector reads but never answers for ~3 s (--otlp-timeout 1): sockeye times
    out, keeps capturing, recovers with every window; its RSS stays bounded."""

    @classmethod
    def setUpClass(cls):
        with otlp.OtlpReceiver() as rx:
            def script(run):
                run.wait_delivered_past(run.started + 1)
                cls.rss_before = rss_kb(run.pid)
                rx.set_mode("hang")
                send(BATCH1)
                time.sleep(1.5)
                send(BATCH2)
                time.sleep(1.5)
                cls.hung = [r for r in rx.records() if r["status"] == "hang"]
                rx.set_mode("ok")
                run.wait_delivered_past(time.time() + 1)
                cls.rss_after = rss_kb(run.pid)

            cls.out = Run(rx, ["--otlp-endpoint", rx.url, "--otlp-timeout", "1"], FAULT_ENV,
                          script)
        print(f"RSS {cls.rss_before} kB before the hang, {cls.rss_after} kB after",
              file=sys.stderr)

    def test_requests_hung_and_timed_out(self):
        self.assertTrue(self.hung, "the receiver held requests unanswered")
        self.assertGreater(self.out.failures()["connect"], 0, self.out.failures())

    def test_every_window_delivered(self):
        self.assertEqual(self.out.windows, self.out.stats_windows)

    def test_rss_bounded(self):
        self.assertLess(self.rss_after - self.rss_before, 16 * 1024,
                        f"VmRSS {self.rss_before} -> {self.rss_after} kB")


class Rejected400(Checks, unittest.TestCase):
    """(d) 400 to the first 2 requests: not retried, counted as rejected, the next windows
    still go; cumulative totals are still exact (the running totals include the lost ones)."""

    @classmethod
    def setUpClass(cls):
        with otlp.OtlpReceiver() as rx:
            rx.set_mode("status", status=400, count=2, path="/v1/metrics")

            def script(run):
                send(BATCH1)
                if not rx.wait_for(
                        lambda recs: len([r for r in recs if r["path"] == "/v1/metrics"]) >= 2,
                        timeout=10):
                    raise AssertionError("the two rejected exports did not come within 10 s")
                time.sleep(0.2)
                send(BATCH2)
                run.wait_delivered_past(time.time() + 1)

            cls.out = Run(rx, ["--otlp-endpoint", rx.url], FAULT_ENV, script)

    def test_not_retried(self):
        m = self.out.metrics
        self.assertEqual([r["status"] for r in m[:3]], [400, 400, 200], m)
        ends = [window_end_ms(r["body"]) for r in m[:3]]
        self.assertEqual(ends, sorted(set(ends)), f"each request a new window: {ends}")

    def test_rejected_counted(self):
        f = self.out.failures()
        self.assertEqual(f["rejected"], 2, f)
        self.assertEqual(f["retryable"] + f["gave_up"] + f["connect"], 0, f)

    def test_windows_delivered_in_order(self):
        # the two rejected windows are missing from the delivered ones: check the rest
        w = self.out.windows
        self.assertEqual(w, sorted(set(w)))
        self.assertEqual(w, self.out.stats_windows[2:])



# --- HTTPS: a private CA, a wrong one, mutual TLS ---------------------------------------------

PKI = None  # the certificates of this file's HTTPS runs (pki())


class Pki:
    """Made with openssl in a temporary directory: a private CA; a server certificate it
    signed for 127.0.0.1 and localhost; client certificates it signed (common names
    sockeye-client and sockeye-traces); and a second CA that signed nothing here."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sockeye-it-pki-")
        self._ca("ca")
        self._ca("wrong-ca")
        self._leaf("server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                   "extendedKeyUsage=serverAuth")
        self._leaf("client", "sockeye-client", "extendedKeyUsage=clientAuth")
        self._leaf("traces", "sockeye-traces", "extendedKeyUsage=clientAuth")

    def path(self, name):
        return os.path.join(self.dir, name)

    def _openssl(self, *args):
        r = subprocess.run(["openssl", *args], cwd=self.dir, capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError(f"openssl {' '.join(args)}: {r.stderr.strip()}")

    def _key_args(self, name):
        return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", f"{name}.key"]

    def _ca(self, name):
        self._openssl("req", "-x509", *self._key_args(name), "-out", f"{name}.crt",
                      "-days", "2", "-subj", f"/CN=sockeye-it {name}")

    def _leaf(self, name, cn, ext):
        with open(self.path(f"{name}.ext"), "w") as f:
            f.write(ext + "\n")
        self._openssl("req", *self._key_args(name), "-out", f"{name}.csr", "-subj", f"/CN={cn}")
        self._openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                      "-CAcreateserial", "-out", f"{name}.crt", "-days", "2",
                      "-extfile", f"{name}.ext")

    def server(self, mutual=False):
        """HTTPS for a receiver with the server certificate; mutual: clients need one too."""
        return otlp.Tls(self.path("server.key"), self.path("server.crt"), self.path("ca.crt"),
                        client_ca=self.path("ca.crt") if mutual else None,
                        client=(self.path("client.crt"), self.path("client.key")))


def pki():
    global PKI
    if PKI is None:
        PKI = Pki()
    return PKI


def idle_run(rx_url, args, env=None, seconds=3.5):
    """sockeye exporting to rx_url for a few 1 s windows with no traffic on its port (each
    window is then one export, of metrics); its stdout report and stderr."""
    with environ(**(env if env is not None else FAULT_ENV)):
        s = harness.Sockeye("--ports", str(NGINX.port), "--window", "1",
                            *(["--otlp-endpoint", rx_url] if rx_url else []), *args)
    try:
        time.sleep(seconds)
    finally:
        report = s.stop()
    return report, s.stderr


class IdleLossChecks:
    """A run with no traffic whose every export failed (cls.report, cls.stderr, cls.records)."""

    def test_nothing_arrives(self):
        self.assertEqual([r for r in self.records if "body" in r], [])

    def test_every_window_counted_unsent(self):
        """One export per window (no traffic, no spans), each counted in stdout's
        otlp_unsent, the last window's too: once stopping, a window is exported before its
        stats line is printed."""
        total = self.report.total_dropped()
        self.assertGreaterEqual(len(self.report.stats), 3)
        self.assertEqual(total.get("otlp_unsent"), len(self.report.stats), total)
        self.assertEqual(total.get("otlp_rejected"), 0, total)


class HttpsPrivateCa(Checks, unittest.TestCase):
    """(1) An HTTPS collector whose certificate a private CA signed, --otlp-certificate that
    CA: every window arrives and decodes, over one kept-alive connection; the headers come
    from --otlp-headers-file."""

    @classmethod
    def setUpClass(cls):
        p = pki()
        headers = p.path("headers")
        with open(headers, "w") as f:
            f.write("# the token, from a secret volume\nAuthorization: Bearer t0ken-from-file\n"
                    "X-Tenant=it\n")
        with otlp.OtlpReceiver(tls=p.server()) as rx:
            cls.out = Run(rx, ["--otlp-endpoint", rx.url, "--otlp-certificate",
                               p.path("ca.crt"), "--otlp-headers-file", headers], FAULT_ENV,
                          basic_script, duration=8)

    def test_no_failures_every_window_delivered(self):
        self.assertEqual(self.out.failures(), {k: 0 for k in FAILURE_REASONS})
        self.assertEqual(self.out.windows, self.out.stats_windows)
        self.assertTrue(all(r["status"] == 200 for r in self.out.records))

    def test_one_connection(self):
        """The TLS files are set on the handle before each request: libcurl still reuses the
        connection (a handshake per window would cost the collector)."""
        self.assertEqual({r["conn"] for r in self.out.records}, {0})

    def test_headers_from_file(self):
        for r in self.out.records:
            self.assertEqual(r["headers"].get("authorization"), "Bearer t0ken-from-file")
            self.assertEqual(r["headers"].get("x-tenant"), "it")

    def test_no_warning(self):
        self.assertNotIn("OTLP:", self.out.stderr)


class HttpsWrongCa(IdleLossChecks, unittest.TestCase):
    """(2) --otlp-certificate names a CA that did not sign the collector's certificate, and
    the endpoint has a user:password: nothing arrives, every export is counted lost, and one
    line says so, naming the URL without its user:password and pointing at the certificate."""

    @classmethod
    def setUpClass(cls):
        p = pki()
        with otlp.OtlpReceiver(tls=p.server()) as rx:
            cls.port = rx.port
            cls.report, cls.stderr = idle_run(
                f"https://user:secret@127.0.0.1:{rx.port}",
                ["--otlp-certificate", p.path("wrong-ca.crt")])
            cls.records = rx.records()

    def test_one_log_line(self):
        lines = [l for l in self.stderr.splitlines() if "TLS failed" in l]
        self.assertEqual(len(lines), 1, self.stderr)
        line = lines[0]
        self.assertIn(f": https://127.0.0.1:{self.port}/v1/metrics: TLS failed: SSL certificate "
                      "problem", line)
        self.assertIn("--otlp-certificate", line)

    def test_userinfo_never_shown(self):
        self.assertNotIn("secret", self.stderr)


class HttpsTracesWrongCa(unittest.TestCase):
    """The CA from OTEL_EXPORTER_OTLP_CERTIFICATE, but OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE
    names the wrong one: metrics arrive, traces never do, and the metrics count each failed
    traces export in sockeye.export.failures{reason="tls"} (not retried: nothing else)."""

    @classmethod
    def setUpClass(cls):
        p = pki()
        with otlp.OtlpReceiver(tls=p.server()) as rx:
            env = dict(FAULT_ENV, OTEL_EXPORTER_OTLP_ENDPOINT=rx.url,
                       OTEL_EXPORTER_OTLP_CERTIFICATE=p.path("ca.crt"),
                       OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE=p.path("wrong-ca.crt"))
            cls.out = Run(rx, [], env, basic_script, duration=6)

    def test_metrics_arrive_traces_do_not(self):
        self.assertEqual(self.out.windows, self.out.stats_windows)
        self.assertEqual([r for r in self.out.records if r["path"] != "/v1/metrics"], [])

    def test_tls_failures_counted(self):
        """Windows with HTTP groups have spans (a summary span per group), so a traces export:
        each one before the last metrics export is counted in it."""
        span_windows = sorted({l["window_end"] for l in self.out.report.http_lines})
        last = self.out.windows[-1]
        before = [w for w in span_windows if w < last]
        f = self.out.failures()
        self.assertGreater(len(before), 0, span_windows)
        self.assertEqual(f, dict({k: 0 for k in FAILURE_REASONS}, tls=len(before)))
        # stdout: every traces export lost, the last window's included
        self.assertEqual(self.out.report.total_dropped().get("otlp_unsent"), len(span_windows))

    def test_one_log_line_for_traces(self):
        lines = [l for l in self.out.stderr.splitlines() if "TLS failed" in l]
        self.assertEqual(len(lines), 1, self.out.stderr)
        self.assertIn("/v1/traces: TLS failed", lines[0])


class MutualTlsFlags(Checks, unittest.TestCase):
    """(3) The collector requires a client certificate its CA signed: --otlp-client-certificate
    and --otlp-client-key give it, every window arrives with it."""

    @classmethod
    def setUpClass(cls):
        p = pki()
        with otlp.OtlpReceiver(tls=p.server(mutual=True)) as rx:
            cls.out = Run(rx, ["--otlp-endpoint", rx.url, "--otlp-certificate", p.path("ca.crt"),
                               "--otlp-client-certificate", p.path("client.crt"),
                               "--otlp-client-key", p.path("client.key")], FAULT_ENV,
                          basic_script, duration=8)

    def test_every_window_delivered_with_the_client_certificate(self):
        self.assertEqual(self.out.windows, self.out.stats_windows)
        self.assertEqual({r["client_cn"] for r in self.out.records}, {"sockeye-client"})
        self.assertEqual(self.out.failures(), {k: 0 for k in FAILURE_REASONS})


class MutualTlsEnv(Checks, unittest.TestCase):
    """(3') The same from the variables: OTEL_EXPORTER_OTLP_CERTIFICATE,
    OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and _CLIENT_KEY, and the traces' own client
    certificate from OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE and _KEY (a signal's own
    variable wins for it)."""

    @classmethod
    def setUpClass(cls):
        p = pki()
        with otlp.OtlpReceiver(tls=p.server(mutual=True)) as rx:
            env = dict(FAULT_ENV, OTEL_EXPORTER_OTLP_ENDPOINT=rx.url,
                       OTEL_EXPORTER_OTLP_CERTIFICATE=p.path("ca.crt"),
                       OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE=p.path("client.crt"),
                       OTEL_EXPORTER_OTLP_CLIENT_KEY=p.path("client.key"),
                       OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE=p.path("traces.crt"),
                       OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY=p.path("traces.key"))
            cls.out = Run(rx, [], env, basic_script, duration=8)

    def test_each_signal_with_its_client_certificate(self):
        self.assertEqual(self.out.windows, self.out.stats_windows)
        cns = {(r["path"], r["client_cn"]) for r in self.out.records}
        self.assertEqual(cns, {("/v1/metrics", "sockeye-client"), ("/v1/traces", "sockeye-traces")})
        self.assertEqual(self.out.failures(), {k: 0 for k in FAILURE_REASONS})


class MutualTlsWithoutClientCertificate(IdleLossChecks, unittest.TestCase):
    """(3'') The collector requires a client certificate and sockeye has none: it refuses
    (a TLS 1.3 alert on the first read), which is a TLS failure, not retried."""

    @classmethod
    def setUpClass(cls):
        p = pki()
        with otlp.OtlpReceiver(tls=p.server(mutual=True)) as rx:
            cls.report, cls.stderr = idle_run(rx.url, ["--otlp-certificate", p.path("ca.crt")])
            cls.records = rx.records()

    def test_one_log_line(self):
        lines = [l for l in self.stderr.splitlines() if "TLS failed" in l]
        self.assertEqual(len(lines), 1, self.stderr)
        self.assertIn("alert certificate required", lines[0])
        self.assertIn("--otlp-client-certificate", lines[0])


# --- secrets in the endpoint and over plain http ---------------------------------------------

class EndpointSecrets(unittest.TestCase):
    """(4) An endpoint with a user:password: failures are logged with the URL, never with it.
    Headers or a user:password for another host over plain http:// get one warning at start;
    for this machine (loopback) none."""

    @classmethod
    def setUpClass(cls):
        cls.dead = otlp.free_port()  # nothing listens
        cls.loopback_report, cls.loopback = idle_run(
            f"http://user:secret@127.0.0.1:{cls.dead}", ["--otlp-header", "X-Token=tok"])
        # TEST-NET-1 (RFC 5737): nothing answers there; 1 s per attempt bounds the stop
        cls.remote_report, cls.remote = idle_run(
            "http://user:secret@192.0.2.1:4318",
            ["--otlp-header", "X-Token=tok", "--otlp-timeout", "1"], seconds=2)
        cls.plain_report, cls.plain = idle_run("http://192.0.2.1:4318", ["--otlp-timeout", "1"],
                                               seconds=2)

    def test_userinfo_never_logged(self):
        for err in (self.loopback, self.remote):
            self.assertNotIn("secret", err)
        # the failure itself is logged, with the URL
        self.assertIn(f"OTLP: http://127.0.0.1:{self.dead}/v1/metrics: ", self.loopback)

    def test_warning_once_for_another_host(self):
        lines = [l for l in self.remote.splitlines() if "plain http://" in l]
        self.assertEqual(len(lines), 1, self.remote)
        self.assertIn("OTLP: http://192.0.2.1:4318/v1/metrics is plain http:// to another host: "
                      "the export headers and the URL's user:password travel unencrypted",
                      lines[0])

    def test_no_warning_for_loopback_or_without_secrets(self):
        self.assertNotIn("plain http://", self.loopback)
        self.assertNotIn("plain http://", self.plain)


# --- a bounded stop ----------------------------------------------------------------------------

class SilentCollector:
    """A TCP server on 127.0.0.1 that accepts connections, reads what comes and never
    answers: each export waits for its whole --otlp-timeout."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.received = 0
        self.conns = []
        self.closed = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.closed:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self._read, args=(c,), daemon=True).start()

    def _read(self, c):
        while True:
            try:
                data = c.recv(65536)
            except OSError:
                return
            if not data:
                return
            self.received += len(data)

    def close(self):
        self.closed = True
        self.sock.close()
        for c in self.conns:
            c.close()


class StopBudget(unittest.TestCase):
    """The collector takes each request and never answers; --otlp-timeout 300. SIGTERM after a
    few windows: the export under way is cut when the 20 s budget of the stop is spent, the
    queued and last windows are given up, sockeye exits 0 well inside Kubernetes' 30 s, and
    stdout's stats lines count every window as not delivered."""

    BUDGET_S = 20
    MARGIN_S = 15 if harness.SANITIZED else 5

    @classmethod
    def setUpClass(cls):
        rx = SilentCollector()
        try:
            with environ(**FAULT_ENV):
                s = harness.Sockeye("--ports", str(NGINX.port), "--window", "1",
                                    "--otlp-endpoint", f"http://127.0.0.1:{rx.port}",
                                    "--otlp-timeout", "300")
            deadline = time.monotonic() + 10
            while not rx.received and time.monotonic() < deadline:
                time.sleep(0.05)
            cls.received = rx.received
            time.sleep(2)  # more windows queue behind the one waiting for an answer
            t0 = time.monotonic()
            try:
                cls.report = s.stop(signal.SIGTERM, timeout=cls.BUDGET_S + cls.MARGIN_S)
            finally:
                cls.elapsed = time.monotonic() - t0
            cls.stderr = s.stderr
        finally:
            rx.close()
        print(f"\n[StopBudget] stopped in {cls.elapsed:.1f} s", file=sys.stderr)

    def test_request_was_under_way(self):
        self.assertGreater(self.received, 0, "the first export reached the collector")

    def test_stopped_within_the_budget(self):
        # not before: the export under way had until the budget's end to be answered
        self.assertGreaterEqual(self.elapsed, self.BUDGET_S - 0.5)
        self.assertLess(self.elapsed, self.BUDGET_S + self.MARGIN_S)

    def test_every_window_counted_unsent(self):
        total = self.report.total_dropped()
        self.assertGreaterEqual(len(self.report.stats), 3)
        self.assertEqual(total.get("otlp_unsent"), len(self.report.stats), total)

    def test_logged(self):
        self.assertIn("stopping, and the time to export is over", self.stderr)


# --- spans: requests with trace context get their own span, the rest are summarised -------------

SERVER_KIND, CLIENT_KIND = "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT"
KIND_ROLE = {SERVER_KIND: "server", CLIENT_KIND: "client"}
ERROR = "STATUS_CODE_ERROR"
SPAN_TIME_SLACK_NS = 100 * 10**6  # kernel (monotonic) times converted to wall clock


def hex_id(nbytes):
    """A random id as hex, never all zero (W3C and B3 both forbid it)."""
    while True:
        v = os.urandom(nbytes).hex()
        if int(v, 16):
            return v


def traced_request(via, path, status, bits=128):
    """One request with trace context: via "w3c", "b3" (single header) or "b3multi"; bits is
    the B3 trace id's width (64 or 128). "trace" is the id sockeye must report (a 64-bit B3 id
    right-aligned into 16 bytes), "parent" the span id sent."""
    t, p = hex_id(16 if via == "w3c" else bits // 8), hex_id(8)
    if via == "w3c":
        headers = [f"traceparent: 00-{t}-{p}-01"]
    elif via == "b3":
        headers = [f"b3: {t}-{p}-1"]
    else:
        headers = [f"X-B3-TraceId: {t}", f"X-B3-SpanId: {p}", "X-B3-Sampled: 1"]
    return {"via": via, "path": path, "status": status, "trace": t.rjust(32, "0"), "parent": p,
            "headers": headers}


def curl_each(reqs):
    """GET every (path, headers) of reqs with one curl (--next between them: its own headers
    each, one keep-alive connection); returns the status codes."""
    args = []
    for i, (path, headers) in enumerate(reqs):
        if i:
            args.append("--next")
        args += ["-s", "-S"]
        for h in headers:
            args += ["-H", h]
        args += ["-o", "/dev/null", "-w", "%{http_code}\n", f"http://127.0.0.1:{NGINX.port}{path}"]
    return [int(c) for c in harness.curl(*args).split()]


def send_traced(traced, untraced=()):
    """The traced requests (dicts of traced_request), then untraced [(path, status)]; every
    status checked."""
    reqs = [(t["path"], t["headers"]) for t in traced] + [(p, []) for p, _ in untraced]
    codes = curl_each(reqs)
    assert codes == [t["status"] for t in traced] + [s for _, s in untraced], codes
    harness.wait_port_idle(NGINX.port)


def traces_bodies(run):
    return [r["body"] for r in run.records
            if r["path"] == "/v1/traces" and r["status"] == 200 and "body" in r]


def spans_of(body):
    out = []
    for rs in body.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            out += ss.get("spans", [])
    return out


def is_traced(span):
    """A traced request's span has the caller's span as parent; a summary span has none."""
    return bool(span.get("parentSpanId"))


def span_key(span):
    """(role, method, path, status) of a span, from its kind and attributes."""
    a = attrs(span.get("attributes"))
    return (KIND_ROLE.get(span.get("kind")), a.get("http.request.method"), a.get("url.path"),
            a.get("http.response.status_code"))


def workers_of(stderr):
    m = re.search(r"capturing: (\d+) workers", stderr)
    if not m:
        raise AssertionError(f"no 'capturing: N workers' on stderr: {stderr}")
    return int(m.group(1))


class SpanChecks:
    """What the spans of a run with traced requests satisfy (a mixin: setUpClass sets
    cls.out, cls.traced (the requests sent with context), cls.untraced (how many without),
    cls.t_lo and cls.t_hi (unix ns around the sending))."""

    out = traced = untraced = t_lo = t_hi = None

    @classmethod
    def collect(cls):
        cls.bodies = traces_bodies(cls.out)
        cls.traced_spans = [s for b in cls.bodies for s in spans_of(b) if is_traced(s)]
        cls.summary_spans = [s for b in cls.bodies for s in spans_of(b) if not is_traced(s)]
        cls.by_trace = {t["trace"]: t for t in cls.traced}
        print(f"[{cls.__name__}] {len(cls.bodies)} /v1/traces bodies, "
              f"{len(cls.traced_spans)} traced spans, {len(cls.summary_spans)} summary spans",
              file=sys.stderr)

    def stat_total(self, name):
        return sum(s[name] for s in self.out.report.stats)

    def test_every_window_delivered(self):
        """Precondition of the accounting below: nothing lost on the way."""
        self.assertEqual(self.out.windows, self.out.stats_windows)
        self.assertTrue(all(r["status"] == 200 for r in self.out.records),
                        [(r["path"], r["status"]) for r in self.out.records])

    def test_traces_requests_are_protobuf(self):
        recs = [r for r in self.out.records if r["path"] == "/v1/traces"]
        self.assertTrue(recs, "no POST /v1/traces")
        for r in recs:
            self.assertNotIn("decode_error", r, r)
            self.assertEqual(r["method"], "POST", r)
            self.assertEqual(r["content_type"], "application/x-protobuf", r)
            self.assertEqual(r["status"], 200, r)

    def test_traces_resource_and_scope(self):
        for b in self.bodies:
            self.assertEqual(len(b["resourceSpans"]), 1, b)
            rs = b["resourceSpans"][0]
            a = attrs(rs["resource"].get("attributes"))
            self.assertEqual(a.get("service.name"), SERVICE, a)
            self.assertEqual(a.get("process.pid"), self.out.pid, a)
            self.assertEqual(len(rs["scopeSpans"]), 1)
            self.assertEqual(rs["scopeSpans"][0]["scope"]["name"], "sockeye")

    def test_traced_spans_carry_the_callers_context(self):
        """Each kept span is in a trace that was sent, child of the span that was sent, with
        a new 8-byte span id; at most one span per (trace, role)."""
        seen = set()
        for s in self.traced_spans:
            want = self.by_trace.get(s.get("traceId"))
            self.assertIsNotNone(want, f"span in a trace never sent: {s}")
            self.assertEqual(s.get("parentSpanId"), want["parent"], f"{want['via']}: {s}")
            sid = s.get("spanId", "")
            self.assertEqual(len(sid), 16, f"an 8-byte span id: {s}")
            self.assertNotEqual(int(sid, 16), 0, s)
            self.assertNotEqual(sid, want["parent"], f"a new span, not the caller's: {s}")
            self.assertIn(s.get("kind"), KIND_ROLE, s)
            k = (s["traceId"], s["kind"])
            self.assertNotIn(k, seen, f"two {s['kind']} spans for trace {s['traceId']}")
            seen.add(k)
        ids = [s["spanId"] for s in self.traced_spans]
        self.assertEqual(len(ids), len(set(ids)), "span ids unique")

    def test_traced_span_fields(self):
        for s in self.traced_spans:
            want = self.by_trace[s["traceId"]]
            role = KIND_ROLE[s["kind"]]
            self.assertEqual(s.get("name"), "GET", s)
            a = attrs(s.get("attributes"))
            self.assertEqual(a, {"http.request.method": "GET", "url.path": want["path"],
                                 "http.response.status_code": want["status"],
                                 "network.peer.address": "127.0.0.1"}, f"{want['via']}: {s}")
            start, end = int_field(s, "startTimeUnixNano"), int_field(s, "endTimeUnixNano")
            self.assertLess(start, end, s)
            self.assertGreaterEqual(start, self.t_lo - SPAN_TIME_SLACK_NS, s)
            self.assertLessEqual(end, self.t_hi + SPAN_TIME_SLACK_NS, s)
            error = want["status"] >= 500 or (role == "client" and want["status"] >= 400)
            code = s.get("status", {}).get("code")
            if error:
                self.assertEqual(code, ERROR, f"{role} {want['status']}: {s}")
            else:
                self.assertNotEqual(code, ERROR, f"{role} {want['status']}: {s}")

    def test_summary_spans(self):
        """Summary spans: no parent, a new trace each, the group's attributes and its request
        count; one per (role, method, path, status) per window; each matches the window's
        stdout http line (count - spanned requests, ending at the window's end, lasting the
        group's mean duration)."""
        sent = set(self.by_trace)
        ends = set(self.out.stats_windows)
        lines = {(l["window_end"], l["role"], l["method"], l["path"], l["status"]): l
                 for l in self.out.report.http_lines}
        trace_ids = []
        for b in self.bodies:
            keys = []
            for s in spans_of(b):
                if is_traced(s):
                    continue
                self.assertEqual(len(s.get("traceId", "")), 32, s)
                self.assertNotEqual(int(s["traceId"], 16), 0, s)
                self.assertNotIn(s["traceId"], sent, s)
                self.assertEqual(len(s.get("spanId", "")), 16, s)
                trace_ids.append(s["traceId"])
                a = attrs(s.get("attributes"))
                self.assertEqual(set(a), HTTP_ATTRS | {"sockeye.request.count"}, a)
                self.assertEqual(a["network.peer.address"], "127.0.0.1", a)
                self.assertGreater(a["sockeye.request.count"], 0, a)
                key = span_key(s)
                self.assertEqual(s.get("name"), key[1], s)
                keys.append(key)
                start, end = int_field(s, "startTimeUnixNano"), int_field(s, "endTimeUnixNano")
                self.assertLessEqual(start, end, s)
                w = end // 10**6
                self.assertIn(w, ends, f"summary span ends at a window's end: {s}")
                line = lines.get((w, *key))
                self.assertIsNotNone(line, f"no stdout http line for {key} in window {w}")
                self.assertEqual(a["sockeye.request.count"], line["count"] - line["spanned"],
                                 f"{key} {line}")
                d = line["duration_ms"]
                self.assertAlmostEqual((end - start) / 1e6, d["sum"] / d["count"], delta=0.002,
                                       msg=f"mean duration {key}")
                error = key[3] >= 500 or (key[0] == "client" and key[3] >= 400)
                code = s.get("status", {}).get("code")
                self.assertEqual(code == ERROR, error, f"{key}: {s}")
            self.assertEqual(len(keys), len(set(keys)), f"one summary span per group: {keys}")
        self.assertEqual(len(trace_ids), len(set(trace_ids)), "a new trace per summary span")
        # and every window's group with requests that have no span of their own (untraced,
        # or past the span limit) has its summary span
        got = {(int_field(s, "endTimeUnixNano") // 10**6, *span_key(s))
               for s in self.summary_spans}
        want = {k for k, l in lines.items() if l["count"] > l["spanned"]}
        self.assertEqual(got, want)

    def test_stdout_traced_counts(self):
        """stdout's http lines count every request that came with context as traced."""
        for role in ("server", "client"):
            n = sum(l["traced"] for l in self.out.report.http_lines if l["role"] == role)
            self.assertEqual(n, len(self.traced), role)

    def test_spans_stat_equals_spans_received(self):
        self.assertEqual(self.stat_total("spans"), len(self.traced_spans))
        self.assertEqual(self.out.report.total_dropped().get("spans_alloc"), 0)

    def test_over_limit_plus_received_equals_traced(self):
        self.assertEqual(self.stat_total("spans_over_limit") + len(self.traced_spans),
                         2 * len(self.traced), "a span per traced request and role")

    def test_summary_counts_untraced_and_over_limit(self):
        """Per role, the summary spans count the requests without context, plus the traced
        ones past the span limit (which got no span of their own)."""
        got, want = {}, {}
        for kind, role in KIND_ROLE.items():
            kept = sum(1 for s in self.traced_spans if s["kind"] == kind)
            got[role] = sum(attrs(s["attributes"])["sockeye.request.count"]
                            for s in self.summary_spans if s.get("kind") == kind)
            want[role] = self.untraced + len(self.traced) - kept
        self.assertEqual(got, want, f"summary spans' sockeye.request.count by role; sent "
                         f"{self.untraced} untraced, {len(self.traced)} traced of which "
                         f"{len(self.traced_spans)} spans kept over both roles")


class Spans(SpanChecks, unittest.TestCase):
    """W3C traceparent, B3 single (64- and 128-bit ids) and B3 multi, to 200, 404 and 500
    locations, then requests without context to two paths over two windows; the default span
    limit (nothing over it)."""

    TRACED = [("w3c", "/traced", 200, 128)] * 3 + [
        ("w3c", "/error", 500, 128), ("w3c", "/missing", 404, 128),
        ("b3", "/traced", 200, 64), ("b3", "/traced", 200, 128), ("b3", "/error", 500, 64),
        ("b3multi", "/traced", 200, 64), ("b3multi", "/traced", 200, 128),
        ("b3multi", "/missing", 404, 128)]
    UNTRACED_A = [("/ok", 200)] * 4 + [("/missing", 404)] * 2
    UNTRACED_B = [("/ok", 200)] * 3 + [("/missing", 404)]

    @classmethod
    def setUpClass(cls):
        cls.traced = [traced_request(*t) for t in cls.TRACED]
        cls.untraced = len(cls.UNTRACED_A) + len(cls.UNTRACED_B)
        with otlp.OtlpReceiver() as rx:
            def script(run):
                cls.t_lo = time.time_ns()
                send_traced(cls.traced, cls.UNTRACED_A)
                time.sleep(1.1)
                send_traced([], cls.UNTRACED_B)
                cls.t_hi = time.time_ns()

            cls.out = Run(rx, ["--otlp-endpoint", rx.url], FAULT_ENV, script)
        cls.collect()

    def test_one_server_and_one_client_span_per_traced_request(self):
        got = {}
        for s in self.traced_spans:
            got.setdefault(s["traceId"], []).append(s["kind"])
        for t in self.traced:
            self.assertEqual(sorted(got.get(t["trace"], [])), [CLIENT_KIND, SERVER_KIND],
                             f"{t['via']} {t['path']}: trace {t['trace']}")
        self.assertEqual(self.stat_total("spans_over_limit"), 0)

    def test_b3_64bit_ids_right_aligned(self):
        short = [t for t in self.traced if t["via"] != "w3c" and t["trace"].startswith("0" * 16)]
        self.assertTrue(short, "64-bit B3 ids were sent")
        for t in short:
            self.assertTrue(any(s["traceId"] == t["trace"] for s in self.traced_spans), t)

    def test_summary_groups_per_window(self):
        """The untraced requests went in two windows: each (role, GET, path, status) has a
        summary span in two windows at least."""
        per_key = {}
        for s in self.summary_spans:
            per_key.setdefault(span_key(s), set()).add(int_field(s, "endTimeUnixNano"))
        for role in ("server", "client"):
            for path, status in (("/ok", 200), ("/missing", 404)):
                self.assertGreaterEqual(len(per_key.get((role, "GET", path, status), ())), 2,
                                        f"{role} {path}: {per_key}")


class SpanLimit(SpanChecks, unittest.TestCase):
    """--max-spans-per-second 2 --window 1: 20 traced requests at once (and 3 without
    context); at most the limit of spans per window, the rest counted in spans_over_limit."""

    LIMIT = 2

    @classmethod
    def setUpClass(cls):
        vias = ("w3c", "b3", "b3multi")
        cls.traced = [traced_request(vias[i % 3], "/traced", 200, 64 if i % 2 else 128)
                      for i in range(20)]
        cls.untraced = 3
        with otlp.OtlpReceiver() as rx:
            def script(run):
                cls.t_lo = time.time_ns()
                send_traced(cls.traced, [("/ok", 200)] * cls.untraced)
                cls.t_hi = time.time_ns()

            cls.out = Run(rx, ["--otlp-endpoint", rx.url, "--max-spans-per-second",
                               str(cls.LIMIT)], FAULT_ENV, script)
        cls.collect()
        cls.workers = workers_of(cls.out.stderr)
        # per window: LIMIT x 1 s, shared out among the workers, rounded up
        cls.per_window = cls.workers * -(-cls.LIMIT * 1 // cls.workers)
        print(f"[SpanLimit] {cls.workers} workers: at most {cls.per_window} spans a window; "
              f"spans_over_limit {sum(s['spans_over_limit'] for s in cls.out.report.stats)}",
              file=sys.stderr)

    def test_at_most_the_limit_per_window(self):
        for b in self.bodies:
            n = sum(1 for s in spans_of(b) if is_traced(s))
            self.assertLessEqual(n, self.per_window, f"{self.workers} workers")
        self.assertGreater(len(self.traced_spans), 0, "some traced requests got a span")
        windows = {l["window_end"] for l in self.out.report.http_lines if l["traced"]}
        self.assertLessEqual(len(self.traced_spans), self.per_window * len(windows))
        self.assertGreaterEqual(self.stat_total("spans_over_limit"),
                                2 * len(self.traced) - self.per_window * len(windows))


class Dns(unittest.TestCase):
    """DNS over OTLP: dnsmasq on a loopback port named by --dns-ports, dig against it; the
    receiver's last cumulative request holds dns.resolution.duration per (name, type, response
    code) with the seed's bounds and the attributes docs/output.md names, and the query that
    got no answer in dns.queries.unanswered."""

    PORT, SILENT = 5391, 5392
    BOUNDS = [1, 5, 10, 50, 100, 500]

    @classmethod
    def setUpClass(cls):
        dnsmasq = subprocess.Popen(
            ["dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts", "--bind-interfaces",
             "--listen-address=127.0.0.1", f"--port={cls.PORT}", "--address=/svc.test/10.1.2.3",
             "--address=/nx.test/"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # reads, never answers
        silent.bind(("127.0.0.1", cls.SILENT))
        try:
            with otlp.OtlpReceiver() as rx:
                def script(run):
                    for _ in range(3):
                        cls.dig(cls.PORT, "svc.test")
                    cls.dig(cls.PORT, "x.nx.test")
                    cls.dig(cls.SILENT, "lost.test")
                    time.sleep(6.5)  # the 5 s wait for an answer, and a window to seal
                cls.out = Run(rx, ["--otlp-endpoint", rx.url, "--dns-ports",
                                   f"{cls.PORT},{cls.SILENT}"], {}, script)
        finally:
            silent.close()
            dnsmasq.terminate()
            dnsmasq.wait(timeout=10)

    @staticmethod
    def dig(port, name):
        subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+tries=1", "+time=1", name, "A"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)

    def durations(self, name):
        m = metrics_by_name(self.out.last())[name]
        self.assertEqual(metric_type(m), "histogram")
        self.assertEqual(m["unit"], "ms")
        self.assertEqual(m["histogram"]["aggregationTemporality"], CUMULATIVE)
        got = {}
        for p in points(m):
            a = attrs(p.get("attributes"))
            self.assertEqual(set(a), {"dns.question.name", "dns.question.type",
                                      "dns.response_code", "server.address",
                                      "network.transport"}, a)
            self.assertEqual(p.get("explicitBounds"), self.BOUNDS)
            self.assertEqual((a["server.address"], a["network.transport"]),
                             ("127.0.0.1", "udp"))
            key = (a["dns.question.name"], a["dns.question.type"], a["dns.response_code"])
            got[key] = got.get(key, 0) + int_field(p, "count")
        return got

    def test_resolution_duration(self):
        """Both ends are seen on loopback, each a metric of its own: dig's (the client) and
        dnsmasq's (a server in the pod)."""
        expected = {("svc.test", "A", "NOERROR"): 3, ("x.nx.test", "A", "NXDOMAIN"): 1}
        self.assertEqual(self.durations("dns.resolution.duration"), expected)
        self.assertEqual(self.durations("dns.server.request.duration"), expected)

    def test_unanswered(self):
        m = metrics_by_name(self.out.last())["dns.queries.unanswered"]
        self.assertEqual(metric_type(m), "sum")
        [p] = points(m)
        a = attrs(p.get("attributes"))
        self.assertEqual((a["dns.question.name"], a["dns.question.type"]), ("lost.test", "A"))
        self.assertNotIn("dns.response_code", a)
        self.assertEqual(number(p), 1)


if __name__ == "__main__":
    unittest.main()
