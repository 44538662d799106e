"""bench/loadgen against Debian's nginx (one worker), as a user runs it: closed loop, then open
loop at a fixed rate, each for 2 s with --json. Every response loadgen counts is one nginx
logged; nothing is lost but what was in flight at the end; the open loop keeps its rate; the
percentiles are ordered. Also its command line: a bad value is one line naming the flag, exit 2.

The binary comes from the environment that ctest sets (LOADGEN_BIN). Needs no BPF, but runs
with the other integration tests, as root."""

import json
import subprocess
import sys
import time
import unittest

import harness

CONNECTIONS = 10
SECONDS = 2
RATE = 2000
LOG_SETTLE_S = 5  # nginx logs a request just after sending its response


def loadgen(*args, timeout=60):
    res = subprocess.run([harness.LOADGEN] + list(args), capture_output=True, text=True,
                         timeout=timeout)
    return res.returncode, res.stdout, res.stderr


class LoadgenAgainstNginx(unittest.TestCase):
    """setUpClass: one nginx; a closed-loop run, then an open-loop run; what nginx logged
    during each run kept next to loadgen's summary."""

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.port = harness.free_port()
        cls.runs = {}
        with harness.NginxServer(cls.port) as nginx:
            for name, extra in (("closed", ()), ("open", ("--rate", str(RATE)))):
                before = len(nginx.access_log())
                rc, out, err = loadgen("--url", f"http://127.0.0.1:{cls.port}/ok",
                                       "--connections", str(CONNECTIONS),
                                       "--duration", str(SECONDS), "--json", *extra)
                if rc != 0:
                    raise AssertionError(f"loadgen {name} exited {rc}: {err}")
                lines = out.splitlines()
                if len(lines) != 1:
                    raise AssertionError(f"loadgen {name} printed {out!r}")
                summary = json.loads(lines[0])
                logged = cls._logged_since(nginx, before, summary["received"])
                cls.runs[name] = (summary, logged)
                print(f"\n{name} loop: {lines[0]}\nnginx logged {len(logged)}",
                      file=sys.stderr)

    @staticmethod
    def _logged_since(nginx, before, expected):
        deadline = time.monotonic() + LOG_SETTLE_S
        while True:
            logged = nginx.access_log()[before:]
            if len(logged) >= expected or time.monotonic() > deadline:
                time.sleep(0.1)  # and nothing more comes
                return nginx.access_log()[before:]
            time.sleep(0.05)

    def check_run(self, name):
        s, logged = self.runs[name]
        answered = [r for r in logged if r["bytes_sent"] > 0]
        self.assertEqual(s["errors"], 0, s)
        self.assertGreater(s["received"], 0, s)
        self.assertEqual(s["received"], len(answered), "responses vs nginx's access log")
        self.assertEqual(s["status"], {"2xx": s["received"], "3xx": 0, "4xx": 0, "5xx": 0})
        self.assertEqual({(r["method"], r["uri"], r["status"]) for r in answered},
                         {("GET", "/ok", 200)})
        self.assertGreaterEqual(s["sent"], s["received"])
        self.assertLessEqual(s["sent"] - s["received"], CONNECTIONS, "one in flight at most")
        self.assertGreaterEqual(s["duration_s"], SECONDS)
        self.assertLess(s["duration_s"], SECONDS + 3)
        lat = s["latency_ms"]
        order = [lat[k] for k in ("p50", "p90", "p99", "p999", "max")]
        self.assertGreater(order[0], 0, lat)
        self.assertEqual(order, sorted(order), f"percentiles not ordered: {lat}")
        return s

    def test_closed_loop(self):
        s = self.check_run("closed")
        self.assertEqual(s["mode"], "closed")
        self.assertEqual(s["late"], 0)

    def test_open_loop(self):
        s = self.check_run("open")
        self.assertEqual(s["mode"], "open")
        self.assertLessEqual(abs(s["rate"] - RATE), RATE * 0.1, s)
        # every scheduled request was sent: 2 s at 2000/s
        self.assertLessEqual(abs(s["sent"] - RATE * SECONDS), RATE * SECONDS * 0.1, s)


class CommandLine(unittest.TestCase):
    def test_bad_values_exit_2_naming_the_flag(self):
        for args, flag in ((["--connections", "0"], "--connections"),
                           (["--duration", "x"], "--duration"),
                           (["--rate", "-1"], "--rate"),
                           (["--header", "nocolon"], "--header"),
                           (["--nope"], "--nope")):
            rc, out, err = loadgen("--url", "http://127.0.0.1:1/", *args)
            self.assertEqual(rc, 2, args)
            self.assertEqual(out, "")
            self.assertEqual(len(err.splitlines()), 1, err)
            self.assertIn(flag, err)
        rc, out, err = loadgen("--connections", "5")
        self.assertEqual(rc, 2)
        self.assertIn("--url", err)

    def test_help(self):
        rc, out, err = loadgen("--help")
        self.assertEqual(rc, 0)
        for flag in ("--url", "--connections", "--duration", "--rate", "--method", "--header",
                     "--body-bytes", "--json"):
            self.assertIn(flag, out)

    def test_nothing_listening_counts_connect_errors(self):
        port = harness.free_port()
        rc, out, err = loadgen("--url", f"http://127.0.0.1:{port}/", "--duration", "0.3",
                               "--json")
        self.assertEqual(rc, 0, err)
        s = json.loads(out)
        self.assertEqual((s["sent"], s["received"]), (0, 0))
        self.assertGreater(s["error_kinds"]["connect"], 0)
        self.assertEqual(s["errors"], s["error_kinds"]["connect"])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
