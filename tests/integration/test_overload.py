"""Nothing is lost silently: with rings far too small for the traffic and a worker that
drains rarely, records are dropped, and every drop shows up as a counted reason and as
counted stream gaps, never as silently shortened or shifted streams. And sockeye recovers:
once the flood is over, new connections are reported exactly again (lost close records
must not leave connections behind that fill the tables): close records that find their ring
full are parked in the kernel. Storms of closes larger than the parking map are in
test_close_storm.py."""

import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import harness


class Overload(harness.CaptureAssertions):
    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        # 64 KiB rings drained once a second, no early wake-up: overflow is certain.
        # A table of 64 connections: leaking any would soon show.
        sockeye = harness.Sockeye("--window", "1", "--ring-size", "64K", "--poll-ms", "1000",
                                  "--wakeup-bytes", "0", "--workers", "1", "--ports", "18070",
                                  "--max-connections", "64")
        try:
            cls.runs = [harness.run_peer("--family", "rw", "--port", "18070", "--chunk", "4096",
                                         "--up", "2000000", "--down", "2000000")
                        for _ in range(3)]
            # Many short connections while the ring overflows: their close records are lost
            # from the ring and must come back through the kernel's parking map.
            cls.churn = [harness.run_peer("--family", "rw", "--port", "18070", "--chunk", "4096",
                                          "--up", "100000", "--down", "100000")
                         for _ in range(60)]
            time.sleep(2.5)  # two window edges: the worker collects parked closes
            cls.after = [harness.run_peer("--family", "to", "--port", "18070",
                                          "--up", "3000", "--down", "3000") for _ in range(3)]
            time.sleep(1.5)
        finally:
            cls.report = sockeye.stop()

    def test_recovers_after_the_flood(self):
        for run in self.after:
            for side in run:
                self.assert_side_matches(self.report, side)
        opened, closed = self.report.total("conns_opened"), self.report.total("conns_closed")
        self.assertEqual(opened, closed, "every connection sockeye knew of was closed")
        self.assertEqual(self.report.total_dropped()["conn_table_full"], 0)
        self.assertEqual(self.report.total_dropped()["close_lost"], 0)

    def test_drops_are_counted_by_reason(self):
        dropped = self.report.total_dropped()
        self.assertGreater(dropped["ring_full"], 0, dropped)
        self.assertGreater(dropped["stream_gap"], 0, dropped)

    def test_every_reported_byte_is_real_and_holes_are_counted(self):
        sent = delivered = 0
        for run in self.runs + self.churn:
            for side in run:
                got = self.report.conn(side["role"], side["local"], side["peer"])
                if got is None:  # even the announcement can be lost; it is counted
                    sent += side["bytes_in"] + side["bytes_out"]
                    continue
                # reassembly never invents or duplicates bytes
                self.assertLessEqual(got["bytes_in"], side["bytes_in"])
                self.assertLessEqual(got["bytes_out"], side["bytes_out"])
                sent += side["bytes_in"] + side["bytes_out"]
                delivered += got["bytes_in"] + got["bytes_out"]
        self.assertLess(delivered, sent)
        holes = self.report.total("gap_bytes")
        if self.report.total("conns_closed") == 2 * (len(self.runs) + len(self.churn) + 3):
            # every close record arrived, so every hole is known to the byte
            self.assertEqual(delivered + holes, sent)
        else:  # a close record itself was dropped (counted as ring_full)
            self.assertLessEqual(delivered + holes, sent)
        # what was written to the rings was all drained and handled
        self.assertEqual(self.report.total("events"), self.report.total("kernel_events"))
        self.assertGreater(self.report.total("gap_bytes"), 0)



class ParkedCloses(harness.CaptureAssertions):
    """Close records that find their ring full are parked in the kernel and collected by
    the worker at the next window edge, so their connections still end."""

    PEERS = 20

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        # --capture-bytes 0: every data record is 64 bytes, so the 64 KiB ring fills to
        # exactly zero free bytes and the 56-byte close records cannot fit.
        sockeye = harness.Sockeye("--window", "1", "--ring-size", "64K", "--poll-ms", "250",
                                  "--wakeup-bytes", "0", "--workers", "1",
                                  "--ports", f"18100-{18100 + cls.PEERS}", "--capture-bytes", "0")
        go = os.path.join(tempfile.mkdtemp(), "go")
        peers = []
        try:
            for i in range(cls.PEERS):  # each peer listens on a port of its own
                p = subprocess.Popen([harness.TCP_PEER, "--family", "rw", "--port", str(18100 + i),
                                      "--wait-file", go, "--chunk", "10", "--up", "3000",
                                      "--down", "3000"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2):
                    assert p.stderr.readline().strip() == "connected"
                peers.append(p)
            # Traffic flows without a pause from before the flood until three windows after
            # it, a round trip every few ms: window edges are then met by records'
            # timestamps, never by the worker's idle timer, and parked closes must be
            # collected all the same.
            stop = threading.Event()
            flow = threading.Thread(target=harness.trickle, args=(18100 + cls.PEERS, stop, 0.002))
            flow.start()
            time.sleep(2.5)  # the worker drains every open record before the flood
            open(go, "w").close()
            for p in peers:
                out, err = p.communicate(timeout=120)
                assert p.returncode == 0, err
            time.sleep(3.0)
            stop.set()
            flow.join()
        finally:
            for p in peers:
                if p.poll() is None:
                    p.kill()
            cls.report = sockeye.stop()

    def test_parked_closes_end_their_connections(self):
        self.assertGreater(self.report.total("close_parked"), 0)
        self.assertEqual(self.report.total_dropped()["close_lost"], 0)
        # every announced connection ended (a few trickle ones may not have been announced
        # while the ring was still full: those are counted as ring_full)
        self.assertGreaterEqual(self.report.total("conns_opened"), 2 * self.PEERS)
        self.assertEqual(self.report.total("conns_opened"), self.report.total("conns_closed"))
        # ... and the parked ones within two windows, while traffic still flowed, not once
        # it stopped (it flows for three more windows)
        stats = self.report.stats
        first = next(i for i, s in enumerate(stats) if s["close_parked"])
        parked = sum(s["close_parked"] for s in stats)
        closed_soon = sum(s["conns_closed"] for s in stats[first:first + 3])
        self.assertGreaterEqual(closed_soon, parked, [(s["close_parked"], s["conns_closed"])
                                                      for s in stats])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
