"""`berth pull` when things go wrong, against the real registry.

The registry killed in the middle of a layer (through a Throttle, so the
download is really in flight): a clear one-line error, no image, a consistent
store, the partial blob kept; the registry back, the next pull resumes it with
a Range request (the registry's access log shows the 206) and completes. The
same for Ctrl-C (exit 130). A blob corrupted inside the registry's storage: a
digest-mismatch error and nothing committed. Two pulls of one image into one
store at once: both succeed, each blob fetched once. A manifest (or config)
over 4 MiB is refused, and so is a schema-1 manifest.
"""
import http.server
import json
import os
import signal
import subprocess
import time
import unittest

import berthtest
import registries as R
from berthtest import assert_store_clean, store_problems
from test_pull import PullTestBase, blob_requests, short, split_output


def default_signals():
    """In the child before exec: a shell that started ctest in the background
    may have left SIGINT ignored, and berth keeps an ignored signal ignored."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def partial_blobs(root):
    """{digest hex: bytes} of the partial downloads in the store's keyed
    ingest dirs (ingest/<hex>/data; snapshot staging dirs are not counted)."""
    out = {}
    top = os.path.join(root, "ingest")
    for name in os.listdir(top) if os.path.isdir(top) else []:
        try:
            out[name] = os.path.getsize(os.path.join(top, name, "data"))
        except OSError:
            pass
    return out


def partial_bytes(root):
    return sum(partial_blobs(root).values())


class PullFaultTest(PullTestBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Incompressible, so the gzip blob is as big as the layer: big enough
        # that a Throttle keeps it in flight for seconds.
        cls.big_layer = R.random_layer(12 << 20, seed=11)

    def start_pull(self, ref, *flags):
        proc = subprocess.Popen([berthtest.BERTH, "--root", self.root, *flags, "pull", ref],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env,
                                preexec_fn=default_signals)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        return proc

    def wait_for_ingest(self, proc, at_least):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if partial_bytes(self.root) >= at_least:
                return
            if proc.poll() is not None:
                self.fail(f"berth ended early: {proc.returncode} {proc.communicate()}")
            time.sleep(0.02)
        self.fail("the download never reached ingest/")

    def finish(self, proc, timeout=30):
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            self.fail(f"berth still running after {timeout} s")
        berthtest.check_sanitizer_report(err)
        return proc.returncode, out.decode(), err.decode()

    def assert_nothing_committed(self):
        self.assertEqual(store_problems(self.root), [])
        self.assertEqual(self.ok("images", "-a", "-q").out, "")
        assert_store_clean(self)

    def assert_resumed(self, reg, img, ref, kept):
        """The next pull at full speed: completes, resuming the big layer
        with a Range from where the kept partial blob (kept bytes) ends."""
        big = img["layers"][-1]
        r = self.berth("pull", ref)
        self.assertEqual(r.code, 0, f"{r}\nregistry log:\n{reg.log_text()[-3000:]}")
        _, rows, tail = split_output(r.out)
        self.assertIn("Resuming download", rows[short(big)], r.out)
        self.assertEqual(rows[short(big)][-1], "Pull complete", r.out)
        self.assertEqual(tail[-2:], [f"Status: Downloaded newer image for {ref}", ref])
        self.assertEqual(self.inspect(ref)["Id"], img["config_digest"])
        # The registry's access log: one GET of the blob answered 206 (Partial
        # Content) with less than the whole blob. (The interrupted GET, a 200,
        # may be logged before or after it: the registry logs a request when
        # it gives up sending.)
        partial = [e for e in blob_requests(reg, big) if e[2] == 206]
        self.assertEqual(len(partial), 1, blob_requests(reg, big))
        self.assertEqual(int(partial[0][3]), len(img["layer_blobs"][-1]) - kept)
        assert_store_clean(self)
        self.assertEqual(partial_bytes(self.root), 0)

    def test_registry_killed_mid_pull_then_resumed(self):
        reg = self.registry()
        img = R.push_image(reg, "big/one", "v1", [self.layers[1], self.big_layer])
        with R.Throttle(reg, 2 << 20) as slow:
            ref = f"{slow.host}/big/one:v1"
            proc = self.start_pull(ref)
            self.wait_for_ingest(proc, 1 << 20)
            reg.kill()
            code, out, err = self.finish(proc)
            self.assertEqual(code, 1, (out, err))
            self.assertEqual(err.count("\n"), 1, err)
            self.assertRegex(err, r"^Error: .*" + short(img["layers"][-1]))
            self.assertNotIn("Pull complete", [l.split(": ", 1)[-1] for l in out.splitlines()
                                               if l.startswith(short(img["layers"][-1]))])
            self.assertNotIn("Status:", out)
            self.assert_nothing_committed()
            kept = partial_bytes(self.root)
            self.assertGreater(kept, 1 << 20)  # the partial blob stays for the next pull

            reg.start()
            slow.rate = None
            self.assert_resumed(reg, img, ref, kept)

    def test_registry_restarted_mid_pull_costs_a_retry_not_the_pull(self):
        reg = self.registry()
        img = R.push_image(reg, "big/three", "v1", [self.big_layer])
        big = img["layers"][0]
        # Backoff 300, 600, 1200, 2400 ms: the registry is back long before.
        self.env["BERTH_REGISTRY_RETRY_DELAY_MS"] = "300"
        with R.Throttle(reg, 2 << 20) as slow:
            ref = f"{slow.host}/big/three:v1"
            proc = self.start_pull(ref)
            self.wait_for_ingest(proc, 1 << 20)
            reg.kill()
            slow.rate = None
            reg.start()
            code, out, err = self.finish(proc)
        self.assertEqual((code, err), (0, ""), out)
        self.assertEqual(out.splitlines()[-2:], [f"Status: Downloaded newer image for {ref}", ref])
        self.assertEqual(self.inspect(ref)["Id"], img["config_digest"])
        # The same download went on where it broke: a Range request, answered 206.
        partial = [e for e in blob_requests(reg, big) if e[2] == 206]
        self.assertEqual(len(partial), 1, blob_requests(reg, big))
        self.assertLess(int(partial[0][3]), len(img["layer_blobs"][0]))
        assert_store_clean(self)
        self.assertEqual(partial_bytes(self.root), 0)

    def test_ctrl_c_mid_pull_exits_130_and_keeps_the_partial_blob(self):
        reg = self.registry()
        img = R.push_image(reg, "big/two", "v1", [self.layers[1], self.big_layer])
        with R.Throttle(reg, 2 << 20) as slow:
            ref = f"{slow.host}/big/two:v1"
            proc = self.start_pull(ref)
            self.wait_for_ingest(proc, 1 << 20)
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            code, out, err = self.finish(proc, timeout=10)
            self.assertLess(time.monotonic() - sent, 3.0)
            self.assertEqual(code, 130, (out, err))
            self.assertRegex(err, r"\AError: (.+: )?interrupted\n\Z")
            self.assertNotIn("Status:", out)
            self.assert_nothing_committed()
            kept = partial_bytes(self.root)
            self.assertGreater(kept, 1 << 20)  # the partial blob stays for the next pull

            slow.rate = None
            self.assert_resumed(reg, img, ref, kept)

    def test_ctrl_c_after_a_layer_finished_downloading(self):
        # The small top layer is downloaded whole while its big parent is still
        # coming; Ctrl-C leaves it complete in ingest/ but not committed. The
        # next pull must use it as it is (nothing left to fetch: no Range past
        # its end, which the registry would answer 416), not fail on it forever.
        reg = self.registry()
        img = R.push_image(reg, "big/five", "v1", [self.big_layer, self.layers[1]])
        small = img["layers"][1]
        with R.Throttle(reg, 2 << 20) as slow:
            ref = f"{slow.host}/big/five:v1"
            proc = self.start_pull(ref)
            deadline = time.monotonic() + 30
            while partial_blobs(self.root).get(small.split(":")[1]) != len(img["layer_blobs"][1]):
                self.assertLess(time.monotonic(), deadline, "the small layer never finished")
                self.assertIsNone(proc.poll())
                time.sleep(0.02)
            self.wait_for_ingest(proc, (1 << 20) + len(img["layer_blobs"][1]))
            proc.send_signal(signal.SIGINT)
            code, out, err = self.finish(proc, timeout=10)
            self.assertEqual(code, 130, (out, err))
            self.assert_nothing_committed()
            self.assertEqual(partial_blobs(self.root)[small.split(":")[1]], len(img["layer_blobs"][1]))
            gets = len(blob_requests(reg, small))
            slow.rate = None
            r = self.berth("pull", ref)
        self.assertEqual((r.code, r.err), (0, ""), r.out)
        self.assertEqual(self.inspect(ref)["Id"], img["config_digest"])
        self.assertEqual(len(blob_requests(reg, small)), gets)  # not fetched again
        assert_store_clean(self)
        self.assertEqual(partial_bytes(self.root), 0)

    def test_ctrl_c_of_one_pull_spares_a_concurrent_pull(self):
        reg = self.registry()
        img = R.push_image(reg, "big/four", "v1", [R.random_layer(6 << 20, seed=13)])
        with R.Throttle(reg, 2 << 20) as slow:
            ref = f"{slow.host}/big/four:v1"
            first = self.start_pull(ref)
            self.wait_for_ingest(first, 256 << 10)
            second = self.start_pull(ref)  # waits for the first's download of the blob
            time.sleep(0.5)
            second.send_signal(signal.SIGINT)
            code, out, err = self.finish(second, timeout=10)
            self.assertEqual((code, err), (130, "Error: interrupted\n"), out)
            slow.rate = None
            code, out, err = self.finish(first)
        self.assertEqual((code, err), (0, ""), out)
        self.assertEqual(self.inspect(ref)["Id"], img["config_digest"])
        assert_store_clean(self)

    def corrupt(self, reg, digest):
        path = reg.blob_path(digest)
        with open(path, "r+b") as f:
            data = bytearray(f.read())
            data[len(data) // 2] ^= 0xFF
            f.seek(0)
            f.write(data)

    def test_corrupt_layer_in_registry_commits_nothing(self):
        reg = self.registry()
        img = R.push_image(reg, "bad/layer", "v1", self.layers)
        self.corrupt(reg, img["layers"][1])
        r = self.fails("pull", f"{reg.host}/bad/layer:v1")
        self.assertRegex(r.err, r"^Error: .*" + img["layers"][1] + r".*digest mismatch")
        self.assertNotIn("Status:", r.out)
        self.assert_nothing_committed()
        # The wrong bytes are not kept for a resume (the other layer's partial
        # download may be: it was stopped, not wrong).
        self.assertNotIn(img["layers"][1].split(":")[1], partial_blobs(self.root))

    def test_corrupt_config_in_registry_commits_nothing(self):
        reg = self.registry()
        img = R.push_image(reg, "bad/config", "v1", self.layers)
        self.corrupt(reg, img["config_digest"])
        r = self.fails("pull", f"{reg.host}/bad/config:v1")
        self.assertRegex(r.err, r"^Error: .*digest mismatch")
        self.assertIn(img["config_digest"], r.err)
        self.assert_nothing_committed()

    def test_config_and_manifest_that_disagree_with_the_content(self):
        reg = self.registry()
        a, b = self.layers[1], R.file_layer({"etc/b": b"2" * 1000})
        cases = {}
        # A config whose second diff id is not the layer's.
        cfg = R.image_config([R.sha256_digest(a), "sha256:" + "0" * 64])
        cases["diff"] = (R.push_image(reg, "bad/diff", "v1", [a, b], config=cfg), "bad/diff:v1")
        # Manifests whose second layer size is smaller, or larger, than the blob's.
        img = R.push_image(reg, "bad/size", "v1", [a, b])
        client = R.RegistryClient(reg)
        for name, delta in (("smaller", -10), ("larger", 10)):
            m = json.loads(img["manifest"])
            m["layers"][1]["size"] += delta
            client.put_manifest("bad/size", name, json.dumps(m).encode(), img["media_type"])
            cases[name] = (img, "bad/size:" + name)
        want = {"diff": r"diff id mismatch: the config says sha256:0{64}, the content is " +
                        R.sha256_digest(b),
                "smaller": r"body exceeds the limit of \d+ bytes",
                "larger": r"the blob ends before byte \d+ of the \d+ the manifest gives it"}
        for name, (img, ref) in cases.items():
            with self.subTest(name):
                self.root = os.path.join(self.tmp, "root-" + name)
                r = self.fails("pull", f"{reg.host}/{ref}")
                self.assertRegex(r.err, r"^Error: .*" + img["layers"][1] + ".*" + want[name])
                self.assert_nothing_committed()

    def test_two_pulls_of_one_image_at_once(self):
        reg = self.registry()
        img = R.push_image(reg, "both/pull", "v1",
                           [self.layers[0], R.random_layer(3 << 20, seed=12)])
        with R.Throttle(reg, 3 << 20) as slow:
            ref = f"{slow.host}/both/pull:v1"
            procs = [self.start_pull(ref) for _ in range(2)]
            results = [self.finish(p, timeout=60) for p in procs]
        for code, out, err in results:
            self.assertEqual((code, err), (0, ""), out)
            lines = out.splitlines()
            self.assertEqual(lines[-3], f"Digest: {img['digest']}")
            self.assertIn(lines[-2], (f"Status: Downloaded newer image for {ref}",
                                      f"Status: Image is up to date for {ref}"))
            self.assertEqual(lines[-1], ref)
        self.assertEqual(self.ok("images", "-q", "--no-trunc").out, img["config_digest"] + "\n")
        assert_store_clean(self)
        self.assertEqual(partial_bytes(self.root), 0)
        # Each blob was fetched whole once: the second pull waited for the first's.
        for d in img["layers"]:
            self.assertEqual(len([e for e in blob_requests(reg, d) if e[2] == 200]), 1, d)

    def test_two_pulls_of_images_sharing_a_base_at_once(self):
        reg = self.registry()
        base = R.random_layer(2 << 20, seed=14)
        imgs = {n: R.push_image(reg, f"share/{n}", "v1", [base, R.file_layer({n: n.encode()})])
                for n in ("a", "b")}
        with R.Throttle(reg, 3 << 20) as slow:
            procs = {n: self.start_pull(f"{slow.host}/share/{n}:v1") for n in imgs}
            results = {n: self.finish(p, timeout=60) for n, p in procs.items()}
        for n, (code, out, err) in results.items():
            self.assertEqual((code, err), (0, ""), out)
            self.assertEqual(self.inspect(f"{slow.host}/share/{n}:v1")["Id"], imgs[n]["config_digest"])
        assert_store_clean(self)
        # The shared base was fetched once.
        self.assertEqual(len([e for e in blob_requests(reg, imgs["a"]["layers"][0]) if e[2] == 200]), 1)

    def test_berth_killed_mid_pull_then_resumed(self):
        reg = self.registry()
        img = R.push_image(reg, "big/six", "v1", [self.layers[1], self.big_layer])
        with R.Throttle(reg, 2 << 20) as slow:
            ref = f"{slow.host}/big/six:v1"
            proc = self.start_pull(ref)
            self.wait_for_ingest(proc, 1 << 20)
            proc.kill()  # SIGKILL: no cleanup at all
            proc.wait()
            self.assert_nothing_committed()
            kept = partial_bytes(self.root)
            self.assertGreater(kept, 1 << 20)
            slow.rate = None
            self.assert_resumed(reg, img, ref, kept)

    def test_config_over_4_mib_is_refused(self):
        reg = self.registry()
        cfg = R.image_config([R.sha256_digest(self.layers[1])])
        big = cfg[:-1] + b',"pad":"' + b"x" * (5 << 20) + b'"}'
        R.push_image(reg, "big/config", "v1", self.layers[1:], config=big)
        r = self.fails("pull", f"{reg.host}/big/config:v1")
        self.assertEqual(r.err, "Error: the image config exceeds the limit of 4 MiB\n")
        self.assert_nothing_committed()


class FlakyFront(R._RecordingServer):
    """A front for a registry that answers `status` to the first `failures`
    requests of each method and path, then forwards (so a client that
    retries gets through, one that does not fails)."""

    def __init__(self, registry, failures, status=503, only=None):
        self.registry, self.failures, self.status, self.only = registry, failures, status, only
        self.seen = {}
        super().__init__()
        self._httpd.handle_error = lambda *a: None  # berth's https try resets: not news

    def handle(self, req):
        key = (req["method"], req["path"])
        n = self.seen[key] = self.seen.get(key, 0) + 1
        if n <= self.failures and (self.only is None or self.only in req["path"]):
            return self.json_reply(self.status, {"errors": [
                {"code": "UNAVAILABLE", "message": "try again later"}]})
        headers = {k: v for k, v in req["headers"].items()
                   if k in ("authorization", "accept", "range")}
        status, rh, body = R.http_request(req["method"], self.registry.url + req["path"],
                                          req["body"] or None, headers)
        keep = ("content-type", "docker-content-digest", "www-authenticate", "content-range")
        return status, {k: v for k, v in rh.items() if k in keep}, body


class PullRetryTest(PullTestBase):
    def front(self, *args, **kw):
        reg = self.registry()
        img = R.push_image(reg, "flaky/img", "v1", self.layers)
        front = FlakyFront(reg, *args, **kw)
        self.addCleanup(front.stop)
        return img, front, f"{front.host}/flaky/img:v1"

    def test_transient_failures_are_retried(self):
        for status in (503, 429):
            with self.subTest(status=status):
                self.root = os.path.join(self.tmp, f"root-{status}")
                img, front, ref = self.front(2, status)
                r = self.ok("pull", ref)
                self.assertEqual(r.err, "")
                self.assertEqual(self.inspect(ref)["Id"], img["config_digest"])
                # Every request was refused twice and answered the third time.
                for d in [img["config_digest"], *img["layers"]]:
                    self.assertEqual(front.seen[("GET", f"/v2/flaky/img/blobs/{d}")], 3)
                self.assertEqual(front.seen[("GET", "/v2/flaky/img/manifests/v1")], 3)
                assert_store_clean(self)

    def test_retries_give_up_after_five_attempts(self):
        img, front, ref = self.front(100, 503, only="/blobs/")
        began = time.monotonic()
        r = self.fails("pull", ref)
        self.assertLess(time.monotonic() - began, 10)
        self.assertRegex(r.err, r"^Error: .*/blobs/sha256:[0-9a-f]{64}.*503")
        self.assertEqual(max(n for (m, p), n in front.seen.items() if "/blobs/" in p), 5)
        self.assert_no_image()


class FakeRegistry(R.LoopbackServer):
    """Not a real registry: /v2/ answers 200 and every manifest GET `body`
    as content_type, with a Content-Length or (with_length False)
    close-delimited without one."""

    def __init__(self, body, content_type, with_length=True, headers=None):
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self):
                if self.path == "/v2/":
                    payload, ctype = b"{}", "application/json"
                elif "/manifests/" in self.path:
                    payload, ctype = body, content_type
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                if with_length:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except OSError:
                    pass  # berth hung up once it had seen too much: good

            def log_message(self, *args):
                pass

        self.serve(Handler)


class PullManifestTest(PullTestBase):
    def fake(self, *args, **kw):
        server = FakeRegistry(*args, **kw)
        self.addCleanup(server.stop)
        return server

    def test_manifest_over_4_mib_is_refused(self):
        body = b'{"schemaVersion":2,"pad":"' + b"x" * (5 << 20) + b'"}'
        for with_length in (True, False):
            with self.subTest(with_length=with_length):
                server = self.fake(body, R.OCI_MANIFEST, with_length)
                r = self.fails("pull", f"{server.host}/huge/manifest:v1")
                self.assertEqual(r.out, "")
                self.assertEqual(r.err, "Error: manifest exceeds the limit of 4 MiB\n")
                self.assertEqual(self.ok("images", "-a", "-q").out, "")
                assert_store_clean(self)

    def test_manifest_digest_mismatch(self):
        body = b'{"schemaVersion":2,"mediaType":"%s","config":{},"layers":[]}' % R.OCI_MANIFEST.encode()
        other = "sha256:" + "1" * 64
        server = self.fake(body, R.OCI_MANIFEST, headers={"Docker-Content-Digest": other})
        # By tag: the registry's Docker-Content-Digest does not match the bytes.
        r = self.fails("pull", f"{server.host}/liar/img:v1")
        self.assertRegex(r.err, r"^Error: manifest digest mismatch: the registry says " + other +
                         r", content is " + R.sha256_digest(body) + "\n$")
        # By digest: the bytes are not what was asked for.
        r = self.fails("pull", f"{server.host}/liar/img@{other}")
        self.assertRegex(r.err, r"^Error: manifest digest mismatch: asked for " + other +
                         r", content is " + R.sha256_digest(body) + "\n$")
        self.assert_no_image()

    def test_schema1_is_not_supported(self):
        body = b'{"schemaVersion":1,"name":"old/img","tag":"v1","fsLayers":[],"history":[]}'
        server = self.fake(body, "application/vnd.docker.distribution.manifest.v1+prettyjws")
        r = self.fails("pull", f"{server.host}/old/img:v1")
        self.assertRegex(r.err, r"^Error: image manifest schema 1 .* is not supported")
        self.assert_no_image()


if __name__ == "__main__":
    unittest.main()
