"""TLS end to end, with real libraries and programs: HTTPS seen through the TLS libraries'
calls (OpenSSL's SSL_read/SSL_write and their _ex forms, GnuTLS's gnutls_record_recv/send),
tied to the connection whose ciphertext the kernel sees; the ciphertext itself is recognised
and never copied or parsed.

Servers: Debian's nginx with a certificate (OpenSSL, started before sockeye), nghttpd over TLS
(HTTP/2), gnutls-serv. Clients: curl (OpenSSL's SSL_read/SSL_write), Python's http.client
(SSL_read_ex/SSL_write_ex), h2load, gnutls-cli. Every count is exact, in both roles.
Node.js (OpenSSL linked into its executable, memory BIOs: the ciphertext moves outside the
calls) is tied by the records its objects write (NodeJs)."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import harness

PORT_CURL = 18160
PORT_JOINED = 18161
PORT_PYTHON = 18162
PORT_TWO = 18163
PORT_H2 = 18164
PORT_GNUTLS = 18165
PORT_LATE = 18166
PORT_OFF = 18167
PORT_NODE = 18168
PORT_ASYNCIO = 18169
BIG = os.urandom(100_000)
REQUESTS = 20
PY = "/usr/bin/python3"  # Debian's: its ssl module is OpenSSL's


def certificate(directory):
    """A self-signed certificate and key for localhost: (cert path, key path)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    return cert, key


def tls_nginx(port, tmp):
    cert, key = certificate(tmp)
    with open(cert, "rb") as c, open(key, "rb") as k:
        files = {"static/big": BIG, "tls/cert.pem": c.read(), "tls/key.pem": k.read()}
    return harness.NginxServer(port, conf="nginx_tls.conf.in", files=files)


def conn_lines(report, port):
    """Connection lines of connections on port, summed over windows, by (role, local, peer),
    with the `tls` and `protocol` of their last window."""
    out = {}
    for l in report.lines:
        if l["type"] != "conn" or not (l["local"].endswith(f":{port}") or
                                       l["peer"].endswith(f":{port}")):
            continue
        c = out.setdefault((l["role"], l["local"], l["peer"]),
                           {f: 0 for f in harness.Report.SUMMED})
        for f in harness.Report.SUMMED:
            c[f] += l[f]
        c["tls"], c["protocol"] = l["tls"], l["protocol"]
    return out


def http_by_peer(report, role):
    """{(peer, method, path, status, protocol, tls): count} of one role, over windows."""
    out = {}
    for l in report.http_lines:
        if l["role"] == role:
            k = (l["peer"], l["method"], l["path"], l["status"], l.get("protocol", "http1"),
                 l.get("tls", False))
            out[k] = out.get(k, 0) + l["count"]
    return out


def py_client(script, *args, **kw):
    """Run a Python client (Debian's, OpenSSL's ssl module); returns its stdout."""
    return subprocess.run([PY, "-c", script, *map(str, args)], check=True, capture_output=True,
                          text=True, timeout=120, **kw).stdout


class TlsScenario(harness.HttpAssertions):
    """What holds for every scenario: nothing lost, nothing guessed, nothing from ciphertext."""

    def check_plaintext(self, report, want_tls_conns):
        self.assert_no_drops(report)
        self.assertEqual(report.total("tls_untied"), 0, "calls not tied to a connection")
        self.assertGreater(report.total("tls_calls"), 0)
        self.assertEqual(report.total("tls_conns"), want_tls_conns)
        self.assertEqual(report.total("conns_not_parsed"), 0)
        self.assertEqual(report.total("http_resync"), 0)
        self.assert_nothing_in_flight(report)
        self.assert_durations_sane(report)
        for l in report.http_lines:
            self.assertTrue(l.get("tls"), l)

    def check_ciphertext_not_copied(self, conns, port):
        """The ClientHello is copied (the client's first write, the server's first read);
        from then on the ciphertext is lengths only."""
        for (role, local, _), c in conns.items():
            self.assertTrue(c["tls"], (role, local))
            server = local.endswith(f":{port}")
            sent_first = "in" if server else "out"
            other = "out" if server else "in"
            self.assertEqual(c[f"captured_{other}"], 0, c)
            self.assertGreater(c[f"captured_{sent_first}"], 0, c)
            self.assertLessEqual(c[f"captured_{sent_first}"], 2048, c)


class CurlAgainstNginx(TlsScenario):
    """curl fetching a 100 kB file and /ok, 20 times each over one keep-alive connection, once
    with TLS 1.3 and once with TLS 1.2, from nginx started before sockeye: SSL_read and
    SSL_write at both ends, responses of several records."""

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.addClassCleanup(shutil.rmtree, tmp := tempfile.mkdtemp(prefix="sockeye-tls-"))
        with tls_nginx(PORT_CURL, tmp) as nginx:
            sockeye = harness.Sockeye("--ports", str(PORT_CURL))
            try:
                urls = [f"https://127.0.0.1:{PORT_CURL}{p}"
                        for _ in range(REQUESTS) for p in ("/static/big", "/ok")]
                for version in (["--tlsv1.3"], ["--tlsv1.2", "--tls-max", "1.2"]):
                    out = harness.curl("-k", "--http1.1", *version, "-o", "/dev/null",
                                       "-w", "%{http_code}\\n", *urls[:1],
                                       *[a for u in urls[1:] for a in ("-o", "/dev/null", u)])
                    assert out.split() == ["200"] * len(urls), out
                harness.wait_port_idle(PORT_CURL)
            finally:
                cls.report = sockeye.stop()
                cls.stderr = sockeye.stderr
            cls.served = nginx.served()

    def test_premises(self):
        self.assertEqual(self.served, {("GET", "/static/big", 200): 2 * REQUESTS,
                                       ("GET", "/ok", 200): 2 * REQUESTS})

    def test_requests_in_both_roles(self):
        want = {("GET", "/static/big", 200): 2 * REQUESTS, ("GET", "/ok", 200): 2 * REQUESTS}
        self.assert_http_counts(self.report, "server", want)
        self.assert_http_counts(self.report, "client", want)
        self.check_plaintext(self.report, 4)  # two connections, each seen from both ends

    def test_ciphertext_not_copied(self):
        conns = conn_lines(self.report, PORT_CURL)
        self.assertEqual(len(conns), 4, conns)
        self.check_ciphertext_not_copied(conns, PORT_CURL)
        for c in conns.values():
            self.assertEqual(c["protocol"], "http1", c)
            # the connection's bytes are the ciphertext's: the responses and their overhead
            self.assertGreater(c["bytes_in"] + c["bytes_out"], REQUESTS * len(BIG), c)

    def test_libraries_named(self):
        self.assertRegex(self.stderr, r"TLS libraries [^\n]*libssl\.so\.3")


URLLIB_CLIENT = r"""
import http.client, ssl, sys
ctx = ssl._create_unverified_context()
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30)
for i in range(n):
    path = "/static/big" if i % 4 == 0 else "/ok"
    c.request("GET", path); r = c.getresponse(); r.read(); assert r.status == 200
    c.request("POST", "/ok", body=b"x" * 3000); r = c.getresponse(); r.read()
c.close()
"""


class PythonClient(TlsScenario):
    """Python's http.client (OpenSSL's SSL_read_ex and SSL_write_ex only) against nginx, both
    started after sockeye (nginx's worker forked then): GETs, and POSTs with a 3000-byte
    body."""

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.addClassCleanup(shutil.rmtree, tmp := tempfile.mkdtemp(prefix="sockeye-tls-"))
        sockeye = harness.Sockeye("--ports", str(PORT_PYTHON))
        try:
            with tls_nginx(PORT_PYTHON, tmp) as nginx:
                py_client(URLLIB_CLIENT, PORT_PYTHON, REQUESTS)
                harness.wait_port_idle(PORT_PYTHON)
                cls.served = nginx.served()
        finally:
            cls.report = sockeye.stop()

    def test_premises(self):
        self.assertEqual(self.served, {("GET", "/static/big", 200): REQUESTS // 4,
                                       ("GET", "/ok", 200): REQUESTS - REQUESTS // 4,
                                       ("POST", "/ok", 200): REQUESTS})

    def test_requests_in_both_roles(self):
        self.assert_http_counts(self.report, "server", self.served)
        self.assert_http_counts(self.report, "client", self.served)
        self.check_plaintext(self.report, 2)
        self.check_ciphertext_not_copied(conn_lines(self.report, PORT_PYTHON), PORT_PYTHON)


TWO_CONNECTIONS = r"""
import http.client, ssl, sys
ctx = ssl._create_unverified_context()
port, n = int(sys.argv[1]), int(sys.argv[2])
a = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30)
b = http.client.HTTPSConnection("127.0.0.2", port, context=ctx, timeout=30,
                                source_address=("127.0.0.3", 0))
for _ in range(n):
    for c, path in ((a, "/ok"), (b, "/static/big")):
        c.request("GET", path); r = c.getresponse(); r.read(); assert r.status == 200
a.close(); b.close()
"""


LATE_CLIENT = r"""
import http.client, ssl, sys
print("loaded", flush=True)  # its libssl is mapped
sys.stdin.readline()  # the TLS watcher has attached to it
ctx = ssl._create_unverified_context()
c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=ctx, timeout=30)
for _ in range(int(sys.argv[2])):
    c.request("GET", "/ok"); r = c.getresponse(); r.read(); assert r.status == 200
c.close()
print("done", flush=True)
"""


def wait_for_line(sockeye, text, timeout=20):
    """Wait until sockeye's stderr holds text (the TLS watcher's lines come from its own
    process, whenever it gets to them)."""
    deadline = time.monotonic() + timeout
    while text not in sockeye._stderr():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {text!r} within {timeout} s: {sockeye._stderr()}")
        time.sleep(0.05)


def go_when_seen(sockeye, client, ready, seen, port):
    """Drive a client that says `ready`, then waits for a line on stdin and says "done": once
    it is ready and sockeye's stderr holds `seen`, tell it to go; wait until it is done and
    the port is idle."""
    assert client.stdout.readline().strip() == ready
    wait_for_line(sockeye, seen)
    client.stdin.write("go\n")
    client.stdin.flush()
    assert client.stdout.readline().strip() == "done"
    assert client.wait(timeout=60) == 0
    harness.wait_port_idle(port)


class LibraryOfALaterProgram(TlsScenario):
    """A Python client started after sockeye, whose OpenSSL is a copy of its own that no
    process mapped when sockeye started (LD_LIBRARY_PATH), as a service's container brings
    its own: the TLS watcher attaches to it when the program starts."""

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.addClassCleanup(shutil.rmtree, tmp := tempfile.mkdtemp(prefix="sockeye-tls-"))
        os.makedirs(lib := os.path.join(tmp, "lib"))
        cls.copy = os.path.join(lib, "libssl.so.3")
        shutil.copy(subprocess.run([PY, "-c", "import _ssl; print(open('/proc/self/maps')"
                                    ".read())"], capture_output=True, text=True, check=True)
                    .stdout.split("libssl.so.3")[0].split()[-1] + "libssl.so.3", cls.copy)
        with tls_nginx(PORT_LATE, tmp) as nginx:
            sockeye = harness.Sockeye("--ports", str(PORT_LATE))
            client = subprocess.Popen([PY, "-c", LATE_CLIENT, str(PORT_LATE), str(REQUESTS)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                      env=dict(os.environ, LD_LIBRARY_PATH=lib))
            try:
                go_when_seen(sockeye, client, "loaded", f"TLS: attached to {cls.copy}",
                             PORT_LATE)
            finally:
                client.kill()
                client.wait()
                cls.report = sockeye.stop()
                cls.stderr = sockeye.stderr
            cls.served = nginx.served()

    def test_premises(self):
        self.assertEqual(self.served, {("GET", "/ok", 200): REQUESTS})
        self.assertNotIn(self.copy, self.stderr.split("TLS watcher")[0],
                         "the copy was not attached at start")

    def test_attached_when_started(self):
        self.assertIn(f"TLS: attached to {self.copy}", self.stderr)
        self.assertRegex(self.stderr, r"TLS watcher \(process \d+[^)]*\): capabilities left: "
                                      r"cap_sys_ptrace, cap_sys_admin, cap_perfmon, cap_bpf ")

    def test_requests_in_both_roles(self):
        want = {("GET", "/ok", 200): REQUESTS}
        self.assert_http_counts(self.report, "server", want)
        self.assert_http_counts(self.report, "client", want)
        self.check_plaintext(self.report, 2)


class OneThreadTwoConnections(TlsScenario):
    """One Python thread alternating requests on two TLS connections, each with its own
    addresses and path: every request lands on its own connection, in both roles."""

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.addClassCleanup(shutil.rmtree, tmp := tempfile.mkdtemp(prefix="sockeye-tls-"))
        with tls_nginx(PORT_TWO, tmp):
            sockeye = harness.Sockeye("--ports", str(PORT_TWO))
            try:
                py_client(TWO_CONNECTIONS, PORT_TWO, REQUESTS)
                harness.wait_port_idle(PORT_TWO)
            finally:
                cls.report = sockeye.stop()

    def test_each_request_on_its_connection(self):
        self.assertEqual(http_by_peer(self.report, "client"), {
            ("127.0.0.1", "GET", "/ok", 200, "http1", True): REQUESTS,
            ("127.0.0.2", "GET", "/static/big", 200, "http1", True): REQUESTS})
        self.assertEqual(http_by_peer(self.report, "server"), {
            ("127.0.0.1", "GET", "/ok", 200, "http1", True): REQUESTS,
            ("127.0.0.3", "GET", "/static/big", 200, "http1", True): REQUESTS})
        self.check_plaintext(self.report, 4)


JOINED_CLIENT = r"""
import http.client, ssl, sys
ctx = ssl._create_unverified_context()
c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=ctx, timeout=30)
def get():
    c.request("GET", "/ok"); r = c.getresponse(); r.read(); assert r.status == 200
get()
print("open", flush=True)
sys.stdin.readline()  # sockeye has started
for _ in range(int(sys.argv[2])):
    get()
c.close()
print("done", flush=True)
"""


class JoinedTlsConnection(TlsScenario):
    """A Python client opens its connection and makes one request before sockeye starts, then
    20 more: sockeye first sees an application data record, ties the calls to the connection
    through their socket operations, and counts the 20 requests it saw whole."""

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.addClassCleanup(shutil.rmtree, tmp := tempfile.mkdtemp(prefix="sockeye-tls-"))
        with tls_nginx(PORT_JOINED, tmp) as nginx:
            client = subprocess.Popen([PY, "-c", JOINED_CLIENT, str(PORT_JOINED), str(REQUESTS)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            try:
                assert client.stdout.readline().strip() == "open"
                sockeye = harness.Sockeye("--ports", str(PORT_JOINED))
                try:
                    client.stdin.write("go\n")
                    client.stdin.flush()
                    assert client.stdout.readline().strip() == "done"
                    harness.wait_port_idle(PORT_JOINED)
                finally:
                    cls.report = sockeye.stop()
            finally:
                client.kill()
                client.wait()
            cls.served = nginx.served()

    def test_premises(self):
        self.assertEqual(self.served, {("GET", "/ok", 200): REQUESTS + 1})

    def test_requests_seen_after_joining(self):
        want = {("GET", "/ok", 200): REQUESTS}
        self.assert_http_counts(self.report, "server", want)
        self.assert_http_counts(self.report, "client", want)
        self.check_plaintext(self.report, 2)
        conns = conn_lines(self.report, PORT_JOINED)
        self.assertEqual(len(conns), 2, conns)
        for key, c in conns.items():
            # one record copied per end: the first it saw (a request, well under 1 KiB)
            self.assertTrue(c["tls"], key)
            self.assertLessEqual(c["captured_in"] + c["captured_out"], 1024, c)


class Http2OverTls(TlsScenario):
    """nghttpd with a certificate and h2load over https:// (ALPN h2), both started after
    sockeye: HTTP/2's frames are followed in the plaintext."""

    STREAMS = 400

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.addClassCleanup(shutil.rmtree, tmp := tempfile.mkdtemp(prefix="sockeye-tls-"))
        cert, key = certificate(tmp)
        os.makedirs(www := os.path.join(tmp, "www"))
        with open(os.path.join(www, "small"), "wb") as f:
            f.write(b"small file over h2 and TLS\n")
        sockeye = harness.Sockeye("--ports", str(PORT_H2))
        server = subprocess.Popen(["nghttpd", "-a", "127.0.0.1", "-d", www, str(PORT_H2), key,
                                   cert], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            harness.wait_listening(PORT_H2, server)
            cls.out = subprocess.run(
                ["h2load", "-n", str(cls.STREAMS), "-c", "2", "-m", "10",
                 f"https://127.0.0.1:{PORT_H2}/small"],
                check=True, capture_output=True, text=True, timeout=120).stdout
            harness.wait_port_idle(PORT_H2)
        finally:
            server.terminate()
            server.wait()
            cls.report = sockeye.stop()

    def test_premises(self):
        self.assertIn(f"{self.STREAMS} succeeded", self.out)
        self.assertIn("status codes: 400 2xx", self.out)
        self.assertIn("TLS Protocol: TLSv1.3", self.out)

    def test_requests_in_both_roles(self):
        for role in ("server", "client"):
            self.assertEqual(http_by_peer(self.report, role), {
                ("127.0.0.1", "GET", "/small", 200, "http2", True): self.STREAMS}, role)
        self.check_plaintext(self.report, 4)
        self.assertEqual(self.report.total("frame_walk_lost"), 0)
        self.assertEqual(self.report.total("http2_lost_sync"), 0)


class GnuTls(TlsScenario):
    """gnutls-serv (GnuTLS's gnutls_record_recv/send) answering curl, and gnutls-cli asking
    nginx, both started after sockeye; gnutls-serv speaks HTTP/1.0, one request a connection."""

    CONNECTIONS = 5

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        if not shutil.which("gnutls-serv"):
            raise AssertionError("gnutls-serv is missing: run tools/setup.sh (gnutls-bin)")
        cls.addClassCleanup(shutil.rmtree, tmp := tempfile.mkdtemp(prefix="sockeye-tls-"))
        cert, key = certificate(tmp)
        with tls_nginx(PORT_CURL + 10, tmp) as nginx:
            sockeye = harness.Sockeye("--ports", f"{PORT_GNUTLS},{PORT_CURL + 10}")
            server = subprocess.Popen(["gnutls-serv", "--http", "-p", str(PORT_GNUTLS),
                                       "--x509certfile", cert, "--x509keyfile", key],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                harness.wait_listening(PORT_GNUTLS, server)
                for i in range(cls.CONNECTIONS):
                    out = harness.curl("-k", "-o", "/dev/null", "-w", "%{http_code}",
                                       f"https://127.0.0.1:{PORT_GNUTLS}/g{i % 2}")
                    assert out == "200", out
                    req = b"GET /ok HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                    res = subprocess.run(["gnutls-cli", "--insecure", "-p",
                                          str(PORT_CURL + 10), "127.0.0.1"], input=req,
                                         capture_output=True, timeout=30)
                    assert b"HTTP/1.1 200 OK" in res.stdout, res
                harness.wait_port_idle(PORT_GNUTLS)
                harness.wait_port_idle(PORT_CURL + 10)
            finally:
                server.terminate()
                server.wait()
                cls.report = sockeye.stop()
            cls.served = nginx.served()

    def test_premises(self):
        self.assertEqual(self.served, {("GET", "/ok", 200): self.CONNECTIONS})

    def test_requests_in_both_roles(self):
        n = self.CONNECTIONS
        self.assert_http_counts(self.report, "server", {
            ("GET", "/g0", 200): (n + 1) // 2, ("GET", "/g1", 200): n // 2,
            ("GET", "/ok", 200): n})
        self.assert_http_counts(self.report, "client", {
            ("GET", "/g0", 200): (n + 1) // 2, ("GET", "/g1", 200): n // 2,
            ("GET", "/ok", 200): n})
        self.check_plaintext(self.report, 4 * n)


NODE_PEER = r"""
// An HTTPS server on argv[1] (key and certificate in argv[3] and argv[4]); with argv[7] "joined",
// a keep-alive connection to nginx on argv[2] (from 127.0.0.30) that makes one request first.
// Then, told on stdin: argv[5] requests on that connection, and as many on each of argv[6]
// more connections at once, the i-th from 127.0.0.(11 + i) to 127.0.0.(1 + i) with path
// /node/n<i>, all from this one thread.
const fs = require("fs"), https = require("https"), readline = require("readline");
const [port, nginx, key, cert, n, agents, mode] = process.argv.slice(1);
const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) },
  (req, res) => { req.resume(); req.on("end", () => res.end("node\n")); });
const agent = (from) => new https.Agent({ keepAlive: true, maxSockets: 1, localAddress: from });
const get = (a, host, path) => new Promise((resolve, reject) => {
  https.get({ host, port: Number(nginx), path, agent: a, rejectUnauthorized: false },
    (r) => { r.resume(); r.on("end", () => resolve(r.statusCode)); }).on("error", reject);
});
const series = async (a, host, path, times) => {
  for (let k = 0; k < times; k++)
    if ((await get(a, host, path)) !== 200) process.exit(1);
  a.destroy();
};
const joined = mode === "joined" ? agent("127.0.0.30") : null;
server.listen(Number(port), "127.0.0.1", async () => {
  if (joined && (await get(joined, "127.0.0.1", "/node/j")) !== 200) process.exit(1);
  console.log("ready");
});
readline.createInterface({ input: process.stdin }).once("line", async () => {
  const runs = joined ? [series(joined, "127.0.0.1", "/node/j", Number(n))] : [];
  for (let i = 0; i < Number(agents); i++)
    runs.push(series(agent(`127.0.0.${11 + i}`), `127.0.0.${1 + i}`, `/node/n${i}`, Number(n)));
  await Promise.all(runs);
  console.log("done");
});
"""
NODE_AGENTS = 4


def node_executable():
    """Node.js, which must have OpenSSL linked in (NodeSource's and nodejs.org's builds do;
    Debian's own package uses libssl.so.3 instead)."""
    node = shutil.which("node")
    if not node:
        raise AssertionError("node is missing: the machine's Node.js 20 is expected")
    node = os.path.realpath(node)
    defined = subprocess.run(["nm", "-D", "--defined-only", node], capture_output=True,
                             text=True, check=True).stdout.split()
    if "SSL_write" not in defined:
        raise AssertionError(f"{node} does not define SSL_write: OpenSSL is not linked in")
    return node


def node_peer(tmp, agents, mode=""):
    """NODE_PEER, serving on PORT_NODE + 1 and fetching from nginx on PORT_NODE, once it says
    it is ready."""
    cert, key = certificate(tmp)
    peer = subprocess.Popen(["node", "-e", NODE_PEER, str(PORT_NODE + 1), str(PORT_NODE), key,
                             cert, str(REQUESTS), str(agents), mode],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if peer.stdout.readline().strip() != "ready":
        peer.kill()
        peer.wait()
        raise AssertionError(f"the Node.js peer did not start: exit {peer.returncode}")
    return peer


def node_go(peer):
    peer.stdin.write("go\n")
    peer.stdin.flush()
    assert peer.stdout.readline().strip() == "done"


class NodeJs(TlsScenario):
    """Node.js (OpenSSL linked into its executable; memory BIOs: the ciphertext moves outside
    the calls), started after sockeye. From its one thread: HTTPS served to two curl clients
    at once, then requests to nginx on four connections at once, each connection with its own
    addresses and path. Node's objects are tied by the sends that carry the records they
    wrote: every request on its own connection, in both roles, none untied."""

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.node = node_executable()
        cls.addClassCleanup(shutil.rmtree, tmp := tempfile.mkdtemp(prefix="sockeye-tls-"))
        with tls_nginx(PORT_NODE, tmp) as nginx:
            sockeye = harness.Sockeye("--ports", f"{PORT_NODE},{PORT_NODE + 1}")
            peer = None
            try:
                peer = node_peer(tmp, NODE_AGENTS)
                wait_for_line(sockeye, f"TLS: attached to {cls.node}")
                url = f"https://127.0.0.1:{PORT_NODE + 1}/c"
                curls = [subprocess.Popen(
                    ["curl", "-s", "-S", "-k", "--interface", f"127.0.0.{21 + j}",
                     "-w", "%{http_code}\\n"] +
                    [a for _ in range(REQUESTS) for a in ("-o", "/dev/null", f"{url}{j}")],
                    stdout=subprocess.PIPE, text=True) for j in range(2)]
                for c in curls:
                    out, _ = c.communicate(timeout=60)
                    assert out.split() == ["200"] * REQUESTS, out
                node_go(peer)
                harness.wait_port_idle(PORT_NODE)
                harness.wait_port_idle(PORT_NODE + 1)
            finally:
                if peer:
                    peer.kill()
                    peer.wait()
                cls.report = sockeye.stop()
            cls.served = nginx.served()

    def test_premises(self):
        self.assertEqual(self.served, {("GET", f"/node/n{i}", 200): REQUESTS
                                       for i in range(NODE_AGENTS)})

    def test_node_serving(self):
        self.assertEqual(
            {k: v for k, v in http_by_peer(self.report, "server").items() if k[2][:2] == "/c"},
            {(f"127.0.0.{21 + j}", "GET", f"/c{j}", 200, "http1", True): REQUESTS
             for j in range(2)})
        self.assertEqual(
            {k: v for k, v in http_by_peer(self.report, "client").items() if k[2][:2] == "/c"},
            {("127.0.0.1", "GET", f"/c{j}", 200, "http1", True): REQUESTS for j in range(2)})

    def test_node_fetching(self):
        for role, peer in (("client", 1), ("server", 11)):
            self.assertEqual(
                {k: v for k, v in http_by_peer(self.report, role).items()
                 if k[2].startswith("/node/")},
                {(f"127.0.0.{peer + i}", "GET", f"/node/n{i}", 200, "http1", True): REQUESTS
                 for i in range(NODE_AGENTS)}, role)

    def test_nothing_else(self):
        self.check_plaintext(self.report, 2 * (2 + NODE_AGENTS))


class NodeJsJoined(TlsScenario):
    """Node.js started before sockeye, its executable attached at start, with a keep-alive
    connection to nginx already open: the first write after sockeye started ties it (that
    request is counted untied, its answer a request's not seen), the later ones are seen."""

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.node = node_executable()
        cls.addClassCleanup(shutil.rmtree, tmp := tempfile.mkdtemp(prefix="sockeye-tls-"))
        with tls_nginx(PORT_NODE, tmp) as nginx:
            peer = node_peer(tmp, 0, "joined")
            try:
                sockeye = harness.Sockeye("--ports", str(PORT_NODE))
                try:
                    node_go(peer)
                    harness.wait_port_idle(PORT_NODE)
                finally:
                    cls.report = sockeye.stop()
                    cls.stderr = sockeye.stderr
            finally:
                peer.kill()
                peer.wait()
            cls.served = nginx.served()

    def test_premises(self):
        self.assertEqual(self.served, {("GET", "/node/j", 200): REQUESTS + 1})

    def test_attached_at_start(self):
        self.assertRegex(self.stderr, rf"TLS libraries [^\n]*{self.node}")

    def test_requests_after_the_first(self):
        self.assertEqual(http_by_peer(self.report, "server"),
                         {("127.0.0.30", "GET", "/node/j", 200, "http1", True): REQUESTS})
        self.assertEqual(http_by_peer(self.report, "client"),
                         {("127.0.0.1", "GET", "/node/j", 200, "http1", True): REQUESTS - 1})
        self.assert_no_drops(self.report)
        self.assert_nothing_in_flight(self.report)
        self.assertEqual(self.report.total("tls_untied"), 1)
        self.assertEqual(self.report.total("tls_conns"), 2)
        self.assertEqual(self.report.total("conns_not_parsed"), 0)
        self.assertEqual(self.report.total("http_resync"), 0)


ASYNCIO_CLIENT = r"""
import asyncio, ssl, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
ctx = ssl._create_unverified_context()

async def fetch(host, source, path, times):
    r, w = await asyncio.open_connection(host, port, ssl=ctx, local_addr=(source, 0))
    for _ in range(times):
        w.write(f"GET {path} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        head = await r.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        length = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
        await r.readexactly(int(length[0].split(b":")[1]))
    w.close()
    await w.wait_closed()

asyncio.run(fetch("127.0.0.1", "127.0.0.10", "/node/first", 1))
print("first", flush=True)
sys.stdin.readline()  # its BIO_write is probed
async def both():
    await asyncio.gather(fetch("127.0.0.1", "127.0.0.11", "/node/a", n),
                         fetch("127.0.0.2", "127.0.0.12", "/node/b", n))
asyncio.run(both())
print("done", flush=True)
"""


class AsyncioClient(TlsScenario):
    """Python's asyncio (memory BIOs over libssl.so: the ciphertext moves outside the calls),
    started after sockeye. Its first connection sends records outside any call, so the kernel
    tells the TLS watcher, which probes BIO_write of its libcrypto in that process alone; that
    connection's calls stay untied. Then two connections at once from its one thread, each
    with its own addresses and path, are tied by the records they write: every request of
    theirs on its own connection, in both roles."""

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.addClassCleanup(shutil.rmtree, tmp := tempfile.mkdtemp(prefix="sockeye-tls-"))
        with tls_nginx(PORT_ASYNCIO, tmp) as nginx:
            sockeye = harness.Sockeye("--ports", str(PORT_ASYNCIO))
            client = subprocess.Popen([PY, "-c", ASYNCIO_CLIENT, str(PORT_ASYNCIO),
                                       str(REQUESTS)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            try:
                go_when_seen(sockeye, client, "first",
                             f"TLS: process {client.pid} sends its TLS records itself "
                             "(memory BIOs): BIO_write of ", PORT_ASYNCIO)
            finally:
                client.kill()
                client.wait()
                cls.report = sockeye.stop()
                cls.stderr = sockeye.stderr
            cls.served = nginx.served()

    def test_premises(self):
        self.assertEqual(self.served, {("GET", "/node/first", 200): 1,
                                       ("GET", "/node/a", 200): REQUESTS,
                                       ("GET", "/node/b", 200): REQUESTS})

    def test_probed_in_that_process_alone(self):
        self.assertRegex(self.stderr, r"BIO_write of /\S*libcrypto\.so\.3 probed in it")

    def test_requests_in_both_roles(self):
        self.assertEqual(http_by_peer(self.report, "client"), {
            ("127.0.0.1", "GET", "/node/a", 200, "http1", True): REQUESTS,
            ("127.0.0.2", "GET", "/node/b", 200, "http1", True): REQUESTS})
        self.assertEqual(http_by_peer(self.report, "server"), {
            ("127.0.0.10", "GET", "/node/first", 200, "http1", True): 1,
            ("127.0.0.11", "GET", "/node/a", 200, "http1", True): REQUESTS,
            ("127.0.0.12", "GET", "/node/b", 200, "http1", True): REQUESTS})

    def test_first_connection_untied(self):
        self.assert_no_drops(self.report)
        self.assert_nothing_in_flight(self.report)
        # its request's write and its response's read, at least
        self.assertGreaterEqual(self.report.total("tls_untied"), 2)
        self.assertEqual(self.report.total("tls_conns"), 6)
        self.assertEqual(self.report.total("conns_not_parsed"), 0)
        self.assertEqual(self.report.total("http_resync"), 0)


class TlsOff(harness.HttpAssertions):
    """--tls off: no uprobe and no watcher; TLS connections are recognised, counted and left
    unparsed, their ciphertext not copied."""

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.addClassCleanup(shutil.rmtree, tmp := tempfile.mkdtemp(prefix="sockeye-tls-"))
        with tls_nginx(PORT_OFF, tmp) as nginx:
            sockeye = harness.Sockeye("--ports", str(PORT_OFF), "--tls", "off")
            try:
                out = harness.curl("-k", "-o", "/dev/null", "-w", "%{http_code}",
                                   f"https://127.0.0.1:{PORT_OFF}/ok")
                assert out == "200", out
                harness.wait_port_idle(PORT_OFF)
            finally:
                cls.report = sockeye.stop()
                cls.stderr = sockeye.stderr
            cls.served = nginx.served()

    def test_nothing_parsed_nor_attached(self):
        self.assertEqual(self.served, {("GET", "/ok", 200): 1})
        self.assertEqual(self.report.http_lines, [])
        self.assertEqual(self.report.total("tls_calls"), 0)
        self.assertEqual(self.report.total("tls_conns"), 2)
        self.assert_no_drops(self.report)
        self.assertIn("TLS libraries off,", self.stderr)
        self.assertNotIn("TLS watcher", self.stderr)
        conns = conn_lines(self.report, PORT_OFF)
        self.assertEqual(len(conns), 2, conns)
        for key, c in conns.items():
            self.assertTrue(c["tls"], key)
            self.assertEqual(c["protocol"], "other", key)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
