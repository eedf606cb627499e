"""The container operations: `run --rm IMAGE true` start to exit, `commit` of a 100 MB change, and
the floor under `run`: `runc run` alone on the same image's unpacked rootfs.

Why this exists: issue 10's speed goals are ratios against docker (run at least 4x faster, commit
at least 3x faster), and a run's cost only means something beside what the runtime alone costs.
Every tool runs the same busybox image (the bench's busybox-only tar with its applet links,
imported into each store) with `--network none`. `run` is a light operation (1 warm-up + N timed
runs); before each run the disk settles and berth's clean-up processes (which go on after it
returns) have ended, so no run pays for the previous one's clean-up. `commit` is heavy (100 MB
written into the new layer): one container is made untimed with `run --name`, then each timed
commit is preceded by removing the image the previous one made. A tool whose command is missing
or fails shows that, never a time: podman 4.3 cannot start a container under this machine's
RLIMIT_NOFILE hard limit, and berth's `commit` is detected per build.
"""

import json
import os
import shutil
import subprocess
import time

from measure import Run, SettleDisk

RUN_IMAGE = "bench/run:latest"
COMMIT_CONTAINER = "bench-commit"
COMMIT_IMAGE = "bench/committed:latest"
COMMIT_SIZE = 100_000_000
NET = ["--network", "none"]


def WaitBerthIdle(tool, limit_s=60):
    """berth returns before its clean-up ends: `run --rm`'s monitor removes the container after
    the client has the exit code, and removed containers and images are freed by a detached
    child. Waits until no process of this store is left (each has `--root ROOT` in its command
    line: the monitor's and the freeing children's), so the next timed command shares the disk
    and CPU with none of them."""
    if tool.name != "berth":
        return
    want = tool.root.encode()
    deadline = time.time() + limit_s
    while time.time() < deadline:
        busy = False
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if b"--root" in argv and want in argv:
                busy = True
                break
        if not busy:
            return
        time.sleep(0.02)


def RunContainers(suite, tool):
    """Times run and commit for one tool (berth, docker, podman) on suite's recorder."""
    ok, err = tool.Quiet("import", suite.inputs["tiny_tar"], RUN_IMAGE) \
        if tool.Supports("import") else (False, "no `import` command")
    needs = None if ok else f"set-up import failed: {_LastLine(err)}"

    def settle(i):
        WaitBerthIdle(tool)
        SettleDisk()
    suite.Measure(tool, "run", "run", lambda i: ["run", "--rm", *NET, RUN_IMAGE, "true"],
                  before=settle, needs=needs, one_line=True,
                  note=f"run --rm {RUN_IMAGE} true, start to exit" +
                       (f"; {tool.note}" if tool.note else ""))
    _Commit(suite, tool, needs)


def _Commit(suite, tool, needs):
    rec = suite.rec
    if not needs and not tool.Supports("commit"):
        rec.Add("commit", tool, "absent", note=f"{tool.name} commit: not available in this build")
        return
    tool.Quiet("rm", "-f", COMMIT_CONTAINER)
    if not needs:
        ok, err = tool.Quiet("run", "--name", COMMIT_CONTAINER, *NET, RUN_IMAGE, "sh", "-c",
                             f"head -c {COMMIT_SIZE} /dev/urandom > /big")
        if not ok:
            needs = "set-up `run --name` failed: " + _LastLine(err)

    def rmi(i):
        tool.Quiet("rmi", COMMIT_IMAGE)
        WaitBerthIdle(tool)
    suite.Measure(tool, "commit", "commit", lambda i: ["commit", COMMIT_CONTAINER, COMMIT_IMAGE],
                  before=rmi, needs=needs, heavy=True, one_line=True,
                  note=f"stopped container with a {COMMIT_SIZE // 1_000_000} MB file added" +
                       (f"; {tool.note}" if tool.note else ""))
    tool.Quiet("rmi", COMMIT_IMAGE)
    tool.Quiet("rm", "-f", COMMIT_CONTAINER)
    WaitBerthIdle(tool)


def _LastLine(text):
    lines = [l.strip() for l in (text or "").splitlines() if l.strip()]
    return lines[-1] if lines else ""


def MeasureRuncFloor(suite, scratch):
    """The floor under `run`: `runc run` of `true` on the busybox tar unpacked into a directory,
    with `runc spec`'s default config (its own namespaces, no terminal): no image store, no
    overlay, no monitor or log. Recorded as op `run`, tool `floor`."""
    runc = shutil.which("runc")
    if not runc:
        suite.rec.Add("run", "floor", "absent", note="runc is not installed")
        return
    base = os.path.join(scratch, "runc-floor")
    bundle, state = os.path.join(base, "bundle"), os.path.join(base, "state")
    os.makedirs(os.path.join(bundle, "rootfs"))
    subprocess.run(["tar", "-xf", suite.inputs["tiny_tar"], "-C", os.path.join(bundle, "rootfs")],
                   check=True)
    subprocess.run([runc, "spec", "--bundle", bundle], check=True)
    path = os.path.join(bundle, "config.json")
    with open(path) as f:
        config = json.load(f)
    config["process"]["terminal"] = False
    config["process"]["args"] = ["true"]
    with open(path, "w") as f:
        json.dump(config, f, indent=1)

    class Runc:
        name = "floor"
        absent = None
        note = ""

        def Supports(self, command):
            return True

        def Run(self, *args, rss=False):
            return Run([runc, "--root", state, *args], rss=rss, timeout=60)

    try:
        suite.Measure(Runc(), "run", "runc",
                      lambda i: ["run", "--bundle", bundle, f"floor-{i + 1}"],
                      before=lambda i: SettleDisk(), one_line=True,
                      note="runc run alone: busybox rootfs unpacked in a directory, `runc spec`'s "
                           "config with args [true], no terminal")
    finally:  # a run that failed half-way may leave its container behind
        left = subprocess.run([runc, "--root", state, "list", "-q"], capture_output=True,
                              text=True).stdout.split()
        for cid in left:
            subprocess.run([runc, "--root", state, "delete", "--force", cid],
                           stderr=subprocess.DEVNULL)
        shutil.rmtree(base, ignore_errors=True)
