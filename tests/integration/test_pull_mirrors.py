"""`berth pull` through registry mirrors, the seed's flow without the internet.

A mirror here is the real distribution registry in pull-through-cache mode
(Registry(proxy_remote=upstream)). Docker Hub names (`busybox`) resolve to
docker.io, which cannot be reached here, so a Hub mirror must serve
library/busybox from a local upstream. Also: per-registry mirrors
(`--registry-mirror HOST=URL`, which Docker lacks), the config-file forms
(`registry-mirrors`, `registry-mirrors-by-host`), a dead mirror falling back
to its upstream with one warning line, and a dead mirror in front of an
unreachable Docker Hub naming both failures.
"""
import json
import os
import re
import shutil
import tempfile
import unittest

import berthtest
import registries as R
from berthtest import assert_store_clean
from test_pull import PullTestBase, access_log, short, split_output


def manifest_gets(reg, repo):
    return [e for e in access_log(reg)
            if e[0] == "GET" and e[1].startswith(f"/v2/{repo}/manifests/")]


class PullMirrorTest(PullTestBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmpdir = tempfile.mkdtemp(prefix="berth-pull-mirror-", dir=berthtest.TMP_BASE)
        cls.upstream = R.Registry(cls.tmpdir)
        cls.mirror = R.Registry(cls.tmpdir, proxy_remote=cls.upstream)
        cls.hub_img = R.push_image(cls.upstream, "library/busybox", "latest", cls.layers)
        cls.img = R.push_image(cls.upstream, "team/app", "v1", cls.layers[:1])
        cls.dead = f"http://127.0.0.1:{R.free_port()}"  # nothing listens there

    @classmethod
    def tearDownClass(cls):
        cls.mirror.stop()
        cls.upstream.stop()
        shutil.rmtree(cls.tmpdir, ignore_errors=True)

    def config_file(self, doc):
        path = os.path.join(self.tmp, "daemon.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def assert_busybox_pulled(self, r):
        self.assertEqual(r.err, "")
        self.assert_pulled(r.out, "busybox:latest", "library/busybox", "latest", self.hub_img,
                           default_tag=True, full="docker.io/library/busybox:latest")
        rows = self.ok("images").out.splitlines()
        self.assertEqual(len(rows), 2, rows)
        self.assertRegex(rows[1], r"^busybox\s+latest\s+" + short(self.hub_img["config_digest"]) + r"\s")
        info = self.inspect("busybox")
        self.assertEqual(info["Id"], self.hub_img["config_digest"])
        self.assertEqual(info["RepoTags"], ["busybox:latest"])
        self.assertEqual(info["RepoDigests"], [f"busybox@{self.hub_img['digest']}"])
        assert_store_clean(self)

    def test_hub_mirror_flag(self):
        before = len(manifest_gets(self.mirror, "library/busybox"))
        r = self.ok("--registry-mirror", self.mirror.url, "pull", "busybox")
        self.assert_busybox_pulled(r)
        self.assertGreater(len(manifest_gets(self.mirror, "library/busybox")), before)

    def test_hub_mirror_config_file(self):
        cf = self.config_file({"registry-mirrors": [self.mirror.url + "/"]})
        self.assert_busybox_pulled(self.ok("--config-file", cf, "pull", "busybox"))

    def test_per_registry_mirror_flag_and_config_file(self):
        ref = f"{self.upstream.host}/team/app:v1"
        for how in ("flag", "config"):
            with self.subTest(how=how):
                self.root = os.path.join(self.tmp, "root-" + how)
                if how == "flag":
                    args = ["--registry-mirror", f"{self.upstream.host}={self.mirror.url}"]
                else:
                    args = ["--config-file", self.config_file(
                        {"registry-mirrors-by-host": {self.upstream.host: [self.mirror.url]}})]
                before_m = len(manifest_gets(self.mirror, "team/app"))
                r = self.ok(*args, "pull", ref)
                self.assertEqual(r.err, "")
                self.assert_pulled(r.out, ref, "team/app", "v1", self.img)
                self.assertEqual(self.inspect(ref)["Id"], self.img["config_digest"])
                self.assertEqual(self.inspect(ref)["RepoDigests"],
                                 [f"{self.upstream.host}/team/app@{self.img['digest']}"])
                # berth asked the mirror, which asked the upstream.
                self.assertGreater(len(manifest_gets(self.mirror, "team/app")), before_m)
                assert_store_clean(self)

    def test_mirror_for_another_registry_is_not_used_for_hub(self):
        # A per-host mirror is only for its host: busybox still goes to Docker
        # Hub, unreachable here.
        r = self.fails("--registry-mirror", f"{self.upstream.host}={self.mirror.url}", "pull", "busybox")
        self.assertIn("registry-1.docker.io", r.err)
        self.assertNotIn(self.mirror.url, r.err)

    def test_dead_mirror_falls_back_to_upstream(self):
        ref = f"{self.upstream.host}/team/app:v1"
        r = self.ok("--registry-mirror", f"{self.upstream.host}={self.dead}", "pull", ref)
        self.assertRegex(r.err, r"\AWarning: mirror " + re.escape(self.dead) + r" failed \(.+\)"
                         r"[^\n]*\n\Z")
        self.assert_pulled(r.out, ref, "team/app", "v1", self.img)
        self.assertEqual(self.inspect(ref)["Id"], self.img["config_digest"])
        assert_store_clean(self)

    def test_mirror_without_the_image_falls_back(self):
        # A mirror that answers, but not for this repository (an empty registry).
        empty = self.registry()
        ref = f"{self.upstream.host}/team/app:v1"
        r = self.ok("--registry-mirror", f"{self.upstream.host}={empty.url}", "pull", ref)
        self.assertRegex(r.err, r"\AWarning: mirror " + re.escape(empty.url) +
                         r" failed \(.*manifest unknown.*\)[^\n]*\n\Z")
        self.assertEqual(self.inspect(ref)["Id"], self.img["config_digest"])

    def test_dead_mirror_and_unreachable_hub_name_both(self):
        r = self.berth("--registry-mirror", self.dead, "pull", "busybox")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.out, "Using default tag: latest\n")
        lines = r.err.splitlines()
        self.assertEqual(len(lines), 2, r.err)
        self.assertTrue(lines[0].startswith(f"Warning: mirror {self.dead} failed"), r.err)
        error = lines[1]
        self.assertTrue(error.startswith("Error: "), r.err)
        self.assertIn(f"mirror {self.dead}: ", error)
        self.assertIn("registry-1.docker.io", error)
        self.assertLess(error.index(self.dead), error.index("registry-1.docker.io"))
        self.assertEqual(self.ok("images", "-q").out, "")
        assert_store_clean(self)

    def test_two_mirrors_first_dead(self):
        cf = self.config_file({"registry-mirrors": [self.dead, self.mirror.url]})
        r = self.ok("--config-file", cf, "pull", "busybox")
        self.assertRegex(r.err, r"\AWarning: mirror " + re.escape(self.dead) + r" failed [^\n]*\n\Z")
        head, rows, tail = split_output(r.out)
        self.assertEqual(tail[-1], "docker.io/library/busybox:latest")
        self.assertEqual(self.inspect("busybox")["Id"], self.hub_img["config_digest"])

    def test_token_auth_mirror_of_a_token_auth_upstream(self):
        # As with Docker Hub: the upstream wants tokens (the mirror logs in to
        # it); the mirror has its own token service, which lets anyone pull.
        upstream = self.registry(auth="token")
        img = R.push_image(upstream, "library/busybox", "latest", self.layers,
                           auth=upstream.credentials)
        mirror = self.registry(auth="token", anonymous_pull=True, proxy_remote=upstream)
        r = self.ok("--registry-mirror", mirror.url, "pull", "busybox")
        self.assertEqual(r.err, "")
        self.assert_pulled(r.out, "busybox:latest", "library/busybox", "latest", img,
                           default_tag=True, full="docker.io/library/busybox:latest")
        self.assertEqual(self.inspect("busybox")["Id"], img["config_digest"])
        self.assertEqual([a for u, a in mirror.token_server.issued if u is None],
                         [[{"type": "repository", "name": "library/busybox", "actions": ["pull"]}]])
        assert_store_clean(self)

    def test_bad_mirror_settings(self):
        r = self.fails("--registry-mirror", "ftp://mirror.example", "pull", "busybox")
        self.assertIn("invalid mirror", r.err)
        cf = self.config_file({"registry-mirrors": "http://not-a-list"})
        r = self.fails("--config-file", cf, "pull", "busybox")
        self.assertIn("registry-mirrors", r.err)
        r = self.fails("--config-file", os.path.join(self.tmp, "missing.json"), "pull", "busybox")
        self.assertIn("missing.json", r.err)


if __name__ == "__main__":
    unittest.main()
