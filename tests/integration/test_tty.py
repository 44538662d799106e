"""The terminal view, as a person sees it: the real sockeye (root, real BPF) started in a
terminal with no output chosen, inside tmux (a real pseudo-terminal), watching nginx. After a
burst of known requests the pane (tmux capture-pane) shows them in one window's table, per
method and path, in both roles, with the rates and error shares they imply; Ctrl-C (tmux
send-keys) ends sockeye cleanly, as it does in a terminal."""

import os
import re
import subprocess
import time
import unittest

import harness

TMUX = "tmux"
WINDOW_S = 5


def tmux(*args):
    return subprocess.run([TMUX, *args], capture_output=True, text=True, timeout=30,
                          check=True).stdout


class TerminalView(unittest.TestCase):
    def pane(self):
        return tmux("capture-pane", "-p", "-t", self.session)

    def wait_pane(self, pred, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.pane()
            if pred(text):
                return text
            time.sleep(0.1)
        self.fail(f"the pane never showed what was expected:\n{self.pane()}")

    def test_the_table_shows_the_requests_sent(self):
        harness.require_root(self)
        self.session = f"sockeye-tty-{os.getpid()}"
        with harness.NginxServer(harness.free_port()) as nginx:
            # No --stdout: a terminal gets the view. The shell writes sockeye's exit status
            # (a tmux server started here does not always reap its pane's process, so
            # #{pane_dead_status} cannot be trusted); its trap keeps it alive through
            # Ctrl-C, and is no ignored signal that sockeye would inherit.
            self.exited = f"/tmp/{self.session}.status"
            cmd = (f"trap true INT; {harness.SOCKEYE} --ports {nginx.port} --window "
                   f"{WINDOW_S}; echo $? > {self.exited}")
            tmux("new-session", "-d", "-s", self.session, "-x", "160", "-y", "60", cmd)
            try:
                # the first window drawn: attached and capturing
                self.wait_pane(lambda t: t.startswith("sockeye "), harness.READY_TIMEOUT_S)
                # a burst just after a window edge, all in that window
                now = time.time()
                time.sleep((int(now // WINDOW_S) + 1) * WINDOW_S + 0.2 - now)
                ok = [f"http://127.0.0.1:{nginx.port}/ok"] * 20
                missing = [f"http://127.0.0.1:{nginx.port}/missing"] * 5
                harness.curl(*ok, *missing, "-o", "/dev/null")
                served = nginx.served()
                self.assertEqual(served, {("GET", "/ok", 200): 20, ("GET", "/missing", 404): 5})
                text = self.wait_pane(lambda t: "GET /ok" in t, 3 * WINDOW_S)
                self.assertIsNone(re.search(r"[\x00-\x08\x0b-\x1f]", text))
                server = text[text.index("HTTP server"):text.index("HTTP client")]
                client = text[text.index("HTTP client"):]
                # 20 and 5 requests in 5 s; 404 is a client error, not a server's
                self.assertRegex(server, r"\nGET /ok +4\.0 +0\.0 ")
                self.assertRegex(server, r"\nGET /missing +1\.0 +0\.0 ")
                self.assertRegex(client, r"\nGET /ok +4\.0 +0\.0 ")
                self.assertRegex(client, r"\nGET /missing +1\.0 +100\.0 ")
                self.assertRegex(text, r"\ndropped: none\n")
                self.assertRegex(text.splitlines()[0], r"CPU [0-9.]+ %   RSS \d+ MiB")
                tmux("send-keys", "-t", self.session, "C-c")
                deadline = time.monotonic() + harness.STOP_TIMEOUT_S
                while not os.path.exists(self.exited) or not open(self.exited).read():
                    self.assertLess(time.monotonic(), deadline, "sockeye did not stop")
                    time.sleep(0.1)
                with open(self.exited) as f:
                    self.assertEqual(f.read(), "0\n", "sockeye's exit status")
            finally:
                subprocess.run([TMUX, "kill-session", "-t", self.session],
                               capture_output=True, timeout=30)
                if os.path.exists(self.exited):
                    os.unlink(self.exited)


if __name__ == "__main__":
    unittest.main(verbosity=2)
