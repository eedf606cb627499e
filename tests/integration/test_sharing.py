"""Layer sharing and image removal: a layer is stored once however many images
hold it, removing one image never damages another, the last one out frees the
content, and tag/untag follow Docker's rules for `rmi`.
"""
import json
import os
import random
import sqlite3
import subprocess
import unittest

import berthtest
from berthtest import BerthTest, assert_store_clean, store_listing, tree_state

CONFLICT = ("conflict: unable to delete {short} (must be forced) - "
            "image is referenced in multiple repositories")


class SharingTest(BerthTest):
    def layer_blobs(self):
        """(image id, layer blob digest) rows from berth.db."""
        con = sqlite3.connect(os.path.join(self.root, "berth.db"), timeout=30)
        try:
            return sorted(con.execute("SELECT image_id, blob FROM image_layers"))
        finally:
            con.close()

    def snapshot_dirs(self):
        return store_listing(self.root)["snapshots"]

    def blobs(self):
        return store_listing(self.root)["blobs/sha256"]

    def upper(self, name):
        return self.inspect(name)["GraphDriver"]["Data"]["UpperDir"]

    def test_same_tar_twice_shares_one_layer(self):
        tar = self.busybox_tar()
        a = self.ok("import", tar, "first:1").out.strip()
        b = self.ok("import", tar, "second:1").out.strip()
        self.assertNotEqual(a, b, "a second import makes a new image (created differs)")
        ia, ib = self.inspect("first:1"), self.inspect("second:1")
        self.assertEqual(ia["RootFS"]["Layers"], ib["RootFS"]["Layers"])
        self.assertEqual(len(ia["RootFS"]["Layers"]), 1)
        self.assertEqual(ia["Size"], ib["Size"])
        # One snapshot, one layer blob; the rest of blobs/ is the two configs.
        self.assertEqual(len(self.snapshot_dirs()), 1)
        self.assertEqual(ia["GraphDriver"]["Data"]["UpperDir"], ib["GraphDriver"]["Data"]["UpperDir"])
        rows = self.layer_blobs()
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[0][1], rows[1][1])
        layer_blob = rows[0][1].split(":", 1)[1]
        self.assertEqual(sorted(self.blobs()), sorted([layer_blob, a[7:], b[7:]]))
        self.assertEqual(store_listing(self.root)["ingest"], [])
        assert_store_clean(self)

        # Removing one keeps the other whole.
        fs = self.upper("second:1")
        files_before = tree_state(fs)
        r = self.ok("rmi", "first:1")
        self.assertEqual(r.out, f"Untagged: first:1\nDeleted: {a}\n")
        self.assertEqual(tree_state(fs), files_before)
        self.assertEqual(self.inspect("second:1")["Id"], b)
        self.assertEqual(self.upper("second:1"), fs)
        hist = self.ok("history", "--no-trunc", "second:1").out.splitlines()
        self.assertEqual(len(hist), 2, hist)
        self.assertIn(b, hist[1])
        self.assertEqual(len(self.snapshot_dirs()), 1)
        self.assertEqual(sorted(self.blobs()), sorted([layer_blob, b[7:]]))
        self.assertEqual(self.ok("images", "-a", "-q", "--no-trunc").out.split(), [b])
        assert_store_clean(self)

        # The last one out frees the snapshot and every blob.
        r = self.ok("rmi", "second:1")
        chain = ib["RootFS"]["Layers"][0]  # one layer: chain id == diff id
        self.assertEqual(r.out, f"Untagged: second:1\nDeleted: {b}\nDeleted: {chain}\n")
        self.assertEqual(store_listing(self.root),
                         {"blobs/sha256": [], "snapshots": [], "ingest": []})
        self.assertFalse(os.path.lexists(fs))
        self.assertEqual(self.ok("images", "-a", "-q").out, "")
        assert_store_clean(self)

    def test_shared_layer_survives_rmi_by_id(self):
        tar = self.busybox_tar()
        a = self.ok("import", tar, "one:1").out.strip()
        b = self.ok("import", tar, "two:1").out.strip()
        fs = self.upper("two:1")
        before = tree_state(fs)
        r = self.ok("rmi", a[7:19])  # by short id: single reference, untag then delete
        self.assertEqual(r.out, f"Untagged: one:1\nDeleted: {a}\n")
        self.assertEqual(tree_state(fs), before)
        self.assertEqual(self.inspect(b[7:19])["RepoTags"], ["two:1"])
        assert_store_clean(self)

    def test_concurrent_imports_of_one_tar(self):
        # Big enough (~12 MB, 300 files) that the four imports overlap.
        rootfs = berthtest.busybox_rootfs(os.path.join(self.tmp, "rootfs-big"))
        rng = random.Random(42)
        for i in range(300):
            d = os.path.join(rootfs, "data", f"d{i % 10}")
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, f"f{i}"), "wb") as f:
                f.write(rng.randbytes(rng.randrange(1, 64 << 10)))
        tar = berthtest.tar_dir(rootfs, os.path.join(self.tmp, "big.tar"))
        procs = [subprocess.Popen([berthtest.BERTH, "--root", self.root, "import", tar, f"c:{i}"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for i in range(4)]
        outs = [(p.wait(timeout=120), *p.communicate()) for p in procs]
        for code, out, err in outs:
            self.assertEqual((code, err), (0, b""), out)
            self.assertRegex(out.decode(), r"^sha256:[0-9a-f]{64}\n$")
        ids = {out.decode().strip() for _, out, _ in outs}
        self.assertEqual(len(self.ok("images", "-a", "-q", "--no-trunc").out.split()), len(ids))
        layers = {json.dumps(self.inspect(f"c:{i}")["RootFS"]["Layers"]) for i in range(4)}
        self.assertEqual(len(layers), 1)
        self.assertEqual(len(self.snapshot_dirs()), 1)
        self.assertEqual(len({blob for _, blob in self.layer_blobs()}), 1)
        self.assertEqual(len(self.blobs()), 1 + len(ids))
        self.assertEqual(store_listing(self.root)["ingest"], [])
        assert_store_clean(self)
        for i in range(4):
            self.ok("rmi", f"c:{i}")
        self.assertEqual(store_listing(self.root),
                         {"blobs/sha256": [], "snapshots": [], "ingest": []})

    def test_rmi_id_in_two_repositories_needs_force(self):
        image_id = self.import_busybox("x:1")
        short = image_id[7:19]
        self.ok("tag", "x:1", "y:2")
        r = self.fails("rmi", short)
        self.assertRegex(r.err, r"^Error[^\n]*: " + CONFLICT.format(short=short).replace(
            "(", r"\(").replace(")", r"\)") + "\n$")
        self.assertEqual(r.out, "")
        self.assertEqual(sorted(self.inspect(image_id)["RepoTags"]), ["x:1", "y:2"])
        # The full id and sha256:<id> say the same.
        for name in (image_id, image_id[7:]):
            r = self.fails("rmi", name)
            self.assertIn(CONFLICT.format(short=short), r.err)
        assert_store_clean(self)

        chain = self.inspect(image_id)["RootFS"]["Layers"][0]
        r = self.ok("rmi", "-f", short)
        lines = r.out.splitlines()
        self.assertEqual(sorted(lines[:2]), ["Untagged: x:1", "Untagged: y:2"])
        self.assertEqual(lines[2:], [f"Deleted: {image_id}", f"Deleted: {chain}"])
        self.assertEqual(r.err, "")
        self.assertEqual(self.ok("images", "-a", "-q").out, "")
        self.assertEqual(store_listing(self.root),
                         {"blobs/sha256": [], "snapshots": [], "ingest": []})
        assert_store_clean(self)

    def test_rmi_id_with_two_tags_in_one_repository_needs_force(self):
        image_id = self.import_busybox("x:1")
        self.ok("tag", "x:1", "x:2")
        r = self.fails("rmi", image_id[7:19])
        self.assertIn(CONFLICT.format(short=image_id[7:19]), r.err)
        r = self.ok("rmi", "--force", image_id)
        self.assertEqual(r.out.splitlines()[:3],
                         ["Untagged: x:1", "Untagged: x:2", f"Deleted: {image_id}"])

    def test_rmi_by_name_untags_until_the_last_name(self):
        image_id = self.import_busybox("x:1")
        self.ok("tag", "x:1", "y:2")
        self.ok("tag", "x:1", "z")
        fs = self.upper("x:1")
        before = tree_state(fs)
        self.assertEqual(self.ok("rmi", "y:2").out, "Untagged: y:2\n")
        self.assertEqual(self.ok("rmi", "z").out, "Untagged: z:latest\n")
        self.assertEqual(tree_state(fs), before)
        self.assertEqual(self.inspect(image_id)["RepoTags"], ["x:1"])
        self.fails("rmi", "y:2")
        assert_store_clean(self)
        chain = self.inspect(image_id)["RootFS"]["Layers"][0]
        self.assertEqual(self.ok("rmi", "x:1").out,
                         f"Untagged: x:1\nDeleted: {image_id}\nDeleted: {chain}\n")
        self.assertEqual(store_listing(self.root),
                         {"blobs/sha256": [], "snapshots": [], "ingest": []})


if __name__ == "__main__":
    unittest.main()
