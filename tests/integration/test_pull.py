"""`berth pull` against the real distribution registry (registries.py).

Docker's output, line for line where it is deterministic: `Using default tag:
latest`, `T: Pulling from PATH`, one row per layer state, `Digest:`, `Status:`
and the full reference; the image ID is the pushed config's digest; a second
pull of a complete image shows no layer rows (as Docker) and is `up to date`; pulls by digest,
`-q` and `-a`; Docker's wording for an unknown tag and for a denied pull;
multi-platform indexes resolved to this machine's platform or --platform;
token auth with anonymous pulls; TLS with a CA in certs.d (BERTH_CERTS_D), a
wrong CA refused, an unconfigured loopback registry reached without
verification. Mirrors are in test_pull_mirrors.py, faults (registry killed,
corrupt blobs, Ctrl-C, concurrent pulls, huge or schema-1 manifests) in
test_pull_faults.py.
"""
import os
import re
import shutil
import tempfile
import unittest
import urllib.parse

import berthtest
import registries as R
from berthtest import BerthTest, assert_store_clean, store_listing

# Retries back off from 10 ms, not 200 ms: failures stay fast.
os.environ["BERTH_REGISTRY_RETRY_DELAY_MS"] = "10"

ROW = re.compile(r"^[0-9a-f]{12}: ")
DIGEST = re.compile(r"^Digest: (sha256:[0-9a-f]{64})$")


def split_output(out):
    """(header lines, {layer id: [statuses]}, trailer lines) of a plain pull."""
    head, rows, tail = [], {}, []
    for line in out.splitlines():
        if ROW.match(line):
            lid, status = line.split(": ", 1)
            rows.setdefault(lid, []).append(status)
        elif rows or tail:
            tail.append(line)
        else:
            head.append(line)
    return head, rows, tail


def access_log(reg):
    """The registry's access-log lines: (method, path, status, bytes)."""
    return [(m.group(1), m.group(2), int(m.group(3)), m.group(4)) for m in re.finditer(
        r'"(GET|HEAD|PUT|POST|PATCH|DELETE) (\S+) HTTP/[0-9.]+" (\d+) (\S+)', reg.log_text())]


def blob_requests(reg, digest=None):
    return [e for e in access_log(reg) if "/blobs/" in e[1] and e[0] == "GET"
            and (digest is None or e[1].endswith("/blobs/" + digest))]


def short(digest):
    return digest.split(":", 1)[1][:12]


class PullTestBase(BerthTest):
    """Registries made per test (stopped at cleanup); berth runs with its own
    empty certs.d so that the machine's /etc/docker/certs.d plays no part."""

    @classmethod
    def setUpClass(cls):
        cls.layers = [R.busybox_layer(), R.file_layer({"etc/motd": b"hello from berth\n"})]

    def setUp(self):
        super().setUp()
        self.certs = os.path.join(self.tmp, "certs.d")
        os.makedirs(self.certs)
        self.env = dict(os.environ, BERTH_CERTS_D=self.certs)

    def registry(self, **kw):
        reg = R.Registry(self.tmp, **kw)
        self.addCleanup(reg.stop)
        return reg

    def berth(self, *args, **kw):
        kw.setdefault("env", self.env)
        return super().berth(*args, **kw)

    def assert_pulled(self, out, ref, path, tag, img, digest=None, default_tag=False, full=None):
        """A first pull's output: header, every layer fetched, trailer (full:
        the last line when it is not ref, e.g. docker.io/library/busybox:latest)."""
        head, rows, tail = split_output(out)
        want_head = (["Using default tag: latest"] if default_tag else []) + \
            [f"{tag}: Pulling from {path}"]
        self.assertEqual(head, want_head, out)
        self.assertEqual(sorted(rows), sorted(short(d) for d in img["layers"]), out)
        for lid, statuses in rows.items():
            self.assertEqual(statuses[0], "Pulling fs layer", out)
            self.assertEqual(statuses[-1], "Pull complete", out)
            self.assertNotIn("Already exists", statuses, out)
        self.assertEqual(tail, [f"Digest: {digest or img['digest']}",
                                f"Status: Downloaded newer image for {ref}", full or ref], out)

    def assert_no_image(self):
        self.assertEqual(self.ok("images", "-a", "-q").out, "")
        assert_store_clean(self)


class PullTest(PullTestBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmpdir = tempfile.mkdtemp(prefix="berth-pull-", dir=berthtest.TMP_BASE)
        cls.reg = R.Registry(cls.tmpdir)
        cls.img = R.push_image(cls.reg, "test/busybox", "latest", cls.layers)
        cls.name = f"{cls.reg.host}/test/busybox"

    @classmethod
    def tearDownClass(cls):
        cls.reg.stop()
        shutil.rmtree(cls.tmpdir, ignore_errors=True)

    def test_pull_by_tag_then_up_to_date(self):
        ref = self.name + ":latest"
        r = self.ok("pull", self.name)
        self.assertEqual(r.err, "")
        self.assert_pulled(r.out, ref, "test/busybox", "latest", self.img, default_tag=True)

        info = self.inspect(ref)
        self.assertEqual(info["Id"], self.img["config_digest"])
        self.assertEqual(info["RepoTags"], [ref])
        self.assertEqual(info["RepoDigests"], [f"{self.name}@{self.img['digest']}"])
        self.assertEqual(info["RootFS"]["Layers"], self.img["diff_ids"])
        self.assertEqual(self.ok("images", "-q", "--no-trunc").out, self.img["config_digest"] + "\n")
        self.assertRegex(self.ok("images").out.splitlines()[1],
                         r"^" + re.escape(self.name) + r"\s+latest\s+" +
                         short(self.img["config_digest"]) + r"\s")
        self.assertEqual(self.ok("images", "--digests", "--format", "{{.Digest}}").out,
                         self.img["digest"] + "\n")
        assert_store_clean(self)
        self.assertEqual(store_listing(self.root)["ingest"], [])

        blob_gets = len(blob_requests(self.reg))
        again = self.ok("pull", ref)
        self.assertEqual(again.err, "")
        self.assertEqual(again.out.splitlines(), [  # Docker shows no rows for a complete image
            "latest: Pulling from test/busybox",
            f"Digest: {self.img['digest']}",
            f"Status: Image is up to date for {ref}",
            ref])
        # Present layers are not fetched again.
        self.assertEqual(len(blob_requests(self.reg)), blob_gets)
        assert_store_clean(self)

    def test_oci_manifest_and_an_image_without_layers(self):
        oci = R.push_image(self.reg, "test/oci", "v1", self.layers, media="oci")
        ref = f"{self.reg.host}/test/oci:v1"
        r = self.ok("pull", ref)
        self.assert_pulled(r.out, ref, "test/oci", "v1", oci)
        self.assertEqual(self.inspect(ref)["Id"], oci["config_digest"])
        empty = R.push_image(self.reg, "test/empty", "v1", [], config=R.image_config([]))
        ref = f"{self.reg.host}/test/empty:v1"
        r = self.ok("pull", ref)
        self.assertEqual(r.out.splitlines(), ["v1: Pulling from test/empty", f"Digest: {empty['digest']}",
                                              f"Status: Downloaded newer image for {ref}", ref])
        self.assertEqual(self.inspect(ref)["Id"], empty["config_digest"])
        assert_store_clean(self)

    def test_localhost_is_loopback_too(self):
        name = f"localhost:{self.reg.port}/test/busybox"
        r = self.ok("pull", name)
        self.assert_pulled(r.out, name + ":latest", "test/busybox", "latest", self.img,
                           default_tag=True)
        self.assertEqual(self.inspect(name)["RepoTags"], [name + ":latest"])
        assert_store_clean(self)

    def test_pull_by_digest(self):
        ref = f"{self.name}@{self.img['digest']}"
        r = self.ok("pull", ref)
        self.assert_pulled(r.out, ref, "test/busybox", self.img["digest"], self.img)
        info = self.inspect(ref)
        self.assertEqual(info["Id"], self.img["config_digest"])
        self.assertEqual(info["RepoTags"], [])
        self.assertEqual(info["RepoDigests"], [ref])
        assert_store_clean(self)
        # The same image by tag afterwards: all there (no rows), the tag is new.
        r = self.ok("pull", self.name + ":latest")
        self.assertNotIn("Already exists", r.out)
        self.assertEqual(r.out.splitlines()[-2:], [
            f"Status: Downloaded newer image for {self.name}:latest", f"{self.name}:latest"])

    def test_quiet_prints_only_the_reference(self):
        r = self.ok("pull", "-q", self.name)
        self.assertEqual((r.out, r.err), (f"{self.name}:latest\n", ""))
        self.assertEqual(self.inspect(self.name)["Id"], self.img["config_digest"])
        r = self.ok("pull", "--quiet", f"{self.name}@{self.img['digest']}")
        self.assertEqual((r.out, r.err), (f"{self.name}@{self.img['digest']}\n", ""))
        assert_store_clean(self)

    def test_unknown_tag_and_repository(self):
        r = self.fails("pull", self.name + ":nosuch")
        self.assertEqual(r.out, "")
        self.assertEqual(r.err, f"Error: manifest for {self.name}:nosuch not found: "
                                "manifest unknown: manifest unknown\n")
        r = self.fails("pull", f"{self.reg.host}/no/such")
        self.assertEqual(r.out, "Using default tag: latest\n")
        # distribution answers MANIFEST_UNKNOWN for an unknown repository too.
        self.assertEqual(r.err, f"Error: manifest for {self.reg.host}/no/such:latest not found: "
                                "manifest unknown: manifest unknown\n")
        listing = store_listing(self.root)
        self.assertEqual(listing, {"blobs/sha256": [], "snapshots": [], "ingest": []})
        self.assert_no_image()

    def test_all_tags(self):
        name = f"{self.reg.host}/test/all"
        imgs = {t: R.push_image(self.reg, "test/all", t, [self.layers[0],
                                R.file_layer({"etc/tag": t.encode()})]) for t in ("v1", "v2")}
        r = self.ok("pull", "--all-tags", name)
        self.assertEqual(r.err, "")
        lines = r.out.splitlines()
        self.assertEqual([l for l in lines if "Pulling from" in l],
                         ["v1: Pulling from test/all", "v2: Pulling from test/all"])
        self.assertEqual([l for l in lines if l.startswith("Digest: ")],
                         [f"Digest: {imgs['v1']['digest']}", f"Digest: {imgs['v2']['digest']}"])
        # The shared first layer is fetched once, then exists.
        self.assertIn(f"{short(imgs['v2']['layers'][0])}: Already exists", lines)
        self.assertEqual(lines[-2:], [f"Status: Downloaded newer image for {name}", name])
        for t, img in imgs.items():
            self.assertEqual(self.inspect(f"{name}:{t}")["Id"], img["config_digest"])
        assert_store_clean(self)
        r = self.fails("pull", "-a", name + ":v1")
        self.assertEqual(r.err, "Error: tag can't be used with --all-tags/-a\n")

    def test_tag_moved_upstream(self):
        name = f"{self.reg.host}/test/moving"
        old = R.push_image(self.reg, "test/moving", "v1", self.layers[:1])
        self.ok("pull", name + ":v1")
        new = R.push_image(self.reg, "test/moving", "v1", self.layers)
        r = self.ok("pull", name + ":v1")
        lines = r.out.splitlines()
        self.assertIn(f"{short(new['layers'][0])}: Already exists", lines)
        self.assertEqual(lines[-2:], [f"Status: Downloaded newer image for {name}:v1", name + ":v1"])
        self.assertEqual(self.inspect(name + ":v1")["Id"], new["config_digest"])
        # The old image keeps its repo digest, without a tag (as in Docker).
        fmt = "{{.Repository}} {{.Tag}} {{.ID}}"
        self.assertEqual(sorted(self.ok("images", "--format", fmt).out.splitlines()), sorted([
            f"{name} v1 {short(new['config_digest'])}", f"{name} <none> {short(old['config_digest'])}"]))
        self.assertEqual(self.inspect(old["config_digest"])["RepoDigests"], [f"{name}@{old['digest']}"])
        assert_store_clean(self)

    def test_max_concurrent_downloads(self):
        name = f"{self.reg.host}/test/three"
        img = R.push_image(self.reg, "test/three", "v1",
                           [R.file_layer({f"f{i}": bytes([i]) * 100}) for i in range(3)])
        r = self.ok("pull", "--max-concurrent-downloads", "1", name + ":v1")
        _, rows, _ = split_output(r.out)
        ids = [short(d) for d in img["layers"]]
        self.assertEqual(rows[ids[0]][0], "Pulling fs layer")
        self.assertNotIn("Waiting", rows[ids[0]])
        for i in ids[1:]:
            self.assertEqual(rows[i][:2], ["Pulling fs layer", "Waiting"], r.out)
            self.assertEqual(rows[i][-1], "Pull complete", r.out)
        self.assertEqual(self.inspect(name + ":v1")["Id"], img["config_digest"])
        r = self.fails("pull", "--max-concurrent-downloads", "0", name + ":v1")
        self.assertEqual(r.err, "Error: --max-concurrent-downloads must be at least 1\n")

    def test_unknown_digest(self):
        missing = "sha256:" + "0" * 64
        r = self.fails("pull", f"{self.name}@{missing}")
        self.assertEqual(r.err, f"Error: manifest for {self.name}@{missing} not found: "
                                "manifest unknown: manifest unknown\n")
        self.assert_no_image()


class PullPlatformTest(PullTestBase):
    """An index (OCI) or manifest list (Docker) resolved to one platform."""

    def setUp(self):
        super().setUp()
        self.reg = self.registry()
        self.host_arch = R.host_arch()
        self.other_arch = "arm64" if self.host_arch != "arm64" else "amd64"
        self.native = R.push_image(self.reg, "multi/img", "native", self.layers,
                                   platform=f"linux/{self.host_arch}")
        self.other = R.push_image(self.reg, "multi/img", "other", self.layers[:1],
                                  platform=f"linux/{self.other_arch}")
        self.name = f"{self.reg.host}/multi/img"

    def push_index(self, tag, media, platforms):
        return R.push_index(self.reg, "multi/img", tag, platforms, media=media)

    def test_index_resolves_to_this_machine(self):
        for media in ("oci", "docker"):
            with self.subTest(media=media):
                self.root = os.path.join(self.tmp, "root-" + media)  # a fresh store each
                index = self.push_index(media, media, {
                    f"linux/{self.other_arch}": self.other,
                    f"linux/{self.host_arch}": self.native,
                    "windows/" + self.host_arch: self.other})
                ref = f"{self.name}:{media}"
                r = self.ok("pull", ref)
                # Digest and RepoDigests name the index, as Docker's do.
                self.assert_pulled(r.out, ref, "multi/img", media, self.native, digest=index["digest"])
                info = self.inspect(ref)
                self.assertEqual(info["Id"], self.native["config_digest"])
                self.assertEqual(info["Architecture"], self.host_arch)
                self.assertEqual(info["RepoDigests"], [f"{self.name}@{index['digest']}"])
                assert_store_clean(self)

    def test_platform_flag_picks_another_platform(self):
        index = self.push_index("both", "oci", {f"linux/{self.host_arch}": self.native,
                                                f"linux/{self.other_arch}": self.other})
        ref = f"{self.name}:both"
        r = self.ok("pull", "--platform", f"linux/{self.other_arch}", ref)
        self.assert_pulled(r.out, ref, "multi/img", "both", self.other, digest=index["digest"])
        info = self.inspect(ref)
        self.assertEqual(info["Id"], self.other["config_digest"])
        self.assertEqual(info["Architecture"], self.other_arch)
        # And back to this machine's: the layer it shares already exists.
        r = self.ok("pull", ref)
        self.assertIn(f"{short(self.native['layers'][0])}: Already exists", r.out.splitlines())
        self.assertEqual(self.inspect(ref)["Id"], self.native["config_digest"])
        assert_store_clean(self)

    def test_variants(self):
        layer = R.file_layer({"etc/arch": b"arm"})
        imgs = {p: R.push_image(self.reg, "multi/arm", p.replace("/", "-"), [layer], platform=p)
                for p in ("linux/arm/v6", "linux/arm/v7", "linux/arm64/v8")}
        R.push_index(self.reg, "multi/arm", "all", imgs)
        ref = f"{self.reg.host}/multi/arm:all"
        # As in Docker: arm alone means arm/v7, aarch64 is arm64 (v8).
        for flag, want in (("linux/arm/v6", "linux/arm/v6"), ("linux/arm", "linux/arm/v7"),
                           ("linux/arm64", "linux/arm64/v8"), ("linux/aarch64", "linux/arm64/v8")):
            with self.subTest(platform=flag):
                self.root = os.path.join(self.tmp, "root-" + flag.replace("/", "-"))
                self.assertEqual(self.ok("pull", "-q", "--platform", flag, ref).out, ref + "\n")
                self.assertEqual(self.inspect(ref)["Id"], imgs[want]["config_digest"])
                self.assertEqual(self.ok("inspect", "-f", "{{.Architecture}}/{{.Variant}}", ref).out,
                                 "/".join(want.split("/")[1:]) + "\n")

    def test_no_matching_platform(self):
        self.push_index("foreign", "oci", {f"linux/{self.other_arch}": self.other,
                                           "linux/s390x": self.other})
        r = self.fails("pull", f"{self.name}:foreign")
        self.assertEqual(r.err, f"Error: no matching manifest for linux/{self.host_arch} "
                                "in the manifest list entries\n")
        r = self.fails("pull", "--platform", "linux/riscv64", f"{self.name}:foreign")
        self.assertEqual(r.err, "Error: no matching manifest for linux/riscv64 "
                                "in the manifest list entries\n")
        self.assert_no_image()


class PullAuthTest(PullTestBase):
    def test_token_registry_anonymous_pull(self):
        reg = self.registry(auth="token", anonymous_pull=True)
        img = R.push_image(reg, "open/img", "v1", self.layers, auth=reg.credentials)
        ref = f"{reg.host}/open/img:v1"
        r = self.ok("pull", ref)
        self.assert_pulled(r.out, ref, "open/img", "v1", img)
        self.assertEqual(self.inspect(ref)["Id"], img["config_digest"])
        # berth asked the token server anonymously for pull on that repository,
        # once: the token is reused for the manifest, the config and every layer.
        anonymous = [access for user, access in reg.token_server.issued if user is None]
        self.assertEqual(anonymous, [[{"type": "repository", "name": "open/img", "actions": ["pull"]}]])
        assert_store_clean(self)

    def test_redirected_blobs_get_no_authorization(self):
        # A token registry: berth holds a Bearer token for it, which must not
        # follow a redirect to the storage host.
        reg = self.registry(auth="token", anonymous_pull=True)
        img = R.push_image(reg, "redirect/img", "v1", self.layers, auth=reg.credentials)
        files = R.FileServer({f"/blobs/{d}": b for d, b in zip(img["layers"], img["layer_blobs"])})
        self.addCleanup(files.stop)
        front = RedirectingFront(reg, files.url, img["layers"])
        self.addCleanup(front.stop)
        ref = f"{front.host}/redirect/img:v1"
        r = self.ok("pull", ref)
        self.assert_pulled(r.out, ref, "redirect/img", "v1", img)
        self.assertEqual(self.inspect(ref)["Id"], img["config_digest"])
        # The registry got the Bearer token; the storage host got the layers, no credentials.
        self.assertTrue(any(q["headers"].get("authorization", "").startswith("Bearer ")
                            for q in front.requests), front.requests)
        self.assertEqual(sorted(q["path"] for q in files.requests),
                         sorted(f"/blobs/{d}" for d in img["layers"]))
        for q in files.requests:
            self.assertNotIn("authorization", q["headers"], q)
        assert_store_clean(self)

    def test_foreign_layer_fetched_from_its_url_without_credentials(self):
        reg = self.registry(auth="token", anonymous_pull=True)
        files = R.FileServer()
        self.addCleanup(files.stop)
        img = R.push_image(reg, "foreign/img", "v1", self.layers, auth=reg.credentials,
                           foreign_urls={1: [files.url + "/layers/extra.tar.gz"]})
        files.files["/layers/extra.tar.gz"] = img["layer_blobs"][1]
        ref = f"{reg.host}/foreign/img:v1"
        self.ok("pull", ref)
        self.assertEqual(self.inspect(ref)["Id"], img["config_digest"])
        self.assertEqual([q["path"] for q in files.requests], ["/layers/extra.tar.gz"])
        self.assertNotIn("authorization", files.requests[0]["headers"])
        assert_store_clean(self)

    def test_token_registry_without_anonymous_pull_is_denied(self):
        reg = self.registry(auth="token")
        R.push_image(reg, "closed/img", "v1", self.layers, auth=reg.credentials)
        r = self.fails("pull", f"{reg.host}/closed/img:v1")
        self.assertRegex(r.err, r"^Error: pull access denied for " + re.escape(reg.host) +
                         r"/closed/img, repository does not exist or may require 'docker login': "
                         r".*(unauthorized|denied|insufficient)")
        self.assert_no_image()

    def test_htpasswd_registry_without_credentials_is_denied(self):
        reg = self.registry(auth="htpasswd")
        R.push_image(reg, "private/img", "v1", self.layers, auth=reg.credentials)
        r = self.fails("pull", f"{reg.host}/private/img:v1")
        self.assertEqual(r.out, "")
        self.assertRegex(r.err, r"^Error: pull access denied for " + re.escape(reg.host) +
                         r"/private/img, repository does not exist or may require 'docker login': "
                         r"unauthorized: authentication required\n$")
        self.assert_no_image()


class RedirectingFront(R._RecordingServer):
    """A front for a registry that forwards every request to it, except blob
    GETs of `redirect` (digests), answered 307 to files_url + /blobs/<digest>,
    as registries with presigned storage URLs (S3, GCS) do."""

    PASSED = ("content-type", "docker-content-digest", "www-authenticate", "content-range")

    def __init__(self, registry, files_url, redirect):
        self.registry, self.files_url, self.redirect = registry, files_url, set(redirect)
        super().__init__()
        self._httpd.handle_error = lambda *a: None  # berth's https try resets: not news

    def handle(self, req):
        digest = req["path"].rsplit("/", 1)[-1]
        if req["method"] == "GET" and "/blobs/" in req["path"] and digest in self.redirect:
            return 307, {"Location": f"{self.files_url}/blobs/{digest}"}, b""
        query = urllib.parse.urlencode(req["query"], doseq=True)
        headers = {k: v for k, v in req["headers"].items()
                   if k in ("authorization", "accept", "range")}
        status, rh, body = R.http_request(req["method"], self.registry.url + req["path"] +
                                          ("?" + query if query else ""), req["body"] or None, headers)
        return status, {k: v for k, v in rh.items() if k in self.PASSED}, body


class PullTlsTest(PullTestBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmpdir = tempfile.mkdtemp(prefix="berth-pull-tls-", dir=berthtest.TMP_BASE)
        cls.reg = R.Registry(cls.tmpdir, tls=True)
        cls.img = R.push_image(R.RegistryClient(cls.reg, cafile=cls.reg.ca_cert),
                               "secure/img", "v1", cls.layers)
        cls.ref = f"{cls.reg.host}/secure/img:v1"

    @classmethod
    def tearDownClass(cls):
        cls.reg.stop()
        shutil.rmtree(cls.tmpdir, ignore_errors=True)

    def test_ca_in_certs_d(self):
        self.reg.install_certs_d(self.certs)
        r = self.ok("pull", self.ref)
        self.assert_pulled(r.out, self.ref, "secure/img", "v1", self.img)
        self.assertEqual(self.inspect(self.ref)["Id"], self.img["config_digest"])
        assert_store_clean(self)

    def test_wrong_ca_in_certs_d_is_refused(self):
        other = os.path.join(self.tmp, "other-ca")
        os.makedirs(other)
        wrong_ca, _ = R.make_ca(other)
        R.install_certs_d(self.certs, self.reg.host, wrong_ca)
        r = self.fails("pull", self.ref)
        self.assertEqual(r.out, "")
        self.assertRegex(r.err, r"^Error: .*(certificate|SSL|TLS)")
        self.assertIn(self.reg.host, r.err)
        self.assert_no_image()

    def test_loopback_without_ca_is_not_verified(self):
        # A loopback registry is insecure (as in Docker): https without
        # verification when no CA is configured for it.
        r = self.ok("pull", self.ref)
        self.assert_pulled(r.out, self.ref, "secure/img", "v1", self.img)
        assert_store_clean(self)


if __name__ == "__main__":
    unittest.main()
