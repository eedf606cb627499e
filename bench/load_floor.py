"""The machine's floor for `load`: what any correct load of the benchmark's docker archive must
do, done by the standard tools. Read the archive once and hash it (`sha256sum`), and unpack each
layer with GNU `tar -x` (streamed out of the archive with `tar -xO`, so no layer.tar lands on
disk), the hashing running alongside the unpacking. berth does more than this (it verifies every
blob by digest, hashes each layer's tar for its diff id, writes the blobs and fsyncs them and the
snapshots) and less in one respect (tar -x is not confined); issue 8 asks for load within 1.5x
of this row.
"""

import json
import os
import shutil
import subprocess
import tarfile
import time

from measure import Sample, SettleDisk


def _layers(archive):
    """The archive's layer paths, base first, from its manifest.json."""
    with tarfile.open(archive) as t:
        member = t.getmember("manifest.json")
        return json.load(t.extractfile(member))[0]["Layers"]


def _one_run(archive, layers, out):
    os.makedirs(out)
    start = time.monotonic()
    hasher = subprocess.Popen(["sha256sum", archive], stdout=subprocess.DEVNULL)
    for i, layer in enumerate(layers):
        dest = os.path.join(out, str(i))
        os.makedirs(dest)
        reader = subprocess.Popen(["tar", "-xOf", archive, layer], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", dest, "--same-owner", "-p"], stdin=reader.stdout, check=True)
        reader.stdout.close()
        if reader.wait() != 0:
            raise RuntimeError(f"tar -xO {layer} failed")
    if hasher.wait() != 0:
        raise RuntimeError("sha256sum failed")
    return time.monotonic() - start


def MeasureLoadFloor(archive, runs, rec, scratch):
    """Records the "load floor" row (tool "floor"). Each run's output is removed after it; the
    runs wait for the disk to settle so earlier writes (and deletes) do not land on them."""
    if not shutil.which("sha256sum") or not shutil.which("tar"):
        rec.Add("load floor", "floor", "absent", note="needs sha256sum and tar")
        return
    layers = _layers(archive)
    samples = []
    for i in range(runs):
        out = os.path.join(scratch, f"load-floor-{i}")
        shutil.rmtree(out, ignore_errors=True)
        SettleDisk()
        secs = _one_run(archive, layers, out)
        samples.append(Sample(secs, None, 0, ""))
        shutil.rmtree(out, ignore_errors=True)
    mb = os.path.getsize(archive) / 1e6
    rec.Add("load floor", "floor", "ok", samples,
            note=f"sha256sum of the {mb:.0f} MB archive alongside tar -xO LAYER | tar -x, layer by layer")
