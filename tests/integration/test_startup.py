"""Start-up as a user meets it on a machine that lacks something: one line saying what is
missing and what to do, exit status 1; and the things sockeye fixes itself (an unmounted
tracefs) are fixed. Each case runs in a private mount namespace (unshare -m) so the
machine itself is left alone."""

import json
import os
import subprocess
import sys
import unittest

import harness

TRACEFS = "/sys/kernel/tracing"
UNMOUNT_TRACEFS = f"umount {TRACEFS} 2>/dev/null || true\n"
# root without CAP_SYS_ADMIN may load BPF (CAP_BPF, CAP_PERFMON) but not mount
WITHOUT_SYS_ADMIN = "setpriv --bounding-set -sys_admin --inh-caps -sys_admin "


def in_private_mounts(script):
    """Run a shell script in a new mount namespace; returns the CompletedProcess."""
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-ec", script],
                          capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


class Startup(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)

    def assert_one_line_error(self, res, text):
        self.assertEqual(res.returncode, 1, res.stderr)
        lines = [l for l in res.stderr.splitlines() if l.startswith("sockeye:")]
        self.assertEqual(len(lines), 1, res.stderr)
        self.assertIn(text, lines[0])

    def test_not_root(self):
        res = subprocess.run(["setpriv", "--reuid", "65534", "--regid", "65534",
                              "--clear-groups", harness.SOCKEYE, "--duration", "1"],
                             capture_output=True, text=True, timeout=60)
        self.assert_one_line_error(res, "missing capabilities")

    # tracefs gives the syscall tracepoints their ids: only the syscall tier needs it

    def test_unmounted_tracefs_is_mounted(self):
        res = in_private_mounts(
            UNMOUNT_TRACEFS +
            f"test ! -e {TRACEFS}/events\n"
            f"{harness.SOCKEYE} --duration 1 --window 1 --data-hooks syscall\n"
            f"test -e {TRACEFS}/events/syscalls\n")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("mounted tracefs", res.stderr)

    def test_tracefs_not_mountable(self):
        res = in_private_mounts(
            UNMOUNT_TRACEFS +
            f"exec {WITHOUT_SYS_ADMIN}{harness.SOCKEYE} --duration 1 --data-hooks syscall\n")
        self.assert_one_line_error(res, "tracefs is not mounted")
        self.assertIn("mount -t tracefs", res.stderr)

    def test_socket_tier_needs_no_tracefs(self):
        # the same machine without tracefs and without the right to mount it: the socket
        # tier attaches raw tracepoints only, so it starts, captures, and mounts nothing
        err = f"/tmp/sockeye-startup-{os.getpid()}.err"
        res = in_private_mounts(
            UNMOUNT_TRACEFS +
            f"{WITHOUT_SYS_ADMIN}{harness.SOCKEYE} --stdout --window 1 --ports 18089 --data-hooks socket "
            f"2>{err} &\n"
            f"pid=$!\n"
            f"for i in $(seq 600); do grep -q capturing: {err} && break; sleep 0.1; done\n"
            f"{harness.TCP_PEER} --family rw --port 18089 >/dev/null\n"
            f"kill -INT $pid\n"
            f"wait $pid || {{ cat {err} >&2; exit 1; }}\n"
            f"cat {err} >&2; rm -f {err}\n"
            f"test ! -e {TRACEFS}/events\n")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertNotIn("mounted tracefs", res.stderr)
        self.assertIn("data hooks socket", res.stderr)
        lines = [json.loads(l) for l in res.stdout.splitlines()]
        self.assertEqual(sum(l["conns_opened"] for l in lines if l["type"] == "stats"), 2)

    def test_no_btf(self):
        res = in_private_mounts(
            "mount -t tmpfs none /sys/kernel/btf\n"
            f"exec {harness.SOCKEYE} --duration 1\n")
        self.assert_one_line_error(res, "no kernel BTF")

    def test_missing_tracepoint(self):
        # a tracefs without the syscall tracepoints the syscall tier attaches to
        res = in_private_mounts(
            f"mount -t tmpfs none {TRACEFS}\n"
            f"mkdir -p {TRACEFS}/events/syscalls\n"
            f"exec {harness.SOCKEYE} --duration 1 --data-hooks syscall\n")
        self.assert_one_line_error(res, "cannot attach to tracepoint syscalls/sys_")
        self.assertIn("does not exist", res.stderr)

    def test_capabilities_dropped_once_attached(self):
        sockeye = harness.Sockeye("--window", "1", "--ports", "18087")
        try:
            with open(f"/proc/{sockeye.proc.pid}/status") as f:
                caps = dict(l.split(":\t") for l in f if l.startswith("Cap"))
            # still capturing without them
            sides = harness.run_peer("--family", "rw", "--port", "18087")
        finally:
            report = sockeye.stop()
        cap_bpf = 1 << 39  # kept only on kernels that check it for map access (before 6.5)
        for name in ("CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb"):
            self.assertIn(int(caps[name], 16), (0, cap_bpf), f"{name}={caps[name].strip()}")
        self.assertIn("dropped all capabilities", sockeye.stderr)
        for side in sides:
            self.assertIsNotNone(report.conn(side["role"], side["local"], side["peer"]))
        self.assertEqual(report.total("events"), report.total("kernel_events"))

    def test_allocator_is_jemalloc_outside_sanitizer_builds(self):
        # jemalloc is linked, not preloaded; the sanitizers bring their own malloc
        sanitizer = os.environ.get("SOCKEYE_SANITIZER", "none")
        sockeye = harness.Sockeye("--ports", "18088")
        sockeye.stop()
        line = [l for l in sockeye.stderr.splitlines() if "capturing:" in l][0]
        if sanitizer == "none":
            self.assertRegex(line, r"allocator jemalloc \d")
        else:
            self.assertIn("allocator libc", line)

    def test_netns_or_pid_that_names_nothing_is_a_bad_value(self):
        for args, flag in ((("--netns", "/nonexistent/netns"), "--netns"),
                           (("--pid", "4194300"), "--pid")):
            with self.subTest(flag=flag):
                res = subprocess.run([harness.SOCKEYE] + list(args), capture_output=True,
                                     text=True, timeout=60)
                self.assertEqual(res.returncode, 2, res.stderr)
                self.assertEqual(len(res.stderr.splitlines()), 1, res.stderr)
                self.assertIn(flag, res.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
