"""The Kubernetes manifest (deploy/kubernetes/sidecar.yaml) holds together: sockeye accepts
its arguments, and the memory bound it states for them, with the one worker and one ring its
CPU limit of 1 gives, fits the container's memory limit (so the pod is never killed for what
the traffic does: memory is bounded by configuration)."""

import json
import os
import re
import subprocess
import sys
import unittest

import harness

MANIFEST = os.path.join(harness.HERE, "..", "..", "deploy", "kubernetes", "sidecar.yaml")
UNITS = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30}


def sidecar():
    """The sockeye container's args and resource limits, read from the manifest's flow
    sequences and mappings (plain text: no YAML library on a fresh machine)."""
    with open(MANIFEST) as f:
        text = f.read()
    block = text[text.index("- name: sockeye"):]
    args = re.search(r"args: (\[.*?\])", block, re.S).group(1)
    limits = re.search(r"limits: \{ cpu: \"?([0-9.]+)\"?, memory: (\d+)(Ki|Mi|Gi) \}", block)
    return json.loads(args), float(limits.group(1)), int(limits.group(2)) * UNITS[limits.group(3)]


class Manifest(unittest.TestCase):
    def test_memory_bound_fits_the_limit(self):
        harness.require_root(self)
        args, cpus, memory = sidecar()
        self.assertEqual(cpus, 1, "the bound below assumes one worker and one ring")
        args = [a for a in args if a != "--stdout"]
        res = subprocess.run([harness.SOCKEYE, *args, "--workers", "1", "--rings", "1",
                              "--duration", "1"], capture_output=True, text=True, timeout=120,
                             stdin=subprocess.DEVNULL)
        self.assertEqual(res.returncode, 0, res.stderr)
        bound = int(re.search(r"memory bound (\d+) MiB", res.stderr).group(1)) << 20
        print(f"\n[deploy] bound {bound >> 20} MiB, limit {memory >> 20} MiB", file=sys.stderr)
        self.assertLessEqual(bound, memory)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
