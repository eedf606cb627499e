"""`berth build`, first slice: the seed's Dockerfile (FROM, RUN with && \\
continuations, CMD), metadata instructions, COPY from the context with
.dockerignore, the classic output, and the cache."""
import os
import re
import unittest

import berthtest
from berthtest import BerthTest
from test_run import remove_all_containers, runc_missing, runnable_rootfs


class BuildFixture(BerthTest):
    """A store with the busybox image imported as bb:1 (its rootfs first
    passed to prepare_rootfs) and an empty context dir, self.ctx. No tests
    of its own: test_build_stages and test_build_context build on it."""

    def prepare_rootfs(self, rootfs):
        pass

    def setUp(self):
        super().setUp()
        self.addCleanup(remove_all_containers, self)
        rootfs = runnable_rootfs(self)
        self.prepare_rootfs(rootfs)
        tar = berthtest.tar_dir(rootfs, os.path.join(self.tmp, "bb.tar"))
        self.base = self.ok("import", tar, "bb:1").out.strip()
        self.ctx = os.path.join(self.tmp, "ctx")
        os.mkdir(self.ctx)

    def write(self, name, text, top=None):
        path = os.path.join(top or self.ctx, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


@unittest.skipIf(os.geteuid() != 0, "RUN steps are containers: they need root")
@unittest.skipIf(runc_missing(), "runc is not installed (./dev installs it)")
class BuildTest(BuildFixture):
    def test_seed_dockerfile_then_every_step_cached(self):
        self.write("Dockerfile", "FROM bb:1\n"
                                 "ENV GREETING=hi\n"
                                 "RUN echo hello > /hello && \\\n"
                                 "    echo $GREETING >> /hello\n"
                                 "COPY app.txt /opt/app/\n"
                                 "WORKDIR /opt/app\n"
                                 'CMD ["cat", "/hello"]\n')
        self.write("app.txt", "app content\n")
        r = self.ok("build", "-t", "top:1.0", self.ctx)
        lines = r.out.splitlines()
        self.assertRegex(lines[0], r"^Reading build context  \d+(\.\d+)?B$")
        self.assertEqual(lines[1], "Step 1/6 : FROM bb:1")
        self.assertEqual(lines[2], " ---> " + self.base[7:19])
        self.assertEqual(lines[5], "Step 3/6 : RUN echo hello > /hello &&     echo $GREETING >> /hello")
        self.assertRegex(lines[6], r"^ ---> Running in [0-9a-f]{12}$")
        self.assertEqual(lines[7], "Removing intermediate container " + lines[6][-12:])
        self.assertRegex(lines[8], r"^ ---> [0-9a-f]{12}$")
        self.assertRegex(lines[-2], r"^Successfully built [0-9a-f]{12}$")
        self.assertEqual(lines[-1], "Successfully tagged top:1.0")
        built = lines[-2][-12:]
        self.assertEqual(self.ok("run", "--rm", "top:1.0").out, "hello\nhi\n")
        self.assertEqual(self.ok("run", "--rm", "top:1.0", "sh", "-c", "pwd; cat app.txt").out,
                         "/opt/app\napp content\n")
        img = self.inspect("top:1.0")
        self.assertEqual(img["Config"]["Cmd"], ["cat", "/hello"])
        self.assertEqual(img["Config"]["WorkingDir"], "/opt/app")
        self.assertIn("GREETING=hi", img["Config"]["Env"])
        self.assertEqual(len(img["RootFS"]["Layers"]), 3)  # base, RUN, COPY
        hist = self.ok("history", "--no-trunc", "--format", "{{.CreatedBy}}", "top:1.0").out.splitlines()
        self.assertEqual(hist[0], '/bin/sh -c #(nop)  CMD ["cat" "/hello"]')
        self.assertEqual(hist[1], "/bin/sh -c #(nop) WORKDIR /opt/app")
        self.assertRegex(hist[2], r"^/bin/sh -c #\(nop\) COPY file:[0-9a-f]{64} in /opt/app/ $")
        self.assertEqual(hist[3], "/bin/sh -c echo hello > /hello &&     echo $GREETING >> /hello")
        self.assertEqual(hist[4], "/bin/sh -c #(nop)  ENV GREETING=hi")
        # Again: every step from the cache, the same image.
        r = self.ok("build", "-t", "top:1.0", self.ctx)
        self.assertEqual(r.out.count(" ---> Using cache"), 5)
        self.assertNotIn("Running in", r.out)
        self.assertIn("Successfully built " + built, r.out)
        # A changed file: the cache holds up to the COPY, which runs again.
        self.write("app.txt", "new content\n")
        r = self.ok("build", "-q", self.ctx)
        self.assertRegex(r.out, r"^sha256:[0-9a-f]{64}\n$")
        self.assertNotEqual(r.out.strip()[7:19], built)
        r = self.ok("build", self.ctx)
        self.assertEqual(r.out.count(" ---> Using cache"), 5)
        self.assertEqual(self.ok("ps", "-aq").out, "")  # intermediate containers removed
        self.ok("system", "check")

    def test_failures(self):
        self.write("Dockerfile", "FROM bb:1\nRUN echo before; exit 3\n")
        r = self.berth("build", self.ctx)
        self.assertEqual(r.code, 3, r)
        self.assertIn("before\n", r.out)
        self.assertEqual(r.err, "The command '/bin/sh -c echo before; exit 3' returned a non-zero code: 3\n")
        self.write("Dockerfile", "FROM bb:1\nRUNN x\n")
        r = self.berth("build", self.ctx)
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.err, "dockerfile parse error line 2: unknown instruction: RUNN\n")
        self.write(".dockerignore", "secret*\n")
        self.write("secret.txt", "no\n")
        self.write("Dockerfile", "FROM bb:1\nCOPY secret.txt /\n")
        r = self.berth("build", self.ctx)
        self.assertEqual(r.code, 1, r)
        # better than docker's "file not found in build context or excluded by .dockerignore":
        self.assertEqual(r.err, 'COPY failed: secret.txt is excluded by .dockerignore (pattern "secret*")\n')
        self.write("Dockerfile", "FROM bb:1\nCOPY ../../etc/passwd /x\n")  # cannot climb out
        r = self.berth("build", self.ctx)
        self.assertNotEqual(r.code, 0)
        os.symlink("/etc/hostname", os.path.join(self.ctx, "link"))
        # A link out of the context resolves inside it (as docker's scoped
        # lookup does): the host's /etc/hostname is never read.
        self.write("Dockerfile", "FROM bb:1\nCOPY link /x\n")
        r = self.berth("build", self.ctx)
        self.assertEqual(r.code, 1, r)
        self.assertIn("stat link: file does not exist", r.err)
        self.write("etc/hostname", "the context's own\n")
        self.write("Dockerfile", "FROM bb:1\nCOPY link /x\n")
        self.ok("build", "-t", "l:1", self.ctx)
        self.assertEqual(self.ok("run", "--rm", "l:1", "cat", "/x").out, "the context's own\n")
        self.write("Dockerfile", "FROM bb:1\nADD x /\n")
        r = self.berth("build", self.ctx)
        self.assertEqual((r.code, r.err), (1, "ADD failed: file not found in build context or excluded by "
                                              ".dockerignore: stat x: file does not exist\n"))

    def test_copy_a_directory_honours_dockerignore(self):
        self.write(".dockerignore", "src/*.log\n!src/keep.log\nsrc/private\n")
        for name in ("src/a.txt", "src/x.log", "src/keep.log", "src/private/key", "src/sub/b.txt"):
            self.write(name, name + "\n")
        self.write("Dockerfile", "FROM bb:1\nCOPY src /app\n")
        self.ok("build", "-t", "c:1", self.ctx)
        r = self.ok("run", "--rm", "c:1", "sh", "-c", "cd /app && ls -R | sort")
        names = [n for n in r.out.split() if n and not n.endswith(":")]
        self.assertEqual(sorted(names), ["a.txt", "b.txt", "keep.log", "sub"])

    def test_build_args_iidfile_and_labels(self):
        self.write("Dockerfile", "FROM bb:1\nARG WHO=world\nRUN echo hello $WHO > /who\n")
        iid = os.path.join(self.tmp, "iid")
        self.ok("build", "--build-arg", "WHO=berth", "--iidfile", iid, "--label", "a=b", "-t", "w:1",
                self.ctx)
        with open(iid) as f:
            self.assertEqual(f.read(), self.inspect("w:1")["Id"])
        self.assertEqual(self.ok("run", "--rm", "w:1", "cat", "/who").out, "hello berth\n")
        self.assertEqual(self.inspect("w:1")["Config"]["Labels"], {"a": "b"})
        self.assertNotIn("WHO=berth", self.inspect("w:1")["Config"]["Env"] or [])
        r = self.ok("build", "--build-arg", "WHO=other", "-t", "w:2", self.ctx)
        self.assertEqual(r.out.count("Using cache"), 1)  # ARG only: the RUN differs
        self.assertEqual(self.ok("run", "--rm", "w:2", "cat", "/who").out, "hello other\n")


if __name__ == "__main__":
    unittest.main()
