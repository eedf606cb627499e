"""`kill -9` of `berth import` at random moments never tears the store.

A generated ~30 MB root filesystem tar (hundreds of files, deterministic
content) is imported once into a reference store to learn its size, layer and
file tree and how long an import takes. Then, with a fixed seed, imports into
one store are SIGKILLed after delays spread over that whole time. After every
kill the store holds either no `big` image or a complete one (same size, layer
and files as the reference) and `berth system check` is clean; a fresh import
then succeeds and is complete, and `image prune -a -f` (whose garbage
collection must also sweep what the killed import left in ingest/) empties
the store.
"""
import io
import json
import os
import random
import signal
import subprocess
import tarfile
import time
import unittest

import berthtest
from berthtest import BerthTest, assert_store_clean, store_listing, tree_state

SEED = 20240601
KILLS = 15
MTIME = 1700000000


def make_rootfs_tar(path, seed=SEED):
    """~30 MB: 40 dirs, ~300 files (mostly 0-160 KiB, every 25th up to 1 MiB,
    half of them compressible), symlinks and hard links. Same bytes for the same
    seed. (Few enough files that one import takes a second or two.)"""
    rng = random.Random(seed)

    def info(name, kind, **kw):
        ti = tarfile.TarInfo(name)
        ti.type = kind
        ti.mtime = MTIME
        ti.uid = ti.gid = 0
        ti.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
        for k, v in kw.items():
            setattr(ti, k, v)
        return ti

    total = 0
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as t:
        for d in range(40):
            t.addfile(info(f"d{d:02d}", tarfile.DIRTYPE))
            for s in range(3):
                t.addfile(info(f"d{d:02d}/s{s}", tarfile.DIRTYPE))
        n = 0
        while total < 30 << 20:
            size = rng.randrange(1, 1 << 20) if n % 25 == 0 else rng.randrange(0, 160 << 10)
            if n % 2:
                data = rng.randbytes(size)
            else:
                data = (b"berth crash test line %d\n" % n) * (size // 24 + 1)
                data = data[:size]
            name = f"d{n % 40:02d}/s{n % 3}/f{n:05d}"
            ti = info(name, tarfile.REGTYPE, size=len(data), mode=0o600 + (n % 3) * 0o44)
            t.addfile(ti, io.BytesIO(data))
            if n % 11 == 0:
                t.addfile(info(f"{name}.ln", tarfile.SYMTYPE, linkname=f"f{n:05d}", mode=0o777))
            if n % 13 == 0:
                t.addfile(info(f"{name}.hard", tarfile.LNKTYPE, linkname=name))
            total += len(data)
            n += 1
    return path


def files_of(fs):
    """The snapshot's tree without ctimes, which differ between imports, and
    without the root dir itself (the tar has no entry for it)."""
    return {p: (s[:6] + s[7:] if s else s) for p, s in tree_state(fs).items() if p != "."}


class CrashTest(BerthTest):
    def image_of(self, root, name="big:latest"):
        r = self.berth("inspect", name, root=root)
        if r.code != 0:
            self.assertIn("No such object", r.err)
            return None
        return json.loads(r.out)[0]

    def assert_complete(self, info, when):
        self.assertEqual(info["Size"], self.ref["Size"], when)
        self.assertEqual(info["RootFS"], self.ref["RootFS"], when)
        fs = info["GraphDriver"]["Data"]["UpperDir"]
        self.assertEqual(files_of(fs), self.ref_files, f"{when}: snapshot files differ")
        self.assertEqual(self.ok("history", "-q", "big:latest").out.count("\n"), 1)

    def test_kill_9_during_import(self):
        started = time.monotonic()
        tar = make_rootfs_tar(os.path.join(self.tmp, "big.tar"))
        ref_root = os.path.join(self.tmp, "ref")
        t0 = time.monotonic()
        self.ok("import", tar, "big:latest", root=ref_root)
        full = cold = time.monotonic() - t0
        self.ref = self.image_of(ref_root)
        self.ref_files = files_of(self.ref["GraphDriver"]["Data"]["UpperDir"])
        self.assertGreater(len(self.ref_files), 300)

        rng = random.Random(SEED)
        outcomes = []
        for i in range(KILLS):
            when = f"kill {i}"
            delay = rng.uniform(0, full)
            proc = subprocess.Popen([berthtest.BERTH, "--root", self.root, "import", tar, "big:latest"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            code = proc.wait(timeout=60)
            when += f" after {delay:.3f}s of {full:.3f}s (exit {code})"

            # Either no image or a complete one, and a consistent store.
            ids = self.ok("images", "-a", "-q", "--no-trunc").out.split()
            self.assertLessEqual(len(ids), 1, when)
            info = self.image_of(self.root)
            self.assertEqual(bool(ids), info is not None, when)
            if info is not None:
                self.assertEqual(ids, [info["Id"]], when)
                self.assertEqual(info["RepoTags"], ["big:latest"], when)
                self.assert_complete(info, when)
            assert_store_clean(self)
            leftovers = store_listing(self.root)
            outcomes.append((round(delay, 3), code, info is not None, len(leftovers["ingest"]),
                             len(leftovers["snapshots"]), len(leftovers["blobs/sha256"])))

            # A fresh import over whatever the kill left succeeds and is complete.
            t0 = time.monotonic()
            new_id = self.ok("import", tar, "big:latest").out.strip()
            full = min(full, time.monotonic() - t0)  # the first import was cold
            info = self.image_of(self.root)
            self.assertEqual(info["Id"], new_id, when)
            self.assert_complete(info, when + ", then a fresh import")
            assert_store_clean(self)

            # GC sweeps everything: the images, and the killed import's garbage.
            self.ok("image", "prune", "-a", "-f")
            self.assertEqual(self.ok("images", "-a", "-q").out, "", when)
            self.assertEqual(store_listing(self.root),
                             {"blobs/sha256": [], "snapshots": [], "ingest": []},
                             f"{when}: garbage left after prune (before it: {leftovers})")
            assert_store_clean(self)

        # The kills did land at different stages: some before, some after the commit.
        print(f"\n{KILLS} kills, imports take {full:.2f}s ({cold:.2f}s cold); "
              f"(delay, exit, image?, ingest dirs, snapshots, blobs) after each kill: "
              f"{outcomes}; {time.monotonic() - started:.1f}s in all")
        self.assertTrue(any(o[1] == -signal.SIGKILL for o in outcomes))

    def test_kill_9_garbage_is_swept_by_rmi(self):
        """The GC that `rmi` runs also sweeps a killed import's ingest dir."""
        tar = make_rootfs_tar(os.path.join(self.tmp, "big.tar"), seed=SEED + 1)
        keep = self.import_busybox("keep:latest")
        proc = subprocess.Popen([berthtest.BERTH, "--root", self.root, "import", tar, "big:latest"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Wait until the import has written something to ingest/, then kill it.
        deadline = time.monotonic() + 30
        ingest = os.path.join(self.root, "ingest")
        while time.monotonic() < deadline and not os.listdir(ingest):
            time.sleep(0.005)
        time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        self.assertEqual(proc.wait(timeout=60), -signal.SIGKILL, "import finished before the kill")
        self.assertNotEqual(store_listing(self.root)["ingest"], [], "the kill left no garbage")
        assert_store_clean(self)
        self.import_busybox("other:latest")
        self.ok("rmi", "other:latest")
        self.assertEqual(store_listing(self.root)["ingest"], [])
        self.assertEqual(self.ok("images", "-q", "--no-trunc").out.split(), [keep])
        assert_store_clean(self)


if __name__ == "__main__":
    unittest.main()
