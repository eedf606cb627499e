"""berth pull on a pseudo-terminal: Docker's progress rows are redrawn in
place, and what the screen shows at the end (also after a failure) is whole:
one row per layer in its final state, nothing half drawn."""
import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import unittest

import berthtest
import registries as R
from terminal import Terminal


def run_on_pty(args, env, columns=120, lines=40, timeout=60):
    """Runs args with stdout and stderr on a new pty of that size; returns (exit code, bytes)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env,
                            close_fds=True)
    os.close(slave)
    out = b""
    while True:
        r, _, _ = select.select([master], [], [], timeout)
        if not r:
            proc.kill()
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its side
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return proc.wait(timeout), out


class PullTtyTest(berthtest.BerthTest):
    def setUp(self):
        super().setUp()
        self.reg = R.Registry(self.tmp)
        self.addCleanup(self.reg.stop)
        self.env = dict(os.environ, BERTH_REGISTRY_RETRY_DELAY_MS="10", BERTH_REGISTRY_ATTEMPTS="2")

    def pull(self, ref):
        return run_on_pty([berthtest.BERTH, "--root", self.root, "pull", ref], self.env)

    def test_rows_redrawn_in_place_and_final_screen_whole(self):
        layers = [R.random_layer(6 << 20, seed=1), R.random_layer(5 << 20, seed=2), R.busybox_layer(self.tmp)]
        pushed = R.push_image(self.reg, "test/tty", "v1", layers)
        code, out = self.pull(f"{self.reg.host}/test/tty:v1")
        self.assertEqual(code, 0, out)
        term = Terminal(columns=120, lines=40)
        term.feed(out)
        self.assertTrue(term.settled(), term.screen())
        screen = term.screen()
        ids = [d[7:19] for d in pushed["layers"]]
        self.assertEqual(screen[0], "v1: Pulling from test/tty")
        self.assertEqual(sorted(screen[1:4]), sorted(f"{i}: Pull complete" for i in ids))
        self.assertEqual(screen[4], f"Digest: {pushed['digest']}")
        self.assertEqual(screen[5], f"Status: Downloaded newer image for {self.reg.host}/test/tty:v1")
        self.assertEqual(screen[6], f"{self.reg.host}/test/tty:v1")
        self.assertEqual(len(screen), 7, screen)
        self.assertRegex(out, rb"\x1b\[[0-9]+A\x1b\[2K", "rows are redrawn in place")

        # Again: the image is complete, so no rows at all (Docker's output).
        code, out = self.pull(f"{self.reg.host}/test/tty:v1")
        screen = Terminal(columns=120, lines=40)
        screen.feed(out)
        self.assertTrue(screen.settled())
        self.assertEqual(screen.screen()[1], f"Digest: {pushed['digest']}")
        self.assertIn("Status: Image is up to date", screen.screen()[2])

    def test_failure_leaves_the_screen_whole(self):
        pushed = R.push_image(self.reg, "test/broken", "v1", [R.random_layer(1 << 20, seed=3)])
        with open(self.reg.blob_path(pushed["layers"][0]), "r+b") as f:
            f.seek(1000)
            f.write(b"corrupt!")
        code, out = self.pull(f"{self.reg.host}/test/broken:v1")
        self.assertEqual(code, 1)
        term = Terminal(columns=120, lines=40)
        term.feed(out)
        self.assertTrue(term.settled(), term.screen())
        screen = term.screen()
        self.assertEqual(screen[0], "v1: Pulling from test/broken")
        self.assertRegex(screen[1], r"^[0-9a-f]{12}: ")
        error = "".join(screen[2:])  # one line, wrapped at 120 columns
        self.assertTrue(error.startswith("Error: "), screen)
        self.assertIn("digest mismatch", error)
        berthtest.assert_store_clean(self)


if __name__ == "__main__":
    unittest.main()
