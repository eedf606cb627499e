"""SIGKILL of berth or of a container's monitor at random moments: the store
stays consistent (`system check`), and `ps` tells the truth afterwards (a
container shown Up has a live monitor; one shown exited has no processes)."""
import json
import os
import random
import signal
import subprocess
import time
import unittest

import berthtest
from berthtest import BerthTest, BERTH
from test_run import remove_all_containers, runc_missing, runnable_rootfs

ITERATIONS = int(os.environ.get("BERTH_CONTAINER_CRASH_ITERATIONS", "30"))


@unittest.skipIf(os.geteuid() != 0, "containers need root")
@unittest.skipIf(runc_missing(), "runc is not installed (./dev installs it)")
class ContainerCrashTest(BerthTest):
    def setUp(self):
        super().setUp()
        self.addCleanup(self.remove_all)
        tar = berthtest.tar_dir(runnable_rootfs(self), os.path.join(self.tmp, "bb.tar"))
        self.ok("import", tar, "bb:1")

    def remove_all(self):
        remove_all_containers(self)

    def monitor_alive(self, cid):
        """The container's monitor.lock is held: its monitor lives (starting,
        running or finishing)."""
        import fcntl
        try:
            fd = os.open(os.path.join(self.root, "containers", cid, "monitor.lock"), os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return False
        except OSError:
            return True
        finally:
            os.close(fd)

    def runc_running(self):
        out = subprocess.run(["runc", "--root", "/run/berth/runc", "list", "-q"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
        return set(out.split())

    def check_truth(self):
        rows = self.ok("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.State}}").out.split("\n")
        running = self.runc_running()
        for row in filter(None, rows):
            cid, state = row.split()
            if state == "running":
                self.assertTrue(self.monitor_alive(cid), f"{cid} shown running without a monitor")
            elif cid in running:
                # Only in passing: a monitor starting it, or finishing (runc delete).
                self.assertTrue(self.monitor_alive(cid), f"{cid} shown {state} but runc runs it")
        self.ok("system", "check")

    def test_sigkill_at_random_moments(self):
        rng = random.Random(int(os.environ.get("BERTH_CRASH_SEED", "10")))
        killed_client = killed_monitor = 0
        for i in range(ITERATIONS):
            mode = rng.choice(["client-fg", "client-bg", "monitor"])
            delay = rng.uniform(0, 0.08)
            if mode == "monitor":
                r = self.ok("run", "-d", "bb:1", "sleep", "100")
                cid = r.out.strip()
                time.sleep(delay)
                with open(os.path.join(self.root, "containers", cid, "state.json")) as f:
                    pid = json.load(f)["MonitorPid"]
                os.kill(pid, signal.SIGKILL)
                deadline = time.time() + 10  # SIGKILL takes effect, and the lock goes, soon after
                while os.path.exists(f"/proc/{pid}") and time.time() < deadline:
                    time.sleep(0.01)
                killed_monitor += 1
            else:
                args = ["run", "-d"] if mode == "client-bg" else ["run", "--rm"]
                p = subprocess.Popen([BERTH, "--root", self.root] + args + ["bb:1", "sleep", "100"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(delay)
                p.kill()
                p.wait()
                killed_client += 1
            self.check_truth()
            if i % 10 == 9:
                self.remove_all()
                self.check_truth()
        self.remove_all()
        self.check_truth()
        # Nothing is left: no container dirs, and GC empties what died in ingest.
        self.ok("image", "prune", "-f")
        deadline = time.time() + 10
        while time.time() < deadline and os.listdir(os.path.join(self.root, "containers")):
            time.sleep(0.1)
        self.assertEqual(os.listdir(os.path.join(self.root, "containers")), [])
        print(f"\n{ITERATIONS} iterations: {killed_client} clients and {killed_monitor} monitors killed")


if __name__ == "__main__":
    unittest.main()
