"""berth push against the real distribution registry: Docker's output, blobs
sent as stored (stable digests), HEAD checks, cross-repository mounts, and
round trips through pull on a fresh store (and skopeo, when installed)."""
import json
import os
import re
import shutil
import subprocess
import unittest

import berthtest
import registries as R

ENV = dict(os.environ, BERTH_REGISTRY_RETRY_DELAY_MS="10")


class PushTest(berthtest.BerthTest):
    def setUp(self):
        super().setUp()
        self.reg = R.Registry(self.tmp)
        self.addCleanup(self.reg.stop)

    def b(self, *args, **kw):
        return self.ok(*args, env=ENV, **kw)

    def test_push_imported_then_pull_round_trip(self):
        ref = f"{self.reg.host}/test/bb:v1"
        image_id = self.import_busybox(ref)
        out = self.b("push", ref).out
        lines = out.splitlines()
        self.assertEqual(lines[0], f"The push refers to repository [{self.reg.host}/test/bb]")
        m = re.search(r"^v1: digest: (sha256:[0-9a-f]{64}) size: (\d+)$", out, re.M)
        self.assertTrue(m, out)
        digest, size = m.group(1), int(m.group(2))
        self.assertRegex(out, r"(?m)^[0-9a-f]{12}: Pushed$")
        body, _, got = self.reg.client().get_manifest("test/bb", "v1")
        self.assertEqual(got, digest)
        self.assertEqual(len(body), size)
        manifest = json.loads(body)
        self.assertEqual(manifest["config"]["digest"], image_id)
        self.assertEqual(manifest["mediaType"], R.DOCKER_MANIFEST)
        self.assertEqual(manifest["layers"][0]["mediaType"], R.DOCKER_LAYER)

        # Pushed again: nothing uploaded, the same digest (the compressed layer was kept).
        again = self.b("push", ref).out
        self.assertRegex(again, r"(?m)^[0-9a-f]{12}: Layer already exists$")
        self.assertIn(f"v1: digest: {digest} size: {size}", again)
        self.assertIn(f"{self.reg.host}/test/bb@{digest}", self.inspect(ref)["RepoDigests"])

        # A fresh store pulls the same image id and manifest digest.
        other = os.path.join(self.tmp, "other")
        pulled = self.ok("pull", ref, root=other, env=ENV).out
        self.assertIn(f"Digest: {digest}", pulled)
        inspected = json.loads(self.ok("inspect", ref, root=other).out)[0]
        self.assertEqual(inspected["Id"], image_id)
        berthtest.assert_store_clean(self)
        berthtest.assert_store_clean(self, other)

    def test_pulled_image_is_pushed_byte_for_byte_and_mounted(self):
        pushed = R.push_image(self.reg, "library/src", "latest", [R.busybox_layer(self.tmp)], media="oci")
        src = f"{self.reg.host}/library/src:latest"
        self.b("pull", src)
        dst = f"{self.reg.host}/library/dst:copy"
        self.b("tag", src, dst)
        out = self.b("push", dst).out
        self.assertRegex(out, r"(?m)^[0-9a-f]{12}: Mounted from library/src$")
        self.assertIn(f"copy: digest: {pushed['digest']} size: {pushed['size']}", out)
        _, ctype, digest = self.reg.client().get_manifest("library/dst", "copy")
        self.assertEqual(digest, pushed["digest"])
        self.assertEqual(ctype, R.OCI_MANIFEST)

        # To another registry: no mount possible, uploaded as is.
        with R.Registry(self.tmp) as reg2:
            far = f"{reg2.host}/x/y:z"
            self.b("tag", src, far)
            out = self.b("push", far).out
            self.assertRegex(out, r"(?m)^[0-9a-f]{12}: Pushed$")
            self.assertIn(f"z: digest: {pushed['digest']}", out)

    def test_all_tags_and_quiet(self):
        repo = f"{self.reg.host}/multi/bb"
        self.import_busybox(f"{repo}:one")
        self.b("tag", f"{repo}:one", f"{repo}:two")
        self.b("push", "-a", repo)
        tags = self.b("search", "--list-tags", repo).out.split()
        self.assertEqual(sorted(tags), ["one", "two"])
        self.assertEqual(self.b("push", "-q", f"{repo}:one").out, f"{repo}:one\n")

    def test_missing_image(self):
        r = self.fails("push", f"{self.reg.host}/nosuch/image:v1", env=ENV)
        self.assertEqual(r.err, f"Error: An image does not exist locally with the tag: {self.reg.host}/nosuch/image\n")

    def test_push_to_protected_registry_without_credentials(self):
        with R.Registry(self.tmp, auth="htpasswd") as secured:
            ref = f"{secured.host}/test/bb:v1"
            self.import_busybox(ref)
            r = self.fails("push", ref, env=ENV)
            self.assertIn("unauthorized", r.err)

    def test_skopeo_reads_what_berth_pushed(self):
        if not shutil.which("skopeo"):
            self.skipTest("skopeo is not installed")
        ref = f"{self.reg.host}/test/skopeo:v1"
        image_id = self.import_busybox(ref)
        self.b("push", ref)
        out = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--raw", f"docker://{ref}"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout)["config"]["digest"], image_id)
        dest = os.path.join(self.tmp, "copy")
        out = subprocess.run(["skopeo", "copy", "--src-tls-verify=false", f"docker://{ref}", f"dir:{dest}"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)

    def test_berth_pulls_what_skopeo_pushed(self):
        if not shutil.which("skopeo"):
            self.skipTest("skopeo is not installed")
        image_id = self.import_busybox("local/bb:v1")
        archive = os.path.join(self.tmp, "bb.tar")
        self.ok("save", "-o", archive, "local/bb:v1")
        ref = f"{self.reg.host}/by/skopeo:v1"
        out = subprocess.run(["skopeo", "copy", "--dest-tls-verify=false", f"docker-archive:{archive}",
                              f"docker://{ref}"], capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        other = os.path.join(self.tmp, "other")
        self.ok("pull", ref, root=other, env=ENV)
        self.assertEqual(json.loads(self.ok("inspect", ref, root=other).out)[0]["Id"], image_id)
        berthtest.assert_store_clean(self, other)


class SearchTest(berthtest.BerthTest):
    def test_hub_search_table_filters_and_format(self):
        repos = [dict(name="busybox", description="Busybox base image.\nWith a second line that is long",
                      star_count=2990, is_official=True, is_automated=False),
                 dict(name="someone/busybox", description="x", star_count=3, is_official=False,
                      is_automated=True)]
        with R.HubSearch(self.tmp, repos=repos) as hub:
            env = dict(ENV, BERTH_HUB_INDEX_URL=hub.url)
            out = self.ok("search", "busybox", env=env).out.splitlines()
            self.assertEqual(out[0].split(), ["NAME", "DESCRIPTION", "STARS", "OFFICIAL", "AUTOMATED"])
            self.assertTrue(out[1].startswith("busybox "), out)
            self.assertIn("Busybox base image. With a second line that …", out[1])
            self.assertIn("[OK]", out[1])
            self.assertEqual(len(out), 3)
            out = self.ok("search", "-f", "stars=10", "busybox", env=env).out.splitlines()
            self.assertEqual(len(out), 2)
            out = self.ok("search", "-f", "is-automated=true", "--format", "{{.Name}}:{{.StarCount}}",
                          "busybox", env=env).out
            self.assertEqual(out, "someone/busybox:3\n")
            # a listing's unknown field, named as docker/cli's searchContext names it
            r = self.berth("search", "--format", "{{.Nope}}", "busybox", env=env)
            self.assertEqual((r.code, r.err), (1, "template parsing error: template: :1:2: executing "
                                                  "\"\" at <.Nope>: can't evaluate field Nope in type "
                                                  "*registry.searchContext\n"))
            self.assertEqual(hub.requests[0]["query"].get("q"), ["busybox"], hub.requests[0])
            r = self.fails("search", "--limit", "101", "busybox", env=env)
            self.assertIn("outside the range of [1, 100]", r.err)
            r = self.fails("search", "-f", "color=red", "busybox", env=env)
            self.assertIn("invalid filter 'color'", r.err)

    def test_catalog_fallback_and_list_tags(self):
        with R.Registry(self.tmp) as reg:
            layer = R.busybox_layer(self.tmp)
            R.push_image(reg, "library/busybox", "latest", [layer])
            R.push_image(reg, "library/busybox", "1.36", [layer])
            R.push_image(reg, "other/thing", "latest", [layer])
            out = self.ok("search", f"{reg.host}/busy", env=ENV).out.splitlines()
            self.assertEqual(len(out), 2, out)
            self.assertTrue(out[1].startswith(f"{reg.host}/library/busybox "), out)
            tags = self.ok("search", "--list-tags", f"{reg.host}/library/busybox", env=ENV).out.split()
            self.assertEqual(sorted(tags), ["1.36", "latest"])


if __name__ == "__main__":
    unittest.main()
