"""`berth inspect`, `image inspect`, `history`, `tag`, global flags."""
import json
import os

from berthtest import BerthTest, busybox_size


class InspectTest(BerthTest):
    def test_docker_fields(self):
        iid = self.import_busybox("mysql:latest")
        self.ok("tag", "mysql", "mysqld")
        info = self.inspect("mysqld")
        for key in ["Id", "RepoTags", "RepoDigests", "Parent", "Comment", "Created", "Container",
                    "ContainerConfig", "DockerVersion", "Author", "Config", "Architecture", "Os",
                    "Size", "VirtualSize", "GraphDriver", "RootFS", "Metadata"]:
            self.assertIn(key, info)
        self.assertEqual(list(info.keys())[:3], ["Id", "RepoTags", "RepoDigests"])
        self.assertEqual(info["Id"], iid)
        self.assertEqual(info["RepoTags"], ["mysql:latest", "mysqld:latest"])
        self.assertEqual(info["RepoDigests"], [])
        self.assertEqual(info["Size"], busybox_size())
        self.assertEqual(info["RootFS"]["Type"], "layers")
        self.assertNotEqual(info["Metadata"]["LastTagTime"], "0001-01-01T00:00:00Z")
        self.assertEqual(self.inspect(iid[7:15])["Id"], iid)  # id prefix
        self.assertEqual(self.inspect(iid)["Id"], iid)

    def test_go_escaping_like_docker(self):
        self.ok("import", "-c", "LABEL a=<b>&c", self.busybox_tar(), "esc")
        raw = self.ok("inspect", "esc").out
        self.assertIn('"a": "\\u003cb\\u003e\\u0026c"', raw)
        self.assertEqual(self.inspect("esc")["Config"]["Labels"], {"a": "<b>&c"})
        # --format json / {{json}} do not escape (docker's template func)
        self.assertEqual(self.ok("inspect", "-f", "{{json .Config.Labels}}", "esc").out,
                         '{"a":"<b>&c"}\n')

    def test_format_and_errors(self):
        iid = self.import_busybox()
        self.assertEqual(self.ok("inspect", "-f", "{{.Id}}", "busybox").out, iid + "\n")
        self.assertEqual(self.ok("image", "inspect", "--format", "{{json .RootFS.Type}}", "busybox").out,
                         '"layers"\n')
        r = self.berth("inspect", "nosuch")
        self.assertEqual((r.code, r.out, r.err), (1, "[]\n", "Error: No such object: nosuch\n"))
        r = self.berth("image", "inspect", "busybox", "nosuch")
        self.assertEqual(r.code, 1)
        self.assertEqual(len(json.loads(r.out)), 1)
        self.assertEqual(r.err, "Error: No such image: nosuch\n")
        r = self.berth("inspect", "-f", "{{.Id", "busybox")
        self.assertEqual(r.code, 64)
        self.assertEqual(r.err, "template parsing error: template: :1: unclosed action\n")
        r = self.berth("inspect", "-f", "{{.X}}", "busybox")
        self.assertEqual(r.code, 1)
        self.assertIn('map has no entry for key "X"', r.err)


class HistoryTest(BerthTest):
    def test_rows(self):
        iid = self.import_busybox()
        out = self.ok("history", "busybox").out.splitlines()
        self.assertEqual(out[0].split(), ["IMAGE", "CREATED", "CREATED", "BY", "SIZE", "COMMENT"])
        self.assertTrue(out[1].startswith(iid[7:19] + "   "))
        self.assertTrue(out[1].endswith("1.98MB    Imported from -"), out[1])
        self.assertEqual(self.ok("history", "-q", "busybox").out, iid[7:19] + "\n")
        self.assertEqual(self.ok("history", "-q", "--no-trunc", "busybox").out, iid + "\n")
        self.assertEqual(self.ok("history", "-H=false", "--format", "{{.Size}}", "busybox").out,
                         f"{busybox_size()}\n")
        self.assertEqual(self.ok("image", "history", "--format", "{{.Comment}}", "busybox").out,
                         "Imported from -\n")

    def test_unknown(self):
        r = self.fails("history", "nosuch")
        self.assertEqual(r.err, "Error: No such image: nosuch:latest\n")


class TagTest(BerthTest):
    def test_tag_moves_and_errors(self):
        a = self.import_busybox("x:1")
        b = self.import_busybox("y:1")
        self.ok("tag", "y:1", "x:1")
        self.assertEqual(self.inspect("x:1")["Id"], b)
        # a lost its only tag: dangling now
        self.assertIn(a, self.ok("images", "-q", "--no-trunc", "-f", "dangling=true").out)
        r = self.fails("tag", "nosuch", "z")
        self.assertEqual(r.err, "Error: No such image: nosuch:latest\n")
        r = self.fails("tag", "x:1", "UPPER")
        self.assertEqual(r.err, 'Error parsing reference: "UPPER" is not a valid repository/tag: '
                                "invalid reference format: repository name must be lowercase\n")
        r = self.berth("tag", "x:1")
        self.assertEqual(r.code, 1)
        self.assertTrue(r.err.startswith('"berth tag" requires exactly 2 arguments.'))
        self.ok("image", "tag", "x:1", "localhost:5000/a/b:v2")
        self.assertIn("localhost:5000/a/b:v2", self.inspect("x:1")["RepoTags"])


class GlobalFlagsTest(BerthTest):
    def test_version_and_root_env(self):
        r = self.ok("version")
        self.assertIn("Version:", r.out)
        r = self.ok("-v")
        self.assertTrue(r.out.startswith("berth version "))
        self.assertEqual(self.ok("version", "--format", "{{.Client.Version}}").out.strip(),
                         r.out.split()[2].rstrip(","))
        env = dict(os.environ, BERTH_ROOT=self.root)
        self.import_busybox()
        import subprocess
        from berthtest import BERTH
        out = subprocess.run([BERTH, "images", "-q"], env=env, stdout=subprocess.PIPE).stdout
        self.assertEqual(len(out.split()), 1)

    def test_unknown_command(self):
        r = self.berth("frobnicate")
        self.assertEqual(r.code, 1)
        self.assertIn("'frobnicate' is not a berth command", r.err)
        r = self.berth("--nope", "images")
        self.assertEqual(r.code, 125)
