"""Containers: run, ps, logs, stop, kill, wait, rm, and rmi of an image in use.

Each test imports a busybox image it builds itself and runs it with the real
runc; the seed's container flows are scripted here."""
import io
import json
import os
import re
import signal
import subprocess
import time
import unittest

import berthtest
from berthtest import BerthTest, BERTH

APPLETS = ["stty", "tty", "ln", "tar", "sh", "echo", "cat", "sleep", "touch", "id", "pwd", "hostname", "ls", "env", "true",
           "false", "grep", "wc", "head", "mkdir", "rm", "printf", "test", "readlink", "stat"]


def runnable_rootfs(test):
    """A busybox root filesystem in test.tmp with the applets these tests run."""
    rootfs = berthtest.busybox_rootfs(os.path.join(test.tmp, "rootfs"))
    for a in APPLETS:
        link = os.path.join(rootfs, "bin", a)
        if not os.path.lexists(link):
            os.symlink("busybox", link)
    return rootfs


def remove_all_containers(test):
    ids = test.berth("ps", "-aq").out.split()
    if ids:
        test.berth("rm", "-f", *ids)


def runc_missing():
    for d in ("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"):
        if os.access(os.path.join(d, "runc"), os.X_OK):
            return None
    return "runc is not installed"


@unittest.skipIf(os.geteuid() != 0, "containers need root")
@unittest.skipIf(runc_missing(), "runc is not installed (./dev installs it)")
class RunTest(BerthTest):
    def setUp(self):
        super().setUp()
        self.addCleanup(self.remove_all)
        rootfs = runnable_rootfs(self)
        with open(os.path.join(rootfs, "etc", "passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n"
                    "huge:x:2147483648:0::/:/bin/sh\n")
        with open(os.path.join(rootfs, "etc", "group"), "w") as f:
            f.write("root:x:0:\nalice:x:1000:\n")
        with open(os.path.join(rootfs, "etc", "motd"), "w") as f:
            f.write("original\n")
        tar = berthtest.tar_dir(rootfs, os.path.join(self.tmp, "bb.tar"))
        self.iid = self.ok("import", tar, "bb:1").out.strip()

    def remove_all(self):
        remove_all_containers(self)

    def wait_for(self, pred, what, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            if pred():
                return
            time.sleep(0.05)
        self.fail("timed out waiting for " + what)

    def test_foreground_output_and_exit_status(self):
        r = self.berth("run", "--rm", "bb:1", "sh", "-c", "echo out; echo err >&2; exit 3")
        self.assertEqual((r.code, r.out, r.err), (3, "out\n", "err\n"))
        self.assertEqual(self.ok("ps", "-aq").out, "")  # --rm

    def test_ps_shows_exit_code_and_logs(self):
        r = self.berth("run", "--name", "c1", "bb:1", "sh", "-c", "echo hello; exit 7")
        self.assertEqual((r.code, r.out), (7, "hello\n"))
        lines = self.ok("ps", "-a").out.splitlines()
        self.assertEqual(re.split(r"\s{2,}", lines[0]),
                         ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"])
        self.assertRegex(lines[1], r'^[0-9a-f]{12}   bb:1      "sh -c \'echo hello; …"   .* ago   '
                                   r'Exited \(7\) .* ago +c1$')
        self.assertEqual(self.ok("ps", "-q").out, "")  # not running
        self.assertEqual(self.ok("logs", "c1").out, "hello\n")
        self.assertEqual(self.ok("ps", "-a", "--format", "{{.Names}} {{.State}}").out, "c1 exited\n")

    def test_detached_logs_follow_ends_with_container(self):
        cid = self.ok("run", "-d", "--name", "top", "bb:1", "sh", "-c",
                      "for i in 1 2 3; do echo tick $i; sleep 0.2; done; echo bye >&2").out.strip()
        self.assertRegex(cid, r"^[0-9a-f]{64}$")
        self.assertIn("top", self.ok("ps").out)
        started = time.time()
        r = self.ok("logs", "-f", "top", timeout=20)
        self.assertEqual(r.out, "tick 1\ntick 2\ntick 3\n")
        self.assertEqual(r.err, "bye\n")
        self.assertLess(time.time() - started, 15)
        self.assertEqual(self.ok("wait", "top").out, "0\n")
        self.assertRegex(self.ok("ps", "-a").out, r"Exited \(0\)")
        with open(os.path.join(self.root, "containers", cid, cid + "-json.log")) as f:
            first = json.loads(f.readline())
        self.assertEqual((first["log"], first["stream"]), ("tick 1\n", "stdout"))
        self.assertEqual(self.ok("logs", "--tail", "1", "top").out, "")
        self.assertEqual(self.ok("logs", "--tail", "1", "top").err, "bye\n")

    def test_stop_kill_rm(self):
        self.ok("run", "-d", "--name", "st", "bb:1", "sleep", "100")
        r = self.fails("rm", "st")
        self.assertRegex(r.err, r"^Error: You cannot remove a running container [0-9a-f]{64}\. "
                                r"Stop the container before attempting removal or force remove\n$")
        t = time.time()
        self.assertEqual(self.ok("stop", "-t", "1", "st").out, "st\n")  # sleep ignores TERM as pid 1
        self.assertLess(time.time() - t, 8)
        self.assertRegex(self.ok("ps", "-a").out, r"Exited \(137\)")
        self.ok("start", "st")
        self.assertRegex(self.ok("ps").out, r"Up ")
        # pid 1 ignores signals it has no handler for (USR1 here), as under docker
        self.assertEqual(self.ok("kill", "-s", "USR1", "st").out, "st\n")
        self.assertEqual(self.ok("kill", "st").out, "st\n")  # KILL
        self.assertEqual(self.ok("wait", "st").out, "137\n")
        r = self.fails("kill", "st")
        self.assertRegex(r.err, r"^Error: Cannot kill container: st: Container [0-9a-f]{64} is not running\n$")
        self.assertEqual(self.ok("rm", "st").out, "st\n")
        r = self.fails("rm", "st")
        self.assertEqual(r.err, "Error: No such container: st\n")
        self.ok("run", "-d", "--name", "ff", "bb:1", "sleep", "100")
        self.assertEqual(self.ok("rm", "-f", "ff").out, "ff\n")
        self.assertEqual(self.ok("ps", "-aq").out, "")
        self.ok("system", "check")

    def test_flags_reach_the_process(self):
        r = self.ok("run", "--rm", "-e", "FOO=bar", "-w", "/work/dir", "-u", "alice",
                    "--hostname", "h1", "bb:1", "sh", "-c", "echo $FOO; pwd; id; hostname")
        self.assertEqual(r.out, "bar\n/work/dir\nuid=1000(alice) gid=1000(alice) groups=1000(alice)\nh1\n")
        r = self.ok("run", "--rm", "--entrypoint", "echo", "bb:1", "a", "b")
        self.assertEqual(r.out, "a b\n")
        r = self.ok("run", "--rm", "-i", "bb:1", "wc", "-c", stdin=b"12345")
        self.assertEqual(r.out.strip(), "5")
        # Only stdio reaches the container (3 is ls's own directory).
        r = self.ok("run", "--rm", "bb:1", "ls", "/proc/self/fd")
        self.assertEqual(r.out.split(), ["0", "1", "2", "3"])

    def test_start_failures_use_dockers_statuses(self):
        r = self.berth("run", "--rm", "bb:1", "nosuchcommand")
        self.assertEqual(r.code, 127, r)
        self.assertIn('exec: "nosuchcommand": executable file not found in $PATH', r.err)
        r = self.berth("run", "--rm", "-u", "huge", "bb:1", "true")
        self.assertEqual(r.code, 125, r)
        self.assertIn("uids and gids must be in range 0-2147483647", r.err)
        r = self.berth("run", "--rm", "-u", "2147483648", "bb:1", "true")
        self.assertEqual(r.code, 125, r)
        r = self.berth("run", "--pull", "never", "nosuch:1", "true")
        self.assertEqual(r.code, 125, r)
        self.assertEqual(r.err, "berth: Error: No such image: nosuch:1.\nSee 'berth run --help'.\n")
        self.assertEqual(self.ok("ps", "-aq").out, "")

    def test_start_attach_restart_and_ps_flags(self):
        cid = self.ok("create", "--name", "sa", "bb:1", "sh", "-c", "echo run; exit 2").out.strip()
        self.assertRegex(self.ok("ps", "-a").out, r"Created +sa\n")
        r = self.berth("start", "-a", "sa")
        self.assertEqual((r.code, r.out), (2, "run\n"))
        self.assertEqual(self.ok("restart", "sa").out, "sa\n")
        self.assertEqual(self.ok("wait", "sa").out, "2\n")
        self.assertEqual(self.ok("logs", "sa").out, "run\nrun\n")
        self.ok("run", "--name", "later", "bb:1", "true")
        self.assertEqual(self.ok("ps", "-l", "--format", "{{.Names}}").out, "later\n")
        self.assertEqual(self.ok("ps", "-n", "2", "--format", "{{.Names}}").out, "later\nsa\n")
        self.assertEqual(self.ok("ps", "-a", "-q", "--no-trunc", "-f", "exited=2").out, cid + "\n")
        self.assertEqual(self.ok("ps", "-a", "--format", "{{.Names}}", "-f", "name=lat").out, "later\n")
        self.assertRegex(self.ok("ps", "-a", "-s").out.splitlines()[0], r"SIZE$")
        r = self.berth("ps", "-f", "bogus=1")
        self.assertEqual((r.code, r.err), (1, "Error: Invalid filter 'bogus'\n"))

    def test_workdir_in_proc_self_fd_and_huge_image_user(self):
        for n in (3, 5, 7, 9):
            r = self.berth("run", "--rm", "-w", f"/proc/self/fd/{n}", "bb:1", "sh", "-c", "echo started; pwd")
            self.assertNotEqual(r.code, 0, r)
            self.assertNotIn("started", r.out)
        tar = os.path.join(self.tmp, "bb.tar")
        self.ok("import", "-c", "USER 2147483648", tar, "huge:1")
        r = self.berth("run", "--rm", "huge:1", "id", "-u")
        self.assertEqual(r.code, 125, r)
        self.assertIn("uids and gids must be in range 0-2147483647", r.err)
        self.assertEqual(r.out, "")

    def test_run_pulls_a_missing_image(self):
        import registries as R
        reg = R.Registry(self.tmp)
        self.addCleanup(reg.stop)
        name = f"{reg.host}/test/bb:1"
        self.ok("tag", "bb:1", name)
        self.ok("push", name)
        self.ok("rmi", name, "bb:1")
        r = self.ok("run", "--rm", name, "echo", "hi")
        self.assertEqual(r.out, "hi\n")
        self.assertTrue(r.err.startswith(f"Unable to find image '{name}' locally\n"), r.err)
        self.assertIn(f"Status: Downloaded newer image for {name}\n", r.err)
        r = self.ok("run", "--rm", name, "echo", "again")
        self.assertEqual((r.out, r.err), ("again\n", ""))
        r = self.ok("run", "--rm", "--pull", "always", name, "true")
        self.assertIn(f"Status: Image is up to date for {name}\n", r.err)

    def test_name_conflict(self):
        cid = self.ok("create", "--name", "n1", "bb:1", "true").out.strip()
        r = self.berth("create", "--name", "n1", "bb:1", "true")
        self.assertEqual(r.code, 125)
        self.assertIn(f'Conflict. The container name "/n1" is already in use by container "{cid}". '
                      "You have to remove (or rename) that container to be able to reuse that name.",
                      r.err)
        self.assertRegex(self.ok("ps", "-a").out, r"Created +n1\n")

    def test_rmi_refuses_an_image_in_use(self):
        self.ok("run", "--name", "used", "bb:1", "true")
        r = self.fails("rmi", "bb:1")
        cid = self.ok("ps", "-aq").out.strip()
        self.assertEqual(r.err, f'Error: conflict: unable to remove repository reference "bb:1" '
                                f"(must force) - container {cid} is using its referenced image "
                                f"{self.iid[7:19]}\n")
        r = self.fails("rmi", self.iid)
        self.assertEqual(r.err, f"Error: conflict: unable to delete {self.iid[7:19]} (must be forced) "
                                f"- image is being used by stopped container {cid}\n")
        self.ok("run", "-d", "--name", "running", "bb:1", "sleep", "100")
        rid = self.ok("ps", "-q").out.strip()
        r = self.fails("rmi", "-f", self.iid)
        self.assertIn(f"(cannot be forced) - image is being used by running container {rid}", r.err)
        # -f of the name untags; the image stays while containers use it.
        self.assertEqual(self.ok("rmi", "-f", "bb:1").out, "Untagged: bb:1\n")
        self.assertEqual(self.ok("images", "-q", "--no-trunc").out, self.iid + "\n")
        self.ok("rm", "-f", "used", "running")
        self.ok("rmi", self.iid)
        self.ok("system", "check")

    def test_killed_monitor_is_not_up_forever(self):
        cid = self.ok("run", "-d", "--name", "mon", "bb:1", "sleep", "100").out.strip()
        with open(os.path.join(self.root, "containers", cid, "state.json")) as f:
            state = json.load(f)
        os.kill(state["MonitorPid"], signal.SIGKILL)
        self.wait_for(lambda: "Exited (255)" in self.ok("ps", "-a").out, "ps to see the dead monitor")
        self.ok("system", "check")
        # The container's processes went with it, and it starts again.
        self.assertEqual(self.ok("ps", "-q").out, "")
        self.ok("start", "mon")
        self.assertRegex(self.ok("ps").out, r"Up ")
        self.ok("rm", "-f", "mon")

    def test_exec(self):
        self.ok("run", "-d", "--name", "ex", "-e", "A=1", "bb:1", "sleep", "100")
        r = self.berth("exec", "-e", "B=2", "-w", "/tmp", "-u", "alice", "ex", "sh", "-c",
                       "echo $A $B; pwd; id -u; exit 4")
        self.assertEqual((r.code, r.out), (4, "1 2\n/tmp\n1000\n"))
        r = self.ok("exec", "-i", "ex", "wc", "-c", stdin=b"abc")
        self.assertEqual(r.out.strip(), "3")
        top = self.ok("top", "ex").out.splitlines()
        self.assertEqual(top[0].split(), ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"])
        self.assertTrue(top[1].startswith("root   "), top)
        self.assertTrue(top[1].endswith("   sleep 100"), top)
        r = self.berth("exec", "ex", "nosuchcommand")
        self.assertEqual(r.code, 127, r)
        self.ok("stop", "-t", "0", "ex")
        r = self.fails("exec", "ex", "true")
        self.assertRegex(r.err, r"^Error: Container [0-9a-f]{64} is not running\n$")

    def test_terminal(self):
        import pty, select, fcntl, termios, struct
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
        p = subprocess.Popen([BERTH, "--root", self.root, "run", "-it", "--rm", "bb:1", "sh"],
                             stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        out = b""

        def pump(until):
            nonlocal out
            end = time.time() + 10
            while time.time() < end and until not in out:
                r, _, _ = select.select([master], [], [], 0.1)
                if r:
                    try:
                        out += os.read(master, 4096)
                    except OSError:
                        return
        pump(b"# ")
        os.write(master, b"stty size; tty; echo T=$TERM; exit 5\r")
        pump(b"T=xterm")
        self.assertEqual(p.wait(timeout=10), 5)
        os.close(master)
        text = out.decode()
        self.assertIn("33 101\r\n", text)
        self.assertIn("/dev/pts/0\r\n", text)

    def test_detach_keys_leave_the_container_running(self):
        import select
        master, slave = os.openpty()
        p = subprocess.Popen([BERTH, "--root", self.root, "run", "-it", "--name", "dk", "bb:1", "sh"],
                             stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        out = b""
        end = time.time() + 10
        while time.time() < end and b"# " not in out:
            r, _, _ = select.select([master], [], [], 0.1)
            if r:
                out += os.read(master, 4096)
        os.write(master, b"echo \x10x typed\r")  # a lone ctrl-p passes through
        time.sleep(0.3)
        os.write(master, b"\x10\x11")
        self.assertEqual(p.wait(timeout=10), 0)
        os.close(master)
        self.assertRegex(self.ok("ps").out, r"Up .* dk\n")
        self.assertIn("x typed", self.ok("logs", "dk").out)

    def test_cp_and_export_stay_inside_the_container(self):
        self.ok("run", "--name", "cpt", "bb:1", "sh", "-c",
                "mkdir -p /d/sub && echo inside > /d/sub/f && ln -s /etc/hostname /d/evil && "
                "ln -s / /d/up && echo changed > /etc/motd && rm /bin/true")
        out = os.path.join(self.tmp, "out")
        os.mkdir(out)
        self.ok("cp", "cpt:/d", out)
        with open(os.path.join(out, "d", "sub", "f")) as f:
            self.assertEqual(f.read(), "inside\n")
        # Links are copied as links, never followed to the host.
        self.assertEqual(os.readlink(os.path.join(out, "d", "evil")), "/etc/hostname")
        # A link in the middle of the path resolves inside the container.
        self.ok("cp", "cpt:/d/up/etc/motd", os.path.join(out, "motd"))
        with open(os.path.join(out, "motd")) as f:
            self.assertEqual(f.read(), "changed\n")
        host_file = os.path.join(self.tmp, "in.txt")
        with open(host_file, "w") as f:
            f.write("from host\n")
        marker = os.path.join("/tmp", "berth-cp-escape-" + str(os.getpid()))
        self.ok("cp", host_file, "cpt:/d/up" + marker)
        self.assertFalse(os.path.exists(marker))
        self.ok("cp", "cpt:" + marker, os.path.join(out, "back"))
        with open(os.path.join(out, "back")) as f:
            self.assertEqual(f.read(), "from host\n")
        tar = os.path.join(self.tmp, "e.tar")
        self.ok("export", "-o", tar, "cpt")
        import tarfile
        with tarfile.open(tar) as t:
            names = t.getnames()
            self.assertIn("d/sub/f", names)
            self.assertNotIn("bin/true", names)  # deleted in the container
            self.assertEqual(t.extractfile("etc/motd").read(), b"changed\n")
        self.ok("rm", "cpt")

    def test_seed_flow_change_commit_run(self):
        """The seed: run, change a file, commit -m -a, run the new image."""
        self.ok("run", "--name", "changer", "bb:1", "sh", "-c",
                "echo changed > /etc/motd && echo new > /newfile && rm /bin/env && "
                "mkdir -p /var/opq && echo keep > /var/opq/k")
        self.assertEqual(self.ok("diff", "changer").out,
                         "C /bin\nD /bin/env\nC /etc\nC /etc/motd\nA /newfile\n"
                         "A /var\nA /var/opq\nA /var/opq/k\n")
        new = self.ok("commit", "-m", "motd changed", "-a", "seed <s@example>", "-c", "ENV X=1",
                      "changer", "top:v2").out.strip()
        self.assertRegex(new, r"^sha256:[0-9a-f]{64}$")
        r = self.ok("run", "--rm", "top:v2", "sh", "-c", "cat /etc/motd /newfile; echo $X; "
                    "test -e /bin/env || echo gone")
        self.assertEqual(r.out, "changed\nnew\n1\ngone\n")
        img = self.inspect("top:v2")
        self.assertEqual(img["Author"], "seed <s@example>")
        self.assertEqual(img["Comment"], "motd changed")
        self.assertEqual(img["Parent"], self.iid)
        self.assertEqual(len(img["RootFS"]["Layers"]), 2)
        hist = self.ok("history", "--format", "{{.Comment}}|{{.CreatedBy}}", "top:v2").out
        self.assertTrue(hist.startswith("motd changed|sh -c echo changed"), hist)
        # The container's mountpoints (init layer) are not in the commit.
        tar = os.path.join(self.tmp, "v2.tar")
        self.ok("save", "-o", tar, "top:v2")
        import tarfile
        with tarfile.open(tar) as t:
            manifest = json.load(t.extractfile("manifest.json"))
            layer = t.extractfile(manifest[0]["Layers"][-1])
            with tarfile.open(fileobj=io.BytesIO(layer.read())) as lt:
                names = sorted(lt.getnames())
        self.assertEqual(names, ["bin", "bin/.wh.env", "etc", "etc/motd", "newfile", "var",
                                 "var/opq", "var/opq/k"])
        # Paused during the commit of a running container, then running again.
        self.ok("run", "-d", "--name", "live", "bb:1", "sh", "-c", "echo x > /live; sleep 100")
        self.wait_for(lambda: "A /live" in self.ok("diff", "live").out, "the running container's change")
        self.ok("commit", "live", "top:live")
        self.assertRegex(self.ok("ps").out, r"Up ")
        self.assertEqual(self.ok("run", "--rm", "top:live", "cat", "/live").out, "x\n")
        self.ok("system", "check")

    def test_committed_image_runs_under_docker(self):
        docker = berthtest.private_dockerd(self)
        self.ok("run", "--name", "changer", "bb:1", "sh", "-c", "echo from berth > /etc/motd")
        self.ok("commit", "changer", "interop:1")
        tar = os.path.join(self.tmp, "interop.tar")
        self.ok("save", "-o", tar, "interop:1")
        subprocess.run(docker + ["load", "-i", tar], check=True, stdout=subprocess.DEVNULL)
        out = subprocess.run(docker + ["run", "--rm", "--network", "none", "interop:1", "sh", "-c",
                                       "cat /etc/motd; ls /bin/busybox"],
                             check=True, stdout=subprocess.PIPE).stdout.decode()
        self.assertEqual(out, "from berth\n/bin/busybox\n")

    def test_runtime_choice(self):
        r = self.berth("run", "--rm", "--runtime", "nosuch", "bb:1", "true")
        self.assertEqual((r.code, r.err), (125, "berth: Error: Unknown runtime specified nosuch.\n"
                                                 "See 'berth run --help'.\n"))
        if not os.path.exists("/usr/bin/crun"):
            self.skipTest("crun is not installed")
        r = self.berth("run", "--rm", "--runtime", "crun", "bb:1", "echo", "hi")
        hybrid = (os.path.isdir("/sys/fs/cgroup/unified") and
                  open("/sys/fs/cgroup/unified/cgroup.controllers").read().strip() != "" and
                  subprocess.run(["stat", "-f", "-c", "%T", "/sys/fs/cgroup"], stdout=subprocess.PIPE)
                  .stdout.decode().strip() != "cgroup2fs")
        if hybrid:
            self.assertEqual(r.code, 125, r)
            self.assertIn("the crun runtime cannot run containers on this host: its cgroups are in "
                          "the hybrid layout", r.err)
        else:
            self.assertEqual((r.code, r.out), (0, "hi\n"))
        self.assertEqual(self.ok("ps", "-aq").out, "")

    def test_bridge_network_and_published_port(self):
        if not os.path.exists("/usr/lib/cni/bridge"):
            self.skipTest("the CNI plugins are not installed (containernetworking-plugins)")
        r = self.berth("run", "--rm", "--network", "bridge", "bb:1", "sh", "-c",
                       "tail -1 /etc/hosts; grep -c eth0 /proc/net/dev")
        if r.code == 125 and "cannot be set up on this host" in r.err:
            self.skipTest("this host refuses the bridge: " + r.err.strip())
        self.assertEqual(r.code, 0, r)
        ip, host = r.out.splitlines()[0].split("\t")
        self.assertTrue(ip.startswith("10.89."), r.out)
        self.assertEqual(r.out.splitlines()[1], "1")
        port = 20000 + os.getpid() % 20000
        cid = self.ok("run", "-d", "--network", "bridge", "-p", f"{port}:80", "bb:1",
                      "busybox", "httpd", "-f", "-p", "80", "-h", "/etc").out.strip()
        import urllib.request
        body = None
        for _ in range(50):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/motd", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        self.assertEqual(body, b"original\n")
        self.ok("rm", "-f", cid)
        time.sleep(0.2)  # the monitor removes the network after reporting the exit
        rules = subprocess.run(["iptables", "-t", "nat", "-S"], stdout=subprocess.PIPE).stdout.decode()
        self.assertNotIn(cid, rules)
        self.assertNotIn(f"--dport {port}", rules)
        r = self.berth("run", "--rm", "-p", "8080:80", "bb:1", "true")
        self.assertEqual(r.code, 125)
        self.assertIn("-p publishes ports on the bridge network: add --network bridge", r.err)


if __name__ == "__main__":
    unittest.main()
