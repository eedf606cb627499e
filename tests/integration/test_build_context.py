"""`berth build`: where the context comes from (a directory, a tar or a
Dockerfile on stdin, an http URL; hostile archives confined), the stat
cache of the context hash, SOURCE_DATE_EPOCH, COPY's messages and
--platform."""
import functools
import http.server
import io
import os
import platform
import tarfile
import threading
import unittest

import berthtest
from test_build import BuildFixture
from test_run import runc_missing


def tar_of(files, mode="w:gz"):
    """A tar (gzip by default) of {name: text}."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.PAX_FORMAT) as t:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(test, directory):
    """An http server on loopback serving directory; returns its base URL."""
    handler = functools.partial(QuietHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    test.addCleanup(server.server_close)
    test.addCleanup(server.shutdown)
    return "http://127.0.0.1:%d" % server.server_address[1]


@unittest.skipIf(os.geteuid() != 0, "RUN steps are containers: they need root")
@unittest.skipIf(runc_missing(), "runc is not installed (./dev installs it)")
class BuildContextTest(BuildFixture):
    def ingest_left(self):
        return [n for n in os.listdir(os.path.join(self.root, "ingest"))]

    def test_source_date_epoch_gives_the_same_image_id(self):
        self.write("Dockerfile", "FROM bb:1\nCOPY app.txt /opt/deep/app.txt\nRUN touch /made\n")
        self.write("app.txt", "app\n")
        env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
        first = self.ok("build", "-q", "--no-cache", self.ctx, env=env).out.strip()
        second = self.ok("build", "-q", "--no-cache", self.ctx, env=env).out.strip()
        self.assertEqual(first, second)
        # --build-arg says the same; without an epoch the times are now's.
        third = self.ok("build", "-q", "--no-cache", "--build-arg", "SOURCE_DATE_EPOCH=1700000000",
                        self.ctx).out.strip()
        self.assertEqual(third, first)
        other = self.ok("build", "-q", "--no-cache", self.ctx).out.strip()
        self.assertNotEqual(other, first)
        img = self.inspect(first)
        self.assertEqual(img["Created"], "2023-11-14T22:13:20Z")
        self.ok("tag", first, "e:1")
        hist = self.ok("history", "--format", "{{.CreatedAt}}", "--human=false", "e:1").out.splitlines()
        self.assertTrue(hist[0].startswith("2023-11-14T"), hist)
        # Every entry of the new layers, the parents COPY made included, at
        # the epoch (the files were written now, later than it).
        r = self.ok("run", "--rm", "e:1", "stat", "-c", "%Y %n", "/made", "/opt", "/opt/deep",
                    "/opt/deep/app.txt")
        self.assertEqual(r.out.split(), ["1700000000", "/made", "1700000000", "/opt",
                                         "1700000000", "/opt/deep", "1700000000",
                                         "/opt/deep/app.txt"])
        r = self.berth("build", "--build-arg", "SOURCE_DATE_EPOCH=soon", self.ctx)
        self.assertEqual((r.code, r.err), (1, 'Error: invalid SOURCE_DATE_EPOCH "soon": not a number of seconds\n'))

    def test_stat_cache_lives_in_the_store(self):
        self.write("Dockerfile", "FROM bb:1\nCOPY . /ctx/\n")
        for i in range(20):
            self.write("d/f%d" % i, "file %d\n" % i)
        self.ok("build", "-q", self.ctx)
        cache = os.path.join(self.root, "build-cache")
        self.assertEqual(len(os.listdir(cache)), 1)
        r = self.ok("build", self.ctx)
        self.assertEqual(r.out.count("Using cache"), 1)
        self.write("d/f3", "changed\n")
        r = self.ok("build", self.ctx)
        self.assertEqual(r.out.count("Using cache"), 0)
        self.ok("system", "check")
        self.assertEqual(len(os.listdir(cache)), 1)

    def test_copy_source_messages(self):
        self.write(".dockerignore", "secret*\n")
        self.write("secret.txt", "no\n")
        self.write("Dockerfile", "FROM bb:1\nCOPY secret.txt /\n")
        r = self.berth("build", self.ctx)
        self.assertEqual((r.code, r.err), (1, 'COPY failed: secret.txt is excluded by .dockerignore '
                                              '(pattern "secret*")\n'))
        self.write("Dockerfile", "FROM bb:1\nCOPY secret*.txt /\n")
        r = self.berth("build", self.ctx)
        self.assertEqual((r.code, r.err), (1, 'COPY failed: secret*.txt is excluded by .dockerignore '
                                              '(pattern "secret*")\n'))
        # docker 20.10's own line when the file is not there at all.
        self.write("Dockerfile", "FROM bb:1\nCOPY missing.txt /\n")
        r = self.berth("build", self.ctx)
        self.assertEqual((r.code, r.err), (1, "COPY failed: file not found in build context or excluded "
                                              "by .dockerignore: stat missing.txt: file does not exist\n"))

    def test_context_tar_on_stdin(self):
        for mode in ("w", "w:gz", "w:bz2", "w:xz"):
            data = tar_of({"Dockerfile": "FROM bb:1\nCOPY app.txt /\n", "app.txt": mode + "\n",
                           "other/Dockerfile.alt": "FROM bb:1\nCOPY other /o\n"}, mode)
            out = self.ok("build", "-q", "-", stdin=data).out.strip()
            self.assertEqual(self.ok("run", "--rm", out, "cat", "/app.txt").out, mode + "\n")
        out = self.ok("build", "-q", "-f", "other/Dockerfile.alt", "-", stdin=data).out.strip()
        self.assertEqual(self.ok("run", "--rm", out, "ls", "/o").out, "Dockerfile.alt\n")
        # docker 20.10: "Error response from daemon: Cannot locate specified
        # Dockerfile: nope" (berth has no daemon) and the line below as is.
        r = self.berth("build", "-f", "nope", "-", stdin=data)
        self.assertEqual((r.code, r.err), (1, "Error: Cannot locate specified Dockerfile: nope\n"))
        r = self.berth("build", "-f", "-", "-", stdin=data)
        self.assertEqual((r.code, r.err), (1, "invalid argument: can't use stdin for both build context "
                                              "and dockerfile\n"))
        self.assertEqual(self.ingest_left(), [])
        cache = os.path.join(self.root, "build-cache")  # no stat cache for a one-off context
        self.assertEqual(os.listdir(cache) if os.path.exists(cache) else [], [])

    def test_dockerfile_on_stdin_has_an_empty_context(self):
        text = b"FROM bb:1\nRUN echo from stdin > /x\n"
        out = self.ok("build", "-q", "-", stdin=text).out.strip()
        self.assertEqual(self.ok("run", "--rm", out, "cat", "/x").out, "from stdin\n")
        r = self.berth("build", "-", stdin=b"FROM bb:1\nCOPY anything /\n")
        self.assertEqual(r.code, 1, r)
        self.assertIn("stat anything: file does not exist", r.err)
        self.assertEqual(self.ingest_left(), [])

    def test_hostile_tar_on_stdin_stays_inside(self):
        outside = os.path.join(self.tmp, "outside")
        os.mkdir(outside)
        link = tarfile.TarInfo("abs")
        link.type, link.linkname = tarfile.SYMTYPE, outside
        up = tarfile.TarInfo("../escape")
        up2 = tarfile.TarInfo("sub/../../escape2")
        through = tarfile.TarInfo("abs/pwned")
        df = tarfile.TarInfo("Dockerfile")
        data = berthtest.tar_bytes([(up, b"x"), (up2, b"x"), (link, None), (through, b"pwned"),
                                    (df, b"FROM bb:1\nCOPY . /ctx/\n")])
        r = self.berth("build", "-q", "-", stdin=data)
        self.assertEqual(os.listdir(outside), [])
        for top in (self.tmp, self.root):
            for dirpath, dirs, files in os.walk(top):
                self.assertNotIn("pwned", files, dirpath)
                if dirpath not in (os.path.join(self.root, "snapshots"),) and "snapshots" not in dirpath:
                    self.assertNotIn("escape", files, dirpath)
                    self.assertNotIn("escape2", files, dirpath)
        if r.code == 0:  # what was applied went into the context, nowhere else
            out = self.ok("run", "--rm", r.out.strip(), "ls", "/ctx").out.split()
            self.assertIn("Dockerfile", out)
        self.assertEqual(self.ingest_left(), [])
        self.ok("system", "check")

    def test_context_from_a_url(self):
        www = os.path.join(self.tmp, "www")
        os.mkdir(www)
        with open(os.path.join(www, "ctx.tar.gz"), "wb") as f:
            f.write(tar_of({"Dockerfile": "FROM bb:1\nCOPY app.txt /\n", "app.txt": "from the web\n"}))
        self.write("Dockerfile", "FROM bb:1\nRUN echo plain > /p\n", top=www)
        base = serve(self, www)
        out = self.ok("build", "-q", base + "/ctx.tar.gz").out.strip()
        self.assertEqual(self.ok("run", "--rm", out, "cat", "/app.txt").out, "from the web\n")
        out = self.ok("build", "-q", base + "/Dockerfile").out.strip()
        self.assertEqual(self.ok("run", "--rm", out, "cat", "/p").out, "plain\n")
        r = self.berth("build", base + "/missing.tar")
        self.assertEqual(r.code, 1, r)
        self.assertTrue(r.err.startswith("unable to download remote context " + base + "/missing.tar: "), r.err)
        self.assertEqual(self.ingest_left(), [])
        for url in ("git://example.com/x", "git@github.com:a/b", "github.com/a/b",
                    "https://example.com/repo.git"):
            r = self.fails("build", url)
            self.assertEqual(r.err, "Error: berth does not clone git build contexts (%s): clone it and "
                                    "build the directory\n" % url)

    def test_platform(self):
        self.write("Dockerfile", "FROM bb:1\n")
        if platform.machine() != "x86_64":
            self.skipTest("the accepted names below are x86-64's")
        for p in ("linux/amd64", "linux", "amd64", "linux/amd64/v1", "linux/x86_64"):
            self.ok("build", "-q", "--platform", p, self.ctx)
        r = self.fails("build", "--platform", "linux/arm64", self.ctx)
        self.assertEqual(r.err, "Error: berth builds for this machine's platform only (linux/amd64), "
                                "not linux/arm64\n")
        r = self.fails("build", "--platform", "windows/amd64", self.ctx)
        self.assertIn("windows", r.err)


if __name__ == "__main__":
    unittest.main()
