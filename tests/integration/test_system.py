"""`system check` (--quick, --repair, -f), `system df` (-v) and `system
prune` (-a, -f, --filter), with docker's tables, prompts and summaries."""
import os
import re
import unittest

import berthtest
from berthtest import BerthTest


class SystemTest(BerthTest):
    def blob_path(self, digest):
        return os.path.join(self.root, "blobs", "sha256", digest.split(":")[1])

    def corrupt(self, digest, offset=100):
        path = self.blob_path(digest)
        os.chmod(path, 0o600)
        with open(path, "r+b") as f:
            f.seek(offset)
            byte = f.read(1)
            f.seek(offset)
            f.write(bytes([byte[0] ^ 0xFF]))

    def test_check_finds_a_changed_blob_and_repair_removes_what_needs_it(self):
        self.import_busybox("bb:1")
        self.ok("tag", "bb:1", "bb:2")
        self.assertEqual(self.ok("system", "check").out, "store is consistent; 0B reclaimable\n")
        layer = self.inspect("bb:1")["RootFS"]["Layers"][0]
        self.corrupt(layer)
        self.assertEqual(self.ok("system", "check", "--quick").out,  # sizes only: same size
                         "store is consistent; 0B reclaimable\n")
        r = self.berth("system", "check")
        self.assertEqual(r.code, 1)
        lines = r.err.splitlines()
        self.assertRegex(lines[0], r"^blob %s: content hashes to sha256:[0-9a-f]{64}$" % layer)
        self.assertRegex(lines[1], r"^image [0-9a-f]{12}: layer 1 blob [0-9a-f]{12} is damaged$")
        r = self.berth("system", "check", "--repair", stdin=b"n\n")  # asks first
        self.assertEqual(r.code, 1)
        self.assertIn("Are you sure you want to continue? [y/N] ", r.out)
        self.assertEqual(len(set(self.ok("images", "-q").out.split())), 1)
        r = self.ok("system", "check", "--repair", "-f")
        self.assertRegex(r.out, r"removed image sha256:[0-9a-f]{64} \(docker.io/library/bb:1, "
                                r"docker.io/library/bb:2\)\n")
        self.assertIn("removed damaged blob " + layer + "\n", r.out)
        self.assertEqual(self.ok("system", "check").out, "store is consistent; 0B reclaimable\n")
        self.assertEqual(self.ok("images", "-q").out, "")
        self.assertFalse(os.path.exists(self.blob_path(layer)))
        self.import_busybox("bb:1")  # the same layer comes back whole
        self.assertEqual(self.ok("system", "check").out, "store is consistent; 0B reclaimable\n")

    def test_check_names_a_missing_snapshot(self):
        self.import_busybox("bb:1")
        snaps = os.path.join(self.root, "snapshots")
        victim = [d for d in os.listdir(snaps) if d.isdigit()][0]
        os.rename(os.path.join(snaps, victim), os.path.join(self.tmp, "moved"))
        r = self.berth("system", "check", "--quick")
        self.assertEqual(r.code, 1)
        self.assertRegex(r.err, r"snapshot sha256:[0-9a-f]{64}: directory .* is missing\n")
        self.ok("system", "check", "--repair", "--force")
        self.assertEqual(self.ok("system", "check").out, "store is consistent; 0B reclaimable\n")

    def test_df_counts_shared_layers_once(self):
        self.import_busybox("bb:1")
        self.ok("tag", "bb:1", "bb:2")
        r = self.ok("system", "df")
        lines = r.out.splitlines()
        self.assertEqual(lines[0], "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE")
        size = self.inspect("bb:1")["Size"]
        self.assertRegex(lines[1], r"^Images          1         0         \S+\s+\S+ \(100%\)$")
        self.assertEqual(lines[2], "Containers      0         0         0B        0B")
        self.assertEqual(lines[3], "Local Volumes   0         0         0B        0B")
        self.assertEqual(lines[4], "Build Cache     0         0         0B        0B")
        self.assertGreater(size, 0)
        v = self.ok("system", "df", "-v").out
        self.assertTrue(v.startswith("Images space usage:\n\nREPOSITORY   TAG       IMAGE ID       CREATED"), v)
        self.assertIn("\nContainers space usage:\n\nCONTAINER ID   IMAGE     COMMAND   LOCAL VOLUMES   SIZE", v)
        self.assertIn("\nBuild cache usage: 0B\n", v)

    def test_prune_prompt_and_summary(self):
        self.import_busybox("bb:1")
        dangling = self.import_busybox("other:1")
        self.ok("tag", "bb:1", "other:1")  # the second import is now dangling
        r = self.berth("system", "prune", stdin=b"n\n")
        self.assertEqual(r.code, 0)
        self.assertEqual(r.out, "WARNING! This will remove:\n  - all stopped containers\n"
                                "  - all networks not used by at least one container\n"
                                "  - all dangling images\n  - all dangling build cache\n\n"
                                "Are you sure you want to continue? [y/N] ")
        r = self.ok("system", "prune", "-f")
        self.assertEqual(r.out.splitlines()[:2], ["Deleted Images:", "deleted: " + dangling])
        self.assertRegex(r.out, r"\nTotal reclaimed space: \S+\n$")
        self.assertEqual(self.ok("system", "prune", "-a", "-f", "--filter", "until=1h").out,
                         "Total reclaimed space: 0B\n")  # bb:1 was made just now
        r = self.ok("system", "prune", "-a", "-f")
        self.assertIn("untagged: bb:1\n", r.out)
        self.assertEqual(self.ok("images", "-q").out, "")
        r = self.berth("system", "prune", "-f", "--filter", "nope=1")
        self.assertEqual(r.code, 1)
        self.assertIn("Invalid filter 'nope'", r.err)


if __name__ == "__main__":
    unittest.main()
