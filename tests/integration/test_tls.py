"""TLS connections as the kernel sees them: their records are recognised, and past the first
one (the ClientHello, or on a connection sockeye joined, the first record it saw) nothing of
their ciphertext is copied into the rings; lengths stay exact, and nothing is parsed from
ciphertext. Debian's nginx with a certificate (started before sockeye), curl over TLS 1.3 and
1.2 with keep-alive, and a Python client whose connection was open before sockeye started.

Seeing the plaintext through the TLS libraries is not here yet (issue 19)."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import harness

PORT_FRESH = 18160
PORT_JOINED = 18161
BIG = os.urandom(100_000)
REQUESTS = 20
PY = "/usr/bin/python3"  # Debian's: its ssl module is OpenSSL's


def certificate(directory):
    """A self-signed certificate and key for localhost: (cert PEM, key PEM)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    with open(cert, "rb") as c, open(key, "rb") as k:
        return c.read(), k.read()


def tls_nginx(port, tmp):
    cert, key = certificate(tmp)
    return harness.NginxServer(port, conf="nginx_tls.conf.in",
                               files={"static/big": BIG, "tls/cert.pem": cert,
                                      "tls/key.pem": key})


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


class TlsScenario(harness.HttpAssertions):
    def check_common(self, conns, expected_conns):
        self.assertEqual(len(conns), expected_conns, conns)
        for key, c in conns.items():
            self.assertTrue(c["tls"], key)
            self.assertEqual(c["protocol"], "other", key)
        # nothing parsed from ciphertext, nothing lost, nothing cut short
        self.assertEqual(self.report.http_lines, [])
        self.assert_no_drops(self.report)
        self.assertEqual(self.report.total("truncated"), 0)
        self.assertEqual(self.report.total("tls_conns"), expected_conns)


class CurlOverTls(TlsScenario):
    """curl fetching a 100 kB file and /ok, 20 times each over one keep-alive connection, once
    with TLS 1.3 and once with TLS 1.2, from nginx started before sockeye."""

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.addClassCleanup(shutil.rmtree, tmp := tempfile.mkdtemp(prefix="sockeye-tls-"))
        with tls_nginx(PORT_FRESH, tmp) as nginx:
            sockeye = harness.Sockeye("--ports", str(PORT_FRESH))
            try:
                urls = [f"https://127.0.0.1:{PORT_FRESH}{p}"
                        for _ in range(REQUESTS) for p in ("/static/big", "/ok")]
                for version in (["--tlsv1.3"], ["--tlsv1.2", "--tls-max", "1.2"]):
                    out = harness.curl("-k", "--http1.1", *version, "-o", "/dev/null",
                                       "-w", "%{http_code}\\n", *urls[:1],
                                       *[a for u in urls[1:] for a in ("-o", "/dev/null", u)])
                    assert out.split() == ["200"] * len(urls), out
                harness.wait_port_idle(PORT_FRESH)
            finally:
                cls.report = sockeye.stop()
            cls.served = nginx.served()

    def test_premises(self):
        self.assertEqual(self.served, {("GET", "/static/big", 200): 2 * REQUESTS,
                                       ("GET", "/ok", 200): 2 * REQUESTS})

    def test_recognised_and_not_copied(self):
        conns = conn_lines(self.report, PORT_FRESH)
        self.check_common(conns, 4)  # two connections, each seen from both ends
        for (role, _, _), c in conns.items():
            # the ClientHello is copied (the client's first write, the server's first read);
            # from then on lengths only: the server's replies and the client's reads not at all
            if role == "server":
                self.assertEqual(c["captured_out"], 0, c)
                self.assertGreater(c["captured_in"], 0, c)
                self.assertLessEqual(c["captured_in"], 2048, c)
                self.assertGreater(c["bytes_out"], REQUESTS * len(BIG), c)
            else:
                self.assertEqual(c["captured_in"], 0, c)
                self.assertGreater(c["captured_out"], 0, c)
                self.assertLessEqual(c["captured_out"], 2048, c)
                self.assertGreater(c["bytes_in"], REQUESTS * len(BIG), c)
            self.assertGreater(c["events_in"] + c["events_out"], 2 * REQUESTS, c)

    def test_every_connection_unparsed(self):
        self.assertEqual(self.report.total("conns_not_parsed"), 4)


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
    """A Python client (OpenSSL) opens its connection and makes one request before sockeye
    starts, then 20 more: sockeye first sees an application data record."""

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

    def test_recognised_and_not_copied(self):
        conns = conn_lines(self.report, PORT_JOINED)
        self.check_common(conns, 2)
        for key, c in conns.items():
            # one record copied per end: the first it saw (a request, well under 1 KiB)
            self.assertGreater(c["captured_in"] + c["captured_out"], 0, c)
            self.assertLessEqual(c["captured_in"] + c["captured_out"], 1024, c)
            self.assertGreaterEqual(c["events_in"], REQUESTS, c)
            self.assertGreaterEqual(c["events_out"], REQUESTS, c)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
