"""`berth import`: compressions, -c/-m/--platform, stdin, URLs, errors."""
import contextlib
import functools
import hashlib
import http.server
import json
import os
import subprocess
import tarfile
import threading

from berthtest import BerthTest, busybox_size, make_tar


@contextlib.contextmanager
def serve_dir(directory):
    """Serves directory over HTTP on a loopback port; yields the base URL."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    handler = functools.partial(Quiet, directory=directory)
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            thread.join()


class ImportTest(BerthTest):
    def test_every_compression_gives_the_same_layer(self):
        diff_ids = set()
        plain = self.busybox_tar()
        tools = {None: None, "gzip": ["gzip"], "zstd": ["zstd", "-q"], "bzip2": ["bzip2"], "xz": ["xz"]}
        for comp, tool in tools.items():
            tag = f"bb:{comp or 'plain'}"
            src = plain
            if tool:
                src = os.path.join(self.tmp, f"bb.{comp}")
                with open(plain, "rb") as i, open(src, "wb") as o:
                    subprocess.run(tool + ["-c"], stdin=i, stdout=o, check=True)
            self.ok("import", src, tag)
            info = self.inspect(tag)
            self.assertEqual(info["Size"], busybox_size())
            self.assertEqual(len(info["RootFS"]["Layers"]), 1)
            diff_ids.add(info["RootFS"]["Layers"][0])
        # Same files, same tar layout -> the uncompressed tar is identical
        # across compressions, so the diff id is one.
        self.assertEqual(len(diff_ids), 1)

    def test_diff_id_is_sha256_of_the_uncompressed_tar(self):
        import hashlib
        tar = self.busybox_tar()
        with open(tar, "rb") as f:
            want = "sha256:" + hashlib.sha256(f.read()).hexdigest()
        self.ok("import", tar, "x")
        self.assertEqual(self.inspect("x")["RootFS"]["Layers"], [want])

    def test_stdin_and_docker_history_comment(self):
        with open(self.busybox_tar(), "rb") as f:
            data = f.read()
        out = self.ok("import", "-", "sgfoot/top:v1", stdin=data).out.strip()
        info = self.inspect("sgfoot/top:v1")
        self.assertEqual(info["Id"], out)
        self.assertEqual(info["Comment"], "Imported from -")
        self.assertEqual(info["RepoTags"], ["sgfoot/top:v1"])
        hist = self.ok("history", "--format", "{{.Comment}}", "sgfoot/top:v1").out
        self.assertEqual(hist, "Imported from -\n")

    def test_changes_message_platform(self):
        self.ok("import",
                "-c", "CMD [\"/bin/sh\"]",
                "--change", "ENV A=1 B=\"two words\"",
                "-c", "EXPOSE 80 53/udp",
                "-c", "LABEL maintainer=sgfoot",
                "-c", "WORKDIR /srv",
                "-c", "USER nobody",
                "-c", "VOLUME /data",
                "-c", "ENTRYPOINT echo hi",
                "-m", "hello", "--platform", "linux/arm64",
                self.busybox_tar(), "c:1")
        info = self.inspect("c:1")
        cfg = info["Config"]
        self.assertEqual(cfg["Cmd"], ["/bin/sh"])
        self.assertEqual(cfg["Env"], ["A=1", "B=two words"])
        self.assertEqual(cfg["ExposedPorts"], {"53/udp": {}, "80/tcp": {}})
        self.assertEqual(cfg["Labels"], {"maintainer": "sgfoot"})
        self.assertEqual(cfg["WorkingDir"], "/srv")
        self.assertEqual(cfg["User"], "nobody")
        self.assertEqual(cfg["Volumes"], {"/data": {}})
        self.assertEqual(cfg["Entrypoint"], ["/bin/sh", "-c", "echo hi"])
        self.assertEqual(info["Comment"], "hello")
        self.assertEqual(info["Architecture"], "arm64")
        self.assertEqual(info["Os"], "linux")

    def test_invalid_change_is_refused_before_anything_is_stored(self):
        r = self.fails("import", "-c", "RUN echo hi", self.busybox_tar(), "x")
        self.assertEqual(r.err, "Error: run is not a valid change command\n")
        self.assertEqual(self.ok("images", "-a", "-q").out, "")

    def test_errors_name_the_input(self):
        r = self.fails("import", self.tmp)
        self.assertEqual(r.err, f"Error: read {self.tmp}: is a directory\n")
        garbage = os.path.join(self.tmp, "garbage.bin")
        with open(garbage, "wb") as f:
            f.write(os.urandom(4096))
        r = self.fails("import", garbage, "g:1")
        self.assertTrue(r.err.startswith(f"Error: {garbage}: "), r.err)
        self.assertEqual(self.ok("images", "-aq").out, "")

    def test_missing_file(self):
        r = self.fails("import", os.path.join(self.tmp, "nope.tar"))
        self.assertIn("nope.tar", r.err)
        self.assertIn("No such file or directory", r.err)

    def test_bad_reference(self):
        r = self.fails("import", self.busybox_tar(), "Busybox")
        self.assertEqual(r.err, "invalid reference format: repository name must be lowercase\n")

    def test_untagged_import_is_dangling(self):
        out = self.ok("import", self.busybox_tar()).out.strip()
        rows = self.ok("images").out.splitlines()
        self.assertEqual(len(rows), 2)
        self.assertRegex(rows[1], r"^<none>\s+<none>\s+" + out[7:19] + r"\s+")

    def test_saved_archive_is_pointed_to_load(self):
        # What `docker save` writes: manifest.json + repositories at the top.
        arch = make_tar(os.path.join(self.tmp, "saved.tar"),
                        [(tarfile.TarInfo(name), data) for name, data in
                         [("manifest.json", b"[]"), ("repositories", b"{}"), ("abc/layer.tar", b"")]])
        r = self.fails("import", arch, "top:v1")
        self.assertIn("load", r.err)
        self.assertIn("image archive", r.err)
        self.assertEqual(self.ok("images", "-a", "-q").out, "")
        self.ok("system", "check")

    def test_url_source_error_names_the_url(self):
        r = self.fails("import", "http://127.0.0.1:1/rootfs.tar")
        self.assertIn("http://127.0.0.1:1/rootfs.tar", r.err)

    def test_url_source_is_streamed_into_the_image(self):
        plain = self.busybox_tar()
        with open(plain, "rb") as f:
            diff_id = "sha256:" + hashlib.sha256(f.read()).hexdigest()
        served = os.path.join(self.tmp, "www")
        os.makedirs(served)
        with open(plain, "rb") as i, open(os.path.join(served, "rootfs.tar.gz"), "wb") as o:
            subprocess.run(["gzip", "-c"], stdin=i, stdout=o, check=True)
        self.assertGreater(os.path.getsize(os.path.join(served, "rootfs.tar.gz")), 64 << 10)
        with serve_dir(served) as base:
            url = base + "/rootfs.tar.gz"
            out = self.ok("import", url, "web:1").out.strip()
        info = self.inspect("web:1")
        self.assertEqual(info["Id"], out)
        self.assertEqual(info["Size"], busybox_size())
        self.assertEqual(info["RootFS"]["Layers"], [diff_id])
        self.assertEqual(info["Comment"], f"Imported from {url}")
        self.ok("system", "check")

    def test_url_source_http_error_names_url_and_status(self):
        with serve_dir(self.tmp) as base:
            url = base + "/missing.tar"
            r = self.fails("import", url, "x:1")
        self.assertEqual(r.err, f'Error: Get "{url}": HTTP status 404\n')
        self.assertEqual(self.ok("images", "-aq").out, "")
