"""A real OTLP/HTTP receiver for the integration tests: tests/integration/otlp/receiver.js
(Node.js), which decodes every request with the OpenTelemetry JS project's generated protobuf
code (@opentelemetry/otlp-transformer, pinned), not with anything written in this repository.

    with OtlpReceiver() as rx:               # a free port; or OtlpReceiver(port=P).start()
    with OtlpReceiver(tls=Tls(key, cert, ca, client_ca=ca, client=(cert, key))) as rx:  # HTTPS
        ... sockeye --otlp-endpoint rx.url ...
        rx.set_mode("status", status=503, retry_after="1", count=3)
        reqs = rx.wait_for(lambda recs: ..., timeout=10)
        bodies = [r["body"] for r in rx.metrics_requests()]

Each record is one request, as receiver.js logged it (see there). Helpers below turn decoded
bodies into plain Python: attributes as dicts, metrics by name, int64 strings as ints.
Standard library only."""

import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.join(HERE, "otlp")
NODE = os.environ.get("NODE_BIN") or shutil.which("node") or "node"

_setup_lock = threading.Lock()
_setup_done = False


def ensure_installed():
    """Run otlp/setup.sh once (npm ci when node_modules is missing)."""
    global _setup_done
    with _setup_lock:
        if _setup_done:
            return
        res = subprocess.run(["sh", os.path.join(PKG, "setup.sh")], capture_output=True,
                             text=True, timeout=300)
        if res.returncode != 0:
            raise AssertionError(f"otlp/setup.sh failed ({res.returncode}): {res.stderr.strip()}")
        _setup_done = True


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tls:
    """HTTPS for a receiver: its key and certificate (PEM paths), the CA that signed it (for
    the receiver's own control requests), and with client_ca, mutual TLS: clients must show a
    certificate client_ca signed (client: a (cert, key) for the control requests)."""

    def __init__(self, key, cert, ca, client_ca=None, client=None):
        self.key, self.cert, self.ca, self.client_ca, self.client = key, cert, ca, client_ca, client

    def args(self):
        return ["--tls", self.key, self.cert] + (["--client-ca", self.client_ca]
                                                 if self.client_ca else [])


class OtlpReceiver:
    """One node receiver.js on 127.0.0.1:port (a free one when not given), over HTTPS with
    tls (a Tls)."""

    def __init__(self, port=None, tls=None):
        self.port = port or free_port()
        fd, self.out_path = tempfile.mkstemp(prefix="sockeye-otlp-", suffix=".jsonl")
        os.close(fd)
        self.proc = None
        self.tls = tls
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"

    def start(self, timeout=20):
        ensure_installed()
        self._stdout = tempfile.TemporaryFile()
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([NODE, os.path.join(PKG, "receiver.js"), str(self.port),
                                      self.out_path] + (self.tls.args() if self.tls else []),
                                     cwd=PKG, stdin=subprocess.DEVNULL,
                                     stdout=self._stdout, stderr=self._stderr)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._stdout.seek(0)
            if b"listening" in self._stdout.read():
                return self
            if self.proc.poll() is not None:
                raise AssertionError(f"receiver.js exited {self.proc.returncode}: "
                                     f"{self.stderr_text()}")
            time.sleep(0.02)
        err = self.stderr_text()
        self.stop()
        raise AssertionError("receiver.js did not listen in time: " + err)

    def stderr_text(self):
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def stop(self, keep_log=True):
        """Stop the node process (its log stays readable until cleanup())."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self._stdout.close()
        self._stderr.close()
        if not keep_log:
            self.cleanup()

    def cleanup(self):
        try:
            os.unlink(self.out_path)
        except FileNotFoundError:
            pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()

    # --- fault modes ------------------------------------------------------------------------

    def _control(self, body):
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.tls.ca)
            if self.tls.client:
                ctx.load_cert_chain(*self.tls.client)
            c = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=10, context=ctx)
        else:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            c.request("POST", "/control", body=json.dumps(body),
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            if r.status != 200:
                raise AssertionError(f"receiver /control {body}: {r.status} {data!r}")
            return json.loads(data)
        finally:
            c.close()

    def set_mode(self, mode, status=None, retry_after=None, count=None, path=None):
        """"ok"; "status" (answer status, with Retry-After when given, to the next count
        export requests, or until changed); "hang" (read, never answer, until changed)."""
        body = {"mode": mode}
        for k, v in (("status", status), ("retry_after", retry_after), ("count", count),
                     ("path", path)):
            if v is not None:
                body[k] = v
        return self._control(body)

    # --- what it received -------------------------------------------------------------------

    def records(self):
        """Every request logged so far, in arrival order (a line being written is left out)."""
        with open(self.out_path) as f:
            text = f.read()
        out = []
        for line in text.split("\n")[:-1]:  # the part after the last newline is incomplete
            if line.strip():
                out.append(json.loads(line))
        return out

    def metrics_requests(self, status=None):
        """Records of POST /v1/metrics; status=200 keeps those answered 200 (delivered)."""
        return [r for r in self.records() if r["path"] == "/v1/metrics"
                and (status is None or r["status"] == status)]

    def wait_for(self, pred, timeout=15, poll=0.05):
        """Wait until pred(records) is truthy; returns its value, or None at the timeout."""
        deadline = time.monotonic() + timeout
        while True:
            v = pred(self.records())
            if v or time.monotonic() > deadline:
                return v
            time.sleep(poll)


# --- decoded bodies as plain Python -----------------------------------------------------------

def any_value(v):
    """An AnyValue (toObject) as a Python value: intValue -> int, and so on."""
    if v is None:
        return None
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        return int(v["intValue"])
    if "boolValue" in v:
        return v["boolValue"]
    if "doubleValue" in v:
        return v["doubleValue"]
    if "arrayValue" in v:
        return [any_value(x) for x in v["arrayValue"].get("values", [])]
    if "kvlistValue" in v:
        return attrs(v["kvlistValue"].get("values", []))
    if "bytesValue" in v:
        return bytes.fromhex(v["bytesValue"])
    return {}  # an empty AnyValue


def attrs(kvs):
    """A list of KeyValue as a dict; a repeated key is an error (OTLP forbids it)."""
    out = {}
    for kv in kvs or []:
        if kv["key"] in out:
            raise AssertionError(f"attribute {kv['key']!r} repeated in {kvs}")
        out[kv["key"]] = any_value(kv.get("value"))
    return out


METRIC_TYPES = ("gauge", "sum", "histogram", "exponentialHistogram", "summary")


def metric_type(m):
    types = [t for t in METRIC_TYPES if t in m]
    if len(types) != 1:
        raise AssertionError(f"metric {m.get('name')} has data {types}")
    return types[0]


def resource_metrics(body):
    return body.get("resourceMetrics", [])


def metrics_by_name(body):
    """{name: metric} over every resource and scope of one decoded request; a name twice is
    an error."""
    out = {}
    for rm in resource_metrics(body):
        for sm in rm.get("scopeMetrics", []):
            for m in sm.get("metrics", []):
                if m["name"] in out:
                    raise AssertionError(f"metric {m['name']} twice in one request")
                out[m["name"]] = m
    return out


def points(metric):
    """The data points of a metric, whatever its type."""
    return metric[metric_type(metric)].get("dataPoints", [])


def int_field(p, name):
    """An int64/uint64/fixed64 field (a decimal string in toObject with longs: String);
    absent = 0 (proto3 does not send zeros)."""
    return int(p.get(name, "0"))


def number(p):
    """A NumberDataPoint's value: asInt or asDouble."""
    if "asInt" in p:
        return int(p["asInt"])
    if "asDouble" in p:
        return p["asDouble"]
    raise AssertionError(f"number point without a value: {p}")
