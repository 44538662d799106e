"""The rings wake their workers by bytes, not only by the drain timer. With the timer at a
second and rings of 4 MiB, nginx under bench/loadgen at 20k requests/s writes several MiB a
second into a ring: only the --wakeup-bytes wake-ups (every 64 KiB) keep it from
overflowing (4 MiB leave a sanitized worker ~0.3 s of slack). Both the client's and the server's records of a connection go to one ring, from
both CPUs at once, so this is also where two producers cross the threshold together (a
wake-up rule that both of them miss shows here as ring_full drops and records that waited
for the timer). Nothing may be dropped, every request is counted in both roles, and records
wait for a wake-up, not for the timer. The rule itself, exactly one wake-up per multiple
whatever the interleaving of writers, is unit-tested (tests/unit/ingest/test_wakeup.c);
this test shows it end to end, where a lost wake-up shows only when it happens."""

import json
import sys
import unittest

import harness

# A sanitized worker drains several times slower: at 20k requests/s on this 2-CPU machine a
# TSan build cannot keep up whatever its wake-ups (it fails so before and after the wake-up
# fix), while 10k still write ~4 MB/s into each ring, more than a 4 MiB ring holds between
# timer drains a second apart.
RATE = 10000 if harness.SANITIZED else 20000
SECONDS = 4
CONNECTIONS = 20
POLL_MS = 1000


class WakeUpByBytes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.load, cls.report, cls.logged, cls.load_end_ms = harness.nginx_under_load(
            ("--window", "1", "--workers", "2", "--ring-size", "4M", "--wakeup-bytes", "64K",
             "--poll-ms", str(POLL_MS)), RATE, SECONDS, CONNECTIONS)
        print(f"\nloadgen: {json.dumps(cls.load)}\nsockeye delays (us, p50/p99 per window): "
              f"{[(s['delay_us']['p50'], s['delay_us']['p99']) for s in cls.report.stats]}",
              file=sys.stderr)

    def test_load_ran(self):
        self.assertEqual(self.load["errors"], 0, self.load)
        self.assertGreater(self.load["received"], RATE * SECONDS * 0.9, self.load)

    def test_nothing_dropped(self):
        self.assertEqual({k: v for k, v in self.report.total_dropped().items() if v}, {})

    def test_every_request_counted_in_both_roles(self):
        self.assertEqual(self.report.http_counts("server"), {("GET", "/ok", 200): len(self.logged)})
        self.assertEqual(self.report.http_counts("client"),
                         {("GET", "/ok", 200): self.load["received"]})

    def test_records_wait_for_a_wake_up_not_for_the_timer(self):
        # 64 KiB come every few ms per ring here. A record that waited for the timer waited
        # up to a second. The windows from the load's end on hold its tail (less than 64 KiB,
        # which only the timer or the stop drains) and are left out.
        during = [s for s in self.report.stats
                  if s["delay_us"]["samples"] and s["window_end"] <= self.load_end_ms]
        self.assertGreaterEqual(len(during), SECONDS - 2, self.report.stats)
        slow = [s["delay_us"] for s in during if s["delay_us"]["p99"] >= POLL_MS * 1000 / 2]
        self.assertEqual(slow, [])


if __name__ == "__main__":
    unittest.main()
