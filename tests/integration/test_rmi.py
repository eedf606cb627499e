"""`berth rmi` / `image rm` / `image prune`: Docker's rules and output."""
import os

from berthtest import BerthTest


class RmiTest(BerthTest):
    def test_untag_then_delete(self):
        iid = self.import_busybox("mysql:latest")
        self.ok("tag", "mysql:latest", "mysqld:latest")
        self.assertEqual(self.ok("rmi", "mysqld:latest").out, "Untagged: mysqld:latest\n")
        self.assertEqual(self.inspect("mysql")["Id"], iid)
        out = self.ok("rmi", "mysql").out.splitlines()
        self.assertEqual(out[0], "Untagged: mysql:latest")
        self.assertEqual(out[1], "Deleted: " + iid)
        self.assertEqual(len(out), 3)  # + the layer
        self.assertTrue(out[2].startswith("Deleted: sha256:"))
        self.assertEqual(self.ok("images", "-aq").out, "")
        self.assertEqual(os.listdir(os.path.join(self.root, "snapshots")), [])
        self.assertEqual(os.listdir(os.path.join(self.root, "blobs", "sha256")), [])
        self.ok("system", "check")

    def test_id_with_several_repositories_needs_force(self):
        iid = self.import_busybox("a:1")
        self.ok("tag", "a:1", "b:1")
        r = self.fails("rmi", iid[7:19])
        self.assertEqual(r.err, f"Error: conflict: unable to delete {iid[7:19]} (must be forced) - "
                                "image is referenced in multiple repositories\n")
        out = self.ok("image", "rm", "-f", iid[7:19]).out.splitlines()
        self.assertEqual(sorted(out[:2]), ["Untagged: a:1", "Untagged: b:1"])
        self.assertEqual(out[2], "Deleted: " + iid)

    def test_id_with_one_tag_untags_and_deletes(self):
        iid = self.import_busybox("a:1")
        out = self.ok("rmi", iid).out.splitlines()
        self.assertEqual(out[:2], ["Untagged: a:1", "Deleted: " + iid])

    def test_unknown_and_partial_failure(self):
        self.import_busybox("a:1")
        r = self.berth("rmi", "nosuch", "a:1")
        self.assertEqual(r.code, 1)
        self.assertEqual(r.err, "Error: No such image: nosuch:latest\n")
        self.assertIn("Untagged: a:1", r.out)

    def test_shared_layer_survives(self):
        tar = self.busybox_tar()
        a = self.ok("import", tar, "a:1").out.strip()
        b = self.ok("import", tar, "b:1").out.strip()
        self.assertNotEqual(a, b)
        self.assertEqual(len(os.listdir(os.path.join(self.root, "snapshots"))), 1)
        out = self.ok("rmi", "a:1").out.splitlines()
        self.assertEqual(out, ["Untagged: a:1", "Deleted: " + a])  # the layer stays
        self.assertEqual(self.inspect("b:1")["Size"], self.inspect(b)["Size"])
        self.ok("history", "b:1")
        self.ok("system", "check")

    def test_usage(self):
        r = self.berth("rmi")
        self.assertEqual(r.code, 1)
        self.assertTrue(r.err.startswith('"berth rmi" requires at least 1 argument.'))


class PruneTest(BerthTest):
    def test_prune_dangling_only(self):
        tar = self.busybox_tar()
        kept = self.ok("import", tar, "keep:1").out.strip()
        dangling = self.ok("import", tar).out.strip()
        r = self.ok("image", "prune", "-f")
        self.assertTrue(r.out.startswith("Deleted Images:\ndeleted: " + dangling + "\n"), r.out)
        self.assertTrue(r.out.endswith("\nTotal reclaimed space: 0B\n"), r.out)  # layer shared
        self.assertEqual(self.ok("images", "-aq", "--no-trunc").out.split(), [kept])

    def test_prune_all_reclaims_space(self):
        self.import_busybox("keep:1")
        r = self.ok("image", "prune", "-a", "-f")
        self.assertIn("untagged: keep:1\n", r.out)
        self.assertTrue(r.out.endswith("Total reclaimed space: 1.982MB\n"), r.out)
        self.assertEqual(self.ok("images", "-aq").out, "")

    def test_prompt(self):
        self.ok("import", self.busybox_tar())
        r = self.ok("image", "prune", stdin=b"n\n")
        self.assertEqual(r.out, "WARNING! This will remove all dangling images.\n"
                                "Are you sure you want to continue? [y/N] Total reclaimed space: 0B\n")
        self.assertEqual(len(self.ok("images", "-aq").out.split()), 1)
        r = self.ok("image", "prune", stdin=b"y\n")
        self.assertIn("Deleted Images:", r.out)
        self.assertEqual(self.ok("images", "-aq").out, "")

    def test_filters(self):
        self.ok("import", "-c", "LABEL keep=yes", self.busybox_tar())
        gone = self.ok("import", self.busybox_tar(name="x.tar")).out.strip()
        r = self.ok("image", "prune", "-f", "--filter", "label!=keep")
        self.assertIn("deleted: " + gone, r.out)
        self.assertEqual(len(self.ok("images", "-aq").out.split()), 1)
        self.ok("image", "prune", "-f", "--filter", "until=1h")  # nothing that old
        self.assertEqual(len(self.ok("images", "-aq").out.split()), 1)
        r = self.fails("image", "prune", "-f", "--filter", "bogus=1")
        self.assertEqual(r.err, "Error: Invalid filter 'bogus'\n")
