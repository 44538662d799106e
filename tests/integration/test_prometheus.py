"""Prometheus scrapes sockeye: Debian's prometheus (2.42) scrapes the real sockeye's /metrics
(--listen) every second, in the OpenMetrics format it asks for first, while bench/loadgen
drives nginx; once the load is over, the request count Prometheus' HTTP API returns for
nginx's /ok equals the lines of nginx's access log, and the scrape target is up."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

import harness
from test_serve import wait_ready

PROMETHEUS = "/usr/bin/prometheus"
CONFIG = """global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: sockeye
    static_configs:
      - targets: ["127.0.0.1:{port}"]
"""


class Prometheus:
    """Debian's prometheus on a free port, its data and config in a temp dir."""

    def __init__(self, target_port):
        self.dir = tempfile.mkdtemp(prefix="sockeye-prometheus-")
        self.port = harness.free_port()
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write(CONFIG.format(port=target_port))
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={self.dir}/data",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while not self.get("/-/ready"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("prometheus did not start: " + self.logs())
            time.sleep(0.1)

    def get(self, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return r.read().decode()
        except OSError:
            return None

    def query(self, expr):
        """The value of an instant query's single sample, or None when it has none."""
        body = self.get("/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
        result = json.loads(body)["data"]["result"] if body else []
        return float(result[0]["value"][1]) if result else None

    def logs(self):
        with open(os.path.join(self.dir, "log")) as f:
            return f.read()[-3000:]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class ScrapedUnderLoad(unittest.TestCase):
    def test_counts_equal_the_access_log(self):
        harness.require_root(self)
        listen = harness.free_port()
        with harness.NginxServer(harness.free_port()) as nginx:
            sockeye = harness.Sockeye("--ports", str(nginx.port), "--window", "1",
                                      "--listen", f"127.0.0.1:{listen}", *harness.SANITIZED_RING)
            prom = None
            try:
                wait_ready(listen)
                prom = Prometheus(listen)
                res = subprocess.run(
                    [harness.LOADGEN, "--url", f"http://127.0.0.1:{nginx.port}/ok", "--rate",
                     "2000", "--duration", "4", "--connections", "8", "--json"],
                    capture_output=True, text=True, timeout=60)
                self.assertEqual(res.returncode, 0, res.stderr)
                harness.wait_port_idle(nginx.port)
                served = nginx.served()[("GET", "/ok", 200)]
                self.assertGreater(served, 4000)
                expr = ('sum(http_server_request_duration_seconds_count{job="sockeye",'
                        'url_path="/ok",http_response_status_code="200"})')
                deadline = time.monotonic() + 30
                while (got := prom.query(expr)) != served and time.monotonic() < deadline:
                    time.sleep(0.5)
                self.assertEqual(got, served, prom.logs())
                self.assertEqual(prom.query('up{job="sockeye"}'), 1)
                self.assertEqual(prom.query('count(target_info{job="sockeye"})'), 1)
                # the scrapes were OpenMetrics: metadata by family name, without _total
                meta = json.loads(prom.get("/api/v1/metadata?metric=sockeye_events"))
                self.assertEqual(meta["data"]["sockeye_events"][0]["type"], "counter")
                self.assertEqual(prom.query('sum(sockeye_dropped_total{job="sockeye"})'), 0)
            finally:
                if prom:
                    prom.stop()
                sockeye.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
