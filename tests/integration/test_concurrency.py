"""Several berth processes on one store at once: no deadlock, no error but
Docker's own not-found ones, and a consistent store afterwards.

Each scenario runs four or more workers (Python threads), each starting berth
processes one after another with subprocess.Popen, so 4+ berth processes
overlap on the same --root. Every process is waited for with a timeout, and
so is every worker: a deadlock fails the test (the stuck processes are killed
and named) instead of hanging it.

  a. 4 pulls of the same image from a loopback registry at the same moment;
  b. 3 workers pulling two images over and over while a fourth runs
     `image prune -a -f` in a loop;
  c. 4 workers tagging two images with, and removing, the same three names;
  d. 2 workers saving an image, 2 loading it, and one removing it;
  e. 3 loads and 3 pulls of the same image into an empty store at once;
  f. (a bug (d) found) an import whose new ingest dir is swept by GCs (prune,
     system check, rmi) before its creator locked it: strace widens the race.

What a process may print on failure is listed per scenario (ACCEPTED_*) and
anything else fails the test; a process that succeeded must have printed
nothing on stderr. Afterwards `system check` passes, what a successful pull or
load produced is complete (id and layers as pushed; an image found right after
a pull while a prune runs is complete or absent, never partial), and every
archive a successful save wrote loads into a fresh store.
"""
import json
import os
import random
import re
import shutil
import subprocess
import tarfile
import threading
import time
import unittest

import berthtest
import registries as R
from berthtest import BerthTest, store_problems

SEED = 20261129
ENV = dict(os.environ, BERTH_REGISTRY_RETRY_DELAY_MS="10")
PROCESS_TIMEOUT = 120   # one berth process: far above any single operation here
SCENARIO_TIMEOUT = 300  # a whole scenario

# The only failures accepted: the image or name was removed by another process
# first. Docker 20.10 (a private dockerd, checked) prints `Error response from
# daemon: No such image: nosuch:1` for rmi and tag, and `Error response from
# daemon: no such image: nosuch:1: No such image: nosuch:1` for inspect; berth,
# which has no daemon, says `Error: ` instead (README). (Docker's save says
# `Error response from daemon: reference does not exist`, berth's save
# `Error: No such image: nosuch:1`.)
NOT_FOUND = re.compile(r"^Error: No such image: \S+\n$")
NOT_FOUND_INSPECT = re.compile(r"^Error: No such (image|object): \S+\n$")


class Step:
    def __init__(self, argv, accepted=(), check=None):
        self.argv = [str(a) for a in argv]
        self.accepted = accepted  # regexes a failure's stderr may match
        self.check = check        # called with the Result of a successful step
        self.code = self.out = self.err = None


class Worker(threading.Thread):
    """Runs its steps (a list, or a callable returning the next Step or None)
    one after another, each a berth process with a timeout."""

    def __init__(self, test, name, steps):
        super().__init__(name=name, daemon=True)
        self.test, self.steps, self.done = test, steps, []
        self.proc = None
        self.stuck = None

    def next_step(self):
        if callable(self.steps):
            return self.steps()
        return self.steps.pop(0) if self.steps else None

    def run(self):
        while (step := self.next_step()) is not None:
            self.proc = subprocess.Popen(
                [berthtest.BERTH, "--root", self.test.root] + step.argv,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
            try:
                out, err = self.proc.communicate(timeout=PROCESS_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.stuck = step
                self.proc.kill()
                self.proc.communicate()
                return
            step.code = self.proc.returncode
            step.out = out.decode("utf-8", "replace")
            step.err = err.decode("utf-8", "replace")
            self.done.append(step)


class ConcurrencyTest(BerthTest):
    def setUp(self):
        super().setUp()
        self.reg = R.Registry(self.tmp)
        self.addCleanup(self.reg.stop)
        self.images = {}
        for i, repo in enumerate(("conc/one", "conc/two")):
            layers = [R.busybox_layer(self.tmp), R.random_layer(8 << 20, seed=10 + i),
                      R.file_layer({f"etc/{i}": repo.encode()})]
            pushed = R.push_image(self.reg, repo, "v1", layers)
            self.images[f"{self.reg.host}/{repo}:v1"] = pushed
        self.one, self.two = list(self.images)

    # ------------------------------------------------------------ running

    def run_workers(self, workers):
        """Starts every worker, waits for all within SCENARIO_TIMEOUT, then
        checks every step: success with an empty stderr (and its own check),
        or a failure whose stderr matches one of its accepted patterns.
        Returns every step run."""
        for w in workers:
            w.start()
        deadline = time.monotonic() + SCENARIO_TIMEOUT
        for w in workers:
            w.join(max(0, deadline - time.monotonic()))
        hung = [w for w in workers if w.is_alive()]
        for w in hung:
            if w.proc and w.proc.poll() is None:
                w.proc.kill()
        self.assertEqual([w.name for w in hung], [], "workers still running: deadlock?")
        stuck = [(w.name, w.stuck.argv) for w in workers if w.stuck]
        self.assertEqual(stuck, [], f"berth processes that did not end in {PROCESS_TIMEOUT}s")
        steps = [s for w in workers for s in w.done]
        unexpected = []
        for s in steps:
            berthtest.check_sanitizer_report(s.err)
            if s.code == 0:
                if s.err:
                    unexpected.append((s.argv, s.code, s.err))
                elif s.check:
                    s.check(s)
            elif not any(p.match(s.err) for p in s.accepted):
                unexpected.append((s.argv, s.code, s.err))
        self.assertEqual(unexpected, [], "unexpected errors")
        return steps

    def assert_consistent(self, when):
        r = self.berth("system", "check")
        self.assertEqual((r.code, r.err), (0, ""), f"{when}: system check: {r}")
        self.assertEqual(store_problems(self.root), [], when)

    def image(self, name, root=None):
        r = self.berth("inspect", "--type", "image", name, root=root)
        if r.code != 0:
            self.assertRegex(r.err, NOT_FOUND_INSPECT, r)
            return None
        return json.loads(r.out)[0]

    def assert_complete(self, info, ref, when):
        pushed = self.images[ref]
        self.assertEqual(info["Id"], pushed["config_digest"], when)
        self.assertEqual(info["RootFS"]["Layers"], pushed["diff_ids"], when)

    def pull_check(self, ref):
        def check(step):
            self.assertIn(f"Digest: {self.images[ref]['digest']}", step.out, step.argv)
            self.assertTrue(step.out.endswith(ref + "\n"), step.out)
        return check

    def inspect_check(self, ref, when):
        """An image found after a pull, whatever ran meanwhile, is complete."""
        def check(step):
            self.assert_complete(json.loads(step.out)[0], ref, when)
        return check

    # ------------------------------------------------------------ scenarios

    def test_a_four_pulls_of_the_same_image(self):
        for round_ in range(3):
            workers = [Worker(self, f"pull{i}", [Step(["pull", self.one],
                                                      check=self.pull_check(self.one))])
                       for i in range(4)]
            steps = self.run_workers(workers)
            self.assertEqual([s.code for s in steps], [0] * 4, "every pull succeeds")
            downloaded = sum("Status: Downloaded newer image" in s.out for s in steps)
            self.assertGreaterEqual(downloaded, 1)
            self.assert_complete(self.image(self.one), self.one, f"round {round_}")
            self.assert_consistent(f"round {round_}")
            self.ok("image", "prune", "-a", "-f")  # the next round starts empty

    def test_b_pulls_while_pruning(self):
        rng = random.Random(SEED)
        pullers = []
        for i in range(3):
            steps = []
            for _ in range(6):
                ref = rng.choice([self.one, self.two])
                steps.append(Step(["pull", ref], check=self.pull_check(ref)))
                steps.append(Step(["inspect", "--type", "image", ref], accepted=[NOT_FOUND_INSPECT],
                                  check=self.inspect_check(ref, f"puller {i}")))
            pullers.append(Worker(self, f"puller{i}", steps))
        prunes = []

        def next_prune():
            if prunes and not any(p.is_alive() for p in pullers) and len(prunes) >= 3:
                return None
            prunes.append(Step(["image", "prune", "-a", "-f"]))
            return prunes[-1]
        steps = self.run_workers(pullers + [Worker(self, "pruner", next_prune)])
        pulls = [s for s in steps if s.argv[0] == "pull"]
        self.assertEqual([s.code for s in pulls], [0] * 18, "every pull succeeds")
        print(f"\n(b) 18 pulls, {len(prunes)} prunes, "
              f"{sum(s.code != 0 for s in steps if s.argv[0] == 'inspect')} images pruned "
              f"before their puller looked", flush=True)
        self.assertGreaterEqual(len(prunes), 3)
        self.assert_consistent("after pulls and prunes")
        for ref in self.images:
            info = self.image(ref)
            if info is not None:
                self.assert_complete(info, ref, "left at the end")
        self.ok("pull", self.one, env=ENV)  # and the store still works
        self.assert_complete(self.image(self.one), self.one, "pulled afterwards")
        self.assert_consistent("after a last pull")

    def test_c_tag_and_rmi_of_the_same_names(self):
        a = self.import_busybox("conc/a:keep")
        self.ok("import", self.busybox_tar(name="b.tar"), "conc/b:keep", "-c", "ENV B=1")
        b = self.inspect("conc/b:keep")["Id"]
        names = [f"conc/shared:{i}" for i in range(3)]
        rng = random.Random(SEED)
        workers = []
        for i in range(4):
            steps = []
            for _ in range(25):
                name = rng.choice(names)
                kind = rng.choice(["tag-a", "tag-b", "rmi"])
                if kind == "rmi":
                    steps.append(Step(["rmi", name], accepted=[NOT_FOUND]))
                else:
                    steps.append(Step(["tag", "conc/a:keep" if kind == "tag-a" else "conc/b:keep",
                                       name]))
            workers.append(Worker(self, f"tagger{i}", steps))
        steps = self.run_workers(workers)
        failed = [s for s in steps if s.code != 0]
        self.assertTrue(all(s.argv[0] == "rmi" for s in failed), failed)
        untagged = [s for s in steps if s.argv[0] == "rmi" and s.code == 0]
        for s in untagged:
            self.assertEqual(s.out, f"Untagged: {s.argv[1]}\n", "only untagged, never deleted")
        print(f"\n(c) {len(steps)} tag/rmi, {len(untagged)} untagged, {len(failed)} not found",
              flush=True)
        # Both images are still there, and each shared name points to one of them or to nothing.
        self.assertEqual(self.image("conc/a:keep")["Id"], a)
        self.assertEqual(self.image("conc/b:keep")["Id"], b)
        for name in names:
            info = self.image(name)
            self.assertIn(info and info["Id"], (None, a, b), name)
        listed = self.ok("images", "--format", "{{.Repository}}:{{.Tag}}").out.split()
        self.assertEqual(sorted(n for n in listed if n.startswith("conc/shared:")),
                         sorted(n for n in names if self.image(n) is not None))
        self.assert_consistent("after tags and removals")

    def test_d_load_while_save(self):
        # The archive: the image saved by berth from another store.
        scratch = os.path.join(self.tmp, "scratch")
        self.ok("pull", self.one, root=scratch, env=ENV)
        archive = os.path.join(self.tmp, "one.tar")
        self.ok("save", "-o", archive, self.one, root=scratch)
        self.ok("load", "-i", archive)
        saved = []
        loaders = [Worker(self, f"loader{i}",
                          [Step(["load", "-i", archive],
                                check=lambda s: self.assertEqual(s.out, f"Loaded image: {self.one}\n"))
                           for _ in range(8)]) for i in range(2)]

        def loading():
            return any(w.is_alive() for w in loaders)

        def saver(i):
            n = [0]

            def next_step():  # saves, paced, as long as loads run (at least 3, at most 10)
                if n[0] == 10 or (n[0] >= 3 and not loading()):
                    return None
                if n[0]:
                    time.sleep(0.25)
                n[0] += 1
                path = os.path.join(self.tmp, f"saved-{i}-{n[0]}.tar")
                return Step(["save", "-o", path, self.one], accepted=[NOT_FOUND],
                            check=lambda step: saved.append(path))
            return next_step

        removals = []

        def next_removal():  # removes the image now and then while loads run
            if len(removals) == 12 or (len(removals) >= 3 and not loading()):
                return None
            time.sleep(0.4)
            removals.append(Step(["rmi", self.one], accepted=[NOT_FOUND]))
            return removals[-1]

        savers = [Worker(self, f"saver{i}", saver(i)) for i in range(2)]
        remover = Worker(self, "remover", next_removal)
        steps = self.run_workers(loaders + savers + [remover])
        removed = sum(s.code == 0 for s in steps if s.argv[0] == "rmi")
        saves = sum(s.argv[0] == "save" for s in steps)
        print(f"\n(d) 16 loads, {len(saved)} of {saves} saves succeeded, {removed} of "
              f"{len(removals)} rmi removed "
              f"the image", flush=True)
        self.assertGreater(len(saved), 0)
        self.assert_consistent("after loads and saves")
        info = self.image(self.one)
        if info is not None:
            self.assert_complete(info, self.one, "left at the end")
        # Every archive a successful save wrote is complete: a fresh store loads it.
        for path in saved:
            fresh = os.path.join(self.tmp, "fresh")
            out = self.ok("load", "-i", path, root=fresh).out
            self.assertEqual(out, f"Loaded image: {self.one}\n", path)
            self.assert_complete(self.image(self.one, root=fresh), self.one, path)
            self.ok("image", "prune", "-a", "-f", root=fresh)

    def test_e_loads_and_pulls_of_the_same_blobs_at_once(self):
        """3 loads and 3 pulls of the same image into an empty store: all
        write the same keyed blobs and snapshots at the same moment."""
        scratch = os.path.join(self.tmp, "scratch")
        self.ok("pull", self.one, root=scratch, env=ENV)
        archive = os.path.join(self.tmp, "one.tar")
        self.ok("save", "-o", archive, self.one, root=scratch)
        for round_ in range(3):
            load = lambda: Step(["load", "-i", archive],  # noqa: E731
                                check=lambda s: self.assertEqual(s.out, f"Loaded image: {self.one}\n"))
            workers = [Worker(self, f"loader{i}", [load()]) for i in range(3)]
            workers += [Worker(self, f"puller{i}", [Step(["pull", self.one],
                                                         check=self.pull_check(self.one))])
                        for i in range(3)]
            steps = self.run_workers(workers)
            self.assertEqual([s.code for s in steps], [0] * 6, "every load and pull succeeds")
            self.assert_complete(self.image(self.one), self.one, f"round {round_}")
            self.assert_consistent(f"round {round_}")
            self.ok("image", "prune", "-a", "-f")

    @unittest.skipUnless(shutil.which("strace"), "needs strace (to widen the race)")
    def test_f_a_new_ingest_dir_that_gc_claims_before_it_is_locked(self):
        """Scenario (d)'s find: a new ingest dir has its lock file for a moment
        before its creator locks it. A GC sweeping ingest/ then (rmi's, prune's,
        or system check's dry run) claimed it as a dead process's garbage: the
        creator failed with `lock .../ingest/<x>/lock: Resource temporarily
        unavailable`, or locked it after it had been moved to the trash and
        failed with `open .../ingest/<x>/data: No such file or directory`.
        strace delays the import's first flock by 0.3 s so that the GCs, run
        back to back meanwhile, always come in between (prune and rmi then
        failed the import every time; system check's dry run only holds the
        lock for an instant, so its failure needed (d)'s exact timing)."""
        tar = berthtest.make_tar(os.path.join(self.tmp, "small.tar"),
                                 [(tarfile.TarInfo("f"), b"small\n" * 100)])
        self.ok("import", tar, "keep:1")
        # LeakSanitizer cannot run under a tracer (./dev test --sanitize): the rest can.
        traced_env = dict(os.environ)
        if "ASAN_OPTIONS" in traced_env:
            traced_env["ASAN_OPTIONS"] += ":detect_leaks=0"
        for i, gc in enumerate([["image", "prune", "-f"], ["system", "check"],
                                ["rmi", "gone:1"]]):
            traced = subprocess.Popen(
                ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=flock",
                 "-e", "inject=flock:delay_enter=300000:when=1",
                 berthtest.BERTH, "--root", self.root, "import", tar, f"new:{i}"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=traced_env)
            sweeps = 0
            while traced.poll() is None:
                if gc[0] == "rmi":
                    self.ok("tag", "keep:1", "gone:1")
                r = self.berth(*gc)
                self.assertEqual(r.code, 0, r)
                sweeps += 1
            out, err = traced.communicate(timeout=PROCESS_TIMEOUT)
            self.assertEqual((traced.returncode, err.decode()), (0, ""), f"import beside {gc}")
            self.assertEqual(self.inspect(f"new:{i}")["Id"], out.decode().strip())
            self.assertGreater(sweeps, 1, gc)
            self.assert_consistent(f"import beside {gc}")


if __name__ == "__main__":
    unittest.main()
