#!/usr/bin/env python3
"""Records each case's expected.json with docker itself: `record.py [CASE...]` (as root).

Why this exists: the corpus's expected values are what docker really makes, never what someone
thought it would. This starts a private dockerd (own data root, exec root and socket under /tmp,
no iptables, no bridge), imports the same busybox tar under the same name as the berth test
(corpus.BASE), builds every case (those it needs first) with docker 20.10's classic builder
(DOCKER_BUILDKIT=0) or, for a case judged "buildkit", with BuildKit, serves _served/ on loopback
for ADD of URLs, then saves each image and writes its config fields and files into expected.json
(the case's own keys — roots, judge, why, needs, ignore — are kept). The daemon is stopped and its
directories removed at the end.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import corpus

DOCKER = "/usr/bin/docker"  # the 20.10 client that matches the daemon here


class Dockerd:
    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="bcr-", dir="/tmp")
        self.sock = "unix://" + self.dir + "/sock"
        self.log = open(os.path.join(self.dir, "log"), "wb")
        self.proc = subprocess.Popen(
            ["dockerd", "--data-root", self.dir + "/root", "--exec-root", self.dir + "/exec",
             "-H", self.sock, "--iptables=false", "--bridge=none", "--pidfile", self.dir + "/pid"],
            stdout=self.log, stderr=self.log)
        deadline = time.time() + 60
        while self.docker("version", check=False).returncode != 0:
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("the private dockerd did not start: see " + self.dir + "/log")
            time.sleep(0.5)
        return self

    def docker(self, *args, buildkit=False, check=True):
        env = dict(os.environ, DOCKER_BUILDKIT="1" if buildkit else "0")
        r = subprocess.run([DOCKER, "-H", self.sock, *args], env=env, capture_output=True,
                           text=True)
        if check and r.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
        return r

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        subprocess.run(["umount", "-R", self.dir + "/root"], stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


def build(run, name, url, tmp, built, buildkit=None):
    """Builds case name (and what it needs) with `run(*args, buildkit=)`, returning
    {config, files}. run is a docker or berth command runner that returns CompletedProcess-like
    objects (returncode, stdout, stderr)."""
    meta = corpus.load(name)
    for need in meta.get("needs", []):
        if need not in built:
            built[need] = build(run, need, url, tmp, built)
    bk = meta.get("judge") == "buildkit" if buildkit is None else buildkit
    r = run("build", "-t", corpus.tag(name), *corpus.build_flags(name, url), corpus.case_dir(name),
            buildkit=bk)
    if r.returncode != 0:
        raise RuntimeError(f"build {name}: exit {r.returncode}\n{r.stdout[-2000:]}{r.stderr}")
    return read_back(run, name, meta, tmp)


def read_back(run, name, meta, tmp):
    inspect = json.loads(run("inspect", corpus.tag(name)).stdout)[0]
    saved = os.path.join(tmp, name + ".tar")
    run("save", "-o", saved, corpus.tag(name))
    files = corpus.files_of(saved, meta["roots"])
    os.unlink(saved)
    return {"config": corpus.config_of(inspect), "files": files}


def main(names):
    names = names or corpus.cases()
    tmp = tempfile.mkdtemp(prefix="bcr-tmp-", dir="/tmp")
    try:
        with Dockerd() as d, corpus.Server() as server:
            d.docker("import", corpus.make_base_tar(os.path.join(tmp, "base.tar")), corpus.BASE)
            built, failed = {}, []
            for name in names:
                meta = corpus.load(name)
                try:
                    got = build(d.docker, name, server.url, tmp, built)
                except RuntimeError as e:
                    failed.append(name)
                    print(f"{name}: FAILED: {str(e)[-1500:]}", flush=True)
                    continue
                built[name] = got
                keep = {k: v for k, v in meta.items() if k not in ("config", "files")}
                keep.update(got)
                with open(os.path.join(corpus.case_dir(name), "expected.json"), "w") as f:
                    json.dump(keep, f, indent=1, sort_keys=False)
                    f.write("\n")
                print(f"{name}: {meta['judge']}, {len(got['files'])} files", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
