"""Issue 12's hostile-input list, one test each with its safe outcome.

What test_hostile.py (symlink/hardlink/`..` escapes, whiteouts, truncated and
garbage tars), test_limits.py (entry and byte caps, 10,000-deep trees, endless
zeros), test_load.py (hostile archives), test_pull_faults.py (corrupt blobs,
oversized and mismatched manifests) and test_run.py (`USER 2147483648`) already
cover is not repeated here; this file holds the rest: device nodes and setuid
files (stored, out of other users' reach), a sparse file declared at 1 TB,
names and link targets at and past PATH_MAX, 100,000 entries in one directory,
decompression bombs (memory measured, the size cap), junk after the tar's end,
layers that are not tars, digests in upper case or with `../` (references,
registry manifests, archives), documents that are both a manifest and an
index, a `mediaType` that contradicts the Content-Type, and `diff_ids` counts
that do not match the layers. A refusal is always one `Error: ...` line, exit
1, no image, and `berth system check` clean afterwards.
"""
import bz2
import gzip
import hashlib
import http.server
import json
import lzma
import os
import shutil
import stat
import struct
import subprocess
import tarfile
import tempfile
import time
import unittest
import zlib

import berthtest
import registries as R
from berthtest import BerthTest, Result, assert_store_clean, store_listing, tar_bytes
from test_load import Image, file_entry, legacy_archive, oci_archive, oci_entries, sha
from test_pull import PullTestBase

MTIME = 1700000000
MiB = 1 << 20
SANITIZED = "ASAN_OPTIONS" in os.environ  # ./dev test --sanitize: shadow memory inflates RSS


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def entry(name, kind=tarfile.REGTYPE, data=None, **kw):
    ti = tarfile.TarInfo(name)
    ti.type, ti.mtime, ti.mode = kind, MTIME, 0o644
    for k, v in kw.items():
        setattr(ti, k, v)
    return (ti, data if kind == tarfile.REGTYPE and data is not None else
            (b"" if kind == tarfile.REGTYPE else None))


def name_of(n, leaf="f"):
    """A relative name exactly n bytes long: 199-byte directories, then a leaf."""
    parts, left = [], n
    while left > 255:
        parts.append("d" * 199)
        left -= 200
    parts.append(leaf * left)
    name = "/".join(parts)
    assert len(name) == n
    return name


def tar_header(name, size):
    ti = tarfile.TarInfo(name)
    ti.size, ti.mode, ti.mtime = size, 0o644, MTIME
    return ti.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape")


def zeros_tar_stream(files, size):
    """The chunks of a tar of `files` regular files of `size` zero bytes each."""
    for i in range(files):
        yield tar_header(f"zeros{i}", size)
        left = size
        while left:
            n = min(left, 4 * MiB)
            yield bytes(n)
            left -= n
    yield bytes(1024)


def compressed(chunks, codec):
    if codec == "zstd" or codec == "zstd-long":
        args = ["zstd", "-q", "-c", "-3"] + (["--long=27"] if codec == "zstd-long" else [])
        with tempfile.TemporaryFile() as out:
            p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=out)
            for c in chunks:
                p.stdin.write(c)
            p.stdin.close()
            assert p.wait() == 0
            out.seek(0)
            return out.read()
    c = {"gzip": lambda: zlib.compressobj(1, zlib.DEFLATED, 31),
         "bzip2": lambda: bz2.BZ2Compressor(1),
         "xz": lambda: lzma.LZMACompressor(preset=0)}[codec]()
    parts = [c.compress(chunk) for chunk in chunks]
    return b"".join(parts) + c.flush()


def xz_with_dict_byte(data, dict_byte):
    """data (one xz stream, one block) with the LZMA2 dictionary size byte of its
    block header set to dict_byte (and the header's CRC32 fixed): a stream that
    asks its decoder for that much memory."""
    d = bytearray(data)
    off, p = 12, 14
    size = (d[off] + 1) * 4
    flags = d[off + 1]

    def skip_varint(p):
        while d[p] & 0x80:
            p += 1
        return p + 1
    for bit in (0x40, 0x80):
        if flags & bit:
            p = skip_varint(p)
    assert d[p] == 0x21 and d[p + 1] == 1, "not an LZMA2 filter"
    d[p + 2] = dict_byte
    d[off + size - 4:off + size] = struct.pack("<I", zlib.crc32(bytes(d[off:off + size - 4])))
    return bytes(d)


class HostileTestBase(BerthTest):
    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def env_with(self, **extra):
        env = dict(os.environ)
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def images(self):
        return self.ok("images", "-a", "-q", "--no-trunc").out.split()

    def assert_refused(self, r, *needles, images=(), out=""):
        """One `Error:` line naming every needle, exit 1, stdout out (None:
        anything), nothing new stored."""
        berthtest.check_sanitizer_report(r.err)
        self.assertEqual(r.code, 1, r)
        if out is not None:
            self.assertEqual(r.out, out, r)
        self.assertEqual(r.err.count("\n"), 1, f"stderr: {r.err!r}")
        self.assertTrue(r.err.startswith("Error: "), r.err)
        for n in needles:
            self.assertIn(n, r.err)
        self.assertEqual(sorted(self.images()), sorted(images))
        assert_store_clean(self)

    def measured(self, *args, env=None, timeout=120):
        """berth run to the end; (Result, its own peak RSS in bytes)."""
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen([berthtest.BERTH, "--root", self.root] + [str(a) for a in args],
                                    stdout=out, stderr=err, env=env, stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + timeout
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    proc.kill()
                    self.fail(f"berth {args} still running after {timeout} s")
                time.sleep(0.02)
            proc.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)

            class P:
                returncode, stdout, stderr = proc.returncode, out.read(), err.read()
        return Result(P), usage.ru_maxrss * 1024

    def import_ok(self, path, tag, **kw):
        r = self.ok("import", path, tag, **kw)
        image = r.out.strip()
        self.assertRegex(image, r"^sha256:[0-9a-f]{64}$")
        assert_store_clean(self)
        return image, self.inspect(image)["GraphDriver"]["Data"]["UpperDir"]

    def remove(self, tag, fs):
        self.ok("rmi", tag)
        self.assertFalse(os.path.lexists(fs))
        assert_store_clean(self)


class HostileLayerTest(HostileTestBase):
    """Layers through `berth import` (the tar applier every path shares)."""

    def test_device_nodes_and_setuid_files_are_kept_out_of_other_users_reach(self):
        # Stored as the layer says (docker does the same: an image may ship
        # /dev nodes and setuid binaries) but under directories no other user
        # can enter. The scratch dir is opened up so that only the store's
        # own modes stand between `nobody` and the files.
        entries = [entry("dev", tarfile.DIRTYPE, mode=0o755),
                   entry("dev/mem", tarfile.CHRTYPE, devmajor=1, devminor=1, mode=0o666),
                   entry("dev/sda", tarfile.BLKTYPE, devmajor=8, devminor=0, mode=0o666),
                   entry("dev/fifo", tarfile.FIFOTYPE, mode=0o666),
                   entry("bin", tarfile.DIRTYPE, mode=0o755),
                   entry("bin/suid", data=b"#!/bin/sh\nid\n", mode=0o4755),
                   entry("bin/sgid", data=b"#!/bin/sh\nid\n", mode=0o2755),
                   entry("shared", tarfile.DIRTYPE, mode=0o3777)]
        tar = self.write("dev.tar", tar_bytes(entries))
        os.chmod(self.tmp, 0o755)
        image, fs = self.import_ok(tar, "dev:1")
        want = {"dev/mem": (stat.S_IFCHR | 0o666, (1, 1)), "dev/sda": (stat.S_IFBLK | 0o666, (8, 0)),
                "dev/fifo": (stat.S_IFIFO | 0o666, None), "bin/suid": (stat.S_IFREG | 0o4755, None),
                "bin/sgid": (stat.S_IFREG | 0o2755, None), "shared": (stat.S_IFDIR | 0o3777, None)}
        for rel, (mode, dev) in want.items():
            st = os.lstat(os.path.join(fs, rel))
            self.assertEqual(oct(st.st_mode), oct(mode), rel)
            self.assertEqual((st.st_uid, st.st_gid), (0, 0), rel)
            if dev:
                self.assertEqual((os.major(st.st_rdev), os.minor(st.st_rdev)), dev, rel)

        # Every directory from the store's top down to the files: the top may
        # be crossed (0711, as docker's /var/lib/docker) but nothing below it
        # lets another user in.
        top = os.path.realpath(self.root)
        self.assertEqual(stat.S_IMODE(os.stat(top).st_mode) & 0o066, 0, "store top readable by others")
        d = os.path.dirname(os.path.realpath(os.path.join(fs, "bin/suid")))
        closed = []
        while d != top:
            st = os.stat(d)
            if stat.S_IMODE(st.st_mode) & 0o001 == 0:
                closed.append(d)
            d = os.path.dirname(d)
        self.assertTrue(closed, "no directory between the store's top and the layer is closed to others")
        for sub in ("blobs", "snapshots", "ingest", "tmp", "trash", "containers"):
            p = os.path.join(self.root, sub)
            if os.path.exists(p):
                self.assertEqual(stat.S_IMODE(os.stat(p).st_mode) & 0o077, 0, p)

        # And for real, as nobody, where setpriv or runuser is there.
        as_nobody = None
        if shutil.which("setpriv"):
            as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        elif shutil.which("runuser"):
            as_nobody = ["runuser", "-u", "nobody", "--"]
        if as_nobody and os.geteuid() == 0:
            self.assertEqual(subprocess.run(as_nobody + ["test", "-x", self.tmp]).returncode, 0,
                             "the check itself is broken: nobody cannot reach the scratch dir")
            for rel in ("bin/suid", "dev/mem", "dev/sda"):
                p = os.path.join(fs, rel)
                for probe in (["test", "-e", p], ["cat", p], ["sh", "-c", f"exec 3<'{p}'"]):
                    r = subprocess.run(as_nobody + probe, capture_output=True)
                    self.assertNotEqual(r.returncode, 0, f"nobody reached {rel}: {probe}")
            blob_dir = os.path.join(self.root, "blobs", "sha256")
            r = subprocess.run(as_nobody + ["ls", blob_dir], capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0, r.stdout)
            self.assertIn("Permission denied", r.stderr)
        self.remove("dev:1", fs)

    def test_sparse_file_declared_at_one_terabyte(self):
        # GNU tar writes a 1 TB file of one hole and 3 bytes as a 10 KiB tar.
        if not shutil.which("tar"):
            self.skipTest("GNU tar is not installed")
        src = os.path.join(self.tmp, "src")
        os.makedirs(src)
        with open(os.path.join(src, "big"), "wb") as f:
            f.truncate(1 << 40)
            f.seek(0, os.SEEK_END)
            f.write(b"end")
        tars = {}
        for fmt in ("gnu", "posix"):
            tars[fmt] = os.path.join(self.tmp, f"sparse-{fmt}.tar")
            subprocess.run(["tar", "--sparse", f"--format={fmt}", "-cf", tars[fmt], "-C", src, "big"],
                           check=True)
            self.assertLess(os.path.getsize(tars[fmt]), 64 << 10)
        os.unlink(os.path.join(src, "big"))
        listing0 = None
        for fmt, tar in tars.items():
            with self.subTest(fmt=fmt):
                # The default cap (256 GiB of file content, holes counted) refuses it at once.
                r = self.berth("import", tar, "sparse:1", timeout=30)
                self.assert_refused(r, '"big"', "more than 274877906944 bytes", "BERTH_MAX_LAYER_BYTES")
                listing0 = listing0 or store_listing(self.root)
                self.assertEqual(store_listing(self.root), listing0)
                # With the cap raised it is stored as a sparse file: 1 TB long,
                # a few KiB on disk.
                image, fs = self.import_ok(tar, "sparse:1", env=self.env_with(BERTH_MAX_LAYER_BYTES=2 << 40))
                st = os.lstat(os.path.join(fs, "big"))
                self.assertEqual(st.st_size, (1 << 40) + 3)
                self.assertLess(st.st_blocks * 512, 1 << 20)
                with open(os.path.join(fs, "big"), "rb") as f:
                    f.seek(-3, os.SEEK_END)
                    self.assertEqual(f.read(), b"end")
                self.assertEqual(self.inspect(image)["Size"], (1 << 40) + 3)
                self.remove("sparse:1", fs)

    def test_names_and_link_targets_at_and_past_path_max(self):
        # At PATH_MAX - 1 (4095 bytes, NAME_MAX 255 a component) a name, a
        # symlink target and a hardlink target are stored as given (docker
        # 20.10 refuses the 4095-byte name: it opens "/" + name); one byte
        # more, or a 256-byte component, is one error line.
        name, target = name_of(4095), "t" * 4095
        ok = [entry(name, data=b"deep"), entry("l", tarfile.SYMTYPE, linkname=target),
              entry("lp", tarfile.SYMTYPE, linkname=name_of(4095, "x")),
              entry("h", tarfile.LNKTYPE, linkname=name), entry("c" * 255, data=b"c"),
              entry(name_of(4095, "s"), tarfile.SYMTYPE, linkname="l")]
        image, fs = self.import_ok(self.write("at.tar", tar_bytes(ok)), "pathmax:at")
        # The names only fit relative to the layer's root.
        root = os.open(fs, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=root)
            with os.fdopen(fd, "rb") as f:
                self.assertEqual(f.read(), b"deep")
            self.assertEqual(os.readlink("l", dir_fd=root), target)
            self.assertEqual(os.readlink("lp", dir_fd=root), name_of(4095, "x"))
            self.assertEqual(os.readlink(name_of(4095, "s"), dir_fd=root), "l")
            self.assertEqual(os.stat("h", dir_fd=root, follow_symlinks=False).st_ino,
                             os.stat(name, dir_fd=root, follow_symlinks=False).st_ino)
        finally:
            os.close(root)
        self.remove("pathmax:at", fs)

        past = {
            "name of 4096 bytes": ([entry(name_of(4096))], "name longer than 4095 bytes"),
            "name of 20,000 bytes": ([entry("a/" * 10000 + "f")], "name longer than 4095 bytes"),
            "component of 256 bytes": ([entry("a" * 256)], "name component longer than 255 bytes"),
            "symlink target of 4096 bytes": ([entry("l", tarfile.SYMTYPE, linkname="t" * 4096)],
                                             'entry "l": symlink target longer than 4095 bytes'),
            "symlink target of 10,000 bytes": ([entry("l", tarfile.SYMTYPE, linkname="x/" * 5000)],
                                               'entry "l": symlink target longer than 4095 bytes'),
            "hardlink target of 4096 bytes": ([entry("h", tarfile.LNKTYPE, linkname=name_of(4096))],
                                              'entry "h": hardlink target'),
        }
        for case, (entries, want) in past.items():
            with self.subTest(case):
                listing0 = store_listing(self.root)
                r = self.berth("import", self.write("past.tar", tar_bytes(entries)), "pathmax:past")
                self.assert_refused(r, want)
                self.assertLess(len(r.err), 600, "the error line quotes a name at full length")
                self.assertEqual(store_listing(self.root), listing0)

    def test_hundred_thousand_entries_in_one_directory(self):
        n = 100_000
        block = tar_header("d/f000000", 0)
        with open(os.path.join(self.tmp, "wide.tar"), "wb") as f:
            d = tarfile.TarInfo("d")
            d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, MTIME
            f.write(d.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape"))
            # One header per file; only the name and the checksum differ.
            for i in range(n):
                f.write(_renamed(block, i))
            f.write(bytes(1024))
        tar = os.path.join(self.tmp, "wide.tar")
        r, rss = self.measured("import", tar, "wide:1", timeout=300)
        self.assertEqual(r.code, 0, r)
        assert_store_clean(self)
        fs = self.inspect("wide:1")["GraphDriver"]["Data"]["UpperDir"]
        names = os.listdir(os.path.join(fs, "d"))
        self.assertEqual(len(names), n)
        self.assertIn("f099999", names)
        # Under 100 bytes a directory entry: far below a copy of the tar.
        self.assertLess(rss, (64 if not SANITIZED else 256) * MiB + n * 100, rss)
        r = self.ok("save", "-o", os.path.join(self.tmp, "wide-saved.tar"), "wide:1", timeout=300)
        with tarfile.open(os.path.join(self.tmp, "wide-saved.tar")) as t:
            self.assertIn("manifest.json", t.getnames())
        self.remove("wide:1", fs)

    def test_decompression_bombs_run_in_bounded_memory(self):
        limit = (48 if not SANITIZED else 256) * MiB
        bombs = {"gzip": (1, 256 * MiB), "zstd": (1, 256 * MiB),
                 "xz": (1, 96 * MiB), "bzip2": (1, 96 * MiB)}
        for codec, (files, size) in bombs.items():
            with self.subTest(codec=codec):
                data = compressed(zeros_tar_stream(files, size), codec)
                self.assertLess(len(data), size // 200)
                path = self.write(f"bomb.{codec}", data)
                # No cap: the whole bomb goes through, in a few MiB.
                r, rss = self.measured("import", path, "bomb:1")
                self.assertEqual(r.code, 0, r)
                self.assertLess(rss, limit, f"{codec}: peak RSS {rss >> 20} MiB")
                fs = self.inspect("bomb:1")["GraphDriver"]["Data"]["UpperDir"]
                self.assertEqual(os.path.getsize(os.path.join(fs, "zeros0")), size)
                self.remove("bomb:1", fs)
                # The cap: refused as soon as a header declares too much.
                start = time.monotonic()
                r, rss = self.measured("import", path, "bomb:2",
                                       env=self.env_with(BERTH_MAX_LAYER_BYTES=16 * MiB))
                self.assertLess(time.monotonic() - start, 5)
                self.assertLess(rss, limit)
                self.assert_refused(r, '"zeros0"', f"more than {16 * MiB} bytes of file content",
                                    "BERTH_MAX_LAYER_BYTES")

        # Many files each under the cap: refused when their sum passes it.
        data = compressed(zeros_tar_stream(64, 4 * MiB), "gzip")
        r, rss = self.measured("import", self.write("many.gz", data), "bomb:3",
                               env=self.env_with(BERTH_MAX_LAYER_BYTES=32 * MiB))
        self.assertLess(rss, limit)
        self.assert_refused(r, '"zeros8"', f"more than {32 * MiB} bytes")

    def test_compressed_streams_that_ask_for_huge_windows(self):
        # A zstd frame asking for a 2 GiB window and an xz block asking for a
        # 1.5 GiB dictionary are refused before any is allocated (limits: zstd's
        # default 128 MiB window, berth's 1 GiB xz memory limit). A zstd frame
        # at the 128 MiB limit costs that much, no more.
        long = compressed(zeros_tar_stream(1, 192 * MiB), "zstd-long")
        self.assertEqual(long[4], 0x04, "zstd frame header: no single segment, no content size")
        self.assertEqual(long[5], (27 - 10) << 3, "window descriptor: 128 MiB")
        r, rss = self.measured("import", self.write("long.zst", long), "win:1")
        self.assertEqual(r.code, 0, r)
        self.assertLess(rss, (128 + 48 if not SANITIZED else 512) * MiB, f"peak RSS {rss >> 20} MiB")
        self.ok("rmi", "win:1")
        huge = bytearray(long)
        huge[5] = (31 - 10) << 3  # 2 GiB
        r, rss = self.measured("import", self.write("huge.zst", bytes(huge)), "win:2")
        self.assertLess(rss, 64 * MiB if not SANITIZED else 256 * MiB)
        self.assert_refused(r, "zstd: Frame requires too much memory for decoding")

        xz = compressed(zeros_tar_stream(1, 4 * MiB), "xz")
        r, rss = self.measured("import", self.write("huge.xz", xz_with_dict_byte(xz, 37)), "win:3")
        self.assertLess(rss, 64 * MiB if not SANITIZED else 256 * MiB)
        self.assert_refused(r, "xz: memory limit exceeded")

    def test_junk_after_the_end_of_the_tar(self):
        good = tar_bytes([entry("a", data=b"hi")])
        self.assertTrue(good.endswith(bytes(1024)))
        # Finite junk after the end-of-archive marker is padding: ignored, as
        # docker 20.10 ignores it (its tar-split keeps it), and hashed into the
        # diff id with the rest of the stream.
        cases = {"text": good + b"JUNK" * 1000, "a header after the end": good + good[:512] + b"x" * 512,
                 "zeros": good + bytes(64 << 10)}
        for case, data in cases.items():
            with self.subTest(case):
                image, fs = self.import_ok(self.write("junk.tar", data), "junk:1")
                self.assertEqual(os.listdir(fs), ["a"])
                self.assertEqual(self.inspect(image)["RootFS"]["Layers"], [digest(data)])
                self.remove("junk:1", fs)
        # More than 1 MiB of it is refused (docker 20.10 reads any amount).
        r = self.berth("import", self.write("junk.tar", good + b"JUNK" * (300 << 10)), "junk:2")
        self.assert_refused(r, "more than 1048576 bytes of data after the end of the tar archive")

    def test_layers_that_are_not_tars(self):
        # Through import: not a tar, in every compression berth detects.
        not_tar = b"this is not a tar\n" * 100
        for codec in ("none", "gzip", "bzip2", "xz", "zstd"):
            with self.subTest(codec=codec):
                data = not_tar if codec == "none" else compressed([not_tar], codec)
                r = self.berth("import", self.write("notar", data), "notar:1")
                self.assert_refused(r)
        # Through load: an archive whose layer blob is not a tar (its diff id
        # the hash of those bytes, so only the tar reader can object).
        img = Image("notar", tars=[b"\x7fELF" + bytes(600), tar_bytes([entry("ok", data=b"1")])])
        for fmt, archive in (("legacy", legacy_archive([(img, ["n:1"])])),
                             ("oci", oci_archive([(img, ["n:1"])]))):
            with self.subTest(fmt=fmt):
                r = self.berth("load", stdin=archive)
                self.assert_refused(r)


def _renamed(header, i):
    """header (a GNU tar header block for d/f000000) named d/f<i:06d>, checksum fixed."""
    h = bytearray(header)
    h[3:9] = f"{i:06d}".encode()
    h[148:156] = b" " * 8
    h[148:155] = f"{sum(h):06o}\0".encode()
    return bytes(h)


class HostileArchiveTest(HostileTestBase):
    """`berth load`: digests and documents in archives."""

    def oci(self, img, index=None, manifest=None, rename=None):
        """An OCI archive of img, index.json and the manifest blob changed by
        index(dict) and manifest(dict), blob names by rename(name)."""
        entries, index_json, _ = oci_entries([(img, ["h:1"])], False, True)
        idx = json.loads(index_json)
        out = []
        for info, data in entries:
            if manifest and data is not None and digest(data) == idx["manifests"][0]["digest"]:
                m = json.loads(data)
                manifest(m)
                data = json.dumps(m).encode()
                info.name = "blobs/sha256/" + sha(data)
                idx["manifests"][0].update(digest=digest(data), size=len(data))
            if rename:
                info.name = rename(info.name)
            out.append((info, data))
        if index:
            index(idx)
        return tar_bytes([file_entry("index.json", json.dumps(idx).encode())] + out)

    def test_digests_in_upper_case_or_with_dot_dot(self):
        img = Image("digests")
        self.assertEqual(self.ok("load", stdin=self.oci(img)).out, "Loaded image: h:1\n")
        self.ok("rmi", "h:1")

        def at(where, value):
            def change(d):
                d[where][0]["digest"] = value(d[where][0]["digest"])
            return change
        upper = lambda d: "sha256:" + d[7:].upper()
        cases = {
            "index entry in upper case": (dict(index=at("manifests", upper)),
                                          "index.json: invalid index: manifests[0].digest: "
                                          "invalid checksum digest format"),
            "index entry and blob name in upper case": (
                dict(index=at("manifests", upper),
                     rename=lambda n: n if not n.startswith("blobs/") else n[:13] + n[13:].upper()),
                "invalid blob name blobs/sha256/"),
            "index entry ../../../../etc/passwd": (
                dict(index=at("manifests", lambda d: "sha256:../../../../etc/passwd")),
                "index.json: invalid index: manifests[0].digest: invalid checksum digest length"),
            "index entry ../ padded to 64": (
                dict(index=at("manifests", lambda d: "sha256:../" + "a" * 61)),
                "index.json: invalid index: manifests[0].digest: invalid checksum digest format"),
            "layer in upper case": (dict(manifest=at("layers", upper)),
                                    "invalid manifest: layers[0].digest: invalid checksum digest format"),
            "layer with ../": (dict(manifest=at("layers", lambda d: "sha256:" + "../" * 21 + "a")),
                               "invalid manifest: layers[0].digest: invalid checksum digest format"),
            "config with ../": (dict(manifest=lambda m: m["config"].update(digest="sha256:../blobs")),
                                "invalid manifest: config.digest: invalid checksum digest length"),
        }
        for case, (kw, want) in cases.items():
            with self.subTest(case):
                self.assert_refused(self.berth("load", stdin=self.oci(img, **kw)), want)
        # In manifest.json (legacy and docker 25 archives) paths are names, not
        # digests: ../ is refused by test_load's test_manifest_path_outside_archive.

    def test_a_document_that_is_both_manifest_and_index(self):
        img = Image("both")
        entry_ = lambda: {"mediaType": R.OCI_MANIFEST, "digest": "sha256:" + "a" * 64, "size": 1}
        cases = {
            "manifest with manifests": (dict(manifest=lambda m: m.update(manifests=[entry_()])),
                                        "invalid manifest: manifests: expected manifest but found index"),
            "index with layers": (dict(index=lambda x: x.update(layers=[])),
                                  "index.json: invalid index: layers: expected index but found manifest"),
            "index with config": (dict(index=lambda x: x.update(config={"mediaType": R.OCI_CONFIG})),
                                  "index.json: invalid index: config: expected index but found manifest"),
        }
        for case, (kw, want) in cases.items():
            with self.subTest(case):
                self.assert_refused(self.berth("load", stdin=self.oci(img, **kw)), want)

    def test_diff_ids_count_not_matching_the_layers(self):
        two = Image("count")
        for n, diff_ids in ((3, two.diff_ids + ["sha256:" + "1" * 64]), (1, two.diff_ids[:1])):
            bad = Image("count", diff_ids=diff_ids)
            for fmt, archive, where in (("legacy", legacy_archive, "manifest.json[0]"),
                                        ("oci", oci_archive, "index.json manifests[0]")):
                with self.subTest(fmt=fmt, diff_ids=n):
                    r = self.berth("load", stdin=archive([(bad, ["c:1"])]))
                    self.assert_refused(r, f"{where}: 2 layers but the config lists {n} diff ids")


class StaticRegistry(R.LoopbackServer):
    """Serves exactly what it is given, unchecked: manifests {reference:
    (bytes, Content-Type)} by tag or digest, blobs {digest string: bytes}
    (any string, `../` included); /v2/ answers 200, anything else 404."""

    def __init__(self, manifests, blobs):
        reg = self
        self.manifests, self.blobs, self.requests = dict(manifests), dict(blobs), []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def reply(self, with_body):
                path = self.path.split("?")[0]
                reg.requests.append((self.command, path))
                ref = path.rsplit("/", 1)[1]
                status, ctype, payload = 404, "application/json", b'{"errors":[{"code":"UNKNOWN"}]}'
                if path == "/v2/":
                    status, payload = 200, b"{}"
                elif "/manifests/" in path and ref in reg.manifests:
                    status, (payload, ctype) = 200, reg.manifests[ref]
                elif "/blobs/" in path and path.split("/blobs/", 1)[1] in reg.blobs:
                    status, ctype = 200, "application/octet-stream"
                    payload = reg.blobs[path.split("/blobs/", 1)[1]]
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
                self.end_headers()
                if with_body:
                    try:
                        self.wfile.write(payload)
                    except OSError:
                        pass

            def do_GET(self):
                self.reply(True)

            def do_HEAD(self):
                self.reply(False)

            def log_message(self, *args):
                pass

        self.serve(Handler)


class HostileRegistryTest(PullTestBase, HostileTestBase):
    """`berth pull` from a registry that serves whatever it likes. Every
    refusal's text and docker 20.10.24's (pulling the same from the same
    server) are given side by side."""

    @classmethod
    def setUpClass(cls):
        cls.layer = R.file_layer({"etc/motd": b"hi\n"})
        cls.blob = gzip.compress(cls.layer, mtime=0)

    def serve(self, manifests, blobs=None):
        blobs = dict(blobs or {})
        cfg = R.image_config([digest(self.layer)])
        blobs.update({digest(self.blob): self.blob, digest(cfg): cfg})
        reg = StaticRegistry(manifests, blobs)
        self.addCleanup(reg.stop)
        return reg

    def manifest(self, media_type=R.DOCKER_MANIFEST, config=None, layers=1, extra=None,
                 layer_digest=None, config_digest=None, oci=False):
        config = config or R.image_config([digest(self.layer)])
        m = {"schemaVersion": 2,
             "config": {"mediaType": R.OCI_CONFIG if oci else R.DOCKER_CONFIG, "size": len(config),
                        "digest": config_digest or digest(config)},
             "layers": [{"mediaType": R.OCI_LAYER if oci else R.DOCKER_LAYER, "size": len(self.blob),
                         "digest": layer_digest or digest(self.blob)}] * layers}
        if media_type:
            m["mediaType"] = media_type
        m.update(extra or {})
        return json.dumps(m).encode()

    def pull_refused(self, reg, tag, *needles):
        r = self.berth("pull", f"{reg.host}/hostile/img:{tag}")
        self.assert_refused(r, *needles, out=None)
        self.assertNotIn("Status:", r.out)
        return r

    def test_good_image_from_the_static_registry(self):
        # The fixture itself: a well-formed image pulls.
        reg = self.serve({"v1": (self.manifest(), R.DOCKER_MANIFEST)})
        self.ok("pull", "-q", f"{reg.host}/hostile/img:v1")
        assert_store_clean(self)

    def test_a_manifest_with_both_manifests_and_layers(self):
        good = self.manifest()
        child = {"mediaType": R.DOCKER_MANIFEST, "size": len(good), "digest": digest(good),
                 "platform": {"os": "linux", "architecture": R.host_arch()}}
        both = {"manifests": [child]}
        m = {"as-manifest": (self.manifest(R.OCI_MANIFEST, extra=both, oci=True), R.OCI_MANIFEST),
             "as-index": (self.manifest(R.OCI_INDEX, extra=both), R.OCI_INDEX),
             "untyped-as-index": (self.manifest(None, extra=both), R.OCI_INDEX),
             "untyped-as-manifest": (self.manifest(None, extra=both, oci=True), R.OCI_MANIFEST),
             "untyped-as-json": (self.manifest(None, extra=both), "application/json"),
             digest(good): (good, R.DOCKER_MANIFEST)}
        reg = self.serve(m)
        # docker: "ocimanifest: expected manifest but found index"
        for tag in ("as-manifest", "untyped-as-manifest"):
            with self.subTest(tag):
                self.pull_refused(reg, tag, "invalid manifest: manifests: expected manifest but found index")
        # docker: "index: expected index but found manifest"
        for tag in ("as-index", "untyped-as-index", "untyped-as-json"):
            with self.subTest(tag):
                self.pull_refused(reg, tag, "invalid index: config: expected index but found manifest")
        # Nothing but the manifest was fetched: no child, no blob.
        self.assertFalse([p for _, p in reg.requests if "/blobs/" in p or digest(good) in p], reg.requests)

    def test_a_media_type_that_contradicts_the_content_type(self):
        index = json.dumps({"schemaVersion": 2, "mediaType": R.OCI_INDEX, "manifests": []}).encode()
        m = {"oci-as-docker": (self.manifest(R.OCI_MANIFEST, oci=True), R.DOCKER_MANIFEST),
             "docker-as-oci": (self.manifest(R.DOCKER_MANIFEST), R.OCI_MANIFEST),
             "index-as-manifest": (index, R.DOCKER_MANIFEST),
             "manifest-as-index": (self.manifest(R.DOCKER_MANIFEST), R.OCI_INDEX),
             "manifest-as-list": (self.manifest(R.DOCKER_MANIFEST), R.DOCKER_LIST),
             # Generic or absent types leave the body's own word: fine.
             "docker-as-json": (self.manifest(R.DOCKER_MANIFEST), "application/json"),
             "docker-with-charset": (self.manifest(R.DOCKER_MANIFEST), R.DOCKER_MANIFEST + "; charset=utf-8")}
        reg = self.serve(m)
        # docker 20.10.24 refuses the first and third ("mediaType in manifest
        # should be 'application/vnd.docker.distribution.manifest.v2+json' not
        # '...'") but pulls the second and fourth.
        for tag in ("oci-as-docker", "docker-as-oci", "index-as-manifest", "manifest-as-index",
                    "manifest-as-list"):
            with self.subTest(tag):
                body, ctype = m[tag]
                declared = json.loads(body)["mediaType"]
                self.pull_refused(reg, tag, f"Error: mediaType in manifest should be '{ctype}' not '{declared}'\n")
        for tag in ("docker-as-json", "docker-with-charset"):
            with self.subTest(tag):
                self.ok("pull", "-q", f"{reg.host}/hostile/img:{tag}")
        assert_store_clean(self)

    def test_diff_ids_count_not_matching_the_layers(self):
        two = R.image_config([digest(self.layer)] * 2)
        none = R.image_config([])
        m = {"config-2-layers-1": (self.manifest(config=two), R.DOCKER_MANIFEST),
             "config-0-layers-1": (self.manifest(config=none), R.DOCKER_MANIFEST),
             "config-1-layers-2": (self.manifest(layers=2), R.DOCKER_MANIFEST)}
        reg = self.serve(m, {digest(two): two, digest(none): none})
        # docker: "layers from manifest don't match image configuration" for
        # the first two; it pulls the third.
        for tag, want in (("config-2-layers-1", "the manifest lists 1 layers but the config 2 diff ids"),
                          ("config-0-layers-1", "the manifest lists 1 layers but the config 0 diff ids"),
                          ("config-1-layers-2", "the manifest lists 2 layers but the config 1 diff ids")):
            with self.subTest(tag):
                self.pull_refused(reg, tag, want)
        self.assertFalse([p for _, p in reg.requests if digest(self.blob) in p], "a layer was fetched")

    def test_digests_in_upper_case_or_with_dot_dot(self):
        upper = "sha256:" + digest(self.blob)[7:].upper()
        cfg = R.image_config([digest(self.layer)])
        dotdot = "sha256:../../../../../../etc/passwd"
        m = {"upper-layer": (self.manifest(layer_digest=upper), R.DOCKER_MANIFEST),
             "upper-config": (self.manifest(config_digest="sha256:" + digest(cfg)[7:].upper()),
                              R.DOCKER_MANIFEST),
             "dotdot-layer": (self.manifest(layer_digest=dotdot), R.DOCKER_MANIFEST),
             "dotdot64-layer": (self.manifest(layer_digest="sha256:" + "../" * 21 + "a"), R.DOCKER_MANIFEST),
             "dotdot-index": (json.dumps({"schemaVersion": 2, "mediaType": R.OCI_INDEX, "manifests": [
                 {"mediaType": R.OCI_MANIFEST, "size": 10, "digest": dotdot,
                  "platform": {"os": "linux", "architecture": R.host_arch()}}]}).encode(), R.OCI_INDEX)}
        # The registry would even serve those names.
        reg = self.serve(m, {upper: self.blob, dotdot: self.blob})
        # docker 20.10.24 pulls upper-layer and dotdot-layer (its layer was
        # known by diff id) and fails upper-config with "unknown blob".
        for tag, want in (("upper-layer", "layers[0].digest: invalid checksum digest format"),
                          ("upper-config", "config.digest: invalid checksum digest format"),
                          ("dotdot-layer", "layers[0].digest: invalid checksum digest length"),
                          ("dotdot64-layer", "layers[0].digest: invalid checksum digest format"),
                          ("dotdot-index", "manifests[0].digest: invalid checksum digest length")):
            with self.subTest(tag):
                self.pull_refused(reg, tag, want)
        self.assertFalse([p for _, p in reg.requests if "/blobs/" in p], reg.requests)
        # In references: refused before any request, in docker's words
        # (docker: "invalid checksum digest format", "invalid reference format").
        n = len(reg.requests)
        for ref, want in ((f"{reg.host}/hostile/img@{upper}", "Error: invalid checksum digest format\n"),
                          (f"{reg.host}/hostile/img@{dotdot}", "Error: invalid reference format\n"),
                          (f"{reg.host}/hostile/img@sha256:../{'a' * 61}", "Error: invalid reference format\n")):
            for cmd in (["pull"], ["rmi"], ["save", "-o", os.path.join(self.tmp, "o.tar")], ["tag", "x"]):
                with self.subTest(ref=ref, cmd=cmd[0]):
                    args = cmd[:1] + [ref] + cmd[1:] if cmd[0] == "tag" else cmd + [ref]
                    r = self.berth(*args)
                    self.assertEqual((r.code, r.out, r.err), (1, "", want))
        self.assertEqual(len(reg.requests), n, "a bad reference reached the registry")
        assert_store_clean(self)

    def test_a_layer_that_is_not_a_tar(self):
        junk = gzip.compress(b"this is not a tar\n" * 100, mtime=0)
        cfg = R.image_config([digest(gzip.decompress(junk))])
        body = json.dumps({"schemaVersion": 2, "mediaType": R.DOCKER_MANIFEST,
                           "config": {"mediaType": R.DOCKER_CONFIG, "size": len(cfg), "digest": digest(cfg)},
                           "layers": [{"mediaType": R.DOCKER_LAYER, "size": len(junk),
                                       "digest": digest(junk)}]}).encode()
        reg = self.serve({"v1": (body, R.DOCKER_MANIFEST)}, {digest(junk): junk, digest(cfg): cfg})
        # docker: "failed to register layer: Error processing tar file(exit
        # status 1): archive/tar: invalid tar header"
        self.pull_refused(reg, "v1", digest(junk), "reading tar")


if __name__ == "__main__":
    unittest.main()
