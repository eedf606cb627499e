"""Deterministic benchmark inputs: a runnable ~200 MB base rootfs and a 4-layer image on top.

Why this exists: the end-to-end benchmark must compare berth with docker, podman and skopeo on the
same bytes on every machine, without downloading anything. Everything here is derived from a fixed
seed and Debian's busybox-static binary, written with deterministic tar headers (fixed mtimes,
root ownership) and deterministic gzip (mtime 0), and cached under a directory named after
GENERATOR_VERSION so that a second run costs nothing. Bump GENERATOR_VERSION whenever the output
would change.
"""

import concurrent.futures
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import tarfile
import time

GENERATOR_VERSION = 4
SEED = 20240601
MTIME = 1700000000  # 2023-11-14T22:13:20Z
CREATED = "2023-11-14T22:13:20Z"
BUSYBOX = "/bin/busybox"

BASE_REPO = "bench/base"      # the 200 MB rootfs, imported
BIG_REPO = "bench/big"        # the 4-layer image, loaded / pulled / pushed
TINY_REPO = "bench/tiny"      # busybox only, carries the 1,000 tags


class _Text:
    """Pseudo-text that gzip compresses about 3-4x, generated fast from a pool of lines."""

    def __init__(self, rng):
        syll = ["ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "xi", "ul", "pre", "con", "ist",
                "ment", "ing", "der", "ble", "tion", "en", "or", "ph", "qu", "ar", "an"]
        words = ["".join(rng.choice(syll) for _ in range(rng.randint(1, 4))) for _ in range(1200)]
        words += ["the", "of", "and", "to", "in", "is", "for", "on", "with", "as", "by", "this"] * 40
        punct = [".", ",", ";", ":", "", "", "", ""]
        self.lines = []
        for _ in range(1500):
            n = rng.randint(3, 14)
            line = " ".join(rng.choice(words) + rng.choice(punct) for _ in range(n))
            self.lines.append((line + "\n").encode())
        self.rng = rng

    def make(self, size):
        if size <= 0:
            return b""
        k = size // 60 + 2
        data = b"".join(self.rng.choices(self.lines, k=k))
        while len(data) < size:
            data += b"".join(self.rng.choices(self.lines, k=k))
        return data[:size]


class _Gen:
    """Byte generators for the three kinds of file content."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.text = _Text(self.rng)

    def rand(self, size):
        return self.rng.randbytes(size)

    def binary(self, size):
        # Like a real ELF file: code-like random runs, string tables, zero padding.
        out = []
        left = size
        while left > 0:
            n = min(left, 4096)
            kind = self.rng.random()
            if kind < 0.25:
                out.append(self.rng.randbytes(n))
            elif kind < 0.65:
                out.append(self.text.make(n))
            else:
                out.append(bytes(n))
            left -= n
        return b"".join(out)


class _TarBuilder:
    """Writes entries with deterministic headers; tracks what it wrote."""

    def __init__(self, path):
        self.tar = tarfile.open(path, "w", format=tarfile.GNU_FORMAT)
        self.dirs = set()
        self.bytes = 0
        self.files = 0

    def _info(self, name, kind, mode):
        ti = tarfile.TarInfo(name)
        ti.type = kind
        ti.mode = mode
        ti.mtime = MTIME
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = "root"
        return ti

    def dir(self, name, mode=0o755):
        parts = name.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d and d not in self.dirs:
                self.dirs.add(d)
                self.tar.addfile(self._info(d, tarfile.DIRTYPE, mode))

    def file(self, name, data, mode=0o644):
        self.dir(os.path.dirname(name))
        ti = self._info(name, tarfile.REGTYPE, mode)
        ti.size = len(data)
        self.tar.addfile(ti, io.BytesIO(data))
        self.bytes += len(data)
        self.files += 1

    def symlink(self, name, target):
        self.dir(os.path.dirname(name))
        ti = self._info(name, tarfile.SYMTYPE, 0o777)
        ti.linkname = target
        self.tar.addfile(ti)

    def hardlink(self, name, target):
        self.dir(os.path.dirname(name))
        ti = self._info(name, tarfile.LNKTYPE, 0o755)
        ti.linkname = target
        self.tar.addfile(ti)

    def close(self):
        self.tar.close()


def _busybox_applets():
    out = subprocess.run([BUSYBOX, "--list-full"], capture_output=True, text=True, check=True)
    return sorted(line.strip() for line in out.stdout.splitlines() if line.strip())


def _add_busybox(t, busybox_bytes, applets):
    for d in ["bin", "sbin", "usr/bin", "usr/sbin"]:
        t.dir(d)
    t.file("bin/busybox", busybox_bytes, 0o755)
    for a in applets:
        if a == "bin/busybox":
            continue
        t.symlink(a, os.path.relpath("bin/busybox", os.path.dirname(a)))
    t.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n")
    t.file("etc/group", b"root:x:0:\nnogroup:x:65534:\n")
    t.file("etc/hosts", b"127.0.0.1 localhost\n")
    t.file("etc/os-release", b'NAME="berth-bench"\nID=berthbench\nVERSION_ID=1\n')
    for d in ["tmp", "root", "home", "mnt", "proc", "sys", "dev", "run", "var/empty",
              "var/cache/empty", "srv"]:
        t.dir(d, 0o1777 if d == "tmp" else 0o755)


def _write_base(path, g, busybox_bytes, applets):
    """~200 MB: busybox plus a distribution-like /usr tree."""
    t = _TarBuilder(path)
    _add_busybox(t, busybox_bytes, applets)
    # Documentation: ~2,400 small text files in nested dirs.
    for p in range(400):
        base = f"usr/share/doc/pkg{p:03d}"
        for name in ["copyright", "changelog", "README", "NEWS", "AUTHORS", "TODO"]:
            t.file(f"{base}/{name}", g.text.make(g.rng.randint(300, 12000)))
    # Python-like library: ~3,000 small modules three levels deep.
    for a in range(30):
        for b in range(10):
            d = f"usr/lib/python3/dist-packages/pkg{a:02d}/sub{b}"
            for m in range(10):
                t.file(f"{d}/mod{m}.py", g.text.make(g.rng.randint(500, 9000)))
    # Shared libraries with soname symlinks.
    for i in range(60):
        real = f"usr/lib/x86_64-linux-gnu/libbench{i:02d}.so.1.{i % 7}.0"
        t.file(real, g.binary(g.rng.randint(100_000, 2_200_000)))
        t.symlink(f"usr/lib/x86_64-linux-gnu/libbench{i:02d}.so.1", os.path.basename(real))
    # Tools, a few hardlinked aliases.
    for i in range(30):
        t.file(f"usr/bin/tool{i:02d}", g.binary(g.rng.randint(200_000, 3_000_000)), 0o755)
    for i in range(0, 30, 6):
        t.hardlink(f"usr/bin/tool{i:02d}-alias", f"usr/bin/tool{i:02d}")
    # Multi-MB data: locale-like text and incompressible archives.
    t.file("usr/lib/locale/locale-archive", g.text.make(16_000_000))
    for i in range(4):
        t.file(f"usr/share/bench/data{i}.bin", g.rand(4_000_000 + i * 1_000_000))
    t.dir("usr/share/empty")
    t.close()


def _write_layer2(path, g):
    """~95 MB toolchain-like layer: medium files, headers, a few big binaries."""
    t = _TarBuilder(path)
    for i in range(1500):
        t.file(f"usr/include/bench/h{i // 100:02d}/header{i:04d}.h",
               g.text.make(g.rng.randint(500, 20000)))
    for i in range(26):
        t.file(f"usr/libexec/gcc/x86_64-linux-gnu/12/cc1-part{i:02d}",
               g.binary(g.rng.randint(1_000_000, 4_000_000)), 0o755)
    t.file("usr/lib/gcc/x86_64-linux-gnu/12/libbench.a", g.binary(8_000_000))
    t.close()


def _write_layer3(path, g):
    """~60 MB node_modules-like layer: ~8,000 small files deep in the tree."""
    t = _TarBuilder(path)
    for p in range(400):
        d = f"app/node_modules/dep{p:03d}"
        t.file(f"{d}/package.json", b'{"name": "dep%03d", "version": "1.0.%d"}\n' % (p, p % 9))
        for f in range(19):
            t.file(f"{d}/lib/{f // 5}/file{f}.js", g.text.make(g.rng.randint(200, 12000)))
    for i in range(6):
        t.file(f"app/node_modules/.bin/native{i}.node", g.binary(3_000_000), 0o755)
    t.close()


def _write_layer4(path, g):
    """~45 MB application layer: a model-like blob, assets, one whiteout, one overwrite."""
    t = _TarBuilder(path)
    t.file("app/model/weights.bin", g.rand(18_000_000))
    t.file("app/model/vocab.txt", g.text.make(18_000_000))
    for i in range(150):
        t.file(f"app/static/asset{i:03d}.css", g.text.make(g.rng.randint(1000, 60000)))
    t.file("app/server", g.binary(6_000_000), 0o755)
    t.file("etc/os-release", b'NAME="berth-bench-app"\nID=berthbench\nVERSION_ID=2\n')
    t.file("usr/share/doc/pkg000/.wh.TODO", b"")
    t.close()


def _write_tiny(path, busybox_bytes, applets):
    t = _TarBuilder(path)
    _add_busybox(t, busybox_bytes, applets)
    t.close()


def _hash_and_gzip(tar_path):
    """Returns (diff_id, blob_digest, blob_size) and writes tar_path + '.gz'."""
    diff = hashlib.sha256()
    blob = hashlib.sha256()

    class _HashingFile(io.RawIOBase):
        def __init__(self, f):
            self.f = f
            self.n = 0

        def write(self, b):
            blob.update(b)
            self.n += len(b)
            return self.f.write(b)

        def writable(self):
            return True

    with open(tar_path + ".gz.tmp", "wb") as raw:
        hf = _HashingFile(raw)
        with gzip.GzipFile(fileobj=hf, mode="wb", compresslevel=6, mtime=0, filename="") as gz:
            with open(tar_path, "rb") as src:
                while chunk := src.read(1 << 20):
                    diff.update(chunk)
                    gz.write(chunk)
        size = hf.n
    os.rename(tar_path + ".gz.tmp", tar_path + ".gz")
    return "sha256:" + diff.hexdigest(), "sha256:" + blob.hexdigest(), size


def _write_json(path, obj):
    data = json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()
    with open(path, "wb") as f:
        f.write(data)
    return data


def _write_oci_layout(d, layers, config_bytes):
    """An OCI image layout (gzip layers) for pushing into the registry with skopeo."""
    blobs = os.path.join(d, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    for layer in layers:
        dst = os.path.join(blobs, layer["digest"].split(":")[1])
        if not os.path.exists(dst):
            os.link(layer["gz"], dst)
    cfg_digest = "sha256:" + hashlib.sha256(config_bytes).hexdigest()
    with open(os.path.join(blobs, cfg_digest.split(":")[1]), "wb") as f:
        f.write(config_bytes)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": cfg_digest, "size": len(config_bytes)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": l["digest"], "size": l["size"]} for l in layers],
    }
    mbytes = json.dumps(manifest, separators=(",", ":")).encode()
    mdigest = "sha256:" + hashlib.sha256(mbytes).hexdigest()
    with open(os.path.join(blobs, mdigest.split(":")[1]), "wb") as f:
        f.write(mbytes)
    _write_json(os.path.join(d, "oci-layout"), {"imageLayoutVersion": "1.0.0"})
    _write_json(os.path.join(d, "index.json"), {
        "schemaVersion": 2,
        "manifests": [{"mediaType": manifest["mediaType"], "digest": mdigest, "size": len(mbytes),
                       "annotations": {"org.opencontainers.image.ref.name": "latest"}}]})
    return mdigest


def _write_docker_archive(path, layers, config_bytes, repo_tag):
    """`docker save` format with uncompressed layers, readable by docker, podman and skopeo."""
    cfg_hex = hashlib.sha256(config_bytes).hexdigest()
    with tarfile.open(path + ".tmp", "w", format=tarfile.GNU_FORMAT) as t:
        def add(name, data):
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime, ti.mode = len(data), MTIME, 0o644
            t.addfile(ti, io.BytesIO(data))
        names = []
        for layer in layers:
            d = layer["diff_id"].split(":")[1]
            ti = tarfile.TarInfo(d)
            ti.type, ti.mtime, ti.mode = tarfile.DIRTYPE, MTIME, 0o755
            t.addfile(ti)
            add(f"{d}/VERSION", b"1.0")
            with open(layer["tar"], "rb") as f:
                ti = tarfile.TarInfo(f"{d}/layer.tar")
                ti.size, ti.mtime, ti.mode = os.path.getsize(layer["tar"]), MTIME, 0o644
                t.addfile(ti, f)
            names.append(f"{d}/layer.tar")
        add(f"{cfg_hex}.json", config_bytes)
        manifest = [{"Config": f"{cfg_hex}.json", "RepoTags": [repo_tag], "Layers": names}]
        add("manifest.json", json.dumps(manifest).encode())
        repo, tag = repo_tag.rsplit(":", 1)
        add("repositories", json.dumps({repo: {tag: names[-1].split("/")[0]}}).encode())
    os.rename(path + ".tmp", path)


def _config(layers):
    return {
        "architecture": "amd64", "os": "linux", "created": CREATED,
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": ["/bin/sh"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in layers]},
        "history": [{"created": CREATED, "created_by": f"berth-bench layer {i + 1}"}
                    for i in range(len(layers))],
    }


def ensure_inputs(scratch, log=print):
    """Generates (or reuses) the inputs under scratch; returns a dict describing them."""
    d = os.path.join(scratch, f"inputs-v{GENERATOR_VERSION}")
    meta_path = os.path.join(d, "inputs.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            return json.load(f)
    if os.path.isdir(d):
        shutil.rmtree(d)
    for old in os.listdir(scratch) if os.path.isdir(scratch) else []:
        if old.startswith("inputs-v"):
            shutil.rmtree(os.path.join(scratch, old), ignore_errors=True)
    os.makedirs(d)
    start = time.monotonic()
    log(f"generating inputs (generator v{GENERATOR_VERSION}, seed {SEED}) in {d} ...")
    with open(BUSYBOX, "rb") as f:
        busybox_bytes = f.read()
    applets = _busybox_applets()
    g = _Gen(SEED)
    paths = [os.path.join(d, f"layer{i}.tar") for i in range(1, 5)]
    _write_base(paths[0], g, busybox_bytes, applets)
    _write_layer2(paths[1], g)
    _write_layer3(paths[2], g)
    _write_layer4(paths[3], g)
    _write_tiny(os.path.join(d, "tiny.tar"), busybox_bytes, applets)
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        results = list(ex.map(_hash_and_gzip, paths))
    layers = [{"tar": p, "gz": p + ".gz", "tar_size": os.path.getsize(p), "diff_id": r[0],
               "digest": r[1], "size": r[2]} for p, r in zip(paths, results)]
    config_bytes = json.dumps(_config(layers), separators=(",", ":"), sort_keys=True).encode()
    image_id = "sha256:" + hashlib.sha256(config_bytes).hexdigest()
    oci_dir = os.path.join(d, "oci")
    manifest_digest = _write_oci_layout(oci_dir, layers, config_bytes)
    archive = os.path.join(d, "big-docker-archive.tar")
    _write_docker_archive(archive, layers, config_bytes, BIG_REPO + ":latest")
    ctx = os.path.join(d, "build-context")
    os.makedirs(ctx)
    lines = ["FROM scratch"]
    for i, layer in enumerate(layers, 1):
        os.link(layer["gz"], os.path.join(ctx, f"layer{i}.tar.gz"))
        lines.append(f"ADD layer{i}.tar.gz /")
    lines.append('CMD ["/bin/sh"]')
    with open(os.path.join(ctx, "Dockerfile"), "w") as f:
        f.write("\n".join(lines) + "\n")
    meta = {
        "generator_version": GENERATOR_VERSION, "seed": SEED, "dir": d,
        "base_tar": paths[0], "tiny_tar": os.path.join(d, "tiny.tar"),
        "layers": layers, "image_id": image_id, "manifest_digest": manifest_digest,
        "oci_layout": oci_dir, "docker_archive": archive, "build_context": ctx,
        "total_tar_bytes": sum(l["tar_size"] for l in layers),
        "total_gz_bytes": sum(l["size"] for l in layers),
    }
    _write_json(meta_path + ".tmp", meta)
    os.rename(meta_path + ".tmp", meta_path)
    log(f"inputs ready in {time.monotonic() - start:.1f}s: base {layers[0]['tar_size'] / 1e6:.0f} MB,"
        f" image {meta['total_tar_bytes'] / 1e6:.0f} MB"
        f" ({meta['total_gz_bytes'] / 1e6:.0f} MB gzip) in 4 layers")
    return meta


if __name__ == "__main__":
    import sys
    m = ensure_inputs(sys.argv[1] if len(sys.argv) > 1 else "/tmp/berth-bench")
    for layer in m["layers"]:
        print(layer["tar_size"], layer["size"], layer["tar"])
