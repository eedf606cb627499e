"""`berth save`: Docker 25-style archives (OCI layout + manifest.json) that
docker, podman and skopeo read; -o through a temporary file; stdout only
when it is not a terminal."""
import hashlib
import io
import json
import os
import pty
import shutil
import subprocess
import tarfile
import tempfile
import time

from berthtest import private_dockerd, BERTH, BerthTest


def members(path_or_bytes):
    """{name: bytes-or-None} in archive order, and the TarInfos."""
    if isinstance(path_or_bytes, bytes):
        t = tarfile.open(fileobj=io.BytesIO(path_or_bytes))
    else:
        t = tarfile.open(path_or_bytes)
    with t:
        infos = t.getmembers()
        data = {i.name: (t.extractfile(i).read() if i.isfile() else None) for i in infos}
    return data, infos


def peer(name):
    return shutil.which(name)


class SaveTest(BerthTest):
    def stored_blob(self, digest):
        with open(os.path.join(self.root, "blobs", "sha256", digest.split(":")[1]), "rb") as f:
            return f.read()

    def check_archive(self, data, infos):
        """Shape of every archive berth writes; returns (index, manifest.json)."""
        names = [i.name for i in infos]
        self.assertEqual(names[:6], ["oci-layout", "index.json", "manifest.json", "repositories",
                                     "blobs", "blobs/sha256"])
        self.assertEqual(len(names), len(set(names)), "an entry written twice")
        for i in infos:
            self.assertEqual((i.uid, i.gid, i.mtime, i.uname, i.gname), (0, 0, 0, "", ""))
            self.assertEqual(i.mode, 0o755 if i.isdir() else 0o644)
        for name, blob in data.items():
            if name.startswith("blobs/sha256/"):
                self.assertEqual(hashlib.sha256(blob).hexdigest(), name.split("/")[-1])
        self.assertEqual(json.loads(data["oci-layout"]), {"imageLayoutVersion": "1.0.0"})
        index = json.loads(data["index.json"])
        self.assertEqual(index["mediaType"], "application/vnd.oci.image.index.v1+json")
        for d in index["manifests"]:
            m = json.loads(data["blobs/sha256/" + d["digest"][7:]])
            self.assertEqual(len(data["blobs/sha256/" + d["digest"][7:]]), d["size"])
            self.assertEqual(m["mediaType"], d["mediaType"])
            for layer in m["layers"]:
                self.assertIn("blobs/sha256/" + layer["digest"][7:], data)
        return index, json.loads(data["manifest.json"])

    def test_save_o_one_image(self):
        iid = self.import_busybox("busybox:latest", compression="gzip")
        out = os.path.join(self.tmp, "one.tar")
        r = self.ok("save", "-o", out, "busybox")
        self.assertEqual((r.out, r.err), ("", ""))
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
        self.assertEqual([n for n in os.listdir(self.tmp) if n.startswith(".berth_temp_")], [])
        data, infos = members(out)
        index, manifest = self.check_archive(data, infos)
        self.assertEqual(len(index["manifests"]), 1)
        self.assertEqual(index["manifests"][0]["annotations"], {
            "io.containerd.image.name": "docker.io/library/busybox:latest",
            "org.opencontainers.image.ref.name": "latest"})
        self.assertEqual(len(manifest), 1)
        self.assertEqual(manifest[0]["Config"], "blobs/sha256/" + iid[7:])
        self.assertEqual(manifest[0]["RepoTags"], ["busybox:latest"])
        layer = self.inspect("busybox")["RootFS"]["Layers"][0]
        repos = json.loads(data["repositories"])
        self.assertEqual(repos, {"busybox": {"latest": layer[7:]}})
        # The layer is the stored blob as it is (gzip), not recompressed.
        blob = manifest[0]["Layers"][0]
        self.assertEqual(data[blob][:2], b"\x1f\x8b")
        self.assertEqual(data[blob], self.stored_blob("sha256:" + blob.split("/")[-1]))
        # Deterministic: the same store saves the same bytes.
        with open(out, "rb") as f:
            first = f.read()
        self.assertEqual(self.raw_save("busybox:latest"), first)

    def test_zstd_layers_are_written_decompressed(self):
        iid = self.import_busybox("z:1", compression="zstd")
        diff_id = self.inspect("z:1")["RootFS"]["Layers"][0]
        data, infos = members(self.raw_save("z:1"))
        index, manifest = self.check_archive(data, infos)
        self.assertEqual(manifest[0]["Layers"], ["blobs/sha256/" + diff_id[7:]])
        m = json.loads(data["blobs/sha256/" + index["manifests"][0]["digest"][7:]])
        self.assertEqual(m["config"]["digest"], iid)
        self.assertEqual(m["layers"][0]["mediaType"], "application/vnd.oci.image.layer.v1.tar")
        self.assertEqual(m["layers"][0]["digest"], diff_id)
        layer = tarfile.open(fileobj=io.BytesIO(data["blobs/sha256/" + diff_id[7:]]))
        self.assertIn("./bin/busybox", layer.getnames())

    def raw_save(self, *names):
        proc = subprocess.run([BERTH, "--root", self.root, "save", *names],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout

    def test_save_stdout_several_images_share_layers(self):
        a = self.import_busybox("a:1")
        b = self.import_busybox("b:1")  # same layer blob, another config
        self.assertNotEqual(a, b)
        self.ok("tag", "a:1", "a:2")
        data, infos = members(self.raw_save("a", "b:1", a))  # a twice: merged
        index, manifest = self.check_archive(data, infos)
        self.assertEqual([m["RepoTags"] for m in manifest], [["a:1", "a:2"], ["b:1"]])
        self.assertEqual([m["Config"] for m in manifest], ["blobs/sha256/" + a[7:], "blobs/sha256/" + b[7:]])
        self.assertEqual(manifest[0]["Layers"], manifest[1]["Layers"])
        self.assertEqual(
            [d["annotations"]["io.containerd.image.name"] for d in index["manifests"]],
            ["docker.io/library/a:1", "docker.io/library/a:2", "docker.io/library/b:1"])
        blobs = [n for n in data if n.startswith("blobs/sha256/")]
        self.assertEqual(len(blobs), 5)  # 2 manifests + 2 configs + 1 shared layer

    def test_save_by_id_has_no_tags(self):
        iid = self.import_busybox("a:1")
        data, infos = members(self.raw_save(iid[7:19]))
        index, manifest = self.check_archive(data, infos)
        self.assertIsNone(manifest[0]["RepoTags"])
        self.assertNotIn("annotations", index["manifests"][0])
        self.assertEqual(json.loads(data["repositories"]), {})

    def test_refuses_a_terminal(self):
        self.import_busybox("a:1")
        master, slave = pty.openpty()
        try:
            proc = subprocess.run([BERTH, "--root", self.root, "save", "a:1"], stdout=slave,
                                  stderr=subprocess.PIPE, timeout=60)
        finally:
            os.close(slave)
            os.close(master)
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stderr.decode(),
                         "cowardly refusing to save to a terminal. Use the -o flag or redirect\n")

    def test_missing_image_leaves_no_file(self):
        self.import_busybox("a:1")
        out = os.path.join(self.tmp, "out", "x.tar")
        os.makedirs(os.path.dirname(out))
        r = self.fails("save", "-o", out, "a:1", "nope:1")
        self.assertEqual(r.err, "Error: No such image: nope:1\n")
        self.assertEqual(os.listdir(os.path.dirname(out)), [])
        r = self.fails("save", "-o", os.path.join(self.tmp, "absent", "x.tar"), "a:1")
        self.assertEqual(r.err, "failed to save image: invalid output path: directory \"" +
                         os.path.join(self.tmp, "absent") + "\" does not exist\n")
        r = self.berth("save")
        self.assertEqual(r.code, 1)
        self.assertIn("requires at least 1 argument", r.err)

    def test_existing_file_is_replaced_whole(self):
        self.import_busybox("a:1")
        out = os.path.join(self.tmp, "x.tar")
        with open(out, "wb") as f:
            f.write(b"old" * 100000)
        self.ok("save", "-o", out, "a:1")
        data, infos = members(out)
        self.check_archive(data, infos)
        self.fails("save", "-o", out, "nope:1")
        self.assertEqual(members(out)[0].keys(), data.keys())  # untouched by the failure
        self.ok("system", "check")

    def test_failure_while_writing_removes_the_temp_file(self):
        self.import_busybox("a:1")
        layer = json.loads(self.raw_save_manifest("a:1"))[0]["Layers"][0]
        path = os.path.join(self.root, layer)
        os.chmod(path, 0o644)
        with open(path, "r+b") as f:
            f.truncate(10)  # the store's blob no longer has its recorded size
        out = os.path.join(self.tmp, "out", "x.tar")
        os.makedirs(os.path.dirname(out))
        r = self.fails("save", "-o", out, "a:1")
        self.assertIn("save blob sha256:" + layer.split("/")[-1], r.err)
        self.assertEqual(os.listdir(os.path.dirname(out)), [])

    def raw_save_manifest(self, name):
        return members(self.raw_save(name))[0]["manifest.json"]

    # ---- interop: the peers read what berth writes ----

    def saved(self, tags=("busybox:latest",), compression="gzip"):
        iid = self.import_busybox(tags[0], compression=compression)
        for t in tags[1:]:
            self.ok("tag", tags[0], t)
        out = os.path.join(self.tmp, "saved.tar")
        self.ok("save", "-o", out, *tags)
        return iid, out

    def skopeo_config(self, src):
        dest = os.path.join(self.tmp, "dir-" + hashlib.sha256(src.encode()).hexdigest()[:8])
        r = subprocess.run(["skopeo", "copy", "-q", src, "dir:" + dest],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        with open(os.path.join(dest, "manifest.json")) as f:
            return json.load(f)["config"]["digest"]

    def test_skopeo_reads_docker_archive(self):
        if not peer("skopeo"):
            self.skipTest("skopeo is not installed")
        for compression in ("gzip", "zstd", None):
            with self.subTest(compression=compression):
                shutil.rmtree(self.root, ignore_errors=True)
                iid, out = self.saved(("busybox:latest", "busybox:v2"), compression)
                # dir: keeps the Docker manifest and config as they are; oci: would
                # convert the config (c/image re-serializes it), changing its digest.
                self.assertEqual(self.skopeo_config(f"docker-archive:{out}:busybox:v2"), iid)

    def test_skopeo_reads_oci_archive(self):
        if not peer("skopeo"):
            self.skipTest("skopeo is not installed")
        iid, out = self.saved()
        self.assertEqual(self.skopeo_config(f"oci-archive:{out}"), iid)
        self.assertEqual(self.skopeo_config(f"oci-archive:{out}:latest"), iid)
        dest = os.path.join(self.tmp, "layout")
        r = subprocess.run(["skopeo", "copy", "-q", f"oci-archive:{out}", "oci:" + dest],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        with open(os.path.join(dest, "index.json")) as f:
            digest = json.load(f)["manifests"][0]["digest"]
        with open(os.path.join(dest, "blobs", "sha256", digest[7:])) as f:
            self.assertEqual(json.load(f)["config"]["digest"], iid)

    def test_podman_load(self):
        if not peer("podman"):
            self.skipTest("podman is not installed")
        iid, out = self.saved(("busybox:latest", "sgfoot/top:v1"))
        base = os.path.join(self.tmp, "podman")
        run = tempfile.mkdtemp(prefix="bp-", dir="/tmp")  # podman wants a runroot under 50 chars
        self.addCleanup(shutil.rmtree, run, ignore_errors=True)
        cmd = ["podman", "--root", base + "/root", "--runroot", run, "--storage-driver", "vfs"]
        r = subprocess.run(cmd + ["load", "-i", out], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        r = subprocess.run(cmd + ["images", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        lines = r.stdout.decode().split()
        ids = {l for l in lines if l.startswith("sha256:")} or {
            "sha256:" + l for l in lines if len(l) == 64}
        self.assertEqual(ids, {iid}, r.stdout.decode())
        self.assertIn("top:v1", r.stdout.decode())

    def test_docker_load(self):
        iid, out = self.saved(("busybox:latest", "sgfoot/top:v1"), "zstd")
        docker = private_dockerd(self)
        r = subprocess.run(docker + ["load", "-i", out], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(r.stdout.decode().splitlines(),
                         ["Loaded image: busybox:latest", "Loaded image: sgfoot/top:v1"])
        r = subprocess.run(docker + ["image", "inspect", "-f", "{{.Id}}", "sgfoot/top:v1"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(r.stdout.decode().strip(), iid, r.stderr.decode())
        # And back: the archive docker writes loads into berth with the same id.
        back = os.path.join(self.tmp, "from-docker.tar")
        r = subprocess.run(docker + ["save", "-o", back, "busybox:latest", "sgfoot/top:v1"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        other = os.path.join(self.tmp, "other-root")
        r = self.ok("load", "-i", back, root=other)
        self.assertEqual(sorted(r.out.splitlines()),
                         ["Loaded image: busybox:latest", "Loaded image: sgfoot/top:v1"])
        self.assertEqual(self.ok("inspect", "-f", "{{.Id}}", "sgfoot/top:v1", root=other).out.strip(), iid)
