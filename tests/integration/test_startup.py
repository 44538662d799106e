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
# deploy/kubernetes/sidecar.yaml's capabilities: drop ALL, add BPF and PERFMON; the container
# runtime gives no CAP_SETPCAP, so the bounding set stays. With SYS_ADMIN too: what the
# syscall tier needs where it must mount tracefs (deploy/README.md).
# deploy/kubernetes/sidecar.yaml's capabilities, and the two that suffice without TLS
MANIFEST_CAPS = ("setpriv", "--bounding-set=-all,+bpf,+perfmon,+sys_admin,+sys_ptrace",
                 "--inh-caps=-all")
WITHOUT_TLS_CAPS = ("setpriv", "--bounding-set=-all,+bpf,+perfmon", "--inh-caps=-all")
# root with no capability at all: what a neighbour in a shared PID namespace may be
NO_CAPS = ("setpriv", "--bounding-set=-all", "--inh-caps=-all")
CAP_SYS_PTRACE, CAP_SYS_ADMIN, CAP_PERFMON, CAP_BPF = 1 << 19, 1 << 21, 1 << 38, 1 << 39
TLS_WATCH_CAPS = CAP_SYS_PTRACE | CAP_SYS_ADMIN | CAP_PERFMON | CAP_BPF


def task_statuses(pid):
    """/proc/PID/task/*/status of every thread, as {tid: {field: value}}."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            out[tid] = dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)
    return out


def watcher_status(pid):
    """/proc/N/status of sockeye's TLS watcher (its child named sockeye-tls), as a dict."""
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/status") as f:
                st = dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)
        except (FileNotFoundError, NotADirectoryError, ProcessLookupError):
            continue
        if st.get("Name") == "sockeye-tls" and st.get("PPid") == str(pid):
            return st
    raise AssertionError(f"sockeye {pid} has no TLS watcher")


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

    def run_and_check_privileges(self, port, prefix=()):
        """Start sockeye (under prefix), read every thread's status once it captures, push
        one tcp_peer connection through it and stop it: the capture must still be exact.
        Returns (statuses, stderr)."""
        sockeye = harness.Sockeye("--window", "1", "--ports", str(port), prefix=prefix)
        try:
            statuses = task_statuses(sockeye.proc.pid)
            self.watcher = watcher_status(sockeye.proc.pid)
            sides = harness.run_peer("--family", "rw", "--port", str(port))
        finally:
            report = sockeye.stop()  # exit status 0, or it raises
        for side in sides:
            self.assertIsNotNone(report.conn(side["role"], side["local"], side["peer"]), side)
        self.assertEqual(report.total("events"), report.total("kernel_events"))
        self.assertGreater(report.total("events"), 0)
        # the workers, merger and sender are up: the filter and the drop hold in each
        self.assertGreaterEqual(len(statuses), 4, statuses.keys())
        for tid, st in list(statuses.items()) + [("watcher", self.watcher)]:
            self.assertEqual(st["NoNewPrivs"], "1", tid)
            self.assertEqual(st["Seccomp"], "2", tid)
            for name in ("CapInh", "CapAmb"):
                self.assertEqual(int(st[name], 16), 0, f"{tid} {name}={st[name]}")
        # the TLS watcher keeps what attaching needs, as far as it was granted, and no more
        self.assertEqual(self.watcher["CapEff"], self.watcher["CapPrm"])
        return statuses, sockeye.stderr

    def privileges_line(self, stderr):
        lines = [l for l in stderr.splitlines() if "privileges:" in l]
        self.assertEqual(len(lines), 1, stderr)
        # LeakSanitizer needs ptrace at exit: the AddressSanitizer build lets it through
        refused = ("exec, mount, namespaces, module loading and BPF loading refused (ptrace "
                   "allowed: AddressSanitizer build)"
                   if os.environ.get("SOCKEYE_SANITIZER") == "address" else
                   "exec, ptrace, mount, namespaces, module loading and BPF loading refused")
        self.assertIn("; no_new_privs; seccomp: " + refused, lines[0])
        return lines[0]

    def test_privileges_dropped_for_good_under_the_manifest_caps(self):
        # no CAP_SETPCAP: the bounding set cannot be dropped, so it is said to stay, and
        # no_new_privs and the filter are what keep an exec from regaining it. Started with
        # no_new_privs already set too, as allowPrivilegeEscalation: false starts it.
        sets = ((WITHOUT_TLS_CAPS, CAP_PERFMON | CAP_BPF, "cap_perfmon, cap_bpf"),
                (MANIFEST_CAPS, TLS_WATCH_CAPS,
                 "cap_sys_ptrace, cap_sys_admin, cap_perfmon, cap_bpf"))
        for caps, bounding, names in sets:
            for nnp in ((), ("--no-new-privs",)):
                with self.subTest(caps=caps[1], started_with=nnp):
                    statuses, stderr = self.run_and_check_privileges(18087, prefix=caps + nnp)
                    for tid, st in statuses.items():
                        for name in ("CapEff", "CapPrm"):
                            self.assertEqual(int(st[name], 16), 0, f"{tid} {name}={st[name]}")
                        self.assertEqual(int(st["CapBnd"], 16), bounding,
                                         f"{tid} CapBnd={st['CapBnd']}")
                    self.assertEqual(int(self.watcher["CapEff"], 16), bounding)
                    line = self.privileges_line(stderr)
                    self.assertIn(f"privileges: no capabilities left; bounding set kept: "
                                  f"{names} (dropping it needs CAP_SETPCAP; no_new_privs "
                                  f"stops an exec from regaining them);", line)

    def test_privileges_dropped_for_good_as_root(self):
        statuses, stderr = self.run_and_check_privileges(18087)
        for tid, st in statuses.items():
            self.assertEqual(int(st["CapBnd"], 16), 0, f"{tid} CapBnd={st['CapBnd']}")
            # CAP_BPF stays only where the kernel checks it on map access (before 6.5)
            self.assertEqual(st["CapEff"], st["CapPrm"], tid)
            self.assertIn(int(st["CapEff"], 16), (0, CAP_BPF), f"{tid} CapEff={st['CapEff']}")
        kept_bpf = int(next(iter(statuses.values()))["CapEff"], 16) == CAP_BPF
        self.assertEqual(int(self.watcher["CapEff"], 16), TLS_WATCH_CAPS)
        self.assertEqual(int(self.watcher["CapBnd"], 16), 0)
        line = self.privileges_line(stderr)
        self.assertIn("privileges: " + ("only cap_bpf left (this kernel checks it on map access)"
                                        if kept_bpf else "no capabilities left") +
                      " (bounding set empty);", line)

    def test_memory_hidden_from_a_neighbour_without_caps(self):
        # a root process without capabilities (the service's container, under
        # shareProcessNamespace, holds no CAP_SYS_PTRACE) reads the environ of a dumpable
        # process that holds no more than it does, but not sockeye's
        reader = list(NO_CAPS) + ["cat"]
        neighbour = subprocess.Popen(list(NO_CAPS) + ["sleep", "60"])
        sockeye = harness.Sockeye("--ports", "18087", prefix=MANIFEST_CAPS)
        try:
            control = subprocess.run(reader + [f"/proc/{neighbour.pid}/environ"],
                                     capture_output=True, timeout=60)
            res = subprocess.run(reader + [f"/proc/{sockeye.proc.pid}/environ"],
                                 capture_output=True, text=True, timeout=60)
        finally:
            neighbour.kill()
            neighbour.wait()
            sockeye.stop()
        self.assertEqual(control.returncode, 0, control.stderr)
        self.assertNotEqual(res.returncode, 0, "sockeye's environ was readable")
        self.assertIn("Permission denied", res.stderr)

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
