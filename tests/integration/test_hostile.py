"""Hostile tarballs through `berth import`: nothing from a tar may touch the host.

Every case is a tar written byte for byte the way an attacker would write it
(symlinks planted then written through, hard links to host files, `..` and
absolute names, link chains that climb, whiteouts in odd places and through
symlinked parents, duplicate entries, truncated and garbage input). For each
one berth either refuses it with exactly one `Error: ...` line and leaves the
store as it was, or imports it confined: a sentinel directory outside the store
(the tar's target), the test's scratch dir and cwd, /etc/passwd and the tar's
names at the top of /, /tmp and /etc are all unchanged, and the files land
inside the image's snapshot where the confinement rules put them. Successful
images are removed again, and removing them must not follow their symlinks out.
"""
import gzip
import json
import os
import random
import stat
import tarfile
import unittest

import berthtest
from berthtest import (BerthTest, tar_bytes, assert_store_clean, entry_state,
                       store_listing, store_problems, tree_state)

# The tests chdir into a watched scratch dir: keep the binary's path absolute.
berthtest.BERTH = os.path.abspath(berthtest.BERTH)

MTIME = 1700000000
HOST_BASES = ("/", "/tmp", "/etc")


def _info(name, kind, **kw):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mtime = MTIME
    ti.uid = ti.gid = 0
    for k, v in kw.items():
        setattr(ti, k, v)
    return ti


def F(name, data=b"x", mode=0o644):
    return (_info(name, tarfile.REGTYPE, mode=mode), data)


def D(name, mode=0o755):
    return (_info(name, tarfile.DIRTYPE, mode=mode), None)


def S(name, target):
    return (_info(name, tarfile.SYMTYPE, linkname=target, mode=0o777), None)


def H(name, target):
    return (_info(name, tarfile.LNKTYPE, linkname=target, mode=0o644), None)


def tar_names(entries):
    """Every path component used by the entries' names and link targets."""
    names = set()
    for info, _ in entries:
        for p in (info.name, info.linkname or ""):
            names.update(c for c in p.split("/") if c not in ("", ".", ".."))
    return names


class Case:
    """One hostile input. expect: "fail", "ok" or "either" (confined when ok).
    check(test, fs) asserts what the snapshot holds after a successful import."""

    def __init__(self, name, expect, entries=None, data=None, check=None, names=()):
        self.name = name
        self.expect = expect
        self.entries = entries
        self.data = data if data is not None else tar_bytes(entries)
        self.check = check
        self.names = set(names) | (tar_names(entries) if entries else set())


class HostileImportTest(BerthTest):
    def setUp(self):
        super().setUp()
        self.outside = os.path.join(self.tmp, "outside")   # the sentinel dir
        os.makedirs(os.path.join(self.outside, "dir"))
        with open(os.path.join(self.outside, "victim"), "wb") as f:
            f.write(b"original victim\n")
        with open(os.path.join(self.outside, "dir", "keep"), "wb") as f:
            f.write(b"keep me\n")
        os.symlink("victim", os.path.join(self.outside, "ln"))
        self.tars = os.path.join(self.tmp, "tars")
        os.makedirs(self.tars)
        # berth runs from here, so a path resolved against its cwd is watched too.
        self.cwd = os.path.join(self.tmp, "cwd")
        os.makedirs(self.cwd)
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(self.cwd)
        self.uniq = f"berth-hostile-{os.getpid()}-{random.Random().getrandbits(32):08x}"
        # A store with one ordinary image in it, so "unchanged" means something.
        self.import_busybox("base:latest")

    # ---- what must never change ----

    def host_state(self, names):
        state = {"/etc/passwd": entry_state("/etc/passwd"),
                 "/etc/shadow": entry_state("/etc/shadow")}
        for base in HOST_BASES:
            for n in names:
                p = os.path.join(base, n)
                st = entry_state(p)
                # Existing host directories (/tmp, /etc, ...) change under other
                # processes: only their identity must hold.
                if st is not None and stat.S_ISDIR(st[0]):
                    st = ("dir", st[0], st[1], st[2])
                state[p] = st
        return state

    def outside_state(self):
        return tree_state(self.tmp, skip=("root",))

    def images(self):
        return sorted(self.ok("images", "-a", "-q", "--no-trunc").out.split())

    # ---- the corpus ----

    def corpus(self):
        O = self.outside
        U = self.uniq
        out_rel = "../" * 10 + "outside"  # far enough up from any store dir

        def check_paths(want):
            """check: each path (relative to the snapshot) holds these bytes or is this kind."""
            def check(t, fs):
                for rel, w in want.items():
                    p = os.path.join(fs, rel)
                    t.assertTrue(os.path.lexists(p), f"{rel} missing in the image")
                    st = os.lstat(p)
                    if w == "dir":
                        t.assertTrue(stat.S_ISDIR(st.st_mode), rel)
                    elif w == "whiteout":
                        t.assertTrue(stat.S_ISCHR(st.st_mode), rel)
                        t.assertEqual(st.st_rdev, 0, rel)
                    elif isinstance(w, tuple):
                        t.assertTrue(stat.S_ISLNK(st.st_mode), rel)
                        t.assertEqual(os.readlink(p), w[1], rel)
                    else:
                        t.assertTrue(stat.S_ISREG(st.st_mode), rel)
                        with open(p, "rb") as f:
                            t.assertEqual(f.read(), w, rel)
            return check

        o_in = O.lstrip("/")  # where the sentinel's absolute path lands inside a root
        cases = [
            # -- symlinks planted, then written through --
            Case("symlink to / then file through it", "ok",
                 [S("a", "/"), F(f"a/{U}", b"pwned"), F(f"a/tmp/{U}", b"pwned too")],
                 check=check_paths({U: b"pwned", f"tmp/{U}": b"pwned too", "a": ("link", "/")})),
            Case("symlink to /etc then passwd through it", "ok",
                 [D("etc"), S("a", "/etc"), F("a/passwd", b"root::0:0::/:/bin/sh\n")],
                 check=check_paths({"etc/passwd": b"root::0:0::/:/bin/sh\n"})),
            Case("symlink to ../../.. then file through it", "ok",
                 [S("a", "../../.."), F(f"a/{U}", b"pwned")],
                 check=check_paths({U: b"pwned"})),
            Case("symlink climbing to the sentinel dir then file through it", "fail",
                 [S("a", out_rel), F("a/victim", b"pwned")]),
            Case("symlink climbing to the sentinel dir, namesake in root", "ok",
                 [D("outside"), S("a", out_rel), F("a/victim", b"pwned")],
                 check=check_paths({"outside/victim": b"pwned", "a": ("link", out_rel)})),
            Case("symlink to the sentinel dir (absolute) then file through it", "fail",
                 [S("l", O), F("l/victim", b"pwned")]),
            Case("symlink to the sentinel dir, dir present in root", "ok",
                 [D(O), S("l", O), F("l/victim", b"pwned"), F("l/new", b"n")],
                 check=check_paths({f"{o_in}/victim": b"pwned", f"{o_in}/new": b"n"})),
            Case("file over a symlink to an outside file", "ok",
                 [S("v", O + "/victim"), F("v", b"pwned"),
                  S("w", out_rel + "/victim"), F("w", b"pwned")],
                 check=check_paths({"v": b"pwned", "w": b"pwned"})),
            # -- hard links out --
            Case("hardlink to ../../etc/passwd", "fail", [H("x", "../../etc/passwd")]),
            Case("hardlink to /etc/passwd", "fail", [H("y", "/etc/passwd")]),
            Case("hardlink to the sentinel file (absolute)", "fail", [H("z", O + "/victim")]),
            Case("hardlink to the sentinel file (relative)", "fail", [H("z", out_rel + "/victim")]),
            Case("hardlink through a symlink to the sentinel dir", "fail",
                 [S("l", O), H("h", "l/victim")]),
            Case("hardlink through a symlink to /etc", "fail",
                 [S("e", "/etc"), H("pw", "e/passwd")]),
            Case("hardlink to an in-root namesake of /etc/passwd", "ok",
                 [F("etc/passwd", b"mine"), H("p", "../../etc/passwd")],
                 check=lambda t, fs: (
                     check_paths({"p": b"mine"})(t, fs),
                     t.assertEqual(os.lstat(os.path.join(fs, "p")).st_ino,
                                   os.lstat(os.path.join(fs, "etc/passwd")).st_ino))),
            Case("hardlink to a directory", "fail", [D("d"), H("h", "d")]),
            # -- .. and absolute names --
            Case("dot-dot names", "ok",
                 [F("../../outside/x", b"1"), F("../" * 9 + U, b"2"), F("a/../../b", b"3")],
                 check=check_paths({"outside/x": b"1", U: b"2", "b": b"3"})),
            Case("absolute names", "ok",
                 [F("/abs/x", b"1"), F(f"/tmp/{U}", b"2"), F(O + "/victim", b"3")],
                 check=check_paths({"abs/x": b"1", f"tmp/{U}": b"2", f"{o_in}/victim": b"3"})),
            Case("long PAX name climbing out", "ok",
                 [F("../" * 60 + U, b"far")], check=check_paths({U: b"far"})),
            Case("entry named ..", "fail", [F("..", b"5")]),
            # -- chains of links that climb out --
            Case("link chain a -> b/.., b -> ../..", "ok",
                 [S("b", "../.."), S("a", "b/.."), F("a/x", b"1")],
                 check=check_paths({"x": b"1"})),
            Case("link chain through a subdir", "ok",
                 [D("c"), S("c/up", "../../.."), S("d", "c/up/../.."), F(f"d/{U}", b"2"),
                  S("e", "d/d/d/.."), F("e/etc/y", b"3")],
                 check=check_paths({U: b"2", "etc/y": b"3"})),
            Case("symlink loop", "fail", [S("p", "q"), S("q", "p"), F("p/z", b"3")]),
            # -- whiteouts in odd places --
            Case("whiteout named .wh.", "fail", [F(".wh.", b"")]),
            Case("whiteout named .wh..", "fail", [D("d"), F("d/.wh..", b"")]),
            Case("whiteout named .wh...", "fail", [D("d"), F("d/.wh...", b"")]),
            Case("whiteout .wh... as a parent", "fail", [F(".wh.../x", b"")]),
            Case("opaque marker at the root", "either", [F(".wh..wh..opq", b"")]),
            Case("opaque marker in a missing dir", "either", [F("nodir/.wh..wh..opq", b"")]),
            Case("opaque marker as a directory", "either",
                 [D(".wh..wh..opq"), F(".wh..wh..opq/x", b"1")]),
            Case("opaque marker with .. after it", "either",
                 [F(".wh..wh..opq/../../outside/victim", b"pwned")]),
            Case("whiteout with content and climbing name", "either",
                 [F("../../outside/.wh.victim", b"data"), F(f"/.wh.{U}", b"")]),
            # -- whiteouts through symlinked parents --
            Case("whiteout through an absolute symlink to the sentinel dir", "either",
                 [S("l", O), F("l/.wh.victim", b"")]),
            Case("opaque marker through an absolute symlink to the sentinel dir", "either",
                 [S("l", O + "/dir"), F("l/.wh..wh..opq", b"")]),
            Case("whiteout through a climbing symlink", "either",
                 [S("k", out_rel), F("k/.wh.victim", b""), F("k/.wh.dir", b"")]),
            Case("whiteout through a symlink to /etc", "either",
                 [S("e", "/etc"), F("e/.wh.passwd", b"")]),
            Case("whiteout through a symlink, namesake in root", "ok",
                 [D(O), S("l", O), F("l/.wh.victim", b""), F("l/dir/.wh..wh..opq", b"")],
                 check=check_paths({f"{o_in}/victim": "whiteout", f"{o_in}/dir": "dir"})),
            # -- duplicate entries --
            Case("file then dir", "ok", [F("a", b"file"), D("a"), F("a/in", b"1")],
                 check=check_paths({"a": "dir", "a/in": b"1"})),
            Case("dir then file", "ok", [D("b"), F("b/in", b"2"), F("b", b"now a file")],
                 check=check_paths({"b": b"now a file"})),
            Case("file then symlink out", "ok", [F("c", b"file"), S("c", O + "/victim")],
                 check=check_paths({"c": ("link", O + "/victim")})),
            Case("same file twice", "ok", [F("f", b"one"), F("f", b"two")],
                 check=check_paths({"f": b"two"})),
            Case("file then file under it", "fail", [F("f", b"x"), F("f/g", b"y")]),
            # -- a symlink replacing a directory, then a file under it --
            Case("symlink to the sentinel dir replaces a dir", "fail",
                 [D("d"), F("d/x", b"1"), S("d", O), F("d/y", b"2")]),
            Case("symlink to / replaces a dir", "ok",
                 [D("d"), F("d/x", b"1"), S("d", "/"), F(f"d/{U}", b"2")],
                 check=check_paths({"d": ("link", "/"), U: b"2"})),
            Case("climbing symlink replaces a dir", "either",
                 [D("d"), F("d/x", b"1"), S("d", out_rel), F("d/victim", b"pwned")]),
        ]

        # -- broken streams --
        big = _info("big", tarfile.REGTYPE, mode=0o644)
        big.size = 10 ** 10
        head = big.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
        cases.append(Case("huge declared size, truncated data", "fail",
                          data=head + b"only a few bytes", names=["big"]))
        mid = _info("mid", tarfile.REGTYPE, mode=0o644)
        mid.size = 1 << 20
        cases.append(Case("1 MiB declared, 100 bytes given", "fail",
                          data=tar_bytes([F("first", b"ok")])[:1024]
                          + mid.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
                          + b"z" * 100, names=["first", "mid"]))
        cases.append(Case("garbage bytes", "fail", data=random.Random(7).randbytes(64 << 10)))
        cases.append(Case("garbage text", "fail", data=b"this is not a tar file\n" * 200))
        cases.append(Case("empty file", "either", data=b""))
        payload = tar_bytes([F(f"f{i}", random.Random(i).randbytes(20000)) for i in range(8)])
        gz = gzip.compress(payload)
        cases.append(Case("truncated gzip", "fail", data=gz[: len(gz) // 2],
                          names=[f"f{i}" for i in range(8)]))
        cases.append(Case("gzip of garbage", "fail",
                          data=gzip.compress(b"not a tar either\n" * 100)))
        return cases

    # ---- the run ----

    def run_case(self, n, case):
        path = os.path.join(self.tars, f"case{n:02d}.tar")
        with open(path, "wb") as f:
            f.write(case.data)
        names = case.names | {self.uniq, "victim", "outside", "abs", "x"}
        host0, out0 = self.host_state(names), self.outside_state()
        images0, listing0 = self.images(), store_listing(self.root)

        r = self.berth("import", path, f"hostile:{n}")

        def confined(when):
            self.assertEqual(self.host_state(names), host0, f"host changed {when}")
            self.assertEqual(self.outside_state(), out0, f"outside the store changed {when}")

        confined("by the import")
        if case.expect == "fail":
            self.assertNotEqual(r.code, 0, f"import should have been refused: {r}")
        elif case.expect == "ok":
            self.assertEqual(r.code, 0, f"import should have succeeded: {r}")
        if r.code != 0:
            self.assertEqual(r.err.count("\n"), 1, f"stderr: {r.err!r}")
            self.assertTrue(r.err.startswith("Error: "), f"stderr: {r.err!r}")
            self.assertEqual(r.out, "")
            self.assertEqual(self.images(), images0)
            self.assertEqual(store_listing(self.root), listing0)
            assert_store_clean(self)
            return
        image_id = r.out.strip()
        self.assertRegex(image_id, r"^sha256:[0-9a-f]{64}$")
        self.assertEqual(self.images(), sorted(images0 + [image_id]))
        assert_store_clean(self)
        info = json.loads(self.ok("inspect", image_id).out)[0]
        fs = info["GraphDriver"]["Data"]["UpperDir"]
        self.assertTrue(os.path.realpath(fs).startswith(os.path.realpath(self.root) + "/"), fs)
        self.assertTrue(os.path.isdir(fs), fs)
        if case.check:
            case.check(self, fs)
        # Removing the image (and GC of its snapshot) must not follow its links out.
        self.ok("rmi", f"hostile:{n}")
        confined("by rmi and garbage collection")
        self.assertEqual(self.images(), images0)
        self.assertEqual(store_listing(self.root), listing0)
        self.assertFalse(os.path.lexists(fs))
        assert_store_clean(self)

    def test_hostile_corpus(self):
        for n, case in enumerate(self.corpus()):
            with self.subTest(case=case.name):
                self.run_case(n, case)
        # The ordinary image came through all of it whole.
        self.assertEqual(self.ok("images", "-q", "base").out.count("\n"), 1)
        self.assertEqual(store_problems(self.root), [])

    def test_import_from_stdin_is_confined_too(self):
        entries = [S("a", "/"), F(f"a/{self.uniq}", b"pwned"), H("h", "/etc/passwd")]
        names = tar_names(entries)
        host0, out0 = self.host_state(names), self.outside_state()
        images0 = self.images()
        r = self.berth("import", "-", "hostile:stdin", stdin=tar_bytes(entries))
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.err.count("\n"), 1, r.err)
        self.assertTrue(r.err.startswith("Error: "), r.err)
        self.assertEqual(self.host_state(names), host0)
        self.assertEqual(self.outside_state(), out0)
        self.assertEqual(self.images(), images0)
        self.assertEqual(store_listing(self.root)["ingest"], [])
        assert_store_clean(self)


if __name__ == "__main__":
    unittest.main()
