"""The registry fixtures (registries.py) work, proven without berth.

berth's registry tests lean on these fixtures, so each one is checked here on
its own: an image pushed with push_image is read back over plain HTTP (urllib,
with its own Basic and token handling, not the fixture's client) and every
digest is recomputed; wrong credentials get 401; the real registry accepts the
token server's JWTs and refuses a forged one; TLS verifies with the fixture's
CA and fails without it; the pull-through mirror serves the upstream's image;
HubSearch answers like Docker Hub; a killed registry restarts on its port with
its storage, and through a Throttle it can be killed in the middle of a blob;
a corrupted blob file is served as it is; a foreign layer is left to its own
host (FileServer).
"""
import base64
import gzip
import hashlib
import http.client
import io
import json
import os
import shutil
import ssl
import tarfile
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import berthtest
import registries as R


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def fetch(url, headers=None, cafile=None, method="GET", data=None):
    """(status, headers with lowercase names, body) of one request via urllib."""
    ctx = ssl.create_default_context(cafile=cafile) if url.startswith("https:") else None
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def challenge(header):
    scheme, _, rest = header.partition(" ")
    params = dict(p.split("=", 1) for p in rest.split(","))
    return scheme, {k: v.strip('"') for k, v in params.items()}


class RegistryFixturesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.layers = [R.busybox_layer(), R.file_layer({"etc/motd": b"hello from berth\n"})]

    def setUp(self):
        os.makedirs(berthtest.TMP_BASE, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix="berth-regfx-", dir=berthtest.TMP_BASE)
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def registry(self, **kw):
        reg = R.Registry(self.tmp, **kw)
        self.addCleanup(reg.stop)
        return reg

    def assert_image(self, base, repo, ref, pushed, headers=None, cafile=None):
        """The manifest, config and first layer read back match what was pushed."""
        h = dict(headers or {}, Accept=pushed["media_type"])
        st, rh, body = fetch(f"{base}/v2/{repo}/manifests/{ref}", h, cafile)
        self.assertEqual(st, 200, body)
        self.assertEqual(rh["docker-content-digest"], pushed["digest"])
        self.assertEqual(sha(body), pushed["digest"])
        self.assertEqual(rh["content-type"], pushed["media_type"])
        manifest = json.loads(body)
        self.assertEqual(manifest["config"]["digest"], pushed["config_digest"])
        self.assertEqual([l["digest"] for l in manifest["layers"]], pushed["layers"])
        st, _, config = fetch(f"{base}/v2/{repo}/blobs/{pushed['config_digest']}", headers, cafile)
        self.assertEqual((st, sha(config)), (200, pushed["config_digest"]))
        self.assertEqual(json.loads(config)["rootfs"]["diff_ids"], pushed["diff_ids"])
        st, _, layer = fetch(f"{base}/v2/{repo}/blobs/{pushed['layers'][0]}", headers, cafile)
        self.assertEqual((st, sha(layer)), (200, pushed["layers"][0]))
        self.assertEqual(sha(gzip.decompress(layer)), pushed["diff_ids"][0])

    def test_plain_push_fetch_index_blob_path_and_restart(self):
        reg = self.registry()
        self.assertRegex(reg.host, r"^127\.0\.0\.1:\d+$")
        self.assertEqual(reg.url, "http://" + reg.host)
        img = R.push_image(reg, "test/busybox", "latest", self.layers)
        self.assertEqual(img["media_type"], R.DOCKER_MANIFEST)
        self.assertEqual(json.loads(img["config"])["architecture"], R.host_arch())
        self.assert_image(reg.url, "test/busybox", "latest", img)
        self.assert_image(reg.url, "test/busybox", img["digest"], img)

        arm = R.push_image(reg, "test/busybox", "arm64", self.layers[1:], media="oci",
                           platform="linux/arm64/v8")
        self.assertEqual(json.loads(arm["config"])["variant"], "v8")
        self.assert_image(reg.url, "test/busybox", "arm64", arm)
        idx = R.push_index(reg, "test/busybox", "multi",
                           {f"linux/{R.host_arch()}": img, "linux/arm64/v8": arm["digest"]})
        st, rh, body = fetch(f"{reg.url}/v2/test/busybox/manifests/multi",
                             {"Accept": R.OCI_INDEX})
        self.assertEqual((st, rh["content-type"], sha(body)), (200, R.OCI_INDEX, idx["digest"]))
        entries = json.loads(body)["manifests"]
        self.assertEqual([(e["digest"], e["size"], e["mediaType"]) for e in entries],
                         [(img["digest"], img["size"], R.DOCKER_MANIFEST),
                          (arm["digest"], arm["size"], R.OCI_MANIFEST)])
        self.assertEqual(entries[1]["platform"],
                         {"os": "linux", "architecture": "arm64", "variant": "v8"})

        with open(reg.blob_path(img["layers"][0]), "rb") as f:
            self.assertEqual(sha(f.read()), img["layers"][0])

        port = reg.port
        reg.kill()
        self.assertFalse(reg.running())
        with self.assertRaises(urllib.error.URLError):
            urllib.request.urlopen(reg.url + "/v2/", timeout=5)
        reg.start()
        self.assertEqual(reg.port, port)
        self.assert_image(reg.url, "test/busybox", "latest", img)

    def test_corrupted_blob_is_served_as_is(self):
        reg = self.registry()
        img = R.push_image(reg, "test/busybox", "latest", self.layers)
        path = reg.blob_path(img["layers"][1])
        with open(path, "r+b") as f:
            data = bytearray(f.read())
            data[len(data) // 2] ^= 0xFF
            f.seek(0)
            f.write(data)
        st, _, body = fetch(f"{reg.url}/v2/test/busybox/blobs/{img['layers'][1]}")
        self.assertEqual((st, body), (200, bytes(data)))
        self.assertNotEqual(sha(body), img["layers"][1])

    def test_throttle_and_kill_mid_transfer(self):
        reg = self.registry()
        img = R.push_image(reg, "big/one", "v1", [R.random_layer(12 << 20, seed=7)])
        blob = f"/v2/big/one/blobs/{img['layers'][0]}"
        with R.Throttle(reg, 2 << 20) as slow:
            self.assertEqual(slow.url, "http://" + slow.host)
            conn = http.client.HTTPConnection("127.0.0.1", slow.port, timeout=30)
            conn.request("GET", blob)
            resp = conn.getresponse()
            total = int(resp.getheader("Content-Length"))
            began = time.monotonic()
            first = resp.read(1 << 20)
            self.assertGreater(time.monotonic() - began, 0.3)  # ~0.5 s at 2 MB/s
            reg.kill()
            slow.rate = None
            with self.assertRaises(http.client.IncompleteRead) as cm:
                resp.read()
            self.assertLess(len(first) + len(cm.exception.partial), total)
            conn.close()
            reg.start()
            st, _, body = fetch(slow.url + blob)
            self.assertEqual((st, sha(body)), (200, img["layers"][0]))

    def test_foreign_layer_and_file_server(self):
        reg = self.registry(auth="htpasswd")
        with R.FileServer() as files:
            url = files.url + "/layers/extra.tar.gz"
            img = R.push_image(reg, "win/app", "v1", self.layers, auth=reg.credentials,
                               foreign_urls={1: [url]})
            files.files["/layers/extra.tar.gz"] = img["layer_blobs"][1]
            auth = {"Authorization": basic(*reg.credentials)}
            st, _, body = fetch(f"{reg.url}/v2/win/app/manifests/v1",
                                dict(auth, Accept=R.DOCKER_MANIFEST))
            layer = json.loads(body)["layers"][1]
            self.assertEqual((st, layer["mediaType"], layer["urls"], layer["digest"]),
                             (200, R.DOCKER_FOREIGN_LAYER, [url], img["layers"][1]))
            self.assertEqual(fetch(f"{reg.url}/v2/win/app/blobs/{layer['digest']}", auth)[0],
                             404)
            st, _, body = fetch(url)
            self.assertEqual((st, sha(body)), (200, layer["digest"]))
            st, rh, body = fetch(url, {"Range": "bytes=10-"})
            self.assertEqual((st, body), (206, img["layer_blobs"][1][10:]))
            self.assertEqual(rh["content-range"], f"bytes 10-{layer['size'] - 1}/{layer['size']}")
            self.assertEqual(fetch(files.url + "/nope")[0], 404)
            self.assertEqual([r["headers"].get("range") for r in files.requests],
                             [None, "bytes=10-", None])
            self.assertFalse(any("authorization" in r["headers"] for r in files.requests))

    def test_push_is_deterministic(self):
        self.assertEqual(R.busybox_layer(), self.layers[0])
        with tarfile.open(fileobj=io.BytesIO(self.layers[0])) as t:
            names = {m.name: m for m in t.getmembers()}
        self.assertTrue(names["./bin/busybox"].isfile())
        self.assertEqual(names["./bin/sh"].linkname, "busybox")
        a = R.push_image(self.registry(), "a/b", "1", self.layers)
        b = R.push_image(self.registry(), "c/d", "2", self.layers)
        self.assertEqual((a["digest"], a["config_digest"], a["layers"]),
                         (b["digest"], b["config_digest"], b["layers"]))

    def test_htpasswd(self):
        reg = self.registry(auth="htpasswd", users={"alice": "secret", "bob": "hunter2"})
        img = R.push_image(reg, "team/app", "v1", self.layers, auth=("bob", "hunter2"))
        url = f"{reg.url}/v2/team/app/manifests/v1"
        st, rh, _ = fetch(url)
        self.assertEqual(st, 401)
        self.assertEqual(challenge(rh["www-authenticate"])[0], "Basic")
        self.assertEqual(fetch(url, {"Authorization": basic("alice", "wrong")})[0], 401)
        self.assertEqual(fetch(url, {"Authorization": basic("mallory", "secret")})[0], 401)
        self.assert_image(reg.url, "team/app", "v1", img, {"Authorization": basic("alice", "secret")})
        with self.assertRaises(R.RegistryError) as cm:
            R.push_image(reg, "team/app", "v2", self.layers, auth=("alice", "wrong"))
        self.assertEqual(cm.exception.status, 401)

    def token(self, ts, scope, auth=None, service=None):
        q = urllib.parse.urlencode({"service": service or ts.service, "scope": scope})
        return fetch(f"{ts.realm}?{q}", {"Authorization": basic(*auth)} if auth else {})

    def test_token_auth(self):
        reg = self.registry(auth="token")
        ts = reg.token_server
        img = R.push_image(reg, "team/app", "v1", self.layers, auth=reg.credentials)
        self.assertIn("push", str(ts.issued))

        st, rh, _ = fetch(f"{reg.url}/v2/team/app/manifests/v1")
        self.assertEqual(st, 401)
        scheme, params = challenge(rh["www-authenticate"])
        self.assertEqual((scheme, params["realm"], params["service"], params["scope"]),
                         ("Bearer", ts.realm, ts.service, "repository:team/app:pull"))

        st, _, body = self.token(ts, params["scope"], ("alice", "secret"))
        self.assertEqual(st, 200)
        reply = json.loads(body)
        self.assertEqual(reply["token"], reply["access_token"])
        self.assertEqual(reply["expires_in"], 300)
        self.assertEqual(ts.requests[-1]["headers"]["authorization"], basic("alice", "secret"))
        self.assert_image(reg.url, "team/app", "v1", img,
                          {"Authorization": "Bearer " + reply["token"]})

        self.assertEqual(self.token(ts, params["scope"], ("alice", "wrong"))[0], 401)
        st, _, body = self.token(ts, params["scope"])  # anonymous: a token granting nothing
        self.assertEqual(st, 200)
        anon = {"Authorization": "Bearer " + json.loads(body)["token"]}
        self.assertEqual(fetch(f"{reg.url}/v2/team/app/manifests/v1", anon)[0], 401)

        # The registry checks the signature: same claims, a key it does not trust.
        forger = R.TokenServer(self.tmp, reg.users)
        self.addCleanup(forger.stop)
        forged = forger.make_token("alice", [{"type": "repository", "name": "team/app",
                                              "actions": ["pull"]}])
        self.assertEqual(fetch(f"{reg.url}/v2/team/app/manifests/v1",
                               {"Authorization": "Bearer " + forged})[0], 401)
        good = ts.make_token("alice", [{"type": "repository", "name": "team/app",
                                        "actions": ["pull"]}])
        self.assertEqual(fetch(f"{reg.url}/v2/team/app/manifests/v1",
                               {"Authorization": "Bearer " + good, "Accept": R.DOCKER_MANIFEST})[0],
                         200)

    def test_token_anonymous_pull(self):
        reg = self.registry(auth="token", anonymous_pull=True)
        img = R.push_image(reg, "library/busybox", "latest", self.layers, auth=reg.credentials)
        self.assertEqual(R.RegistryClient(reg).get_manifest("library/busybox", "latest")[2],
                         img["digest"])
        st, _, body = self.token(reg.token_server, "repository:library/busybox:pull,push")
        self.assertEqual(st, 200)
        anon = {"Authorization": "Bearer " + json.loads(body)["token"]}
        self.assert_image(reg.url, "library/busybox", "latest", img, anon)
        st, _, _ = fetch(f"{reg.url}/v2/library/busybox/blobs/uploads/", anon, method="POST",
                         data=b"")
        self.assertEqual(st, 401)  # pull only: no push for anonymous callers

    def test_tls(self):
        reg = self.registry(tls=True)
        self.assertEqual(reg.url, "https://" + reg.host)
        img = R.push_image(reg, "secure/app", "v1", self.layers)
        self.assert_image(reg.url, "secure/app", "v1", img, cafile=reg.ca_cert)
        with self.assertRaises(urllib.error.URLError) as cm:
            urllib.request.urlopen(reg.url + "/v2/", timeout=5,
                                   context=ssl.create_default_context())
        self.assertIsInstance(cm.exception.reason, ssl.SSLCertVerificationError)
        certs = os.path.join(self.tmp, "certs.d")
        path = reg.install_certs_d(certs)
        self.assertEqual(path, os.path.join(certs, reg.host, "ca.crt"))
        with open(path, "rb") as a, open(reg.ca_cert, "rb") as b:
            self.assertEqual(a.read(), b.read())
        ctx = ssl.create_default_context(cafile=path)
        self.assertEqual(urllib.request.urlopen(reg.url + "/v2/", context=ctx).status, 200)

    def test_proxy_mirror(self):
        upstream = self.registry(auth="token")
        img = R.push_image(upstream, "library/busybox", "latest", self.layers,
                           auth=upstream.credentials)
        mirror = self.registry(proxy_remote=upstream)
        self.assert_image(mirror.url, "library/busybox", "latest", img)
        with self.assertRaises(R.RegistryError) as cm:
            R.push_image(mirror, "library/other", "latest", self.layers)
        self.assertEqual(cm.exception.status, 405)
        with self.assertRaises(ValueError):
            R.Registry(self.tmp, proxy_remote=self.registry(auth="htpasswd"))

    def test_hub_search(self):
        with R.HubSearch(self.tmp, [
                {"name": "busybox", "description": "Busybox base image.", "star_count": 3300,
                 "is_official": True},
                {"name": "someone/busybox-tools", "description": "tools", "star_count": 2,
                 "is_automated": True},
                {"name": "library/alpine", "description": "small"}]) as hub:
            st, rh, body = fetch(f"{hub.url}/v1/search?q=busy&n=1")
            self.assertEqual((st, rh["content-type"]), (200, "application/json"))
            reply = json.loads(body)
            self.assertEqual((reply["num_results"], reply["query"]), (2, "busy"))
            self.assertEqual(reply["results"], [
                {"name": "busybox", "description": "Busybox base image.", "star_count": 3300,
                 "is_official": True, "is_automated": False}])
            self.assertEqual(len(json.loads(fetch(f"{hub.url}/v1/search?q=BUSY")[2])["results"]),
                             2)
            self.assertEqual([(r["path"], r["query"]) for r in hub.requests],
                             [("/v1/search", {"q": ["busy"], "n": ["1"]}),
                              ("/v1/search", {"q": ["BUSY"]})])
            hub.status = 503
            self.assertEqual(fetch(f"{hub.url}/v1/search?q=x")[0], 503)


if __name__ == "__main__":
    unittest.main()
