"""The build corpus: Dockerfile cases, and how one built image is read back for comparison.

Why this exists: issue 11 asks that every Dockerfile instruction and rule be built by berth and
compared with what docker makes of the same Dockerfile. Both sides (record.py with a private
dockerd, tests/integration/test_build_corpus.py with berth) build the same case directories on the
same base image and reduce the result the same way: the config fields that matter, and the files
the build adds below the roots the case names (type, mode, owner, link target, size, sha256), read
from `save`'s archive by applying the layers with their whiteouts. mtimes are never compared.

A case is a directory `NN-name/` holding a Dockerfile, its context files, an optional
.dockerignore, an optional `args` file (one flag or flag pair a line, shell-quoted; `{URL}` is the
loopback http server's base URL), and expected.json:
  roots   paths whose subtrees are compared ("/" for a FROM scratch image)
  judge   "classic" (docker 20.10, DOCKER_BUILDKIT=0) or "buildkit" where the classic builder
          cannot build what the issue asks; `why` says why
  needs   cases built first (their images are tagged corpus/<case>:latest)
  ignore  config fields not compared, each with its reason (BuildKit adds PATH to Env)
  config, files   what docker made (written by record.py)
"""
import hashlib
import http.server
import json
import os
import shlex
import sys
import tarfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import berthtest  # noqa: E402

BASE = "corpus/busybox:1"
CONFIG_FIELDS = ["Cmd", "Entrypoint", "Env", "Labels", "ExposedPorts", "Volumes", "User",
                 "WorkingDir", "StopSignal", "Healthcheck", "OnBuild", "Shell"]
APPLETS = ["sh", "ls", "cat", "echo", "env", "mkdir", "rm", "true", "false", "id", "chmod",
           "chown", "touch", "ln", "printf", "pwd", "test", "tar", "wc", "head", "sleep", "cp"]
SERVED = os.path.join(HERE, "_served")  # the files the loopback http server serves


def cases():
    """The case directory names, in build order."""
    return sorted(d for d in os.listdir(HERE)
                  if d[:2].isdigit() and os.path.isdir(os.path.join(HERE, d)))


def case_dir(name):
    return os.path.join(HERE, name)


def tag(name):
    return f"corpus/{name}:latest"


def load(name):
    with open(os.path.join(case_dir(name), "expected.json")) as f:
        return json.load(f)


def build_flags(name, url):
    """The case's extra build flags (its args file), {URL} replaced by the server's base URL."""
    path = os.path.join(case_dir(name), "args")
    if not os.path.exists(path):
        return []
    out = []
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                out += [w.replace("{URL}", url) for w in shlex.split(line)]
    return out


def make_base_tar(dest):
    """The busybox rootfs both sides import as BASE: busybox-static and its applet links."""
    rootfs = berthtest.busybox_rootfs(dest + ".d")
    for a in APPLETS:
        link = os.path.join(rootfs, "bin", a)
        if not os.path.lexists(link):
            os.symlink("busybox", link)
    return berthtest.tar_dir(rootfs, dest)


class Server:
    """A loopback http server for ADD of URLs: serves SERVED on 127.0.0.1, a free port."""

    def __enter__(self):
        handler = lambda *a, **kw: _Quiet(*a, directory=SERVED, **kw)  # noqa: E731
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _empty(v):
    return v is None or v == [] or v == {} or v == ""


def config_of(inspect):
    """The compared config fields of an `inspect` object (empty values as null), plus Author."""
    cfg = inspect.get("Config") or {}
    out = {k: (None if _empty(cfg.get(k)) else cfg.get(k)) for k in CONFIG_FIELDS}
    out["Author"] = inspect.get("Author") or None
    return out


def _under(path, roots):
    return any(r == "/" or path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def files_of(saved_tar, roots):
    """The filesystem of the image in `save`'s archive saved_tar (a one-image docker archive),
    its layers applied in order with whiteouts, reduced to the paths under roots:
    {path: {type, mode, uid, gid, [link], [size, sha256]}}."""
    fs = {}
    with tarfile.open(saved_tar) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))
        for layer in manifest[0]["Layers"]:
            with tarfile.open(fileobj=outer.extractfile(layer)) as t:
                _apply(fs, t)
    return {p: e for p, e in sorted(fs.items()) if _under(p, roots)}


def _apply(fs, t):
    for m in t:
        path = _clean(m.name)
        d, base = os.path.split(path)
        if base == ".wh..wh..opq":
            for p in [p for p in fs if p.startswith(d.rstrip("/") + "/")]:
                del fs[p]
            continue
        if base.startswith(".wh."):
            gone = os.path.join(d, base[4:])
            for p in [p for p in fs if p == gone or p.startswith(gone + "/")]:
                del fs[p]
            continue
        if not m.isdir():  # a file over a directory replaces the whole subtree
            for p in [p for p in fs if p.startswith(path.rstrip("/") + "/")]:
                del fs[p]
        e = {"type": _type(m), "mode": oct(m.mode & 0o7777), "uid": m.uid, "gid": m.gid}
        if m.issym():
            e["link"] = m.linkname
        elif m.islnk():
            target = _clean(m.linkname)
            e["link"] = target
            e.update({k: fs.get(target, {}).get(k) for k in ("size", "sha256")})
        elif m.isreg():
            h = hashlib.sha256()
            f = t.extractfile(m)
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
            e.update(size=m.size, sha256=h.hexdigest())
        fs[path] = e


def _clean(name):
    """A tar member name as an absolute path: "./a/b/" -> "/a/b", "." -> "/"."""
    p = os.path.normpath("/" + name)
    return "/" + p.lstrip("/")


def _type(m):
    return ("dir" if m.isdir() else "file" if m.isreg() else "symlink" if m.issym() else
            "hardlink" if m.islnk() else "other")


DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def diff_keys(expected, actual):
    """The sorted set of what differs ("config Env", "file /out/x"); an Env that differs only by
    docker's default PATH (which docker adds at FROM where the base has none) is
    "config Env (default PATH)", so that a pending PATH does not hide other Env differences."""
    keys = set()
    for line in diff(expected, actual):
        key = line.split(": ", 1)[0]
        if key == "config Env":
            env = actual["config"].get("Env") or []
            if not any(e.startswith("PATH=") for e in env) and \
                    [DEFAULT_PATH] + env == expected["config"].get("Env"):
                key = "config Env (default PATH)"
        keys.add(key)
    return sorted(keys)


def diff(expected, actual):
    """Human-readable differences between two {config, files} records; [] when equal."""
    out = []
    ignore = expected.get("ignore", {})
    for k in sorted(set(expected["config"]) | set(actual["config"])):
        if k in ignore:
            continue
        a, b = expected["config"].get(k), actual["config"].get(k)
        if a != b:
            out.append(f"config {k}: expected {json.dumps(a)}, got {json.dumps(b)}")
    ef, af = expected["files"], actual["files"]
    for p in sorted(set(ef) | set(af)):
        if ef.get(p) != af.get(p):
            out.append(f"file {p}: expected {json.dumps(ef.get(p))}, got {json.dumps(af.get(p))}")
    return out
