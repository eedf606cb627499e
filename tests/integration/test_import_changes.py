"""`berth import -c`: substitution, validation and stored values as dockerd 20.10.

Every expected value below is what `docker import -c ...` followed by
`docker inspect -f FORMAT` printed on dockerd 20.10.24, or docker's error
line with "Error response from daemon: " turned into berth's "Error: ".
"""
import os
import tarfile

from berthtest import BerthTest, make_tar

# (changes, inspect format, docker's output)
STORED = [
    (["ENV A=1", "ENV B=${A:-x} C=${Z:-y} D=${A:+p}"], "{{json .Config.Env}}", '["A=1","B=1","C=y","D=p"]'),
    (["ENV B=\\$A", "ENV C='$A'"], "{{json .Config.Env}}", '["B=$A","C=$A"]'),
    (["ENV A=1 B=${A}2"], "{{json .Config.Env}}", '["A=1","B=2"]'),
    (["ENV X=", "ENV B=${X?} C=${X:-d} D=${X:+p} E=${X}e"], "{{json .Config.Env}}",
     '["X=","B=","C=d","D=","E=e"]'),
    (["ENV A=\"x y\" B='$A' C=a\\ b"], "{{json .Config.Env}}", '["A=x y","B=$A","C=a b"]'),
    (["ENV A a \"b c\"  d"], "{{json .Config.Env}}", '["A=a b c  d"]'),
    (["ENV A=1 \\", "B=2"], "{{json .Config.Env}}", '["A=1","B=2"]'),
    (["# escape=`", "ENV A=a`$B"], "{{json .Config.Env}}", '["A=a$B"]'),
    (["ENV P=\"80 443/udp\"", "EXPOSE $P 22"], "{{json .Config.ExposedPorts}}",
     '{"22/tcp":{},"443/udp":{},"80/tcp":{}}'),
    (["ENV W=/w U=me", "WORKDIR $W/x", "WORKDIR ${Z:-sub}", "USER ${U:-root}:$U"],
     "{{.Config.WorkingDir}} {{.Config.User}}", "/w/x/sub me:me"),
    (["LABEL \"a b\"=c $X=1"], "{{json .Config.Labels}}", '{"":"1","a b":"c"}'),
    (["HEALTHCHECK CMD true"], "{{json .Config.Healthcheck}}", '{"Test":["CMD-SHELL","true"]}'),
    (["HEALTHCHECK --interval=5s --retries=3 CMD [\"a\",\"b\"]"], "{{json .Config.Healthcheck}}",
     '{"Test":["CMD","a","b"],"Interval":5000000000,"Retries":3}'),
    (["EXPOSE 0"], "{{json .Config.ExposedPorts}}", '{"0/tcp":{}}'),
    (["EXPOSE :80"], "{{json .Config.ExposedPorts}}", '{"80/tcp":{}}'),
    (["VOLUME [\"/a\","], "{{json .Config.Volumes}}", '{"[/a,":{}}'),
    (["VOLUME /a\\ b"], "{{json .Config.Volumes}}", '{"/a":{},"b":{}}'),
    (["CMD"], "{{json .Config.Cmd}}", '["/bin/sh","-c"]'),
    (["ENTRYPOINT []"], "{{json .Config.Entrypoint}}", "null"),
    (["CMD c", "ENTRYPOINT a"], "{{json .Config.Entrypoint}} {{json .Config.Cmd}}",
     '["/bin/sh","-c","a"] ["/bin/sh","-c","c"]'),
    (["ONBUILD  run  echo $A"], "{{json .Config.OnBuild}}", '["run  echo $A"]'),
]

# (changes, docker's error message)
REFUSED = [
    (["ENV A=1", "ENV B=${A-x}"], 'failed to process "${A-x}": missing \':\' in substitution'),
    (["ENV B=${X:?err}"], 'failed to process "${X:?err}": X: err'),
    (["ENV B=${X"], 'failed to process "${X": missing \':\' in substitution'),
    (["ENV B=${}"], 'failed to process "${}": syntax error: bad substitution'),
    (["STOPSIGNAL 9"], "stopsignal is not a valid change command"),
    (["EXPOSE"], "EXPOSE requires at least one argument"),
    (["USER"], "USER requires exactly one argument"),
    (["VOLUME"], "VOLUME requires at least one argument"),
    (["ONBUILD"], "ONBUILD requires at least one argument"),
    (["CMD [\"a\",1]"], "when using JSON array syntax, arrays must be comprised of strings only"),
    (["EXPOSE 70000"], "Invalid containerPort: 70000"),
    (["HEALTHCHECK --interval=5 CMD a"], 'time: missing unit in duration "5"'),
    (["ENV A=1 # x"], "Syntax error - can't find = in \"#\". Must be of the form: name=value"),
    ([""], "file with no instructions"),
]


class ImportChangesTest(BerthTest):
    def tar(self):
        info = tarfile.TarInfo("hello")
        return make_tar(os.path.join(self.tmp, "small.tar"), [(info, b"hi\n")])

    def changes(self, changes):
        args = []
        for c in changes:
            args += ["-c", c]
        return args

    def test_stored_values_are_dockers(self):
        tar = self.tar()
        for changes, fmt, want in STORED:
            with self.subTest(changes=changes):
                image = self.ok("import", *self.changes(changes), tar).out.strip()
                self.assertEqual(self.ok("inspect", "-f", fmt, image).out, want + "\n")
                self.ok("rmi", image)

    def test_refusals_are_dockers_and_store_nothing(self):
        tar = self.tar()
        for changes, message in REFUSED:
            with self.subTest(changes=changes):
                r = self.fails("import", *self.changes(changes), tar, "x:1")
                self.assertEqual(r.err, "Error: " + message + "\n")
        self.assertEqual(self.ok("images", "-aq").out, "")

    def test_platform_refuses_an_os_that_cannot_run_here(self):
        tar = self.tar()
        for platform in ["windows", "darwin", "windows/amd64", "freebsd/amd64"]:
            with self.subTest(platform=platform):
                r = self.fails("import", "--platform", platform, tar)
                self.assertEqual(r.err, "Error: operating system is not supported\n")
        self.assertEqual(self.ok("images", "-aq").out, "")
        image = self.ok("import", "--platform", "LINUX", tar).out.strip()
        self.assertEqual(self.ok("inspect", "-f", "{{.Os}}", image).out, "linux\n")

    def test_checks_come_in_dockers_order(self):
        tar = self.tar()
        # The reference and the file (docker's client) before the platform
        # and the changes (its daemon).
        r = self.fails("import", "--platform", "windows", "-c", "RUN x", tar, "Bad")
        self.assertTrue(r.err.startswith("invalid reference format: "), r.err)
        r = self.fails("import", "--platform", "windows", "-c", "RUN x", os.path.join(self.tmp, "nope.tar"))
        self.assertIn("nope.tar", r.err)
        r = self.fails("import", "--platform", "windows", "-c", "RUN x", tar)
        self.assertEqual(r.err, "Error: operating system is not supported\n")
