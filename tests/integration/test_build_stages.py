"""`berth build`, second slice: multi-stage builds (--target, stages built
only when needed, FROM a stage, COPY --from a stage, an index or an image),
FROM scratch, ADD (local archives unpacked, URLs fetched), COPY/ADD --chown
and --chmod, SHELL, ONBUILD triggers, WORKDIR making its directory, and
destinations resolved inside the image. Expected values were checked
against docker 20.10's classic builder."""
import http.server
import io
import json
import os
import tarfile
import threading
import unittest

import berthtest
from test_build import BuildFixture
from test_run import runc_missing


def layer_entries(test, image):
    """{layer index: {name: TarInfo}} of the image's layers, from `save`."""
    r = test.berth("save", image)
    test.assertEqual(r.code, 0, r.err)
    out = []
    with tarfile.open(fileobj=io.BytesIO(r.raw_out)) as t:
        manifest = json.load(t.extractfile("manifest.json"))
        for name in manifest[0]["Layers"]:
            with tarfile.open(fileobj=io.BytesIO(t.extractfile(name).read())) as layer:
                out.append({m.name.rstrip("/"): m for m in layer.getmembers()})
    return out


@unittest.skipIf(os.geteuid() != 0, "RUN steps are containers: they need root")
@unittest.skipIf(runc_missing(), "runc is not installed (./dev installs it)")
class BuildStagesTest(BuildFixture):
    def prepare_rootfs(self, rootfs):
        with open(os.path.join(rootfs, "etc", "passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/bin/sh\nbin:x:2:2:bin:/bin:/bin/sh\n")
        with open(os.path.join(rootfs, "etc", "group"), "w") as f:
            f.write("root:x:0:\nbin:x:2:\nstaff:x:50:\n")
        os.makedirs(os.path.join(rootfs, "real"), exist_ok=True)
        os.symlink("/real", os.path.join(rootfs, "lnk"))
        os.makedirs(os.path.join(rootfs, "tmp"), exist_ok=True)
        os.chmod(os.path.join(rootfs, "tmp"), 0o1777)

    def build(self, *args):
        return self.ok("build", *args, self.ctx)

    def test_stages_target_and_copy_from(self):
        self.write("Dockerfile",
                   "FROM bb:1 AS tools\n"
                   "RUN mkdir -p /o/p && echo x > /o/p/f && chown -R 2:50 /o\n"
                   "FROM scratch AS never\n"
                   "RUN false\n"
                   "FROM tools AS next\n"
                   "RUN echo next > /n\n"
                   "FROM bb:1\n"
                   "COPY --from=tools /o /o2/\n"
                   "COPY --from=2 /n /n\n"
                   "COPY --from=bb:1 /bin/busybox /bb2\n")
        r = self.build("-t", "ms:1")
        self.assertIn("Step 1/8 : FROM bb:1 AS tools", r.out)  # the unused stage is not counted
        self.assertNotIn("RUN false", r.out)
        self.assertIn("Step 8/8 : COPY --from=bb:1 /bin/busybox /bb2", r.out)
        out = self.ok("run", "--rm", "ms:1", "sh", "-c", "cat /n; ls -ln /o2/p/f").out.split()
        self.assertEqual(out[0], "next")
        self.assertEqual(out[3:5], ["2", "50"])  # COPY --from keeps owners (docker's preserveOwnership)
        again = self.build("-t", "ms:1")
        self.assertEqual(again.out.count("Using cache"), 5)  # 2 RUNs, 3 COPYs
        r = self.build("--target", "next", "-t", "ms:next")
        self.assertIn("Step 4/4 : RUN echo next > /n", r.out)
        self.assertEqual(self.ok("run", "--rm", "ms:next", "cat", "/n").out, "next\n")
        r = self.berth("build", "--target", "nope", self.ctx)
        self.assertEqual((r.code, r.err), (1, "failed to reach build target nope in Dockerfile\n"))
        self.write("Dockerfile", "FROM bb:1\nCOPY --from=missing-stage /x /x\n")
        r = self.berth("build", self.ctx)  # not a stage: an image to pull, from nowhere here
        self.assertNotEqual(r.code, 0)
        self.assertIn("registry-1.docker.io", r.err)

    def test_scratch_add_archives_and_cache(self):
        src = os.path.join(self.tmp, "d")
        os.makedirs(os.path.join(src, "sub"))
        with open(os.path.join(src, "sub", "f"), "w") as f:
            f.write("a\n")
        berthtest.tar_dir(src, os.path.join(self.ctx, "plain.tar"))
        berthtest.tar_dir(src, os.path.join(self.ctx, "z.tgz"), compression="gzip")
        self.write("Dockerfile", "FROM scratch\nADD plain.tar /p\nADD z.tgz /z/\nCOPY z.tgz /kept/\n")
        r = self.build("-t", "sc:1")
        self.assertIn("Step 1/4 : FROM scratch\n ---> \n", r.out)
        layers = layer_entries(self, "sc:1")
        self.assertEqual(len(layers), 3)
        self.assertIn("p/sub/f", layers[0])
        self.assertIn("z/sub/f", layers[1])
        self.assertIn("kept/z.tgz", layers[2])  # COPY never unpacks
        hist = self.ok("history", "--no-trunc", "--format", "{{.CreatedBy}}", "sc:1").out.splitlines()
        self.assertRegex(hist[1], r"^/bin/sh -c #\(nop\) ADD file:[0-9a-f]{64} in /z/ $")
        again = self.build("-t", "sc:1")
        self.assertEqual(again.out.count("Using cache"), 3)

    def test_add_of_a_hostile_archive_stays_inside(self):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as t:
            for name, kind, target in (("../../escape", tarfile.REGTYPE, ""),
                                       ("out", tarfile.SYMTYPE, "/" + self.tmp.lstrip("/")),
                                       ("out/planted", tarfile.REGTYPE, "")):
                info = tarfile.TarInfo(name)
                info.type = kind
                info.linkname = target
                t.addfile(info, io.BytesIO(b"") if kind == tarfile.REGTYPE else None)
        with open(os.path.join(self.ctx, "evil.tar"), "wb") as f:
            f.write(buf.getvalue())
        self.write("Dockerfile", "FROM bb:1\nADD evil.tar /x/\n")
        self.berth("build", self.ctx)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "planted")))
        self.assertFalse(os.path.exists(os.path.join(os.path.dirname(self.ctx), "escape")))
        self.assertFalse(os.path.exists(os.path.join(os.path.dirname(self.tmp), "escape")))

    def test_add_url(self):
        served = {"/files/app.conf": b"from the server\n"}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = served.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT")
                self.end_headers()
                if body is not None:
                    self.wfile.write(body)

            def log_message(self, *a):
                pass

        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        url = "http://127.0.0.1:%d/files/app.conf" % server.server_port
        self.write("Dockerfile", "FROM bb:1\nADD %s /etc/\nADD %s /renamed\n" % (url, url))
        self.build("-t", "url:1")
        out = self.ok("run", "--rm", "url:1", "sh", "-c",
                      "cat /etc/app.conf /renamed; stat -c '%a %Y' /renamed").out
        self.assertEqual(out, "from the server\nfrom the server\n600 1445412480\n")
        self.assertEqual(self.build("-t", "url:1").out.count("Using cache"), 2)
        served["/files/app.conf"] = b"changed\n"
        self.assertEqual(self.build("-t", "url:2").out.count("Using cache"), 0)  # the content is the key
        self.write("Dockerfile", "FROM bb:1\nADD %s /x\n" % url.replace("app.conf", "gone"))
        r = self.berth("build", self.ctx)
        self.assertEqual(r.code, 1)
        self.assertIn("404", r.err)

    def test_chown_chmod_and_destinations_inside_the_image(self):
        self.write("f.txt", "f\n")
        self.write("d/a", "a\n")
        self.write("Dockerfile",
                   "FROM bb:1\n"
                   "COPY --chown=bin:staff f.txt /tmp/\n"
                   "COPY --chown=2 --chmod=700 d /newdir\n"
                   "COPY f.txt /lnk/\n")
        self.build("-t", "own:1")
        out = self.ok("run", "--rm", "own:1", "sh", "-c",
                      "stat -c '%n %u %g %a' /tmp /tmp/f.txt /newdir /newdir/a /real/f.txt; ls -l / | grep lnk")
        lines = out.out.splitlines()
        self.assertEqual(lines[:5], ["/tmp 0 0 1777", "/tmp/f.txt 2 50 644", "/newdir 2 2 700",
                                     "/newdir/a 2 2 700", "/real/f.txt 0 0 644"])
        self.assertIn("lnk -> /real", lines[5])  # the link was followed, not replaced
        hist = self.ok("history", "--no-trunc", "--format", "{{.CreatedBy}}", "own:1").out.splitlines()
        self.assertRegex(hist[2], r"^/bin/sh -c #\(nop\) COPY --chown=bin:stafffile:[0-9a-f]{64} in /tmp/ $")
        self.write("Dockerfile", "FROM bb:1\nCOPY --chown=nobody f.txt /\n")
        r = self.berth("build", self.ctx)
        self.assertEqual(r.code, 1)
        self.assertIn("can't find uid for user nobody", r.err)

    def test_shell_workdir_and_onbuild(self):
        self.write("Dockerfile",
                   "FROM bb:1\n"
                   'SHELL ["/bin/sh", "-ec"]\n'
                   "RUN echo $0 $- > /shell\n"
                   "WORKDIR /made/here\n"
                   "ONBUILD RUN echo triggered > /t\n")
        self.build("-t", "base:1")
        img = self.inspect("base:1")
        self.assertEqual(img["Config"]["Shell"], ["/bin/sh", "-ec"])
        self.assertEqual(img["Config"]["OnBuild"], ["RUN echo triggered > /t"])
        hist = self.ok("history", "--no-trunc", "--format", "{{.CreatedBy}}", "base:1").out.splitlines()
        self.assertEqual(hist[0], "/bin/sh -ec #(nop)  ONBUILD RUN echo triggered > /t")
        self.assertEqual(hist[1], "/bin/sh -ec #(nop) WORKDIR /made/here")
        self.assertEqual(hist[3], "/bin/sh -ec #(nop)  SHELL [/bin/sh -ec]")
        self.assertIn("made/here", layer_entries(self, "base:1")[-1])  # WORKDIR made its dir
        self.write("Dockerfile", "FROM base:1\nRUN cat /t\n")
        r = self.build("-t", "child:1")
        self.assertIn("Step 1/2 : FROM base:1\n# Executing 1 build trigger\n ---> Running in", r.out)
        self.assertIn("triggered", r.out)
        self.assertEqual(self.inspect("child:1")["Config"]["OnBuild"], None)
        self.write("Dockerfile", "FROM bb:1\nONBUILD ONBUILD RUN true\n")
        r = self.berth("build", self.ctx)
        self.assertEqual((r.code, r.err), (1, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed\n"))

    def test_cache_from_a_loaded_image(self):
        self.write("a.txt", "a\n")
        self.write("Dockerfile", "FROM bb:1\nENV X=1\nRUN echo run > /r\nCOPY a.txt /\nCMD [\"cat\", \"/r\"]\n")
        built = self.build("-q", "-t", "app:1").out.strip()
        archive = os.path.join(self.tmp, "app.tar")
        self.ok("save", "-o", archive, "app:1", "bb:1")
        other = os.path.join(self.tmp, "other")  # a second store: the image arrives without its build chain
        self.assertEqual(self.berth("load", "-i", archive, root=other).code, 0)
        r = self.berth("build", "-t", "app:2", self.ctx, root=other)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out.count("Using cache"), 0)  # no parent chain: the local cache cannot answer
        self.ok("rmi", "app:2", root=other)
        r = self.berth("build", "--cache-from", "app:1", "-t", "app:3", self.ctx, root=other)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out.count("Using cache"), 4)
        self.assertIn("Successfully built " + built[7:19], r.out)  # the source image itself
        self.assertEqual(self.berth("run", "--rm", "app:3", root=other).out, "run\n")

    def test_run_steps_see_no_host_network(self):
        self.write("Dockerfile", "FROM bb:1\nRUN cat /proc/net/dev > /ifaces\n")
        self.build("-t", "net:1")
        out = self.ok("run", "--rm", "net:1", "cat", "/ifaces").out
        names = sorted(l.split(":")[0].strip() for l in out.splitlines()[2:])
        self.assertEqual(names, ["lo"])  # --network none (the default): a fresh namespace

    def test_unused_build_arg_warns(self):
        self.write("Dockerfile", "FROM bb:1\nARG USED\nRUN echo $USED\n")
        r = self.build("--build-arg", "USED=1", "--build-arg", "EXTRA=2")
        self.assertIn("[Warning] One or more build-args [EXTRA] were not consumed", r.out)


if __name__ == "__main__":
    unittest.main()
