"""DNS end to end, as a pod sees it: a "cluster DNS" (Debian's dnsmasq) in a namespace of its
own, a "pod" namespace joined to it by a veth pair where sockeye and the resolving processes
run (dig, glibc through getent and Python, many threads), and a pod-local dnsmasq for the
server role. /etc/netns/<pod>/resolv.conf points glibc at the cluster DNS.

Each class is one scenario with its own namespaces, servers and sockeye run; its assertions
are on the dns groups summed over windows: exact counts per (role, name, qtype, rcode,
transport, server), cross-checked with the queries dnsmasq itself logged, and no DNS drops.

    cluster DNS namespace  dns-srv-<pid>  10.213.0.1  dnsmasq :53, a silent UDP socket :5300,
                                                      a server failing every query :5301
    pod namespace          dns-pod-<pid>  10.213.0.2  sockeye, the clients, dnsmasq :5353
"""

import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import harness

PID = os.getpid()
SRV_NS, POD_NS = f"dns-srv-{PID}", f"dns-pod-{PID}"
SRV_IF, POD_IF = f"dnss{PID}", f"dnsp{PID}"  # at most 15 characters: pids have at most 7 digits
SRV_ADDR, POD_ADDR = "10.213.0.1", "10.213.0.2"
POD_ADDR6 = "fd00:213::2"  # the pod has IPv6: getaddrinfo's AI_ADDRCONFIG asks for AAAA too
SILENT_PORT = 5300  # in the cluster DNS namespace: reads queries, never answers
SERVFAIL_PORT = 5301  # in the cluster DNS namespace: answers every query with SERVFAIL
POD_DNS_PORT = 5353  # the pod's own DNS server (server role)
ETC_NETNS = "/etc/netns"
PY = "/usr/bin/python3"  # Debian's: glibc's resolver, connected UDP sockets
# musl's resolver (Alpine's): sendto(2) from a UDP socket it never connects (musl_resolve.c)
MUSL_RESOLVE = os.environ.get("MUSL_RESOLVE_BIN", "build/tests/integration/musl_resolve")
WINDOW_S = 2
DURATION_BOUNDS = [1, 5, 10, 50, 100, 500]
# every dns counter under "dropped" (the contract names these; any other dns_* one counts too)
DNS_DROPPED = ("dns_malformed", "dns_not_captured", "dns_unpaired", "dns_pending_full",
               "dns_alloc", "dns_tcp_framing")
ANSWER_TIMEOUT_S = 5  # sockeye's wait for an answer before a query counts as unanswered
NOERROR, SERVFAIL, NXDOMAIN, REFUSED = 0, 2, 3, 5
CLIENT, SERVER = "client", "server"

# The cluster DNS: svc.test and every name under it resolve (A and AAAA), names under nx.test
# do not exist, and fail.test is forwarded to an upstream with no route to it: dnsmasq 2.90
# answers that at once with REFUSED ("config error is REFUSED (EDE: network error)"), where an
# upstream that is routed but silent (127.0.0.1#1) gets no answer at all.
DNSMASQ_ZONES = ("--address=/svc.test/10.1.2.3", "--address=/svc.test/fd00::3",
                 "--address=/nx.test/", "--server=/fail.test/192.0.2.1")


def run(argv, timeout=60, check=True):
    res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                         stdin=subprocess.DEVNULL)
    if check and res.returncode != 0:
        raise AssertionError(f"{argv} exited {res.returncode}: {res.stderr}{res.stdout}")
    return res


def in_pod(*argv, timeout=60, check=True):
    return run(["ip", "netns", "exec", POD_NS] + list(argv), timeout=timeout, check=check)


def dig(*args, expect="NOERROR"):
    """One dig in the pod, no retry; returns its status (NOERROR, ...; "timeout" when nothing
    came) and fails unless it is expect."""
    res = in_pod("dig", "+tries=1", "+time=2", *args, check=False)
    m = re.search(r"status: (\w+)", res.stdout)
    status = m.group(1) if m else "timeout" if res.returncode == 9 else None
    if status != expect:
        raise AssertionError(f"dig {args}: {status} (exit {res.returncode}), expected {expect}: "
                             f"{res.stdout}{res.stderr}")
    return status


def _bound_ports(pid, table):
    """(local port, state) of the sockets in /proc/<pid>/net/<table>: that process's netns."""
    out = set()
    for t in (table, table + "6"):
        try:
            with open(f"/proc/{pid}/net/{t}") as f:
                rows = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            fields = row.split()
            out.add((int(fields[1].rsplit(":", 1)[1], 16), fields[3]))
    return out


class Topology:
    """The two namespaces, the veth pair, the pod's resolv.conf and the processes started in
    the namespaces. down() undoes all of it, whatever up() got to."""

    def __init__(self):
        self.procs = []  # (name, Popen, path of its stderr)
        self.tmp = tempfile.mkdtemp(prefix=f"sockeye-dns-{PID}-")
        self.made_etc_netns = False

    def up(self):
        self._del_namespaces()  # a leftover of a killed run with this pid
        for ns in (SRV_NS, POD_NS):
            run(["ip", "netns", "add", ns])
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
        run(["ip", "link", "add", SRV_IF, "netns", SRV_NS, "type", "veth",
             "peer", "name", POD_IF, "netns", POD_NS])
        run(["ip", "-n", SRV_NS, "addr", "add", SRV_ADDR + "/24", "dev", SRV_IF])
        run(["ip", "-n", POD_NS, "addr", "add", POD_ADDR + "/24", "dev", POD_IF])
        run(["ip", "-n", POD_NS, "addr", "add", POD_ADDR6 + "/64", "dev", POD_IF, "nodad"])
        run(["ip", "-n", SRV_NS, "link", "set", SRV_IF, "up"])
        run(["ip", "-n", POD_NS, "link", "set", POD_IF, "up"])
        if not os.path.isdir(ETC_NETNS):
            os.mkdir(ETC_NETNS)
            self.made_etc_netns = True
        os.makedirs(os.path.join(ETC_NETNS, POD_NS), exist_ok=True)
        # ip netns exec mounts it over /etc/resolv.conf for the processes it starts in the pod
        with open(os.path.join(ETC_NETNS, POD_NS, "resolv.conf"), "w") as f:
            f.write(f"nameserver {SRV_ADDR}\noptions timeout:1 attempts:1\n")

    def spawn(self, name, ns, argv, stdout=None):
        """A process in namespace ns (ip netns exec execs it: the Popen is the process), its
        stderr in a log file."""
        log = os.path.join(self.tmp, name + ".log")
        with open(log, "w") as err:
            proc = subprocess.Popen(["ip", "netns", "exec", ns] + list(argv),
                                    stdin=subprocess.DEVNULL, stdout=stdout or err, stderr=err,
                                    text=True)
        self.procs.append((name, proc, log))
        return proc

    def dnsmasq(self, name, ns, addr, port, *zones):
        """dnsmasq answering from zones only (no upstream, no /etc/hosts), every query logged;
        returns once its UDP and TCP sockets are bound."""
        proc = self.spawn(name, ns, [
            "dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts", "--bind-interfaces",
            f"--listen-address={addr}", f"--port={port}", "--pid-file=", "--log-queries",
            "--log-facility=-", *zones])
        deadline = time.monotonic() + 20
        while not ((port, "07") in _bound_ports(proc.pid, "udp") and
                   (port, "0A") in _bound_ports(proc.pid, "tcp")):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"dnsmasq {name} did not start: {self.log(name)}")
            time.sleep(0.02)
        return proc

    def silent_udp(self, name, ns, addr, port):
        """A UDP socket that reads DNS queries and never answers; it logs one "got" line per
        datagram."""
        code = ("import socket, sys\n"
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                f"s.bind(({addr!r}, {port}))\n"
                "print('ready', flush=True)\n"
                "while True:\n"
                "    s.recv(65536)\n"
                "    print('got', file=sys.stderr, flush=True)\n")
        proc = self.spawn(name, ns, [PY, "-c", code], stdout=subprocess.PIPE)
        if proc.stdout.readline().strip() != "ready":
            raise AssertionError(f"{name} did not start: {self.log(name)}")
        return proc

    def servfail_udp(self, name, ns, addr, port):
        """A UDP server that answers every query with SERVFAIL (its question echoed)."""
        code = ("import socket\n"
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                f"s.bind(({addr!r}, {port}))\n"
                "print('ready', flush=True)\n"
                "while True:\n"
                "    q, peer = s.recvfrom(65536)\n"
                "    s.sendto(q[:2] + bytes([0x81, 0x82]) + q[4:], peer)\n")
        proc = self.spawn(name, ns, [PY, "-c", code], stdout=subprocess.PIPE)
        if proc.stdout.readline().strip() != "ready":
            raise AssertionError(f"{name} did not start: {self.log(name)}")
        return proc

    def log(self, name):
        for n, _, log in self.procs:
            if n == name:
                with open(log) as f:
                    return f.read()
        raise KeyError(name)

    def stop_processes(self):
        for _, proc, _ in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _, proc, _ in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout:
                proc.stdout.close()

    def _del_namespaces(self):
        for ns in (SRV_NS, POD_NS):  # the veth pair goes with them
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    def down(self):
        try:
            self.stop_processes()
        finally:
            self._del_namespaces()
            shutil.rmtree(os.path.join(ETC_NETNS, POD_NS), ignore_errors=True)
            if self.made_etc_netns:
                try:
                    os.rmdir(ETC_NETNS)
                except OSError:
                    pass  # something else put a namespace's files there meanwhile
            shutil.rmtree(self.tmp, ignore_errors=True)


def dnsmasq_queries(log):
    """{(qtype, name lowercased, source address): count} of the queries dnsmasq logged."""
    out = collections.Counter()
    for m in re.finditer(r"query\[(\w+)\] (\S+) from (\S+)", log):
        out[(m.group(1), m.group(2).lower(), m.group(3))] += 1
    return dict(out)


class DnsReport:
    """sockeye's dns and dns_unanswered lines summed over windows, by their group key."""

    def __init__(self, report):
        self.report = report
        self.lines = [l for l in report.lines if l["type"] == "dns"]
        self.unanswered_lines = [l for l in report.lines if l["type"] == "dns_unanswered"]
        # (role, name, qtype, rcode, transport, server) -> summed group
        self.groups = {}
        for l in self.lines:
            key = (l["role"], l["name"], l["qtype"], l["rcode"], l["transport"], l["server"])
            g = self.groups.get(key)
            if g is None:
                g = self.groups[key] = {"count": 0, "windows": 0, "truncated": False,
                                        "name_truncated": False, "overflow": False,
                                        "duration_ms": harness._hist_empty(l["duration_ms"])}
            g["count"] += l["count"]
            g["windows"] += 1
            for flag in ("truncated", "name_truncated", "overflow"):
                g[flag] = g[flag] or l[flag]
            harness._hist_add(g["duration_ms"], l["duration_ms"])
        # (role, name, qtype, transport, server) -> count
        self.unanswered = collections.Counter()
        for l in self.unanswered_lines:
            self.unanswered[(l["role"], l["name"], l["qtype"], l["transport"],
                             l["server"])] += l["count"]
        self.unanswered = dict(self.unanswered)

    def counts(self, role):
        """{(name, qtype, rcode, transport, server): count} of one role."""
        return {k[1:]: g["count"] for k, g in self.groups.items() if k[0] == role}


class DnsScenario:
    """Mixed into each scenario's unittest.TestCase. setUpClass: the topology and the cluster
    DNS, start_servers(), sockeye (in the pod, or from the root namespace with --netns when
    NETNS_FLAG), drive(), stop sockeye (its last window flushed), stop the servers and read
    their logs. Everything is torn down whatever fails (a class cleanup)."""

    SOCKEYE_ARGS = ()
    NETNS_FLAG = False

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.topo = Topology()
        cls.addClassCleanup(cls.topo.down)
        cls.topo.up()
        cls.topo.dnsmasq("cluster-dns", SRV_NS, SRV_ADDR, 53, *DNSMASQ_ZONES)
        cls.start_servers(cls.topo)
        if cls.NETNS_FLAG:
            sockeye = harness.Sockeye("--window", str(WINDOW_S), "--netns",
                                      f"/var/run/netns/{POD_NS}", *cls.SOCKEYE_ARGS)
        else:
            sockeye = harness.Sockeye("--window", str(WINDOW_S), *cls.SOCKEYE_ARGS,
                                      prefix=("ip", "netns", "exec", POD_NS))
        try:
            cls.drive(sockeye)
        finally:
            cls.report = sockeye.stop()
        cls.dns = DnsReport(cls.report)
        cls.topo.stop_processes()  # dnsmasq's log is complete once it exited
        cls.cluster_queries = dnsmasq_queries(cls.topo.log("cluster-dns"))

    @classmethod
    def start_servers(cls, topo):
        pass

    @classmethod
    def drive(cls, sockeye):
        raise NotImplementedError

    def assert_counts(self, role, expected):
        self.assertEqual(self.dns.counts(role), expected,
                         f"{role} role: (name, qtype, rcode, transport, server) -> count")

    # checks every scenario shares
    def test_no_dns_drops(self):
        dropped = self.report.total_dropped()
        for k in DNS_DROPPED:
            self.assertIn(k, dropped, "stats lines carry the dns drop counters")
        self.assertEqual({k: v for k, v in dropped.items() if k.startswith("dns_") and v}, {},
                         "dns_* under dropped")

    def test_stats_agree_with_lines(self):
        r = self.report
        self.assertEqual(r.total("dns_answered"),
                         sum(g["count"] for g in self.dns.groups.values()), "dns_answered")
        self.assertEqual(r.total("dns_unanswered"), sum(self.dns.unanswered.values()),
                         "dns_unanswered")
        # one try per query everywhere (dig +tries=1, resolv.conf attempts:1), all of them
        # single-question QUERYs
        self.assertEqual(r.total("dns_retransmits"), 0, "dns_retransmits")
        self.assertEqual(r.total("dns_unsupported"), 0, "dns_unsupported")

    def test_nothing_in_flight_at_end(self):
        self.assertTrue(self.report.stats, "stats lines")
        self.assertEqual(self.report.stats[-1].get("dns_in_flight"), 0, "dns_in_flight")

    def test_durations_plausible(self):
        for key, g in self.dns.groups.items():
            d = g["duration_ms"]
            self.assertEqual(d["bounds"], DURATION_BOUNDS, key)
            self.assertEqual(d["count"], g["count"], f"{key}: duration count")
            self.assertEqual(sum(d["counts"]), d["count"], f"{key}: bucket counts")
            self.assertGreaterEqual(d["min"], 0, f"{key}: duration min")
            self.assertLess(d["max"], 1000, f"{key}: duration max (answered at once)")
            self.assertLessEqual(d["min"], d["max"], key)

    def test_no_flags(self):
        for key, g in self.dns.groups.items():
            self.assertEqual((g["truncated"], g["name_truncated"], g["overflow"]),
                             (False, False, False), key)
        for l in self.dns.unanswered_lines:
            self.assertEqual((l["name_truncated"], l["overflow"]), (False, False), l)

    def test_windows(self):
        for l in self.dns.lines + self.dns.unanswered_lines:
            self.assertEqual(l["window_start"] % (WINDOW_S * 1000), 0, l)
            self.assertLessEqual(l["window_end"] - l["window_start"], WINDOW_S * 1000, l)


class Resolvers(DnsScenario, unittest.TestCase):
    """The pod's clients of the cluster DNS: dig over UDP and TCP, glibc's getaddrinfo through
    getent (A and AAAA on one socket, sendmmsg) and Python (A only), 16 threads resolving at
    once, names in mixed case, NXDOMAIN and REFUSED answers, Go's way (write and read on a
    connected socket), and musl's getaddrinfo (A and AAAA sent with sendto from a socket never
    connected, answers read with recvfrom)."""

    MT_THREADS, MT_EACH = 16, 10
    THREADS_SCRIPT = f"""
import socket, sys, threading
errors = []
def work():
    for _ in range({MT_EACH}):
        try:
            addrs = {{a[4][0] for a in socket.getaddrinfo("mt.svc.test", 80, socket.AF_INET,
                                                         socket.SOCK_STREAM)}}
            if addrs != {{"10.1.2.3"}}:
                errors.append(addrs)
        except OSError as e:
            errors.append(repr(e))
threads = [threading.Thread(target=work) for _ in range({MT_THREADS})]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(errors)
sys.exit(1 if errors else 0)
"""

    # Go's resolver: one connected UDP socket per query, write(2) and read(2)
    GO_STYLE = f"""
import os, socket, struct
name = b"".join(bytes([len(x)]) + x for x in b"go.svc.test".split(b".")) + b"\\0"
for i in range(4):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("{SRV_ADDR}", 53))
    os.write(s.fileno(), struct.pack(">6H", 0x4200 + i, 0x0100, 1, 0, 0, 0) + name +
             struct.pack(">HH", 1, 1))
    answer = os.read(s.fileno(), 512)
    assert answer[:2] == struct.pack(">H", 0x4200 + i) and answer[3] & 0xf == 0, answer
    s.close()
print("ok")
"""

    @classmethod
    def drive(cls, sockeye):
        for _ in range(5):
            dig(f"@{SRV_ADDR}", "svc.test", "A")
        for _ in range(3):
            dig("+tcp", f"@{SRV_ADDR}", "svc.test", "A")
        # the rest in a later window: the counts are summed over windows
        time.sleep(WINDOW_S - time.time() % WINDOW_S + 0.1)
        cls.getent_out = [in_pod("getent", "ahosts", "getent.svc.test").stdout for _ in range(3)]
        cls.python_out = in_pod(PY, "-c", "import socket\nfor _ in range(4):\n"
                                "    print(socket.getaddrinfo('py.svc.test', 80, "
                                "socket.AF_INET, socket.SOCK_STREAM)[0][4][0])").stdout
        for _ in range(2):
            dig(f"@{SRV_ADDR}", "foo.nx.test", "A", expect="NXDOMAIN")
        for _ in range(2):
            dig(f"@{SRV_ADDR}", "x.fail.test", "A", expect="REFUSED")
        in_pod(PY, "-c", cls.THREADS_SCRIPT)
        dig(f"@{SRV_ADDR}", "Mixed.SVC.Test", "A")
        cls.go_out = in_pod(PY, "-c", cls.GO_STYLE).stdout
        cls.musl_out = in_pod(MUSL_RESOLVE, "musl.svc.test", "3").stdout

    EXPECTED = {
        ("svc.test", "A", NOERROR, "udp", SRV_ADDR): 5,
        ("svc.test", "A", NOERROR, "tcp", SRV_ADDR): 3,
        ("getent.svc.test", "A", NOERROR, "udp", SRV_ADDR): 3,
        ("getent.svc.test", "AAAA", NOERROR, "udp", SRV_ADDR): 3,
        ("py.svc.test", "A", NOERROR, "udp", SRV_ADDR): 4,
        ("foo.nx.test", "A", NXDOMAIN, "udp", SRV_ADDR): 2,
        ("x.fail.test", "A", REFUSED, "udp", SRV_ADDR): 2,
        ("mt.svc.test", "A", NOERROR, "udp", SRV_ADDR): MT_THREADS * MT_EACH,
        ("mixed.svc.test", "A", NOERROR, "udp", SRV_ADDR): 1,
        ("go.svc.test", "A", NOERROR, "udp", SRV_ADDR): 4,
        ("musl.svc.test", "A", NOERROR, "udp", SRV_ADDR): 3,
        ("musl.svc.test", "AAAA", NOERROR, "udp", SRV_ADDR): 3,
    }

    def test_premises(self):
        # what the clients got, and exactly the queries the cluster DNS received
        for out in self.getent_out:
            self.assertIn("10.1.2.3", out)
            self.assertIn("fd00::3", out)
        self.assertEqual(self.python_out.split(), ["10.1.2.3"] * 4)
        self.assertEqual(self.go_out.split(), ["ok"])
        self.assertEqual(self.musl_out.split(), ["2"] * 3)  # 10.1.2.3 and fd00::3 each time
        want = collections.Counter()
        for (name, qtype, _, _, _), n in self.EXPECTED.items():
            want[(qtype, name, POD_ADDR)] += n
        self.assertEqual(self.cluster_queries, dict(want), "queries dnsmasq logged")

    def test_client_counts_exact(self):
        self.assert_counts(CLIENT, self.EXPECTED)

    def test_no_server_role(self):
        self.assert_counts(SERVER, {})

    def test_nothing_unanswered(self):
        self.assertEqual(self.dns.unanswered, {})

    def test_spread_over_windows(self):
        windows = {l["window_start"] for l in self.dns.lines}
        self.assertGreaterEqual(len(windows), 2, "a window edge passed during the queries")

    def test_names_lowercase(self):
        for l in self.dns.lines:
            self.assertEqual(l["name"], l["name"].lower(), l)
            self.assertFalse(l["name"].endswith("."), l)

    def test_line_shape(self):
        l = next(l for l in self.dns.lines if l["name"] == "svc.test")
        for k in ("window_start", "window_end", "role", "name", "qtype", "rcode", "server",
                  "transport", "count", "duration_ms", "truncated", "name_truncated",
                  "overflow"):
            self.assertIn(k, l)
        self.assertEqual(l["server"], SRV_ADDR)


class Unanswered(DnsScenario, unittest.TestCase):
    """A query to a server that never answers (dig gives up after 1 s) is counted once as
    unanswered, at the first window seal after sockeye's 5 s wait, never as a dns group; the
    answered queries around it are unaffected, and so are answers that are errors (SERVFAIL
    from a server that fails every query). sockeye watches the pod from the root namespace
    here (--netns PATH)."""

    SOCKEYE_ARGS = ("--dns-ports", f"53,{SILENT_PORT},{SERVFAIL_PORT}")
    NETNS_FLAG = True

    @classmethod
    def start_servers(cls, topo):
        topo.silent_udp("silent", SRV_NS, SRV_ADDR, SILENT_PORT)
        topo.servfail_udp("servfail", SRV_NS, SRV_ADDR, SERVFAIL_PORT)

    @classmethod
    def drive(cls, sockeye):
        dig(f"@{SRV_ADDR}", "svc.test", "A")
        cls.sent_ms = time.time() * 1000
        dig(f"@{SRV_ADDR}", "-p", str(SILENT_PORT), "+time=1", "lost.test", "A",
            expect="timeout")
        dig(f"@{SRV_ADDR}", "svc.test", "A")
        for _ in range(2):  # answered, with an error: not unanswered
            dig(f"@{SRV_ADDR}", "-p", str(SERVFAIL_PORT), "sf.test", "A", expect="SERVFAIL")
        # counted within 5 s and a window (given two windows and a second of slack), then
        # one more window: no second count of it
        deadline = time.monotonic() + ANSWER_TIMEOUT_S + 3 * WINDOW_S + 1
        while time.monotonic() < deadline:
            if any(l["type"] == "dns_unanswered" for l in sockeye.lines_so_far()):
                break
            time.sleep(0.2)
        time.sleep(WINDOW_S + 0.2)

    def test_premises(self):
        self.assertEqual(self.cluster_queries, {("A", "svc.test", POD_ADDR): 2})
        self.assertEqual(self.topo.log("silent").split(), ["got"], "the lost query arrived")

    def test_counted_unanswered_once(self):
        self.assertEqual(self.dns.unanswered,
                         {(CLIENT, "lost.test", "A", "udp", SRV_ADDR): 1}, "dns_unanswered lines")
        self.assertEqual(len(self.dns.unanswered_lines), 1, self.dns.unanswered_lines)

    def test_counted_after_the_timeout(self):
        (l,) = self.dns.unanswered_lines
        self.assertGreaterEqual(l["window_end"], self.sent_ms + ANSWER_TIMEOUT_S * 1000 - 50, l)
        self.assertLessEqual(l["window_end"],
                             self.sent_ms + (ANSWER_TIMEOUT_S + 2 * WINDOW_S) * 1000 + 500, l)

    def test_in_flight_while_waiting(self):
        # the lost query waited through at least two window edges before it was given up on
        waiting = [s["dns_in_flight"] for s in self.report.stats]
        self.assertEqual(max(waiting), 1, waiting)
        self.assertGreaterEqual(waiting.count(1), 2, waiting)

    def test_no_group_for_it(self):
        self.assertEqual([l for l in self.dns.lines if l["name"] == "lost.test"], [])

    def test_answered_ones_counted(self):
        self.assert_counts(CLIENT, {("svc.test", "A", NOERROR, "udp", SRV_ADDR): 2,
                                    ("sf.test", "A", SERVFAIL, "udp", SRV_ADDR): 2})
        self.assert_counts(SERVER, {})


class ServerRole(DnsScenario, unittest.TestCase):
    """A DNS server in the pod (dnsmasq on the pod's address, port 5353) queried from the pod:
    each query is counted once for the server that answered it and once for dig; queries to
    the cluster DNS are client-side only."""

    SOCKEYE_ARGS = ("--dns-ports", f"53,{POD_DNS_PORT}")

    @classmethod
    def start_servers(cls, topo):
        topo.dnsmasq("pod-dns", POD_NS, POD_ADDR, POD_DNS_PORT,
                     "--address=/svc.test/10.1.2.3", "--address=/nx.test/")

    @classmethod
    def drive(cls, sockeye):
        local = (f"@{POD_ADDR}", "-p", str(POD_DNS_PORT))
        for _ in range(4):
            dig(*local, "local.svc.test", "A")
        for _ in range(2):
            dig(*local, "gone.nx.test", "A", expect="NXDOMAIN")
        for _ in range(2):
            dig("+tcp", *local, "local.svc.test", "A")
        for _ in range(3):
            dig(f"@{SRV_ADDR}", "ext.svc.test", "A")

    POD_SIDE = {
        ("local.svc.test", "A", NOERROR, "udp", POD_ADDR): 4,
        ("gone.nx.test", "A", NXDOMAIN, "udp", POD_ADDR): 2,
        ("local.svc.test", "A", NOERROR, "tcp", POD_ADDR): 2,
    }

    def test_premises(self):
        self.assertEqual(self.cluster_queries, {("A", "ext.svc.test", POD_ADDR): 3})
        self.assertEqual(dnsmasq_queries(self.topo.log("pod-dns")),
                         {("A", "local.svc.test", POD_ADDR): 6,
                          ("A", "gone.nx.test", POD_ADDR): 2})

    def test_server_counts_exact(self):
        # and nothing of the queries to the cluster DNS: no server of theirs is in the pod
        self.assert_counts(SERVER, self.POD_SIDE)

    def test_client_counts_exact(self):
        expected = dict(self.POD_SIDE)
        expected[("ext.svc.test", "A", NOERROR, "udp", SRV_ADDR)] = 3
        self.assert_counts(CLIENT, expected)

    def test_nothing_unanswered(self):
        self.assertEqual(self.dns.unanswered, {})


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
