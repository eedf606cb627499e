"""Names and filters as docker 20.10 treats them: ambiguous tags, the name
"No such image" reports, bad reference patterns, import without a tag, and
every form of `until=` (expected texts recorded from docker 20.10.24)."""
from berthtest import BerthTest

SHA_NAME = "refusing to create an ambiguous tag using digest algorithm as name"


class NamesTest(BerthTest):
    def test_tag_named_like_a_digest_is_refused(self):
        self.import_busybox("bb:1")
        for target in ("sha256:" + "a" * 64, "sha256:v1", "sha256", "docker.io/library/sha256:x"):
            with self.subTest(target=target):
                self.assertEqual(self.fails("tag", "bb:1", target).err, f"Error: {SHA_NAME}\n")
        for target in ("x:sha256", "foo/sha256:x", "sha512:x"):
            self.ok("tag", "bb:1", target)

    def test_no_such_image_names_the_normalized_reference(self):
        self.import_busybox("bb:1")
        cases = [(("rmi", "nosuch"), "nosuch:latest"), (("rmi", "nosuch:2"), "nosuch:2"),
                 (("history", "docker.io/library/nosuch"), "nosuch:latest"),
                 (("rmi", "abcdef"), "abcdef:latest"), (("rmi", "sha256:abcd"), "sha256:abcd"),
                 (("tag", "nosuch", "x:1"), "nosuch:latest")]
        for args, name in cases:
            with self.subTest(args=args):
                self.assertEqual(self.fails(*args).err, f"Error: No such image: {name}\n")

    def test_a_name_that_is_no_reference(self):
        self.import_busybox("bb:1")
        r = self.berth("inspect", "BB:1")
        self.assertEqual((r.code, r.out, r.err), (1, "[]\n", "Error: No such object: BB:1\n"))
        bad = ("Error: no such image: BB:1: invalid reference format: repository name must be "
               "lowercase\n")
        for args in (("image", "inspect", "BB:1"), ("inspect", "--type", "image", "BB:1")):
            r = self.berth(*args)
            self.assertEqual((r.code, r.out, r.err), (1, "[]\n", bad))

    def test_filter_without_equals_is_a_usage_error(self):
        for cmd in (("images",), ("image", "prune", "-f")):
            with self.subTest(cmd=cmd):
                r = self.fails(*cmd, "--filter", "label", code=125)
                self.assertEqual(r.err.splitlines()[0], 'invalid argument "label" for "-f, --filter" flag: '
                                 'bad format of filter (expected name=value)' if cmd == ("images",) else
                                 'invalid argument "label" for "--filter" flag: '
                                 'bad format of filter (expected name=value)')

    def test_bad_reference_pattern(self):
        # Docker meets the pattern only when some image has a name to match.
        self.assertEqual(self.ok("images", "-q", "-f", "reference=[").out, "")
        self.import_busybox("bb:1")
        self.assertEqual(self.fails("images", "-f", "reference=[").err, "Error: syntax error in pattern\n")
        self.assertEqual(self.fails("images", "-f", "reference=bb:[a-]").err, "Error: syntax error in pattern\n")

    def test_import_with_an_empty_name_is_untagged(self):
        out = self.ok("import", self.busybox_tar(), "").out.strip()
        self.assertRegex(out, r"^sha256:[0-9a-f]{64}$")
        self.assertEqual(self.ok("images", "-q", "--no-trunc", "-f", "dangling=true").out.strip(), out)

    def test_until_takes_what_docker_takes(self):
        iid = self.import_busybox("bb:1")
        for until in ("2020-01-01", "1700000000.5", "10m", "1h30m", "2020-01-01T10:00:00",
                      "2020-01-01T10:00:00.123Z", "2020-01-01T10:00:00+01:00", "2020-01-01T10:00",
                      "2020-01-01T10", "2020-01-01T1", "1700000000", "0", "2020-01-01T10:00:00,5Z"):
            with self.subTest(until=until):
                self.assertEqual(self.ok("image", "prune", "-f", "--filter", f"until={until}").out,
                                 "Total reclaimed space: 0B\n")
        errors = {
            "bad": 'failed to parse value as time or duration: "bad"',
            "-5": 'parsing time "-5" as "2006-01-02": cannot parse "-5" as "2006"',
            "2020-13-01": 'parsing time "2020-13-01": month out of range',
            "2021-02-30": 'parsing time "2021-02-30": day out of range',
            "2020-01-01T10:00:00z": 'parsing time "2020-01-01T10:00:00z" as "2006-01-02T15:04:05Z07:00": '
                                    'cannot parse "z" as "Z07:00"',
            "2020-01-01T25": 'parsing time "2020-01-01T25": hour out of range',
            "2020-01-01x": 'parsing time "2020-01-01x": extra text: "x"',
        }
        for until, message in errors.items():
            with self.subTest(until=until):
                self.assertEqual(self.fails("image", "prune", "-f", "--filter", f"until={until}").err,
                                 f"Error: {message}\n")
        # A negative duration reaches into the future: everything is older.
        self.ok("import", self.busybox_tar(name="d.tar"))
        out = self.ok("image", "prune", "-f", "--filter", "until=-1h").out
        self.assertIn("deleted: sha256:", out)
        self.assertEqual(self.ok("images", "-q", "--no-trunc").out.strip(), iid)


if __name__ == "__main__":
    import unittest
    unittest.main()
