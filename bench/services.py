"""Loopback services for the benchmark: distribution registries and a private dockerd.

Why this exists: every tool must pull from and push to the same registry on this machine, and
docker needs a daemon that is not the host's (its own data root, exec root and socket), so runs do
not disturb anything else and leave nothing behind. Each service is a child process in its own
session (a terminal Ctrl-C reaches only the driver, which then stops them in order); Cleanup
stops them and unmounts anything left under the scratch directory.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import time


def FreePort():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc, timeout=20):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def UnmountUnder(path):
    """Lazily unmounts every mount point below path (deepest first)."""
    path = os.path.realpath(path)
    mounts = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].encode().decode("unicode_escape")
            if mp == path or mp.startswith(path + "/"):
                mounts.append(mp)
    for mp in sorted(mounts, key=len, reverse=True):
        subprocess.run(["umount", "-l", mp], stderr=subprocess.DEVNULL)


class Registry:
    """`docker-registry serve` on 127.0.0.1:<free port> with filesystem storage in root."""

    def __init__(self, root, log_path):
        self.root = root
        self.log_path = log_path
        self.port = FreePort()
        self.proc = None

    @property
    def host(self):
        return f"127.0.0.1:{self.port}"

    def Start(self):
        os.makedirs(self.root, exist_ok=True)
        conf = os.path.join(os.path.dirname(self.log_path), f"registry-{self.port}.yml")
        with open(conf, "w") as f:
            f.write("version: 0.1\n"
                    "log:\n  level: error\n  accesslog:\n    disabled: true\n"
                    f"storage:\n  filesystem:\n    rootdirectory: {self.root}\n"
                    "  delete:\n    enabled: true\n"
                    f"http:\n  addr: 127.0.0.1:{self.port}\n")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(["docker-registry", "serve", conf], stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"docker-registry exited; see {self.log_path}")
            try:
                if self.Get("/v2/")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"docker-registry did not answer on {self.host}")

    def Stop(self):
        _stop(self.proc)
        self.proc = None

    def Wipe(self):
        """Restarts on the same port with empty storage."""
        self.Stop()
        shutil.rmtree(self.root, ignore_errors=True)
        self.Start()

    def Get(self, path, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            c.request("GET", path, headers=headers or {})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def HasManifest(self, repo, tag):
        accept = ("application/vnd.oci.image.manifest.v1+json,"
                  "application/vnd.docker.distribution.manifest.v2+json")
        try:
            return self.Get(f"/v2/{repo}/manifests/{tag}", {"Accept": accept})[0] == 200
        except OSError:
            return False


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=60):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


class Dockerd:
    """A private dockerd: own data root, exec root, socket and pid file; no networking set-up."""

    def __init__(self, base, client):
        self.base = base
        self.client = client
        self.sock = os.path.join(base, "docker.sock")
        self.proc = None
        self.driver = None
        self.pid = None

    @property
    def env(self):
        env = dict(os.environ, DOCKER_HOST=f"unix://{self.sock}", DOCKER_BUILDKIT="0")
        env["DOCKER_CONFIG"] = os.path.join(self.base, "client-config")
        if self.client != "/usr/bin/docker":
            env["DOCKER_API_VERSION"] = "1.41"  # a newer client talking to Debian's 20.10 daemon
        return env

    def Start(self, insecure):
        last = ""
        for driver in ["overlay2", "vfs"]:
            if os.path.exists(self.base):
                UnmountUnder(self.base)
                shutil.rmtree(self.base, ignore_errors=True)
            os.makedirs(os.path.join(self.base, "client-config"))
            log_path = os.path.join(self.base, "dockerd.log")
            log = open(log_path, "ab")
            cmd = ["dockerd", "--data-root", os.path.join(self.base, "data"),
                   "--exec-root", os.path.join(self.base, "exec"), "-H", f"unix://{self.sock}",
                   "--pidfile", os.path.join(self.base, "dockerd.pid"), "--iptables=false",
                   "--ip6tables=false", "--bridge=none", "--ip-masq=false",
                   "--storage-driver", driver]
            cmd += [a for r in insecure for a in ("--insecure-registry", r)]
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and self.proc.poll() is None:
                r = subprocess.run([self.client, "version"], env=self.env, capture_output=True)
                if r.returncode == 0:
                    self.driver = driver
                    self.pid = self.proc.pid
                    return self
                time.sleep(0.2)
            _stop(self.proc)
            with open(log_path, errors="replace") as f:
                last = f.read()[-2000:]
        raise RuntimeError("dockerd did not start:\n" + last)

    def Api(self, method, path):
        c = _UnixHTTPConnection(self.sock)
        try:
            c.request(method, path)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def Tag(self, image, repo, tag):
        from urllib.parse import quote
        status, body = self.Api("POST", f"/images/{quote(image, safe='')}/tag?repo={quote(repo)}"
                                        f"&tag={quote(tag)}")
        if status != 201:
            raise RuntimeError(f"docker tag via API: {status} {body[:200]!r}")

    def Info(self):
        status, body = self.Api("GET", "/version")
        return json.loads(body) if status == 200 else {}

    def Stop(self):
        _stop(self.proc, timeout=30)
        self.proc = None
        UnmountUnder(self.base)
        shutil.rmtree(self.base, ignore_errors=True)


def ProcRss(pid):
    """(VmRSS, VmHWM) of pid in kB, or (None, None)."""
    rss = hwm = None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


def ResetPeakRss(pid):
    """Resets VmHWM of pid to its current RSS (Linux clear_refs 5); False if not permitted."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False
