"""`berth load`: Docker legacy, Docker 25+ and OCI archives (plain or
compressed, layers plain or gzip), reloads, stdin, hostile archives, and
archives written by skopeo."""
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import unittest

from berthtest import BerthTest, assert_store_clean, tar_bytes


def sha(data):
    return hashlib.sha256(data).hexdigest()


def file_entry(name, data, mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.mode = mode
    ti.mtime = 1700000000
    return (ti, data)


def dir_entry(name):
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.DIRTYPE
    ti.mode = 0o755
    return (ti, None)


def link_entry(name, target, kind=tarfile.SYMTYPE):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.linkname = target
    return (ti, None)


class Image:
    """A small image: plain layer tars, their diff ids and a config."""

    def __init__(self, seed="a", layers=2, diff_ids=None, tars=None):
        self.layers = tars or [tar_bytes([file_entry(f"{seed}-{i}.txt", f"{seed} layer {i}\n".encode() * 50)])
                               for i in range(layers)]
        layers = len(self.layers)
        self.diff_ids = diff_ids or ["sha256:" + sha(l) for l in self.layers]
        self.config = json.dumps({
            "architecture": "amd64", "os": "linux", "created": "2024-01-02T03:04:05Z",
            "config": {"Cmd": ["/bin/sh"], "Env": [f"SEED={seed}"]},
            "rootfs": {"type": "layers", "diff_ids": self.diff_ids},
            "history": [{"created": "2024-01-02T03:04:05Z", "created_by": f"layer {i}"}
                        for i in range(layers)],
        }).encode()
        self.id = "sha256:" + sha(self.config)

    def blobs(self, gz_layers):
        return [gzip.compress(l, mtime=0) if gz_layers else l for l in self.layers]


def layer_media_type(gz):
    return "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if gz else "")


def oci_manifest(img, blobs, gz):
    return json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": img.id, "size": len(img.config)},
        "layers": [{"mediaType": layer_media_type(gz), "digest": "sha256:" + sha(b), "size": len(b)}
                   for b in blobs],
    }).encode()


def legacy_archive(images, gz_layers=False, manifest_first=False):
    """docker save (before 25): <id>/layer.tar, <id>/json, <hex>.json, manifest.json."""
    entries, manifest, saved = [], [], {}
    for img, tags in images:
        paths = []
        for i, blob in enumerate(img.blobs(gz_layers)):
            lid = sha((img.id + str(i)).encode())
            entries += [dir_entry(lid), file_entry(f"{lid}/VERSION", b"1.0"),
                        file_entry(f"{lid}/json", json.dumps({"id": lid}).encode())]
            if blob in saved:  # as Docker does: a layer saved twice is a symlink
                entries.append(link_entry(f"{lid}/layer.tar", f"../{saved[blob]}"))
            else:
                entries.append(file_entry(f"{lid}/layer.tar", blob))
                saved[blob] = f"{lid}/layer.tar"
            paths.append(f"{lid}/layer.tar")
        cfg = img.id.split(":")[1] + ".json"
        entries.append(file_entry(cfg, img.config))
        manifest.append({"Config": cfg, "RepoTags": tags, "Layers": paths})
    meta = [file_entry("manifest.json", json.dumps(manifest).encode()),
            file_entry("repositories", b"{}")]
    return tar_bytes(meta + entries if manifest_first else entries + meta)


def oci_entries(images, gz_layers, annotate):
    entries, index, seen = [file_entry("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')], [], set()

    def blob(data):
        h = sha(data)
        if h not in seen:
            seen.add(h)
            entries.append(file_entry(f"blobs/sha256/{h}", data))
        return "sha256:" + h

    manifest_json = []
    for img, tags in images:
        blobs = img.blobs(gz_layers)
        layer_paths = ["blobs/sha256/" + blob(b).split(":")[1] for b in blobs]
        blob(img.config)
        m = oci_manifest(img, blobs, gz_layers)
        d = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": blob(m), "size": len(m)}
        if tags and annotate:
            d["annotations"] = {"io.containerd.image.name": "docker.io/library/" + tags[0],
                                "org.opencontainers.image.ref.name": tags[0].split(":")[1]}
        index.append(d)
        manifest_json.append({"Config": "blobs/sha256/" + img.id.split(":")[1], "RepoTags": tags,
                              "Layers": layer_paths})
    index_json = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                             "manifests": index}).encode()
    return entries, index_json, manifest_json


def docker25_archive(images, gz_layers=False):
    """docker save (25 and later): an OCI layout plus manifest.json."""
    entries, index_json, manifest_json = oci_entries(images, gz_layers, True)
    entries += [file_entry("index.json", index_json),
                file_entry("manifest.json", json.dumps(manifest_json).encode()),
                file_entry("repositories", b"{}")]
    return tar_bytes(entries)


def oci_archive(images, gz_layers=False, annotate=True):
    """An OCI image layout in a tar (skopeo's oci-archive:)."""
    entries, index_json, _ = oci_entries(images, gz_layers, annotate)
    return tar_bytes([file_entry("index.json", index_json)] + entries)


FORMATS = {"legacy": legacy_archive, "docker25": docker25_archive, "oci": oci_archive}


class LoadTest(BerthTest):
    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def images(self, root=None):
        return self.ok("images", "-q", "--no-trunc", root=root).out.split()

    def test_every_format_and_compression(self):
        img = Image("fmt")
        for fmt, build in FORMATS.items():
            for gz_layers in (False, True):
                for outer in (None, "gzip"):
                    with self.subTest(fmt=fmt, gz_layers=gz_layers, outer=outer):
                        data = build([(img, ["app:v1"])], gz_layers=gz_layers)
                        if outer:
                            data = gzip.compress(data)
                        root = os.path.join(self.tmp, f"r-{fmt}-{gz_layers}-{outer}")
                        path = self.write(f"{fmt}-{gz_layers}-{outer}.tar", data)
                        r = self.ok("load", "-i", path, root=root)
                        self.assertEqual(r.out, "Loaded image: app:v1\n")
                        info = json.loads(self.ok("inspect", "app:v1", root=root).out)[0]
                        self.assertEqual(info["Id"], img.id)
                        self.assertEqual(info["RootFS"]["Layers"], img.diff_ids)
                        self.assertEqual(info["RepoDigests"], [])
                        assert_store_clean(self, root)

    def test_other_outer_compressions(self):
        img = Image("comp")
        plain = legacy_archive([(img, ["c:1"])])
        for tool in (["zstd", "-q"], ["bzip2"], ["xz"]):
            if shutil.which(tool[0]) is None:
                print(f"skipping {tool[0]}: not installed")
                continue
            data = subprocess.run(tool + ["-c"], input=plain, stdout=subprocess.PIPE, check=True).stdout
            root = os.path.join(self.tmp, "r-" + tool[0])
            self.assertEqual(self.ok("load", stdin=data, root=root).out, "Loaded image: c:1\n")
            self.assertEqual(self.images(root), [img.id])

    def test_manifest_first_and_several_images_with_shared_layers(self):
        a = Image("shared", layers=2)
        b = Image("shared", layers=3)  # same first two layers, one more
        data = legacy_archive([(a, ["a:1", "a:2"]), (b, [])], manifest_first=True)
        r = self.ok("load", stdin=data)
        self.assertEqual(r.out, f"Loaded image: a:1\nLoaded image: a:2\nLoaded image ID: {b.id}\n")
        self.assertEqual(sorted(set(self.images())), sorted([a.id, b.id]))
        self.assertEqual(len(os.listdir(os.path.join(self.root, "snapshots"))), 3)
        assert_store_clean(self)
        self.ok("rmi", "a:1", "a:2", b.id)
        r = self.ok("load", stdin=legacy_archive([(a, ["a:1"]), (b, ["b:1"])], gz_layers=True))
        self.assertEqual(r.out, "Loaded image: a:1\nLoaded image: b:1\n")
        self.assertEqual(self.inspect("b:1")["RootFS"]["Layers"], b.diff_ids)
        assert_store_clean(self)

    def test_symlinked_layer_outside_archive(self):
        img = Image("esc", layers=1)
        lid = "a" * 64
        m = [{"Config": img.id.split(":")[1] + ".json", "RepoTags": ["e:1"], "Layers": [f"{lid}/layer.tar"]}]
        data = tar_bytes([link_entry(f"{lid}/layer.tar", "../../../etc/passwd"),
                          file_entry(img.id.split(":")[1] + ".json", img.config),
                          file_entry("manifest.json", json.dumps(m).encode())])
        self.refused(data, "leaves the archive")

    def test_untagged_oci_image(self):
        img = Image("untagged")
        r = self.ok("load", stdin=oci_archive([(img, ["x:1"])], annotate=False))
        self.assertEqual(r.out, f"Loaded image ID: {img.id}\n")

    def test_second_load_unpacks_nothing(self):
        img = Image("twice")
        path = self.write("a.tar", docker25_archive([(img, ["t:1"])], gz_layers=True))
        self.ok("load", "-q", "-i", path)
        snaps = sorted(os.listdir(os.path.join(self.root, "snapshots")))
        self.assertEqual(len(snaps), 2)
        with open(path, "rb") as f:
            r = self.ok("load", stdin=f.read())
        self.assertEqual(r.out, "Loaded image: t:1\n")
        self.assertEqual(sorted(os.listdir(os.path.join(self.root, "snapshots"))), snaps)
        self.assertEqual(self.images(), [img.id])
        assert_store_clean(self)

    def test_hardlink_into_a_lower_layer(self):
        # Layers are unpacked while the archive streams, before load knows
        # their parents; one that links to a file of its parent is unpacked
        # again once the parent is there.
        base = tar_bytes([file_entry("hl-0.txt", b"hl layer 0\n" * 50)])
        top = tar_bytes([link_entry("copy.txt", "hl-0.txt", kind=tarfile.LNKTYPE),
                         file_entry("own.txt", b"own\n")])
        img = Image("hl", tars=[base, top])
        for fmt in ("legacy", "oci"):
            with self.subTest(fmt=fmt):
                r = self.ok("load", stdin=FORMATS[fmt]([(img, ["hl:1"])]))
                self.assertEqual(r.out, "Loaded image: hl:1\n")
                self.assertEqual(self.inspect("hl:1")["RootFS"]["Layers"], img.diff_ids)
                snaps = os.path.join(self.root, "snapshots")
                tops = [n for n in os.listdir(snaps) if os.path.exists(os.path.join(snaps, n, "fs", "own.txt"))]
                self.assertEqual(len(tops), 1)
                with open(os.path.join(snaps, tops[0], "fs", "copy.txt"), "rb") as f:
                    self.assertEqual(f.read(), b"hl layer 0\n" * 50)
                assert_store_clean(self)
                self.ok("rmi", "hl:1")

    def test_tag_moved_from_another_image(self):
        a, b = Image("old", layers=1), Image("new", layers=1)
        self.ok("load", stdin=legacy_archive([(a, ["t:1", "keep:1"])]))
        r = self.ok("load", "-q", stdin=docker25_archive([(b, ["t:1"])]))
        self.assertEqual(r.out, f"The image t:1 already exists, renaming the old one with ID {a.id} "
                                "to empty string\nLoaded image: t:1\n")
        self.assertEqual(self.inspect("keep:1")["Id"], a.id)
        r = self.ok("load", stdin=docker25_archive([(b, ["t:1"])]))  # the same again: no notice
        self.assertEqual(r.out, "Loaded image: t:1\n")

    def multi_platform_archive(self, img, platforms, present):
        """An OCI archive whose index.json names an image index listing platforms; only the
        manifest of `present` (and an attestation) is in the archive, as Docker 25+ saves them."""
        blobs = img.blobs(False)
        m = oci_manifest(img, blobs, False)
        entries = [file_entry("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')]
        entries += [file_entry("blobs/sha256/" + sha(b), b) for b in blobs + [img.config, m]]
        manifests = []
        for p in platforms:
            os_, arch = p.split("/")
            data = m if p == present else json.dumps({"other": p}).encode()
            manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                              "digest": "sha256:" + sha(data), "size": len(data),
                              "platform": {"os": os_, "architecture": arch}})
        att = json.dumps({"attestation": 1}).encode()
        entries.append(file_entry("blobs/sha256/" + sha(att), att))
        manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "digest": "sha256:" + sha(att), "size": len(att),
                          "platform": {"os": "unknown", "architecture": "unknown"}})
        index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                            "manifests": manifests}).encode()
        entries.append(file_entry("blobs/sha256/" + sha(index), index))
        top = json.dumps({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + sha(index),
            "size": len(index), "annotations": {"io.containerd.image.name": "docker.io/library/mp:1"}}]})
        return tar_bytes(entries + [file_entry("index.json", top.encode())]), "sha256:" + sha(m)

    def test_multi_platform_index_in_archive(self):
        img = Image("mp", layers=2)
        data, mdigest = self.multi_platform_archive(img, ["linux/arm64", "linux/amd64"], "linux/amd64")
        r = self.ok("load", stdin=data)
        self.assertEqual(r.out, "Loaded image: mp:1\n")
        self.assertEqual(self.inspect("mp:1")["Id"], img.id)
        assert_store_clean(self)
        self.ok("rmi", "mp:1")
        r = self.fails("load", "--platform", "linux/arm64", stdin=data)
        self.assertIn("the manifest for linux/arm64 is missing from the archive", r.err)
        data, _ = self.multi_platform_archive(img, ["linux/arm64", "linux/s390x"], "linux/s390x")
        r = self.fails("load", stdin=data)
        self.assertIn("no matching manifest for linux/amd64 in the manifest list entries", r.err)
        r = self.ok("load", "--platform", "linux/s390x", stdin=data)
        self.assertEqual(r.out, "Loaded image: mp:1\n")
        self.assertEqual(self.images(), [img.id])
        assert_store_clean(self)

    def test_layer_contents_unpacked(self):
        img = Image("files", layers=2)
        self.ok("load", stdin=oci_archive([(img, ["f:1"])], gz_layers=True))
        snaps = os.path.join(self.root, "snapshots")
        found = {}
        for n in os.listdir(snaps):
            for name in os.listdir(os.path.join(snaps, n, "fs")):
                with open(os.path.join(snaps, n, "fs", name), "rb") as f:
                    found[name] = f.read()
        self.assertEqual(found, {f"files-{i}.txt": f"files layer {i}\n".encode() * 50 for i in range(2)})

    def test_empty_stdin(self):
        r = self.fails("load", stdin=b"")
        self.assertEqual(r.err, "Error: requested load from stdin, but stdin is empty\n")

    # ---- hostile archives: one Error line, exit 1, no image, nothing outside the store ----

    def refused(self, data, want):
        before = sorted(os.listdir(self.tmp))
        r = self.fails("load", stdin=data)
        self.assertTrue(r.err.startswith("Error: "), r.err)
        self.assertIn(want, r.err)
        self.assertEqual(self.images(), [])
        self.assertEqual(sorted(os.listdir(self.tmp)), sorted(set(before) | {"root"}))
        assert_store_clean(self)
        return r

    def test_manifest_path_outside_archive(self):
        img = Image("evil")
        m = [{"Config": img.id.split(":")[1] + ".json", "RepoTags": ["e:1"], "Layers": ["../../x", "../../y"]}]
        data = tar_bytes([file_entry(img.id.split(":")[1] + ".json", img.config),
                          file_entry("manifest.json", json.dumps(m).encode())])
        self.refused(data, "../../x: path leaves the archive")

    def test_entry_name_outside_archive(self):
        self.refused(tar_bytes([file_entry("../../x", b"hi")]), "name with ..")
        self.refused(tar_bytes([file_entry("/tmp/x", b"hi")]), "absolute name")

    def test_blob_that_is_a_symlink(self):
        img = Image("link")
        entries, index_json, _ = oci_entries([(img, ["l:1"])], False, True)
        name = "blobs/sha256/" + sha(img.layers[0])
        entries = [e if e[0].name != name else link_entry(name, "/etc/passwd") for e in entries]
        self.refused(tar_bytes(entries + [file_entry("index.json", index_json)]), "is a link")
        entries = [e if e[0].name != name else link_entry(name, "oci-layout", tarfile.LNKTYPE)
                   for e in entries]
        self.refused(tar_bytes(entries + [file_entry("index.json", index_json)]), "is a link")

    def test_blob_content_not_matching_its_name(self):
        img = Image("mismatch")
        entries, index_json, _ = oci_entries([(img, ["m:1"])], False, True)
        name = "blobs/sha256/" + sha(img.layers[1])
        entries = [e if e[0].name != name else file_entry(name, img.layers[0]) for e in entries]
        self.refused(tar_bytes(entries + [file_entry("index.json", index_json)]), "digest mismatch")

    def test_config_diff_ids_not_matching_layers(self):
        good = Image("diff")
        img = Image("diff", diff_ids=["sha256:" + "0" * 64, good.diff_ids[1]])
        self.refused(legacy_archive([(img, ["d:1"])]), "diff id mismatch")

    def test_legacy_config_not_matching_its_name(self):
        img = Image("cfgname")
        data = legacy_archive([(img, ["c:1"])]).replace(b'"SEED=cfgname"', b'"SEED=cfgnamX"')
        self.refused(data, "digest mismatch")

    def test_json_over_the_cap(self):
        big = b"[" + b" " * (9 << 20) + b"]"
        self.refused(tar_bytes([file_entry("manifest.json", big)]), "larger than 8 MiB")

    def test_huge_config(self):
        img = Image("huge")
        cfg = img.config[:-1] + b', "pad": "' + b"x" * (20 << 20) + b'"}'
        m = [{"Config": "c.json", "RepoTags": ["h:1"], "Layers": []}]
        self.refused(tar_bytes([file_entry("c.json", cfg), file_entry("manifest.json", json.dumps(m).encode())]),
                     "manifest.json[0]: config")

    def test_100mb_manifest(self):
        path = self.write("big.tar", tar_bytes([file_entry("manifest.json", b"[" + b" " * (100 << 20) + b"]")]))
        r = self.fails("load", "-i", path)
        self.assertEqual(r.err, "Error: archive entry manifest.json is larger than 8 MiB\n")
        self.assertEqual(self.images(), [])

    def test_missing_layer(self):
        img = Image("missing")
        data = legacy_archive([(img, ["m:1"])])
        entries = [e for e in tarfile.open(fileobj=io.BytesIO(data)).getmembers()]
        t = tarfile.open(fileobj=io.BytesIO(data))
        kept = [(m, t.extractfile(m).read() if m.isfile() else None) for m in entries
                if not m.name.endswith("layer.tar") or m.name.startswith(entries[0].name)]
        self.refused(tar_bytes(kept), "is missing from the archive")
        _, index_json, _ = oci_entries([(img, ["m:1"])], False, True)
        entries, _, _ = oci_entries([(img, ["m:1"])], False, True)
        entries = [e for e in entries if e[0].name != "blobs/sha256/" + sha(img.layers[1])]
        self.refused(tar_bytes(entries + [file_entry("index.json", index_json)]), "is missing from the archive")

    def test_truncated_archive(self):
        img = Image("trunc")
        data = docker25_archive([(img, ["t:1"])])
        self.refused(data[: len(data) // 2], "")
        gz = gzip.compress(data)
        self.refused(gz[: len(gz) - 100], "")

    def test_not_an_image_archive(self):
        self.refused(tar_bytes([file_entry("hello.txt", b"hi")]), "not an image archive")


class SkopeoInteropTest(BerthTest):
    def setUp(self):
        super().setUp()
        if shutil.which("skopeo") is None:
            self.skipTest("skopeo is not installed")

    def test_archives_made_by_skopeo(self):
        img = Image("skopeo")
        layout = os.path.join(self.tmp, "layout")
        os.makedirs(layout)
        with tarfile.open(fileobj=io.BytesIO(oci_archive([(img, ["s:1"])], gz_layers=True))) as t:
            t.extractall(layout)
        for kind in ("docker-archive", "oci-archive"):
            with self.subTest(kind=kind):
                out = os.path.join(self.tmp, kind + ".tar")
                subprocess.run(["skopeo", "--insecure-policy", "copy", "-q", f"oci:{layout}",
                                f"{kind}:{out}:example.com/skopeo:v1"], check=True)
                root = os.path.join(self.tmp, "r-" + kind)
                r = self.ok("load", "-i", out, root=root)
                self.assertEqual(r.out, "Loaded image: example.com/skopeo:v1\n")
                info = json.loads(self.ok("inspect", "example.com/skopeo:v1", root=root).out)[0]
                self.assertEqual(info["Id"], img.id)
                self.assertEqual(info["RootFS"]["Layers"], img.diff_ids)
                assert_store_clean(self, root)


class PodmanInteropTest(BerthTest):
    def setUp(self):
        super().setUp()
        if shutil.which("podman") is None:
            self.skipTest("podman is not installed")

    def podman(self, *args):
        return subprocess.run(["podman", "--root", os.path.join(self.tmp, "p"), "--runroot",
                               os.path.join(self.tmp, "pr"), "--storage-driver", "vfs"] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True, text=True)

    def test_archives_made_by_podman(self):
        rootfs = tar_bytes([file_entry("hello.txt", b"hello from podman\n")])
        src = os.path.join(self.tmp, "rootfs.tar")
        with open(src, "wb") as f:
            f.write(rootfs)
        try:
            pid = self.podman("import", "-q", src, "example.com/pod:v1").stdout.strip().splitlines()[-1]
        except subprocess.CalledProcessError as e:
            self.skipTest(f"podman cannot run here: {e.stderr.strip()}")
        want = pid if pid.startswith("sha256:") else "sha256:" + pid
        for fmt in ("docker-archive", "oci-archive"):
            with self.subTest(fmt=fmt):
                out = os.path.join(self.tmp, fmt + ".tar")
                self.podman("save", "--format", fmt, "-o", out, "example.com/pod:v1")
                root = os.path.join(self.tmp, "r-" + fmt)
                r = self.ok("load", "-i", out, root=root)
                self.assertEqual(r.out, "Loaded image: example.com/pod:v1\n")
                info = json.loads(self.ok("inspect", "example.com/pod:v1", root=root).out)[0]
                self.assertEqual(info["Id"], want)
                self.assertEqual(info["RootFS"]["Layers"], ["sha256:" + sha(rootfs)])
                assert_store_clean(self, root)


if __name__ == "__main__":
    unittest.main()
