"""Layer limits through `berth import`.

A layer past BERTH_MAX_LAYER_ENTRIES or BERTH_MAX_LAYER_BYTES is refused with
one `Error: ...` line naming the cap, a non-zero exit, and the store exactly as
it was (no image, nothing left in ingest/ or snapshots/, `system check` clean).
Directories 10,000 levels deep (deeper than any name can reach, so built with
symlink hops) import and are removed again with a low fd limit, and nothing
lands outside the store. Endless zeros (`import /dev/zero`, a pipe, a gzip
bomb) end with a clear error within seconds.
"""
import gzip
import os
import resource
import subprocess
import tarfile
import threading
import time
import unittest

from berthtest import (BERTH, BerthTest, Result, assert_store_clean, store_listing, tar_bytes,
                       tree_state)

MTIME = 1700000000


def F(name, data=b"x"):
    ti = tarfile.TarInfo(name)
    ti.mtime = MTIME
    ti.mode = 0o644
    return (ti, data)


def S(name, target):
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.SYMTYPE
    ti.linkname = target
    ti.mtime = MTIME
    return (ti, None)


def deep_chain(levels):
    return "/".join(["d"] * levels)


class LimitsTest(BerthTest):
    def setUp(self):
        super().setUp()
        # Python's rmtree recurses (one level per frame): a 10,000-deep tree
        # left by a failed test goes with rm -rf first.
        self.addCleanup(subprocess.run, ["rm", "-rf", self.tmp], check=False)

    # ---- helpers ----

    def env(self, **caps):
        env = dict(os.environ)
        env.update({k: str(v) for k, v in caps.items()})
        return env

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def listing(self):
        self.ok("images", "-q")  # creates the store, so the listing has its dirs
        return store_listing(self.root)

    def assert_refused(self, r, *needles):
        self.assertNotEqual(r.code, 0, r)
        self.assertEqual(r.out, "", r)
        self.assertEqual(r.err.count("\n"), 1, f"stderr: {r.err!r}")
        self.assertTrue(r.err.startswith("Error: "), r.err)
        self.assertLess(len(r.err), 400, r.err)
        for n in needles:
            self.assertIn(n, r.err)

    def assert_nothing_committed(self, listing0):
        self.assertEqual(self.ok("images", "-a", "-q").out, "")
        self.assertEqual(store_listing(self.root), listing0)
        assert_store_clean(self)

    def berth_nofile(self, *args, nofile=128, timeout=300):
        """berth with RLIMIT_NOFILE lowered to nofile."""
        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        proc = subprocess.run([BERTH, "--root", self.root] + [str(a) for a in args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, preexec_fn=limit)
        return Result(proc)

    # ---- the caps ----

    def test_entry_cap(self):
        tar = self.write("many.tar", tar_bytes([F(f"f{i}") for i in range(20)]))
        listing0 = self.listing()
        r = self.berth("import", tar, "many:1", env=self.env(BERTH_MAX_LAYER_ENTRIES=10))
        self.assert_refused(r, "more than 10 entries", "BERTH_MAX_LAYER_ENTRIES")
        self.assert_nothing_committed(listing0)
        # At the cap is fine.
        self.ok("import", tar, "many:1", env=self.env(BERTH_MAX_LAYER_ENTRIES=20))
        self.ok("rmi", "many:1")
        self.assert_nothing_committed(listing0)

    def test_byte_cap(self):
        entries = [F(f"f{i}", bytes([65 + i]) * 1000) for i in range(3)]
        plain = self.write("big.tar", tar_bytes(entries))
        gz = self.write("big.tar.gz", gzip.compress(tar_bytes(entries)))
        listing0 = self.listing()
        for tar in (plain, gz):
            with self.subTest(tar=os.path.basename(tar)):
                r = self.berth("import", tar, "big:1", env=self.env(BERTH_MAX_LAYER_BYTES=2500))
                self.assert_refused(r, "more than 2500 bytes", "BERTH_MAX_LAYER_BYTES", '"f2"')
                self.assert_nothing_committed(listing0)
        self.ok("import", plain, "big:1", env=self.env(BERTH_MAX_LAYER_BYTES=3000))
        self.ok("rmi", "big:1")
        self.assert_nothing_committed(listing0)

    def test_bad_cap_values_name_the_variable(self):
        tar = self.write("one.tar", tar_bytes([F("f")]))
        listing0 = self.listing()
        for var, value in (("BERTH_MAX_LAYER_ENTRIES", "lots"), ("BERTH_MAX_LAYER_BYTES", "1G"),
                           ("BERTH_MAX_LAYER_BYTES", "-5")):
            with self.subTest(var=var, value=value):
                r = self.berth("import", tar, env=self.env(**{var: value}))
                self.assert_refused(r, var)
                self.assert_nothing_committed(listing0)
        # Empty means the default.
        self.ok("import", tar, "one:1", env=self.env(BERTH_MAX_LAYER_ENTRIES=""))

    # ---- deep trees ----

    def test_one_name_ten_thousand_levels_deep_is_refused(self):
        tar = self.write("deep.tar", tar_bytes([F(deep_chain(10000) + "/f")]))
        listing0 = self.listing()
        r = self.berth("import", tar, "deep:1")
        self.assert_refused(r, "name longer than 4095 bytes")
        self.assert_nothing_committed(listing0)

    def host_state(self):
        """The top of /, /tmp and the scratch dir (minus the store): where a
        tar's names would land if they escaped."""
        return {"/": sorted(os.listdir("/")), "/tmp": sorted(n for n in os.listdir("/tmp")
                                                            if n in ("d", "L1", "L2", "L3", "L4")),
                "tmp": tree_state(self.tmp, skip=("root",))}

    def test_ten_thousand_levels_through_symlinks(self):
        # No name may pass PATH_MAX, but each symlink hop adds 2,000 levels:
        # the tree ends 10,000 directories down. Import, measure, remove: all
        # with 128 fds, where a walk holding an fd per level would fail.
        chain = deep_chain(2000)
        entries, prev = [F(chain + "/f", b"1")], chain
        for hop in range(1, 5):
            link = f"L{hop}"
            entries += [S(link, prev), F(f"{link}/{chain}/f", b"1")]
            prev = f"{link}/{chain}"
        tar = self.write("hops.tar", tar_bytes(entries))
        listing0 = self.listing()
        host0 = self.host_state()

        r = self.berth_nofile("import", tar, "deep:hops")
        self.assertEqual(r.code, 0, r)
        image = r.out.strip()
        self.assertEqual(self.host_state(), host0)
        assert_store_clean(self)
        info = self.inspect(image)
        want = 5 + sum(len(info_.linkname) for info_, _ in entries if info_.linkname)
        self.assertEqual(info["Size"], want)
        fs = info["GraphDriver"]["Data"]["UpperDir"]
        self.assertTrue(os.path.isdir(os.path.join(fs, "d")))

        r = self.berth_nofile("rmi", "deep:hops")
        self.assertEqual(r.code, 0, r)
        self.assertFalse(os.path.lexists(fs))
        self.assertEqual(self.host_state(), host0)
        self.assert_nothing_committed(listing0)

    # ---- streams without end ----

    def test_dev_zero_ends_quickly(self):
        listing0 = self.listing()
        start = time.monotonic()
        r = self.berth("import", "/dev/zero", "zero:1", timeout=60)
        self.assertLess(time.monotonic() - start, 5)
        self.assert_refused(r, "/dev/zero", "data after the end of the tar archive")
        self.assert_nothing_committed(listing0)

    def test_endless_pipe_ends_quickly(self):
        listing0 = self.listing()
        proc = subprocess.Popen([BERTH, "--root", self.root, "import", "-", "zero:2"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)

        def feed():
            zeros = bytes(1 << 16)
            try:
                while True:
                    proc.stdin.write(zeros)
            except (BrokenPipeError, ValueError, OSError):
                pass

        start = time.monotonic()
        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        try:
            proc.wait(timeout=30)
        finally:
            proc.kill()
        elapsed = time.monotonic() - start
        out, err = proc.stdout.read(), proc.stderr.read()
        feeder.join(timeout=5)
        for f in (proc.stdin, proc.stdout, proc.stderr):
            try:
                f.close()
            except OSError:  # stdin's buffered zeros have nowhere to go
                pass
        self.assertLess(elapsed, 5)

        class P:
            returncode, stdout, stderr = proc.returncode, out, err
        self.assert_refused(Result(P), "data after the end of the tar archive")
        self.assert_nothing_committed(listing0)

    def test_gzip_of_zeros_ends_quickly(self):
        bomb = self.write("bomb.tar.gz", gzip.compress(bytes(64 << 20), compresslevel=1))
        listing0 = self.listing()
        start = time.monotonic()
        r = self.berth("import", bomb, "zero:3", timeout=60)
        self.assertLess(time.monotonic() - start, 5)
        self.assert_refused(r, "data after the end of the tar archive")
        self.assert_nothing_committed(listing0)


if __name__ == "__main__":
    unittest.main()
