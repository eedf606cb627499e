"""The machine's floor for a pull, and a minimal registry upload used to seed the registry.

Why this exists: a pull cannot be faster than fetching its blobs, inflating them and hashing both
forms. Timing those steps alone (in parallel, one thread per blob; zlib, hashlib and socket reads
release the GIL) shows how close each tool comes to the limit of this machine. The uploader puts
the generated OCI layout into the registry byte for byte (monolithic blob uploads), so the pulled
image's digests are the generated ones whatever peers are installed.
"""

import concurrent.futures
import hashlib
import http.client
import json
import os
import zlib
from urllib.parse import urlsplit

from measure import TimeFn

CHUNK = 1 << 20


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


def _fetch(registry, repo, digest, sink):
    c = _conn(registry)
    c.request("GET", f"/v2/{repo}/blobs/{digest}")
    r = c.getresponse()
    if r.status != 200:
        raise RuntimeError(f"GET blob {digest}: HTTP {r.status}")
    n = 0
    while chunk := r.read(CHUNK):
        n += len(chunk)
        sink(chunk)
    c.close()
    return n


def _inflate_and_hash(chunks, digest, diff_id):
    blob = hashlib.sha256()
    diff = hashlib.sha256()
    z = zlib.decompressobj(31)
    for chunk in chunks:
        blob.update(chunk)
        diff.update(z.decompress(chunk))
    diff.update(z.flush())
    if "sha256:" + blob.hexdigest() != digest or "sha256:" + diff.hexdigest() != diff_id:
        raise RuntimeError(f"floor: digest mismatch for {digest}")


def _one_pass(registry, repo, layer):
    blob = hashlib.sha256()
    diff = hashlib.sha256()
    z = zlib.decompressobj(31)

    def sink(chunk):
        blob.update(chunk)
        diff.update(z.decompress(chunk))
    _fetch(registry, repo, layer["digest"], sink)
    diff.update(z.flush())
    if "sha256:" + diff.hexdigest() != layer["diff_id"]:
        raise RuntimeError("floor: diff id mismatch")


def MeasureFloor(registry, repo, layers, runs, rec):
    """Records three floor rows (tool "floor") for pulling layers from registry/repo."""
    total = sum(l["size"] for l in layers)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(layers))
    try:
        def fetch():
            list(pool.map(lambda l: _fetch(registry, repo, l["digest"], lambda c: None), layers))

        held = {}

        def fetch_keep(l):
            parts = []
            _fetch(registry, repo, l["digest"], parts.append)
            held[l["digest"]] = parts

        list(pool.map(fetch_keep, layers))

        def inflate():
            list(pool.map(lambda l: _inflate_and_hash(held[l["digest"]], l["digest"],
                                                      l["diff_id"]), layers))

        def one_pass():
            list(pool.map(lambda l: _one_pass(registry, repo, l), layers))

        mb = total / 1e6
        for op, fn, note in [
                ("pull floor: fetch", fetch,
                 f"{len(layers)} blobs, {mb:.0f} MB, parallel GETs to /dev/null"),
                ("pull floor: inflate+sha256", inflate,
                 "from memory: sha256 of compressed and inflated bytes, zlib inflate"),
                ("pull floor: one pass", one_pass,
                 "fetch + sha256 + inflate + sha256 streamed, one thread per blob")]:
            fn()  # warm-up
            rec.Add(op, "floor", "ok", [TimeFn(fn) for _ in range(runs)], note=note)
        held.clear()
    finally:
        pool.shutdown()
