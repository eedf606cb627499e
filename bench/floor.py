"""The machine's floor for a pull, and a minimal registry upload used to seed the registry.

Why this exists: a pull cannot be faster than the work every correct pull must do: fetch each
layer blob, hash the compressed bytes, inflate them, hash the tar and unpack it securely. The
floor times exactly that with berth's own code (BUILD_DIR/bench/pull_floor: net's HttpReader,
ISA-L inflate, SHA-256, tar's ApplyLayer), each layer streamed once, for 1 to 4 layers at a time
so the best --max-concurrent-downloads shows, plus the durable variant (blob file fsynced,
syncfs of each unpacked layer) that a crash-safe store pays, the GETs alone, and a one-thread
breakdown of the CPU each stage costs. The uploader puts the generated OCI layout into the
registry byte for byte (monolithic blob uploads), so the pulled image's digests are the
generated ones whatever peers are installed.
"""

import http.client
import json
import os
import shutil
import statistics
import subprocess
from urllib.parse import urlsplit

from measure import Sample

def _conn(registry):
    return http.client.HTTPConnection("127.0.0.1", registry.port, timeout=120)


def PushOciLayout(registry, layout, repo, tag):
    """Uploads every blob of the layout's only manifest, then the manifest under tag."""
    with open(os.path.join(layout, "index.json")) as f:
        desc = json.load(f)["manifests"][0]
    blobs = os.path.join(layout, "blobs", "sha256")
    with open(os.path.join(blobs, desc["digest"].split(":")[1]), "rb") as f:
        manifest = f.read()
    m = json.loads(manifest)
    for b in [m["config"]] + m["layers"]:
        c = _conn(registry)
        c.request("POST", f"/v2/{repo}/blobs/uploads/")
        r = c.getresponse()
        r.read()
        if r.status != 202:
            raise RuntimeError(f"starting upload: HTTP {r.status}")
        loc = urlsplit(r.getheader("Location"))
        path = loc.path + "?" + (loc.query + "&" if loc.query else "") + "digest=" + b["digest"]
        with open(os.path.join(blobs, b["digest"].split(":")[1]), "rb") as f:
            c.request("PUT", path, body=f, headers={"Content-Length": str(b["size"]),
                                                     "Content-Type": "application/octet-stream"})
            r = c.getresponse()
            r.read()
        c.close()
        if r.status != 201:
            raise RuntimeError(f"uploading {b['digest']}: HTTP {r.status}")
    c = _conn(registry)
    c.request("PUT", f"/v2/{repo}/manifests/{tag}", body=manifest,
              headers={"Content-Type": desc["mediaType"]})
    r = c.getresponse()
    r.read()
    c.close()
    if r.status != 201:
        raise RuntimeError(f"putting manifest: HTTP {r.status}")


MAX_JOBS = 4


class _Floor:
    """Runs pull_floor against registry/repo, one fresh output directory per run.

    The outputs are removed only by Cleanup, after the last run: this machine's ext4 has no
    journal, and without one ext4 will not reuse an inode freed in the last 60 s (360 s while
    its inode table block is dirty); every file created after a mass delete pays a lookup for
    each such inode it skips (find_inode_bit -> recently_deleted): deleting the previous run's
    19,000 files before each run took the floor's system time from 0.95 s to 5.7 s (the "after
    rm" row measures it). Each run starts after `sync -f`, so none pays for an earlier one's
    writeback."""

    def __init__(self, binary, registry, repo, layers, scratch, keep):
        self.binary = binary
        self.registry = registry
        self.repo = repo
        self.layers = layers
        self.base = os.path.join(scratch, "floor-out")
        self.keep = keep  # False when the disk cannot hold every run's output
        self.runs = 0

    def _registry_cpu(self):
        """The registry process's CPU seconds so far (its share of every fetch)."""
        try:
            with open(f"/proc/{self.registry.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, AttributeError, IndexError, ValueError):
            return None

    def Run(self, mode, jobs=0, durable=False, after_rm=False):
        """One run; returns (Sample, the tool's JSON). The time is the tool's own wall clock
        around the layers' work (process start and loading libcurl excluded). after_rm first
        deletes the previous run's output, as a pull that follows an rmi of the same image."""
        self.runs += 1
        out_dir = os.path.join(self.base, str(self.runs))
        if after_rm:
            shutil.rmtree(os.path.join(self.base, str(self.runs - 1)), ignore_errors=True)
        if not self.keep:
            self.Cleanup()
        os.makedirs(self.base, exist_ok=True)
        subprocess.run(["sync", "-f", self.base], check=False)
        argv = [self.binary, "--registry", self.registry.host, "--repo", self.repo,
                "--layers", ",".join(l["digest"] for l in self.layers),
                "--diff-ids", ",".join(l["diff_id"] for l in self.layers),
                "--out", out_dir, "--mode", mode, "--jobs", str(jobs)]
        if durable:
            argv.append("--durable")
        cpu0 = self._registry_cpu()
        r = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        cpu1 = self._registry_cpu()
        if r.returncode != 0:
            return Sample(0.0, None, r.returncode, r.stderr.strip()[-400:]), None
        out = json.loads(r.stdout)
        if cpu0 is not None and cpu1 is not None:
            out["registry_cpu_s"] = round(cpu1 - cpu0, 3)
        return Sample(out.get("wall_s", 0.0), None, 0, ""), out

    def Cleanup(self):
        shutil.rmtree(self.base, ignore_errors=True)


def _median(outs, key):
    vals = [o[key] for o in outs if o.get(key) is not None]
    return round(statistics.median(vals), 3) if vals else None


def _cpu_note(outs):
    user, sys_, reg = (_median(outs, k) for k in ("cpu_user_s", "cpu_sys_s", "registry_cpu_s"))
    note = f"cpu {user + sys_:.2f}s ({user:.2f} usr {sys_:.2f} sys)"
    return note + (f", registry {reg:.2f}s" if reg is not None else "")


def _AddRows(rec, op, samples, outs, note, extra):
    failed = next((s for s in samples if not s.ok), None)
    if failed:
        rec.Add(op, "floor", "failed", note=f"exit {failed.rc}: {failed.err}")
        return None
    extra = dict(extra, cpu_user_s=_median(outs, "cpu_user_s"),
                 cpu_sys_s=_median(outs, "cpu_sys_s"),
                 registry_cpu_s=_median(outs, "registry_cpu_s"))
    if outs:  # the median run's timeline: when each layer started and ended, its thread's cpu
        mid = sorted(outs, key=lambda o: o["wall_s"])[len(outs) // 2]
        extra["layers"] = [{k: round(l[k], 3) if isinstance(l[k], float) else l[k]
                            for k in ("start_s", "end_s", "cpu_s", "entries", "tar_bytes")}
                           for l in mid.get("layers", [])]
    return rec.Add(op, "floor", "ok", samples, note=f"{note}; {_cpu_note(outs)}", extra=extra)


def _Breakdown(floor, rec):
    s, out = floor.Run("breakdown")
    if not s.ok:
        rec.Add("pull floor: breakdown", "floor", "failed", note=f"exit {s.rc}: {s.err}")
        return
    names = {"fetch": "GET to memory", "sha256_blob": "sha256 of the blobs",
             "inflate": "ISA-L inflate", "sha256_tar": "sha256 of the tars",
             "unpack": "ApplyLayer from memory"}
    for key, what in names.items():
        st = out["stages"][key]
        cpu_rate = st["bytes"] / 1e6 / st["cpu_s"] if st["cpu_s"] else 0
        rec.Add(f"pull floor: 1 thread: {key}", "floor", "ok",
                [Sample(st["wall_s"], None, 0, "")],
                note=f"{what}: {st['bytes'] / 1e6:.0f} MB, {st['mb_per_s']:.0f} MB/s; "
                     f"cpu {st['cpu_s']:.2f}s = {cpu_rate:.0f} MB/s",
                extra={"floor_stage": key, "cpu_s": st["cpu_s"], "bytes": st["bytes"]})


def MeasureFloor(build_dir, registry, repo, layers, runs, rec, scratch):
    """Records the floor rows (tool "floor") for pulling layers from registry/repo: the GETs
    alone, fetch+hash+inflate without unpacking, the full floor for 1..4 jobs (interleaved run
    by run, so load from elsewhere falls on all alike), the durable floor at the best jobs, and a
    one-thread breakdown of each stage's cost. The outputs take about 8 GB (3 runs) until the end."""
    binary = os.path.join(os.path.abspath(build_dir), "bench", "pull_floor")
    if not os.access(binary, os.X_OK):
        rec.Add("pull floor", "floor", "absent", note=f"{binary} not built")
        return
    # Every unpacking run's output is kept until the end (see _Floor): room for all of them.
    unpacking_runs = (MAX_JOBS + 2) * runs + 1
    need = unpacking_runs * sum(l.get("tar_size", l["size"]) for l in layers) * 1.1 + (2 << 30)
    fs = os.statvfs(scratch)
    keep = fs.f_bavail * fs.f_frsize > need
    floor = _Floor(binary, registry, repo, layers, scratch, keep)
    try:
        _Measure(floor, layers, runs, rec)
    finally:
        floor.Cleanup()


def _Measure(floor, layers, runs, rec):
    n = len(layers)
    mb = sum(l["size"] for l in layers) / 1e6
    configs = [("pull floor: fetch", "fetch", n, False,
                f"{n} GETs at once, {mb:.0f} MB to nowhere")]
    configs += [("pull floor: no unpack", "hash", n, False,
                 f"fetch+sha256+inflate+sha256, {n} at once")]
    configs += [(f"pull floor: jobs={j}", "full", j, False,
                 f"fetch+sha256+inflate+sha256+unpack, {j} at a time")
                for j in range(1, min(n, MAX_JOBS) + 1)]
    floor.Run("hash", n)  # warm-up: the registry's files into the page cache
    results = {c[0]: ([], []) for c in configs}
    for _ in range(runs):
        for op, mode, jobs, durable, _note in configs:
            s, out = floor.Run(mode, jobs, durable)
            results[op][0].append(s)
            if out:
                results[op][1].append(out)
    best = None
    for op, mode, jobs, durable, note in configs:
        r = _AddRows(rec, op, *results[op], note,
                     {"floor": mode, "jobs": jobs, "durable": durable})
        if r and mode == "fetch":
            r["floor_fetch"] = True
        if r and mode == "full" and (best is None or r["median_s"] < best["median_s"]):
            best = r
    if not best:
        return
    best["floor_best"] = True
    j = best["jobs"]
    r = _Repeat(floor, rec, runs, f"pull floor: durable jobs={j}", j, True, False,
                "+ blob files fsynced + syncfs per layer")
    if r:
        r["floor_durable"] = True
    _Breakdown(floor, rec)
    # Last, as it deletes: what this file system charges a pull that follows a large delete.
    _Repeat(floor, rec, runs, f"pull floor: jobs={j} after rm", j, False, True,
            "right after deleting the previous run's unpacked layers (see README)")


def _Repeat(floor, rec, runs, op, jobs, durable, after_rm, note):
    samples, outs = [], []
    for _ in range(runs):
        s, out = floor.Run("full", jobs, durable, after_rm)
        samples.append(s)
        if out:
            outs.append(out)
    return _AddRows(rec, op, samples, outs, note,
                    {"floor": "full", "jobs": jobs, "durable": durable, "after_rm": after_rm})
