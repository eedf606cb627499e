"""Shared fixtures for berth's integration tests.

Every test gets a scratch store (--root) and drives the real build/berth
binary. Fixtures are made here, never downloaded: a busybox root filesystem
from Debian's busybox-static, and tarballs written with Python's tarfile.
"""
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
import unittest

BERTH = os.environ.get("BERTH") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "berth")
TMP_BASE = os.environ.get("BERTH_TEST_TMP", "/tmp")
BUSYBOX = "/bin/busybox"
BUSYBOX_LINKS = ["sh", "ls", "cat", "echo", "env", "mkdir", "rm", "true"]


# What a sanitizer (`./dev test --sanitize`) prints; its exit status there is 86.
SANITIZER_REPORT = re.compile(r"runtime error: |ERROR: (Address|Leak)Sanitizer|==\d+==ERROR: ")


class SanitizerReport(AssertionError):
    """berth stopped on an ASan/LSan/UBSan report: a bug, whatever the test expected."""


class Result:
    def __init__(self, proc):
        self.code = proc.returncode
        self.raw_out = proc.stdout
        self.out = proc.stdout.decode("utf-8", "replace")
        self.err = proc.stderr.decode("utf-8", "replace")
        check_sanitizer_report(self.err)

    def __repr__(self):
        return f"<exit {self.code} out={self.out!r} err={self.err!r}>"


def check_sanitizer_report(stderr):
    """Raises SanitizerReport when berth's stderr holds one: a test that
    expects a failure must not pass on a sanitizer's exit instead."""
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", "replace")
    if stderr and SANITIZER_REPORT.search(stderr):
        raise SanitizerReport("sanitizer report from berth:\n" + stderr)


def busybox_rootfs(dest):
    """A runnable busybox root filesystem in dest: /bin/busybox + 8 symlinks."""
    os.makedirs(os.path.join(dest, "bin"), exist_ok=True)
    os.makedirs(os.path.join(dest, "etc"), exist_ok=True)
    os.makedirs(os.path.join(dest, "tmp"), exist_ok=True)
    shutil.copy2(BUSYBOX, os.path.join(dest, "bin", "busybox"))
    for name in BUSYBOX_LINKS:
        link = os.path.join(dest, "bin", name)
        if not os.path.lexists(link):
            os.symlink("busybox", link)
    return dest


def busybox_size():
    """Docker's size of the busybox rootfs: file bytes + symlink target lengths."""
    return os.path.getsize(BUSYBOX) + len("busybox") * len(BUSYBOX_LINKS)


def tar_dir(src, dest, compression=None):
    """Packs src into dest (plain, or gzip/bzip2/xz via tarfile, zstd via the CLI)."""
    if compression == "zstd":
        plain = dest + ".plain"
        tar_dir(src, plain)
        subprocess.run(["zstd", "-q", "-f", "--rm", plain, "-o", dest], check=True)
        return dest
    mode = {None: "w", "gzip": "w:gz", "bzip2": "w:bz2", "xz": "w:xz"}[compression]
    with tarfile.open(dest, mode, format=tarfile.PAX_FORMAT) as t:
        t.add(src, arcname=".")
    return dest


def tar_bytes(entries):
    """A tar from (TarInfo, bytes-or-None) pairs, exactly as given: PAX
    headers, names not cleaned."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for info, data in entries:
            if data is not None:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            else:
                t.addfile(info)
    return buf.getvalue()


def make_tar(dest, entries):
    """Writes tar_bytes(entries) to dest."""
    with open(dest, "wb") as f:
        f.write(tar_bytes(entries))
    return dest


class BerthTest(unittest.TestCase):
    """Base class: self.root is a fresh store, self.tmp a scratch dir."""

    def setUp(self):
        os.makedirs(TMP_BASE, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix="berth-it-", dir=TMP_BASE)
        self.root = os.path.join(self.tmp, "root")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def berth(self, *args, stdin=None, root=None, env=None, timeout=120):
        cmd = [BERTH, "--root", root or self.root] + [str(a) for a in args]
        proc = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout,
                              env=env)
        return Result(proc)

    def ok(self, *args, **kw):
        r = self.berth(*args, **kw)
        self.assertEqual(r.code, 0, f"berth {' '.join(map(str, args))} failed: {r}")
        return r

    def fails(self, *args, code=1, **kw):
        r = self.berth(*args, **kw)
        self.assertEqual(r.code, code, f"berth {' '.join(map(str, args))}: {r}")
        self.assertEqual(r.err.count("\n"), 1 if code != 125 else 2, f"stderr: {r.err!r}")
        return r

    def busybox_tar(self, compression=None, name="busybox.tar"):
        rootfs = busybox_rootfs(os.path.join(self.tmp, "rootfs-" + name))
        return tar_dir(rootfs, os.path.join(self.tmp, name), compression)

    def import_busybox(self, tag="busybox:latest", **kw):
        out = self.ok("import", self.busybox_tar(**kw), tag).out.strip()
        self.assertRegex(out, r"^sha256:[0-9a-f]{64}$")
        return out

    def inspect(self, name):
        return json.loads(self.ok("inspect", name).out)[0]

    def check_store(self):
        """The store's own consistency view: every image's content exists."""
        r = self.berth("system", "check")
        if r.code == 0:
            return
        self.fail(f"store inconsistent: {r}")


# ---- helpers for the robustness tests (test_hostile, test_crash, test_sharing) ----
import hashlib
import sqlite3
import stat


def private_dockerd(test):
    """Starts a dockerd of the test's own (data root, exec root and socket in a
    temp dir; stopped and removed at cleanup) and returns the argv prefix of a
    client talking to it, or skips the test with the reason it cannot."""
    if not shutil.which("dockerd") or not shutil.which("docker"):
        test.skipTest("dockerd or docker is not installed")
    if os.geteuid() != 0:
        test.skipTest("a private dockerd needs root")
    d = tempfile.mkdtemp(prefix="bd-", dir="/tmp")  # short: unix socket paths
    test.addCleanup(shutil.rmtree, d, ignore_errors=True)
    sock = "unix://" + d + "/sock"
    log = open(os.path.join(d, "log"), "wb")
    test.addCleanup(log.close)
    daemon = subprocess.Popen(
        ["dockerd", "--data-root", d + "/root", "--exec-root", d + "/exec", "-H", sock,
         "--iptables=false", "--bridge=none", "--pidfile", d + "/pid"],
        stdout=log, stderr=log)

    def stop():
        daemon.terminate()
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
    test.addCleanup(stop)
    docker = ["docker", "-H", sock]
    deadline = time.time() + 60
    while subprocess.run(docker + ["version"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL).returncode != 0:
        if daemon.poll() is not None or time.time() > deadline:
            test.skipTest("the private dockerd did not start (see its log)")
        time.sleep(0.5)
    return docker


def entry_state(path):
    """What lstat, xattrs and a read tell about one path (None when absent).

    Never follows a symlink. atime is left out (reads change it); ctime is kept,
    so a new hard link, chmod, chown or xattr change on the path shows up."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISREG(st.st_mode):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        content = h.hexdigest()
    elif stat.S_ISLNK(st.st_mode):
        content = os.readlink(path)
    else:
        content = None
    try:
        xattrs = sorted((n, os.getxattr(path, n, follow_symlinks=False))
                        for n in os.listxattr(path, follow_symlinks=False))
    except OSError:
        xattrs = None
    return (st.st_mode, st.st_uid, st.st_gid, st.st_nlink, st.st_size,
            st.st_mtime_ns, st.st_ctime_ns, st.st_rdev, content, xattrs)


def tree_state(top, skip=()):
    """{path relative to top: entry_state} for top and everything below it,
    never following symlinks. Relative paths in skip are left out with their
    subtrees."""
    skip = {os.path.normpath(s) for s in skip}
    out = {".": entry_state(top)}
    for dirpath, dirnames, filenames in os.walk(top):
        rel = os.path.relpath(dirpath, top)
        kept = []
        for name in sorted(dirnames) + sorted(filenames):
            r = os.path.normpath(os.path.join(rel, name))
            if r in skip:
                continue
            out[r] = entry_state(os.path.join(dirpath, name))
            if name in dirnames:
                kept.append(name)
        dirnames[:] = kept
    return out


def store_listing(root):
    """Sorted names under <root>/blobs/sha256, snapshots/ and ingest/."""
    out = {}
    for sub in ("blobs/sha256", "snapshots", "ingest"):
        p = os.path.join(root, sub)
        out[sub] = sorted(os.listdir(p)) if os.path.isdir(p) else []
    return out


def store_problems(root):
    """Checks a store without berth, straight from berth.db: every image's
    config blob and layer blobs exist, every layer has a snapshot row, every
    snapshot row has its snapshots/<n>/fs directory. One line per problem."""
    db = os.path.join(root, "berth.db")
    if not os.path.exists(db):
        return []

    def blob(d):
        return os.path.join(root, "blobs", "sha256", d.split(":", 1)[1])

    problems = []
    con = sqlite3.connect(db, timeout=30)
    try:
        snaps = dict(con.execute("SELECT chain_id, id FROM snapshots"))
        for (img,) in con.execute("SELECT id FROM images"):
            if not os.path.isfile(blob(img)):
                problems.append(f"image {img}: config blob missing")
        for img, idx, chain, b in con.execute(
                "SELECT image_id, idx, chain_id, blob FROM image_layers"):
            if not os.path.isfile(blob(b)):
                problems.append(f"image {img} layer {idx}: blob {b} missing")
            if chain not in snaps:
                problems.append(f"image {img} layer {idx}: snapshot {chain} missing")
        for chain, n in snaps.items():
            if not os.path.isdir(os.path.join(root, "snapshots", str(n), "fs")):
                problems.append(f"snapshot {chain}: snapshots/{n}/fs missing")
    finally:
        con.close()
    return problems


def assert_store_clean(test, root=None):
    """`berth system check` exits 0 with no output, and store_problems finds
    nothing."""
    r = test.berth("system", "check", root=root)
    test.assertEqual((r.code, r.err), (0, ""), f"berth system check: {r}")
    test.assertEqual(store_problems(root or test.root), [])
