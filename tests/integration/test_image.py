"""The image (deploy/image/build.sh), built as a user would and run as a container runtime
would: its root filesystem assembled from Debian 12 packages with mmdebstrap and packed as an
OCI image with umoci, then unpacked from that OCI layout with umoci and run with chroot in a
mount namespace of its own, /proc, /sys and /dev bound in as a runtime mounts them. The
sockeye in it, with only the image's libraries, captures nginx's requests on the host's
loopback exactly; the tree holds the binary, its libraries and the CA certificates, and no
shell or package manager; the image's configuration runs sockeye."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness

BUILD = os.path.join(harness.HERE, "..", "..", "deploy", "image", "build.sh")
TAG = "test"
# chroot into the bundle's rootfs with the kernel's file systems bound in; harness.Sockeye
# puts the host's binary path first, which the script drops for the image's own.
RUN_IN = ('root="$1"; shift 2; mount --rbind /proc "$root/proc" && mount --rbind /sys '
          '"$root/sys" && mount --rbind /dev "$root/dev" && exec chroot "$root" '
          '/usr/bin/sockeye "$@"')


class Image(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.dir = tempfile.mkdtemp(prefix="sockeye-image-")
        out = os.path.join(cls.dir, "out")
        res = subprocess.run([BUILD, harness.SOCKEYE, out, TAG], capture_output=True,
                             text=True, timeout=900, stdin=subprocess.DEVNULL)
        if res.returncode:
            raise AssertionError(f"build.sh exited {res.returncode}: {res.stderr}")
        cls.oci = os.path.join(out, "oci")
        cls.bundle = os.path.join(cls.dir, "bundle")
        subprocess.run(["umoci", "unpack", "--image", f"{cls.oci}:{TAG}", cls.bundle],
                       check=True, capture_output=True, timeout=300)
        cls.rootfs = os.path.join(cls.bundle, "rootfs")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_the_tree_holds_sockeye_its_libraries_and_certificates(self):
        self.assertTrue(os.access(os.path.join(self.rootfs, "usr/bin/sockeye"), os.X_OK))
        with open(os.path.join(self.rootfs, "etc/ssl/certs/ca-certificates.crt")) as f:
            self.assertGreater(f.read().count("BEGIN CERTIFICATE"), 100)
        for absent in ("bin/sh", "usr/bin/sh", "bin/bash", "usr/bin/apt-get", "usr/bin/dpkg"):
            self.assertFalse(os.path.lexists(os.path.join(self.rootfs, absent)), absent)

    def test_its_configuration_runs_sockeye(self):
        with open(os.path.join(self.bundle, "config.json")) as f:
            process = json.load(f)["process"]
        self.assertEqual(process["args"], ["/usr/bin/sockeye", "--stdout"])

    def test_it_captures_nginx(self):
        prefix = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", RUN_IN,
                  "sh", self.rootfs]
        with harness.NginxServer(harness.free_port()) as nginx:
            sockeye = harness.Sockeye("--ports", str(nginx.port), "--window", "1",
                                      prefix=prefix)
            try:
                for path in ("/ok", "/ok", "/missing", "/created"):
                    harness.curl(f"http://127.0.0.1:{nginx.port}{path}", "-o", "/dev/null")
                harness.wait_port_idle(nginx.port)
            finally:
                report = sockeye.stop()
            served = nginx.served()
        self.assertEqual(report.http_counts("server"), served)
        self.assertEqual(sum(served.values()), 4)
        self.assertEqual({k: v for k, v in report.total_dropped().items() if v}, {})


if __name__ == "__main__":
    unittest.main(verbosity=2)
