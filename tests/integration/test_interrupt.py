"""Ctrl-C and SIGTERM during `berth import -`, `berth load` and `berth save
-o`: berth stops at once, exits 128+signal with one line on stderr, and leaves
nothing in ingest/ (nor a half archive)."""
import os
import random
import signal
import subprocess
import sys
import tarfile
import time

import berthtest
from berthtest import BerthTest, store_listing

# Writes the first half of the tar named by argv[1] to stdout, then sleeps:
# a slow producer, e.g. a download or `tar c` that has stalled.
SLOW_WRITER = """
import sys, time
data = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(data[:len(data) // 2])
sys.stdout.buffer.flush()
time.sleep(120)
"""


def default_signals():
    """Runs in the child before exec: a shell that started ctest in the
    background may have left SIGINT ignored, and berth keeps an ignored
    signal ignored."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


class InterruptTest(BerthTest):
    def setUp(self):
        super().setUp()
        rng = random.Random(7)
        entries = []
        for i in range(40):
            info = tarfile.TarInfo(f"data/f{i}")
            info.mode = 0o644
            entries.append((info, rng.randbytes(32 << 10)))
        self.tar = berthtest.make_tar(os.path.join(self.tmp, "layer.tar"), entries)

    def import_then_signal(self, sig, args=("import", "-", "x:1"), feed=None):
        """Starts `berth import -` (or args) on the slow pipe of feed (default
        the layer tar), signals it once it is waiting for input; returns
        (exit code, stderr, seconds to exit)."""
        writer = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, feed or self.tar],
                                  stdout=subprocess.PIPE)
        self.addCleanup(writer.wait)
        self.addCleanup(writer.kill)
        berth = subprocess.Popen([berthtest.BERTH, "--root", self.root, *args],
                                 stdin=writer.stdout, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, preexec_fn=default_signals)
        writer.stdout.close()  # berth holds the only read end now
        self.addCleanup(berth.kill)
        self.wait_for_ingest(berth)
        time.sleep(0.2)  # let it drain the first half and block in read()
        sent = time.monotonic()
        berth.send_signal(sig)
        try:
            out, err = berth.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.fail(f"berth still running 10 s after signal {sig}")
        took = time.monotonic() - sent
        self.assertEqual(out, b"")
        return berth.returncode, err.decode(), took

    def wait_for_ingest(self, berth):
        ingest = os.path.join(self.root, "ingest")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if os.path.isdir(ingest) and os.listdir(ingest):
                return
            if berth.poll() is not None:
                self.fail(f"berth exited early: {berth.returncode} {berth.stderr.read()!r}")
            time.sleep(0.01)
        self.fail("berth never started writing to ingest/")

    def assert_nothing_left(self):
        self.assertEqual(store_listing(self.root)["ingest"], [])
        self.assertEqual(os.listdir(os.path.join(self.root, "ingest")), [])
        self.assertEqual(self.ok("images", "-a", "-q").out, "")
        self.check_store()

    def check_interrupted(self, sig, want_code):
        code, err, took = self.import_then_signal(sig)
        self.assertEqual(code, want_code, err)
        # One line, the command's error: where it was when the signal came
        # (e.g. 'applying layer entry "data/f3"'), then "interrupted".
        self.assertRegex(err, r"\AError: (.+: )?interrupted\n\Z")
        self.assertLess(took, 2.0)
        self.assert_nothing_left()

    def test_sigint_exits_130_and_cleans_ingest(self):
        self.check_interrupted(signal.SIGINT, 130)

    def test_sigterm_exits_143_and_cleans_ingest(self):
        self.check_interrupted(signal.SIGTERM, 143)

    def test_sighup_exits_129_and_cleans_ingest(self):
        self.check_interrupted(signal.SIGHUP, 129)

    def test_store_is_usable_after_an_interrupt(self):
        self.check_interrupted(signal.SIGINT, 130)
        with open(self.tar, "rb") as f:
            out = self.ok("import", "-", "x:1", stdin=f.read()).out
        self.assertRegex(out, r"^sha256:[0-9a-f]{64}\n$")

    def test_load_interrupted_mid_layer(self):
        # The layer is being unpacked by a thread that follows its ingest
        # file; the signal still stops the load, and the staging dir goes.
        archive = os.path.join(self.tmp, "legacy.tar")
        layer_id = "a" * 64
        with tarfile.open(archive, "w") as t:
            t.add(self.tar, arcname=f"{layer_id}/layer.tar")
        code, err, took = self.import_then_signal(signal.SIGINT, ("load",), feed=archive)
        self.assertEqual(code, 130, err)
        self.assertRegex(err, r"\AError: (.+: )?interrupted\n\Z")
        self.assertLess(took, 2.0)
        self.assert_nothing_left()

    def test_save_interrupted_leaves_no_file(self):
        # A 96 MiB layer takes long enough to write that the signal lands
        # while the temporary file is being filled.
        big = os.path.join(self.tmp, "big.tar")
        rng = random.Random(3)
        berthtest.make_tar(big, [(tarfile.TarInfo(f"b{i}"), rng.randbytes(8 << 20)) for i in range(12)])
        with open(big, "rb") as f:
            self.ok("import", "-", "big:1", stdin=f.read())
        out_dir = os.path.join(self.tmp, "out")
        os.mkdir(out_dir)
        target = os.path.join(out_dir, "big.tar")
        for _ in range(5):
            berth = subprocess.Popen([berthtest.BERTH, "--root", self.root, "save", "-o", target, "big:1"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     preexec_fn=default_signals)
            self.addCleanup(berth.kill)
            while berth.poll() is None and not os.listdir(out_dir):
                pass
            berth.send_signal(signal.SIGINT)
            out, err = berth.communicate(timeout=20)
            if berth.returncode == 0:  # finished before the signal: try again
                os.unlink(target)
                continue
            self.assertEqual(berth.returncode, 130, err)
            self.assertEqual(err.decode(), "Error: interrupted\n")
            self.assertEqual(os.listdir(out_dir), [])
            self.check_store()
            return
        self.skipTest("save always finished before the signal arrived")


if __name__ == "__main__":
    import unittest
    unittest.main()
