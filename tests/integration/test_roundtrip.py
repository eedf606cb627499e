"""save then load: `berth save` archives restore the same images.

- save -o, rmi, load -i: the same image ids and tags, and byte-identical
  layer contents.
- `berth save X | berth --root OTHER load` streams from one store to another.
"""
import json
import os
import subprocess

import berthtest
from berthtest import BerthTest, assert_store_clean, tree_state


def files_of(fs):
    """A snapshot's tree without ctimes, which differ between unpackings."""
    return {p: (s[:6] + s[7:] if s else s) for p, s in tree_state(fs).items() if p != "."}


class RoundTripTest(BerthTest):
    def setUp(self):
        super().setUp()
        self.gz = self.import_busybox("bb:gz", compression="gzip", name="gz.tar")
        self.plain = self.import_busybox("bb:plain", name="plain.tar")
        self.ok("tag", "bb:gz", "example.com/team/bb:v1")
        self.before = {n: self.inspect(n) for n in ("bb:gz", "bb:plain", "example.com/team/bb:v1")}
        self.files = {n: files_of(i["GraphDriver"]["Data"]["UpperDir"])
                      for n, i in self.before.items()}

    def assert_restored(self, root=None):
        for name, want in self.before.items():
            got = json.loads(self.ok("inspect", name, root=root).out)[0]
            self.assertEqual(got["Id"], want["Id"], name)
            self.assertEqual(sorted(got["RepoTags"]), sorted(want["RepoTags"]), name)
            self.assertEqual(got["RootFS"], want["RootFS"], name)
            self.assertEqual(got["Size"], want["Size"], name)
            self.assertEqual(files_of(got["GraphDriver"]["Data"]["UpperDir"]), self.files[name],
                             f"{name}: layer contents differ")
        assert_store_clean(self, root)

    def test_save_rmi_load_restores_ids_tags_and_contents(self):
        archive = os.path.join(self.tmp, "all.tar")
        self.ok("save", "-o", archive, "bb:gz", "bb:plain", "example.com/team/bb:v1")
        self.ok("rmi", "bb:gz", "bb:plain", "example.com/team/bb:v1")
        self.assertEqual(self.ok("images", "-q").out, "")
        out = self.ok("load", "-i", archive).out
        self.assertEqual(sorted(out.splitlines()),
                         sorted(["Loaded image: bb:gz", "Loaded image: bb:plain",
                                 "Loaded image: example.com/team/bb:v1"]))
        self.assert_restored()

    def test_save_piped_into_load_of_another_store(self):
        other = os.path.join(self.tmp, "other")
        save = subprocess.Popen([berthtest.BERTH, "--root", self.root, "save", "bb:gz", "bb:plain",
                                 "example.com/team/bb:v1"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        load = subprocess.run([berthtest.BERTH, "--root", other, "load"], stdin=save.stdout,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        save.stdout.close()
        self.assertEqual(save.wait(timeout=60), 0, save.stderr.read())
        self.assertEqual(load.returncode, 0, load.stderr)
        self.assert_restored(root=other)


if __name__ == "__main__":
    import unittest
    unittest.main()
