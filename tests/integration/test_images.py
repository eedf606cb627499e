"""`berth images` / `image ls`: Docker's table, filters, formats."""
import json
import re

from berthtest import BerthTest


class ImagesTest(BerthTest):
    def test_table_layout_matches_docker(self):
        iid = self.import_busybox("busybox:latest")
        self.ok("tag", "busybox", "quay.io/coreos/etcd:v3.3.9")
        out = self.ok("images").out.splitlines()
        self.assertEqual(out[0], "REPOSITORY            TAG       IMAGE ID       CREATED                  SIZE")
        self.assertRegex(out[1], r"^busybox               latest    " + iid[7:19] +
                         r"   Less than a second ago   1\.98MB$")
        self.assertTrue(out[2].startswith("quay.io/coreos/etcd   v3.3.9    " + iid[7:19]))
        self.assertEqual(self.ok("image", "ls").out.splitlines()[0], out[0])
        self.assertEqual(self.ok("image", "list").out.splitlines()[0], out[0])

    def test_empty_store_prints_the_header(self):
        self.assertEqual(self.ok("images").out, "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n")

    def test_quiet_no_trunc_digests(self):
        iid = self.import_busybox()
        self.assertEqual(self.ok("images", "-q").out, iid[7:19] + "\n")
        self.assertEqual(self.ok("images", "-q", "--no-trunc").out, iid + "\n")
        self.assertEqual(self.ok("images", "-aq").out, iid[7:19] + "\n")
        hdr = self.ok("images", "--digests").out.splitlines()[0]
        self.assertEqual(hdr.split(), ["REPOSITORY", "TAG", "DIGEST", "IMAGE", "ID", "CREATED", "SIZE"])
        self.assertIn("<none>", self.ok("images", "--digests").out.splitlines()[1])

    def test_reference_argument_and_filter(self):
        self.import_busybox("busybox:latest")
        self.ok("tag", "busybox", "busybox:1.36")
        self.ok("tag", "busybox", "other:x")
        self.assertEqual(self.ok("images", "--format", "{{.Repository}}:{{.Tag}}", "busybox").out,
                         "busybox:1.36\nbusybox:latest\n")
        self.assertEqual(self.ok("images", "--format", "{{.Tag}}", "busybox:1.36").out, "1.36\n")
        self.assertEqual(self.ok("images", "-f", "reference=oth*", "--format", "{{.Repository}}").out,
                         "other\n")
        self.assertEqual(self.ok("images", "nothing").out.count("\n"), 1)

    def test_dangling_and_label_filters(self):
        tagged = self.import_busybox("a:1")
        dangling = self.ok("import", self.busybox_tar(name="b.tar")).out.strip()
        labelled = self.ok("import", "-c", "LABEL tier=db", self.busybox_tar(name="c.tar"), "c:1").out.strip()
        q = lambda *f: self.ok("images", "-q", "--no-trunc", *f).out.split()
        self.assertEqual(q("-f", "dangling=true"), [dangling])
        self.assertEqual(sorted(q("-f", "dangling=false")), sorted([tagged, labelled]))
        self.assertEqual(q("-f", "label=tier"), [labelled])
        self.assertEqual(q("-f", "label=tier=db"), [labelled])
        self.assertEqual(q("-f", "label=tier=web"), [])
        self.assertEqual(q("-f", "since=a:1", "-f", "dangling=false"), [labelled])
        self.assertEqual(q("-f", "before=c:1", "-f", "dangling=false"), [tagged])

    def test_invalid_filter(self):
        r = self.fails("images", "-f", "foo=bar")
        self.assertEqual(r.err, "Error: Invalid filter 'foo'\n")
        self.fails("images", "-f", "dangling=maybe")

    def test_newest_first(self):
        first = self.import_busybox("first:1")
        second = self.import_busybox("second:1")
        self.assertEqual(self.ok("images", "-q", "--no-trunc").out.split(), [second, first])

    def test_json_and_templates(self):
        iid = self.import_busybox()
        row = json.loads(self.ok("images", "--format", "json").out)
        self.assertEqual(row["ID"], iid[7:19])
        self.assertEqual(row["Repository"], "busybox")
        self.assertEqual(row["Size"], "1.98MB")
        self.assertEqual(self.ok("images", "--format", "table {{.Repository}}\\t{{.Size}}").out,
                         "REPOSITORY   SIZE\nbusybox      1.98MB\n")
        self.assertEqual(self.ok("images", "--format", "{{.ID}} {{.CreatedSince}}").out,
                         iid[7:19] + " Less than a second ago\n")

    def test_template_errors_exit_like_docker(self):
        self.import_busybox()
        # docker 20.10's formatter exits 1 for parse errors too (inspect: 64)
        r = self.berth("images", "--format", "{{.ID")
        self.assertEqual((r.code, r.err), (1, "template parsing error: template: :1: unclosed action\n"))
        r = self.berth("images", "--format", "{{.Nope}}")
        self.assertEqual((r.code, r.err), (1, "template parsing error: template: :1:2: executing \"\" "
                                              "at <.Nope>: can't evaluate field Nope in type "
                                              "*formatter.imageContext\n"))

    def test_usage_errors(self):
        r = self.berth("images", "--bogus")
        self.assertEqual(r.code, 125)
        self.assertEqual(r.err, "unknown flag: --bogus\nSee 'berth images --help'.\n")
        r = self.berth("images", "a", "b")
        self.assertEqual(r.code, 1)
        self.assertTrue(r.err.startswith('"berth images" requires at most 1 argument.\n'
                                         "See 'berth images --help'.\n\nUsage:  berth images "), r.err)
        help_out = self.ok("images", "--help").out
        self.assertIn("Usage:  berth images [OPTIONS] [REPOSITORY[:TAG]]", help_out)
        self.assertIn("-q, --quiet", help_out)
