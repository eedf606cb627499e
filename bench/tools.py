"""The tools under test, each behind the same Docker-style command line.

Why this exists: berth, docker and podman share Docker's CLI, so one description of an operation
("import FILE REPO:TAG", "images", "pull REF") runs on all three; only the command prefix, the
environment and a few flags differ (podman's --tls-verify=false for a plain-HTTP registry). What a
tool supports is found out by asking it (`CMD --help` exits 0, and the warm-up run succeeds), never
assumed, so berth's rows fill in as its commands land. skopeo has no local store and takes part in
the registry operations only.
"""

import os
import shutil
import subprocess

from measure import Run


class CliTool:
    def __init__(self, name, prefix, env=None, daemon_pid=None, version=""):
        self.name = name
        self.prefix = prefix
        self.env = env
        self.daemon_pid = daemon_pid
        self.version = version
        self.absent = None  # reason, when the tool cannot be used at all
        self.registry_flags = []
        self.build_flags = []
        self._supports = {}
        self.note = ""

    def c(self, *args):
        return self.prefix + list(args)

    def Run(self, *args, timeout=600, stdout=None, rss=False):
        return Run(self.c(*args), env=self.env, daemon_pid=self.daemon_pid, timeout=timeout,
                   stdout=stdout, rss=rss)

    def Quiet(self, *args):
        """Runs an untimed set-up command; returns (ok, stderr tail)."""
        s = Run(self.c(*args), env=self.env, timeout=900)
        return s.ok, s.err

    def Supports(self, command):
        if self.absent:
            return False
        if command not in self._supports:
            self._supports[command] = Run(self.c(command, "--help"), env=self.env,
                                          timeout=30).ok
        return self._supports[command]

    def Cleanup(self):
        pass


def _version_of(argv, env=None):
    try:
        r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)
        return (r.stdout or r.stderr).strip().splitlines()[0] if r.returncode == 0 else ""
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return ""


def Berth(build_dir, scratch):
    root = os.path.join(scratch, "berth-root")
    shutil.rmtree(root, ignore_errors=True)
    binary = os.path.join(os.path.abspath(build_dir), "berth")
    t = CliTool("berth", [binary, "--root", root])
    t.root = root
    if not os.access(binary, os.X_OK):
        t.absent = f"{binary} not built"
    else:
        t.version = _version_of([binary, "--version"]) or _version_of([binary, "version"])
    t.Cleanup = lambda: shutil.rmtree(root, ignore_errors=True)
    return t


def Docker(dockerd, client):
    t = CliTool("docker", [client], env=dockerd.env, daemon_pid=dockerd.pid)
    info = dockerd.Info()
    t.version = (f"client {_version_of([client, '--version'])}; daemon {info.get('Version', '?')}"
                 f" ({dockerd.driver})")
    t.note = "wall time includes the daemon; peak RSS is the client's, daemon_peak_rss_kb dockerd's"
    t.dockerd = dockerd
    return t


def Podman(scratch):
    base = os.path.join(scratch, "podman")
    t = None
    for driver in ["overlay", "vfs"]:
        shutil.rmtree(base, ignore_errors=True)
        os.makedirs(os.path.join(base, "tmp"))
        prefix = ["podman", "--root", os.path.join(base, "root"),
                  "--runroot", os.path.join(base, "runroot"), "--storage-driver", driver,
                  "--tmpdir", os.path.join(base, "tmp"), "--events-backend", "none",
                  "--cgroup-manager", "cgroupfs"]
        env = dict(os.environ, TMPDIR=os.path.join(base, "tmp"))
        t = CliTool("podman", prefix, env=env)
        t.registry_flags = ["--tls-verify=false"]
        t.build_flags = ["--layers"]
        if Run(t.c("images"), env=env, timeout=60).ok:
            t.version = _version_of(["podman", "--version"]) + f" ({driver})"
            break
        t.absent = f"podman could not open its storage with driver {driver}"
    base_ = base

    def cleanup():
        from services import UnmountUnder
        UnmountUnder(base_)
        shutil.rmtree(base_, ignore_errors=True)
    t.Cleanup = cleanup
    return t


def Skopeo():
    t = CliTool("skopeo", ["skopeo"])
    t.version = _version_of(["skopeo", "--version"])
    t.note = "registry copies only: pull = download into an OCI layout (no unpack)"
    return t
