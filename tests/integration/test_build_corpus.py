"""The build corpus (tests/build_corpus/): every case built by berth and compared with what docker
made of it (expected.json, recorded by tests/build_corpus/record.py with a private dockerd).

Each case is one test: berth builds it on a busybox image imported as corpus.BASE, saves it, and
the config fields and the files below the case's roots must equal docker's (mtimes aside, empty
config values as null). Cases berth cannot build as docker does yet are listed in
tests/build_corpus/PENDING: either berth fails them (skipped with berth's error), or they differ
on exactly the listed items (checked, then skipped); a pending case that now builds, or differs
on fewer or more items, fails, so that the list stays honest and nothing else regresses. A live test builds a few cases with a
private dockerd and berth in the same run and compares the two (skipped, with the reason, where
docker is not installed).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import berthtest
from berthtest import BERTH, TMP_BASE
from test_run import runc_missing

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build_corpus"))
import corpus  # noqa: E402
import record  # noqa: E402

LIVE_CASES = ["06-env-forms", "12-copy-rules", "28-dockerignore", "29-copy-symlinks"]


def pending():
    """{case: (kind, detail)} from tests/build_corpus/PENDING: ("fails", berth's error) or
    ("differs", [the differing items]); see pending.py's HEADER for the format."""
    out = {}
    with open(os.path.join(corpus.HERE, "PENDING")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, rest = line.partition(": ")
                kind, _, detail = rest.partition(": ")
                out[name] = (kind, detail.split("; ") if kind == "differs" else detail)
    return out


class BuildFailed(Exception):
    pass


class Store:
    """A berth store of its own with corpus.BASE imported; builds cases once each."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.root = os.path.join(tmp, "root")
        self.built = {}
        r = self.run("import", corpus.make_base_tar(os.path.join(tmp, "base.tar")), corpus.BASE)
        if r.returncode != 0:
            raise RuntimeError(f"berth import: {r.stderr}")

    def run(self, *args, buildkit=False):
        r = subprocess.run([BERTH, "--root", self.root, *args], capture_output=True, text=True,
                           timeout=300)
        berthtest.check_sanitizer_report(r.stderr)
        return r

    def build(self, name, url):
        """{config, files} of case name built by berth; BuildFailed with berth's error."""
        if name not in self.built:
            try:
                meta = corpus.load(name)
                for need in meta.get("needs", []):
                    self.build(need, url)
                r = self.run("build", "-t", corpus.tag(name), *corpus.build_flags(name, url),
                             corpus.case_dir(name))
                if r.returncode != 0:
                    err = r.stderr.strip().splitlines() or [f"exit {r.returncode}"]
                    raise BuildFailed(f"{name}: {err[-1]}")
                self.built[name] = record.read_back(self.run, name, meta, self.tmp)
            except BuildFailed as e:
                self.built[name] = e
        got = self.built[name]
        if isinstance(got, BuildFailed):
            raise got
        return got

    def cleanup(self):
        ids = self.run("ps", "-aq").stdout.split()
        if ids:
            self.run("rm", "-f", *ids)


def _needs_root_and_runc():
    if os.geteuid() != 0:
        return "RUN steps are containers: they need root"
    return runc_missing()


@unittest.skipIf(_needs_root_and_runc(), _needs_root_and_runc() or "")
class BuildCorpusTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(TMP_BASE, exist_ok=True)
        cls.tmp = tempfile.mkdtemp(prefix="berth-corpus-", dir=TMP_BASE)
        cls.server = corpus.Server().__enter__()
        cls.store = Store(cls.tmp)
        cls.pending = pending()

    @classmethod
    def tearDownClass(cls):
        cls.store.cleanup()
        cls.server.__exit__(None, None, None)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def check(self, name):
        expected = corpus.load(name)
        kind, detail = self.pending.get(name, (None, None))
        try:
            got = self.store.build(name, self.server.url)
        except BuildFailed as e:
            if kind == "fails":
                self.skipTest(f"pending: berth fails it ({e}; PENDING says: {detail})")
            self.fail(f"berth cannot build {name}: {e}")
        if kind == "fails":
            self.fail(f"{name} is in tests/build_corpus/PENDING as failing ({detail}) but berth "
                      f"now builds it: run tests/build_corpus/pending.py")
        d = corpus.diff(expected, got)
        if kind == "differs":
            keys = corpus.diff_keys(expected, got)
            self.assertEqual(keys, detail, f"{name}: berth now differs from docker on other items "
                                           f"than PENDING lists (fixed, or a regression): {d}")
            self.skipTest(f"pending: differs on {'; '.join(keys)} (first: {d[0][:200]})")
        self.assertEqual(d, [], f"{name}: berth's image differs from docker's "
                                f"({expected['judge']} builder)")

    def test_pending_lists_only_cases(self):
        self.assertEqual(sorted(set(self.pending) - set(corpus.cases())), [])
        self.assertEqual({k for k, _ in self.pending.values()} - {"fails", "differs"}, set())


def _case_test(name):
    def test(self):
        self.check(name)
    test.__doc__ = f"{name}: berth's image equals docker's (expected.json)"
    return test


for _name in corpus.cases():
    setattr(BuildCorpusTest, "test_" + _name.replace("-", "_"), _case_test(_name))


@unittest.skipIf(_needs_root_and_runc(), _needs_root_and_runc() or "")
class LiveDockerTest(unittest.TestCase):
    """A few cases built by docker (classic builder) and berth in the same run."""

    def test_docker_and_berth_agree(self):
        if not shutil.which("dockerd") or not os.access(record.DOCKER, os.X_OK):
            print(f"\nskipped: dockerd or {record.DOCKER} is not installed", file=sys.stderr)
            self.skipTest(f"dockerd or {record.DOCKER} is not installed")
        tmp = tempfile.mkdtemp(prefix="berth-corpus-live-", dir=TMP_BASE)
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        store = Store(tmp)
        self.addCleanup(store.cleanup)
        why = pending()
        try:
            d = record.Dockerd().__enter__()
        except RuntimeError as e:
            print(f"\nskipped: {e}", file=sys.stderr)
            self.skipTest(str(e))
        self.addCleanup(d.__exit__, None, None, None)
        with corpus.Server() as server:
            d.docker("import", corpus.make_base_tar(os.path.join(tmp, "dbase.tar")), corpus.BASE)
            compared = 0
            for name in LIVE_CASES:
                with self.subTest(case=name):
                    theirs = record.build(d.docker, name, server.url, tmp, {}, buildkit=False)
                    # docker today still makes what was recorded
                    self.assertEqual(corpus.diff(corpus.load(name), theirs), [])
                    kind, detail = why.get(name, (None, []))
                    if kind == "fails":
                        continue
                    ours = store.build(name, server.url)
                    # the same differences as PENDING lists (none for a case not in it)
                    self.assertEqual(corpus.diff_keys(dict(theirs, ignore={}), ours), detail or [],
                                     corpus.diff(theirs, ours))
                    compared += 1
            print(f"\ncompared {compared} cases live with docker", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
