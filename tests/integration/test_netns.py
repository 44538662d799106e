"""Network namespace selection with real namespaces (ip netns): sockeye reports only the
traffic of the namespace it watches. Two sockeye instances run side by side, one on its own
namespace (the default) and one on a test namespace, while peers talk in each."""

import subprocess
import sys
import unittest

import harness

NS = "sockeye_it_ns"


def ip(*args):
    subprocess.run(["ip"] + list(args), check=True, capture_output=True)


class NetnsIsolation(harness.CaptureAssertions):
    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)
        ip("netns", "add", NS)
        ip("-n", NS, "link", "set", "lo", "up")
        in_ns = ("ip", "netns", "exec", NS)
        try:
            own = harness.Sockeye("--window", "1")
            other = harness.Sockeye("--window", "1", "--netns", f"/var/run/netns/{NS}")
            try:
                cls.root_run = harness.run_peer("--family", "rw", "--port", "8081")
                cls.ns_run = harness.run_peer("--family", "rw", "--port", "8081", prefix=in_ns)
            finally:
                cls.own = own.stop()
                cls.other = other.stop()
        finally:
            subprocess.run(["ip", "netns", "del", NS], capture_output=True)

    def test_own_namespace_sees_only_its_traffic(self):
        for side in self.root_run:
            self.assert_side_matches(self.own, side)
        for side in self.ns_run:
            self.assertIsNone(self.own.conn(side["role"], side["local"], side["peer"]),
                              "traffic of another namespace was reported")

    def test_selected_namespace_sees_only_its_traffic(self):
        for side in self.ns_run:
            self.assert_side_matches(self.other, side)
        for side in self.root_run:
            self.assertIsNone(self.other.conn(side["role"], side["local"], side["peer"]))

    def test_all_namespaces_sees_both(self):
        # --netns all is checked on a fresh run: both namespaces in one report
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)
        ip("netns", "add", NS)
        ip("-n", NS, "link", "set", "lo", "up")
        try:
            every = harness.Sockeye("--window", "1", "--netns", "all")
            try:
                root_run = harness.run_peer("--family", "to", "--port", "8082")
                ns_run = harness.run_peer("--family", "to", "--port", "8082",
                                          prefix=("ip", "netns", "exec", NS))
            finally:
                report = every.stop()
        finally:
            subprocess.run(["ip", "netns", "del", NS], capture_output=True)
        for side in root_run + ns_run:
            self.assert_side_matches(report, side)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
