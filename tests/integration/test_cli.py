"""The command line as a user meets it: --help documents every flag with its default,
--version, and every bad value is one line on stderr naming the flag, with exit status 2."""

import re
import subprocess
import sys
import unittest

import harness

FLAGS = ("--workers", "--ring-size", "--ports", "--window", "--duration", "--stdout",
         "--connections", "--netns", "--pid", "--capture-bytes", "--data-hooks", "--poll-ms",
         "--wakeup-bytes", "--max-connections", "--max-groups", "--export-queue", "--verbose",
         "--version", "--help")

BAD = [
    ("--workers", "0"), ("--workers", "abc"), ("--workers", "100000"),
    ("--ring-size", "3M"), ("--ring-size", "1K"), ("--ring-size", "4Q"),
    ("--ports", "0"), ("--ports", "80,,81"), ("--ports", "70000"), ("--ports", "90-80"),
    ("--window", "0"), ("--window", "-5"), ("--duration", "x"),
    ("--netns", "relative/path"), ("--pid", "0"), ("--capture-bytes", "99999"),
    ("--poll-ms", "0"), ("--wakeup-bytes", "lots"), ("--max-connections", "1"),
    ("--max-groups", "15"), ("--export-queue", "0"), ("--export-queue", "2000"),
    ("--data-hooks", "kprobe"),
]


def run(*args):
    return subprocess.run([harness.SOCKEYE] + list(args), capture_output=True, text=True,
                          timeout=30, stdin=subprocess.DEVNULL)


class CommandLine(unittest.TestCase):
    def test_help_lists_every_flag_with_defaults(self):
        res = run("--help")
        self.assertEqual(res.returncode, 0)
        for flag in FLAGS:
            self.assertIn(flag, res.stdout)
        self.assertIn("default", res.stdout)
        self.assertIn("80,443,8080,8443,3000,4317,5000,8000,8081,8082,9090", res.stdout)

    def test_version(self):
        res = run("--version")
        self.assertEqual(res.returncode, 0)
        self.assertRegex(res.stdout, r"^sockeye \d+\.\d+\.\d+\n$")

    def test_bad_values_exit_2_with_one_line_naming_the_flag(self):
        for flag, value in BAD:
            with self.subTest(flag=flag, value=value):
                res = run(flag, value)
                self.assertEqual(res.returncode, 2, res.stderr)
                lines = res.stderr.splitlines()
                self.assertEqual(len(lines), 1, res.stderr)
                self.assertIn(flag, lines[0])
                self.assertEqual(res.stdout, "")

    def test_unknown_flag_and_missing_value(self):
        for args, name in ((("--frobnicate",), "--frobnicate"), (("--workers",), "--workers"),
                           (("stray",), "stray")):
            with self.subTest(args=args):
                res = run(*args)
                self.assertEqual(res.returncode, 2)
                self.assertEqual(len(res.stderr.splitlines()), 1)
                self.assertIn(name, res.stderr)

    def test_wakeup_must_be_below_ring_size(self):
        res = run("--ring-size", "64K", "--wakeup-bytes", "64K")
        self.assertEqual(res.returncode, 2)
        self.assertIn("--wakeup-bytes", res.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
