"""The Kubernetes manifest (deploy/kubernetes/sidecar.yaml) holds together: sockeye accepts
its arguments, and the memory bound it states for them, with the one worker and one ring its
CPU limit of 1 gives, fits the container's memory limit (so the pod is never killed for what
the traffic does: memory is bounded by configuration). Without root or a build: every manifest
in deploy/kubernetes validates offline against the Kubernetes API schema (and the
prometheus-operator CRDs') with tests/integration/k8s/validate.js, which rejects a broken
one naming the field; and the probes and the scrape point at the port --listen names."""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import harness

DEPLOY = os.path.join(harness.HERE, "..", "..", "deploy", "kubernetes")
MANIFEST = os.path.join(DEPLOY, "sidecar.yaml")
MONITOR = os.path.join(DEPLOY, "servicemonitor.yaml")
UNITS = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30}
K8S = os.path.join(harness.HERE, "k8s")
NODE = os.environ.get("NODE_BIN") or shutil.which("node") or "node"


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


def validate(*paths):
    """node k8s/validate.js on paths: its exit status and its report (stdout and stderr)."""
    res = subprocess.run([NODE, os.path.join(K8S, "validate.js"), *paths], capture_output=True,
                         text=True, timeout=60, stdin=subprocess.DEVNULL)
    return res.returncode, res.stdout + res.stderr


def sidecar_block():
    """The manifest's text from the sockeye container on."""
    with open(MANIFEST) as f:
        text = f.read()
    return text[text.index("- name: sockeye"):]


class ManifestOffline(unittest.TestCase):
    """No root, no sockeye: the manifests against the Kubernetes API schema, offline."""

    @classmethod
    def setUpClass(cls):
        # npm ci into k8s/node_modules when it is missing or older than package-lock.json
        res = subprocess.run(["sh", os.path.join(K8S, "setup.sh")], capture_output=True,
                             text=True, timeout=300, stdin=subprocess.DEVNULL)
        if res.returncode != 0:
            raise AssertionError(f"k8s/setup.sh failed ({res.returncode}): {res.stderr.strip()}")

    def test_every_manifest_validates(self):
        paths = sorted(glob.glob(os.path.join(DEPLOY, "*.yaml")) +
                       glob.glob(os.path.join(DEPLOY, "*.yml")))
        self.assertIn(os.path.abspath(MANIFEST), [os.path.abspath(p) for p in paths])
        code, out = validate(*paths)
        self.assertEqual(code, 0, out)
        oks = [line for line in out.splitlines() if line.startswith("ok ")]
        self.assertTrue(any(line.endswith(" Deployment/web") for line in oks), out)
        self.assertTrue(any(line.endswith(" PodMonitor/web-sockeye") for line in oks), out)
        for path in paths:  # every file has at least one document, each one checked
            self.assertTrue(any(f" {path} " in line for line in oks), f"{path}: {out}")

    def test_broken_copies_fail_naming_the_field(self):
        with open(MANIFEST) as f:
            good = f.read()
        # (file, text replaced, its replacement, what the report must say about it)
        cases = [
            ("misspelt.yaml", "livenessProbe:", "livenesProbe:",
             '/spec/template/spec/containers/1/livenesProbe: unknown field "livenesProbe"'),
            ("port-type.yaml", "containerPort: 9464", 'containerPort: "metrics-port"',
             "/spec/template/spec/containers/1/ports/0/containerPort: must be integer"),
            ("replicas.yaml", "replicas: 1\n", 'replicas: "two"\n',
             "/spec/replicas: must be integer"),
            ("unknown-kind.yaml", "kind: Deployment", "kind: Deploymnet",
             'no schema for apiVersion "apps/v1" kind "Deploymnet"'),
        ]
        with tempfile.TemporaryDirectory() as tmp:
            for name, old, new, expected in cases:
                with self.subTest(name):
                    self.assertEqual(good.count(old), 1, f"{old!r} in {MANIFEST}")
                    path = os.path.join(tmp, name)
                    with open(path, "w") as f:
                        f.write(good.replace(old, new))
                    line = good[:good.index(old)].count("\n") + 1
                    code, out = validate(path)
                    self.assertEqual(code, 1, out)
                    self.assertNotIn(f"ok {path}", out)
                    # the error names the file, the line and the field's path in the document
                    self.assertIn(f"{path}:{line}: ", out)
                    self.assertIn(expected, out)

    def test_probes_and_scrape_use_the_listen_port(self):
        args, _, _ = sidecar()
        listen = args[args.index("--listen") + 1]
        port = int(listen.rsplit(":", 1)[1])
        block = sidecar_block()
        # the container's ports, "- { name: metrics, containerPort: 9464, protocol: TCP }"
        ports = {m.group(1): int(m.group(2)) for m in
                 re.finditer(r"\{ name: ([\w-]+), containerPort: (\d+)", block)}
        self.assertEqual(ports.get("metrics"), port, block)
        probes = {m.group(1): (m.group(2), m.group(3)) for m in re.finditer(
            r"(\w+Probe):\s*\n\s*httpGet: \{ path: (\S+), port: ([\w-]+) \}", block)}
        self.assertEqual(probes["livenessProbe"][0], "/healthz", probes)
        # /readyz gates the pod until sockeye captures, but is no readiness probe: a collector
        # outage must not take the service out of its Services (deploy/README.md)
        self.assertEqual(probes["startupProbe"][0], "/readyz", probes)
        self.assertNotIn("readinessProbe", probes)
        for probe, (path, named) in probes.items():
            with self.subTest(probe):
                self.assertEqual(ports.get(named) if not named.isdigit() else int(named), port,
                                 f"{probe} {path} on port {named}, --listen {listen}")
        with open(MANIFEST) as f:
            text = f.read()
        self.assertIn(f'prometheus.io/port: "{port}"', text)
        self.assertIn("prometheus.io/path: /metrics", text)
        self.assertRegex(block, r"- name: OTEL_EXPORTER_OTLP_ENDPOINT\n\s*value: https?://")
        with open(MONITOR) as f:
            monitor = f.read()
        self.assertEqual(ports.get(re.search(r"- port: ([\w-]+)", monitor).group(1)), port,
                         monitor)
        self.assertIn("path: /metrics", monitor)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
