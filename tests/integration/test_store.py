"""The store under long, concurrent and interrupted work.

- A slow import (a pipe that trickles a tar) holds its lease while another
  berth runs `rmi` and `image prune -a`: both finish within a second, the
  import completes intact, and the removed image's bytes are freed.
- 30+ SIGKILLs at random moments of import, rmi and prune: after each one the
  store is consistent; at the end it holds no more than its images need.
- Another local user can reach nothing inside the store: not a setuid binary
  or a device node in a snapshot, not a blob.
"""
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import tarfile
import time
import unittest

import berthtest
from berthtest import BerthTest, assert_store_clean, store_listing
from test_crash import make_rootfs_tar

SEED = 20261129


def du(path):
    """Apparent bytes of regular files under path (no symlinks followed)."""
    total = 0
    for dirpath, _, filenames in os.walk(path):
        for name in filenames:
            st = os.lstat(os.path.join(dirpath, name))
            if not os.path.islink(os.path.join(dirpath, name)):
                total += st.st_size
    return total


def needed_bytes(root):
    """What the store's images need: their blobs and their snapshot trees."""
    con = sqlite3.connect(os.path.join(root, "berth.db"), timeout=30)
    try:
        blobs = {r[0] for r in con.execute("SELECT id FROM images")}
        blobs |= {r[0] for r in con.execute(
            "SELECT manifest_digest FROM images WHERE manifest_digest IS NOT NULL")}
        blobs |= {r[0] for r in con.execute("SELECT blob FROM image_layers")}
        chains = {r[0] for r in con.execute("SELECT chain_id FROM image_layers")}
        snaps = [n for c, n in con.execute("SELECT chain_id, id FROM snapshots") if c in chains]
    finally:
        con.close()
    total = sum(os.path.getsize(os.path.join(root, "blobs", "sha256", b.split(":")[1]))
                for b in blobs)
    return total + sum(du(os.path.join(root, "snapshots", str(n))) for n in snaps)


def wait_for_empty_trash(test, root, timeout=60):
    trash = os.path.join(root, "trash")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if [n for n in os.listdir(trash) if n != ".lock"] == []:
            return
        time.sleep(0.05)
    test.fail(f"trash not emptied within {timeout}s: {os.listdir(trash)}")


class SlowImportTest(BerthTest):
    def test_rmi_and_prune_do_not_wait_for_a_long_import(self):
        tar = make_rootfs_tar(os.path.join(self.tmp, "big.tar"), seed=SEED)
        with open(tar, "rb") as f:
            data = f.read()
        self.import_busybox("gone:1")
        gone = self.inspect("gone:1")
        gone_blobs = [os.path.join(self.root, "blobs", "sha256", gone["Id"].split(":")[1])]

        proc = subprocess.Popen([berthtest.BERTH, "--root", self.root, "import", "-", "slow:1"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        # Half the tar, then the import sits in read() holding its lease.
        proc.stdin.write(data[:len(data) // 2])
        proc.stdin.flush()
        time.sleep(0.5)

        for args in (["rmi", "gone:1"], ["image", "prune", "-a", "-f"]):
            t0 = time.monotonic()
            r = self.ok(*args)
            took = time.monotonic() - t0
            self.assertLess(took, 1.0, f"berth {' '.join(args)} took {took:.2f}s: {r}")
        self.assertEqual(self.ok("images", "-q").out, "")
        wait_for_empty_trash(self, self.root)
        for b in gone_blobs:
            self.assertFalse(os.path.exists(b), "the removed image's config blob is still there")
        self.assertEqual(len(store_listing(self.root)["ingest"]), 2,
                         "the import's blob and staging dirs must survive GC")

        proc.stdin.write(data[len(data) // 2:])
        proc.stdin.close()
        self.assertEqual(proc.wait(timeout=120), 0, proc.stderr.read())
        info = self.inspect("slow:1")
        fs = info["GraphDriver"]["Data"]["UpperDir"]
        self.assertGreater(sum(len(f) for _, _, f in os.walk(fs)), 300)
        assert_store_clean(self)
        self.assertEqual(store_listing(self.root)["ingest"], [])


class KillLoopTest(BerthTest):
    KILLS = int(os.environ.get("BERTH_KILLS", "30"))

    def test_sigkill_loop_leaves_only_what_images_need(self):
        rng = random.Random(SEED)
        tars = [make_rootfs_tar(os.path.join(self.tmp, f"t{i}.tar"), seed=SEED + i)
                for i in range(2)]
        t0 = time.monotonic()
        self.ok("import", tars[0], "base:0")
        full = time.monotonic() - t0
        ops = []
        started = time.monotonic()
        i = -1
        while sum(1 for o in ops if o[2] == -signal.SIGKILL) < self.KILLS and i < 6 * self.KILLS:
            i += 1
            kind = ("import", "rmi", "prune")[i % 3]
            if kind == "import":
                args = ["import", tars[i % 2], f"img:{i % 4}"]
            elif kind == "rmi":
                tags = self.ok("images", "--format", "{{.Repository}}:{{.Tag}}").out.split()
                args = ["rmi", "-f"] + (tags[:2] if tags else ["img:0"])
            else:
                args = ["image", "prune", "-a", "-f"]
            proc = subprocess.Popen([berthtest.BERTH, "--root", self.root] + args,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            delay = rng.uniform(0, full if kind == "import" else 0.05)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            code = proc.wait(timeout=60)
            ops.append((kind, round(delay, 3), code))
            r = self.berth("system", "check")
            self.assertEqual(r.code, 0, f"after {ops[-1]}: {r}")
            if i % 3 == 2:  # keep something around to remove
                self.ok("import", tars[i % 2], f"img:{i % 4}")

        # The next write command collects what the kills left.
        self.import_busybox("last:1")
        self.ok("image", "prune", "-f")
        wait_for_empty_trash(self, self.root)
        assert_store_clean(self)
        # Only resumable downloads (keyed by digest, kept for an hour) may remain.
        self.assertEqual([n for n in store_listing(self.root)["ingest"]
                          if not re.fullmatch(r"[0-9a-f]{64}", n)], [])
        total = du(self.root)
        need = needed_bytes(self.root)
        killed = sum(1 for o in ops if o[2] == -signal.SIGKILL)
        print(f"\n{len(ops)} runs, {killed} killed before the command ended, in "
              f"{time.monotonic() - started:.1f}s; store {total / 1e6:.1f} MB, "
              f"images need {need / 1e6:.1f} MB; ops: {ops}")
        self.assertLess(total - need, 4 << 20, "garbage left after the kill loop")
        self.assertGreaterEqual(killed, self.KILLS, "too few kills landed mid-command")


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("setpriv"),
                     "needs root and setpriv to act as another user")
class PrivateRootTest(BerthTest):
    def as_nobody(self, *cmd):
        # Through a shell: setpriv keeps its capabilities until it execs, so
        # its own exec would still pass root's path checks.
        return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                               "/bin/sh", "-c", 'exec "$@"', "sh", *cmd],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def test_other_users_cannot_reach_setuid_binaries_devices_or_blobs(self):
        rootfs = berthtest.busybox_rootfs(os.path.join(self.tmp, "rootfs"))
        shutil.copy2(berthtest.BUSYBOX, os.path.join(rootfs, "bin", "suid-sh"))
        os.chmod(os.path.join(rootfs, "bin", "suid-sh"), 0o4755)
        os.makedirs(os.path.join(rootfs, "dev"), exist_ok=True)
        os.mknod(os.path.join(rootfs, "dev", "mem0"), 0o666 | 0o020000, os.makedev(1, 3))
        tar = berthtest.tar_dir(rootfs, os.path.join(self.tmp, "img.tar"))
        self.ok("import", tar, "suid:1")
        info = self.inspect("suid:1")
        fs = info["GraphDriver"]["Data"]["UpperDir"]
        suid = os.path.join(fs, "bin", "suid-sh")
        dev = os.path.join(fs, "dev", "mem0")
        self.assertTrue(os.stat(suid).st_mode & 0o4000, "the layer keeps its setuid bit")
        blob = os.path.join(self.root, "blobs", "sha256", info["Id"].split(":")[1])

        self.assertEqual(os.stat(self.root).st_mode & 0o777, 0o711)
        for sub in ("blobs", "ingest", "snapshots", "containers", "tmp", "trash"):
            self.assertEqual(os.stat(os.path.join(self.root, sub)).st_mode & 0o777, 0o700, sub)
        self.assertEqual(os.stat(os.path.join(self.root, "berth.db")).st_mode & 0o777, 0o600)

        for cmd in ([suid, "-c", "id -u"], ["/bin/cat", dev], ["/bin/cat", blob],
                    ["/bin/ls", self.root], ["/bin/cat", os.path.join(self.root, "berth.db")]):
            r = self.as_nobody(*cmd)
            self.assertNotEqual(r.returncode, 0, f"nobody could run {cmd}: {r}")
            self.assertIn(b"Permission denied", r.stderr, f"{cmd}: {r}")
        # As root it is all there.
        self.assertTrue(os.access(suid, os.X_OK))


class RootFlagTest(BerthTest):
    def test_empty_root_is_an_error(self):
        cwd = os.path.join(self.tmp, "cwd")
        os.makedirs(cwd)
        proc = subprocess.run([berthtest.BERTH, "--root", "", "images"], cwd=cwd,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stderr.decode(),
                         "Error: the store root (--root, BERTH_ROOT) must not be empty\n")
        self.assertEqual(os.listdir(cwd), [])


if __name__ == "__main__":
    unittest.main()
