"""The operations measured for each tool, in the order that lets one run set up the next.

Why this exists: every tool goes through the same sequence on the same inputs, so the numbers are
comparable: version; import then rmi of the 200 MB base (paired, so each import is cold and each
rmi removes a large image); images/inspect/tag with 1,000 tags; load, save, push (to a registry
wiped before every run), cold pull (after removing the image), and a fully cached rebuild. Each
light operation (version, images, inspect,
tag) is one untimed warm-up run followed by N timed runs; a heavy one (hundreds of MB moved) is
timed from its first run (the inputs are read into the page cache beforehand) and gets its runs
after the first only while the run's time budget lasts, so the whole benchmark stays within ten
minutes on two cores. Last come the container operations (containers.py): `run --rm IMAGE true`
and `commit` of a 100 MB change. A warm-up or first run that fails marks the row failed with the
tool's own error, and a command the tool does not have marks it absent.
"""

import os
import shutil
import time

from containers import RunContainers
from measure import SettleDisk, Stats

OPS = ["version", "import", "rmi", "images", "inspect", "tag", "load", "save", "push",
       "push (loaded)", "pull", "build (cached)", "run", "commit"]
N_TAGS = 1000


class Recorder:
    def __init__(self, log):
        self.records = []
        self.log = log

    def Add(self, op, tool, status, samples=None, note="", extra=None):
        r = {"op": op, "tool": tool.name if hasattr(tool, "name") else tool, "status": status,
             "runs": 0, "median_s": None, "min_s": None, "max_s": None, "peak_rss_kb": None,
             "note": note}
        if samples:
            r.update(Stats(samples))
        r.update(extra or {})
        self.records.append(r)
        shown = f"median {r['median_s']:.3f}s" if status == "ok" else (note or "")[:160]
        self.log(f"  {r['tool']:7} {op:27} {status:7} {shown}")
        return r


class Suite:
    def __init__(self, inputs, src, push, scratch, runs, heavy_runs, deadline, rec):
        self.inputs = inputs
        self.src = src          # registry holding bench/big:latest
        self.push = push        # registry wiped before every push
        self.scratch = scratch
        self.runs = runs
        self.heavy_runs = heavy_runs
        self.deadline = deadline  # time.monotonic() after which heavy ops run once
        self.tool_start = time.monotonic()
        self.rec = rec
        self.image_id = inputs["image_id"].split(":")[1]
        self.big = "bench/big:latest"
        # no registries with --only containers
        self.pull_ref = f"{src.host}/bench/big:latest" if src else None
        self.push_ref = f"{push.host}/bench/pushed:latest" if push else None

    HEAVY_OPS = 9  # import+rmi, load, save, push, push (loaded), pull, build (+ its uncached first
    # build), commit

    def _Plan(self, heavy, timed, last_secs, op_start):
        """True when another timed run should happen: heavy ops repeat only while both the
        tool's share of the budget and this op's slice of that share last."""
        if not heavy:
            return timed < self.runs
        if timed == 0:
            return True
        now = time.monotonic()
        op_slice = (self.deadline - self.tool_start) / self.HEAVY_OPS
        return (timed < self.heavy_runs and now + last_secs < self.deadline and
                now - op_start + last_secs <= op_slice)

    # One operation: (warm-up,) timed runs, each between untimed before/after steps.
    def Measure(self, tool, op, command, args, before=None, after=None, note="", needs=None,
                heavy=False, one_line=False):
        """With one_line, a failure's note is only the last line of the tool's error."""
        if needs:
            self.rec.Add(op, tool, "absent", note=needs)
            return False
        if not tool.Supports(command):
            self.rec.Add(op, tool, "absent", note=f"no `{command}` command")
            return False
        samples = []
        i = 0 if heavy else -1  # -1: the warm-up
        last = 0.0
        op_start = time.monotonic()
        while i < 0 or self._Plan(heavy, len(samples), last, op_start):
            if before:
                before(i)
            if heavy:
                SettleDisk()
            s = tool.Run(*args(i), rss=heavy)
            if after:
                after(i)
            if not s.ok:
                err = ([l for l in s.err.splitlines() if l.strip()] or [""])[-1] if one_line \
                    else s.err
                self.rec.Add(op, tool, "failed", note=f"exit {s.rc}: {err.strip()}")
                return False
            if i >= 0:
                samples.append(s)
            last = s.secs
            i += 1
        extra = {}
        if not heavy:  # one more run, under GNU time, for the peak RSS only
            if before:
                before(i)
            s = tool.Run(*args(i), rss=True)
            if after:
                after(i)
            extra["peak_rss_kb"] = s.rss_kb if s.ok else None
        self.rec.Add(op, tool, "ok", samples, note=note or tool.note, extra=extra)
        return True

    def RunTool(self, tool):
        if tool.absent:
            for op in OPS:
                self.rec.Add(op, tool, "absent", note=tool.absent)
            return
        self.Measure(tool, "version", "version", lambda i: ["version"])
        self._ImportRmi(tool)
        self._Tags(tool)
        have_big = self._LoadSave(tool)
        self._Push(tool, have_big)
        self._PushLoaded(tool, have_big)
        self._Pull(tool)
        self._Build(tool)
        RunContainers(self, tool)

    def _ImportRmi(self, tool):
        base = self.inputs["base_tar"]
        if not tool.Supports("import"):
            self.rec.Add("import", tool, "absent", note="no `import` command")
            self.rec.Add("rmi", tool, "absent", note="needs `import` to make the image")
            return
        has_rmi = tool.Supports("rmi")
        imports, rmis = [], []
        op_start = time.monotonic()
        while self._Plan(True, len(imports), imports[-1].secs + rmis[-1].secs if rmis else
                         (imports[-1].secs if imports else 0.0), op_start):
            s = tool.Run("import", base, "bench/base:latest", rss=True)
            if not s.ok:
                self.rec.Add("import", tool, "failed", note=f"exit {s.rc}: {s.err}")
                self.rec.Add("rmi", tool, "absent", note="needs `import` to make the image")
                return
            r = tool.Run("rmi", "bench/base:latest", rss=True) if has_rmi else None
            if r is not None and not r.ok:
                if imports:
                    self.rec.Add("import", tool, "ok", imports, note=tool.note)
                self.rec.Add("rmi", tool, "failed", note=f"exit {r.rc}: {r.err}")
                return
            imports.append(s)
            if r is not None:
                rmis.append(r)
        self.rec.Add("import", tool, "ok", imports,
                     note=tool.note if has_rmi else "no `rmi`: later imports reuse the layer")
        if has_rmi:
            self.rec.Add("rmi", tool, "ok", rmis, note=tool.note or "untag + delete 200 MB image")
        else:
            self.rec.Add("rmi", tool, "absent", note="no `rmi` command")

    def _Tags(self, tool):
        names = [f"bench/tags{i % 10}:v{i:04d}" for i in range(N_TAGS)]
        needs = None
        if not (tool.Supports("import") and tool.Supports("tag")):
            needs = "needs `import` and `tag` to set up 1,000 tags"
        else:
            ok, err = tool.Quiet("import", self.inputs["tiny_tar"], "bench/tiny:latest")
            if not ok:
                needs = f"set-up import failed: {err}"
            elif tool.name == "docker":
                for n in names:
                    tool.dockerd.Tag("bench/tiny:latest", *n.rsplit(":", 1))
            elif tool.name == "podman":
                for k in range(0, N_TAGS, 250):
                    ok, err = tool.Quiet("tag", "bench/tiny:latest", *names[k:k + 250])
            else:
                for n in names:
                    ok, err = tool.Quiet("tag", "bench/tiny:latest", n)
                    if not ok:
                        break
            if not ok and not needs:
                needs = f"set-up tag failed: {err}"
        note = f"{N_TAGS + 1} tags of one busybox image"
        self.Measure(tool, "images", "images", lambda i: ["images"], needs=needs,
                     note=f"{note}; {tool.note}" if tool.note else note)
        self.Measure(tool, "inspect", "inspect", lambda i: ["inspect", "bench/tiny:latest"],
                     needs=needs)
        self.Measure(tool, "tag", "tag",
                     lambda i: ["tag", "bench/tiny:latest", f"bench/tagged:r{i}"], needs=needs)

    def _RemoveBig(self, tool):
        tool.Quiet("rmi", "-f", self.image_id)
        trash = os.path.join(getattr(tool, "root", ""), "trash")
        if tool.name == "berth" and os.path.isdir(trash):
            # berth's rmi returns once the metadata says the image is gone and a
            # detached child frees the files; docker and podman delete before
            # they return. Let that child finish, so the next timed command
            # (a cold pull, a load) does not share the disk and CPU with rmi's
            # own work. (rmi's row therefore excludes the freeing: see README.)
            deadline = time.time() + 120
            while time.time() < deadline and [e for e in os.listdir(trash) if e != ".lock"]:
                time.sleep(0.05)

    def _LoadSave(self, tool):
        archive = self.inputs["docker_archive"]
        loaded = self.Measure(tool, "load", "load", lambda i: ["load", "-i", archive],
                              before=lambda i: self._RemoveBig(tool), heavy=True)
        have_big = loaded  # the last timed load left the image in place
        if not loaded and tool.Supports("pull"):
            have_big = tool.Quiet("pull", *tool.registry_flags, self.pull_ref)[0] and \
                tool.Quiet("tag", self.pull_ref, self.big)[0]
        out = os.path.join(self.scratch, f"save-{tool.name}.tar")

        def rm(i):
            if os.path.exists(out):
                os.unlink(out)
        self.Measure(tool, "save", "save", lambda i: ["save", "-o", out, self.big], after=rm,
                     needs=None if have_big else "needs `load` or `pull` to get the image",
                     heavy=True)
        return have_big

    def _Push(self, tool, have_big):
        needs = None if have_big else "needs `load` or `pull` to get the image"
        if have_big and tool.Supports("push") and tool.Supports("tag"):
            ok, err = tool.Quiet("tag", self.big, self.push_ref)
            if not ok:
                needs = f"set-up tag failed: {err}"
        self.Measure(tool, "push", "push",
                     lambda i: ["push", *tool.registry_flags, self.push_ref],
                     before=lambda i: self.push.Wipe(), needs=needs, heavy=True,
                     note="to an emptied registry: layers compressed again")

    def _PushLoaded(self, tool, have_big):
        """A push whose layers must be compressed first: the image freshly loaded from the
        docker archive (plain tar layers, no registry manifest), as an import would leave it.
        docker and podman compress on every push, so for them this is their push again."""
        needs = None if have_big else "needs `load` or `pull` to get the image"
        archive = self.inputs["docker_archive"]

        def fresh(i):
            self._RemoveBig(tool)
            tool.Quiet("load", "-i", archive)
            tool.Quiet("tag", self.big, self.push_ref)
            self.push.Wipe()
        self.Measure(tool, "push (loaded)", "push",
                     lambda i: ["push", *tool.registry_flags, self.push_ref],
                     before=fresh, needs=needs, heavy=True,
                     note="image loaded again before each run: its layers need compressing")

    def _Pull(self, tool):
        self.Measure(tool, "pull", "pull", lambda i: ["pull", *tool.registry_flags, self.pull_ref],
                     before=lambda i: self._RemoveBig(tool), note="cold: image removed first",
                     heavy=True)

    def _Build(self, tool):
        ctx = self.inputs["build_context"]
        args = ["build", *tool.build_flags, "-t", "bench/built:latest", ctx]
        extra = {}
        if tool.Supports("build"):
            first = tool.Run(*args)  # fills the build cache; not timed
            if not first.ok:
                self.rec.Add("build (cached)", tool, "failed",
                             note=f"first build: exit {first.rc}: {first.err}")
                return
            extra["first_build_s"] = round(first.secs, 3)
        if self.Measure(tool, "build (cached)", "build", lambda i: args, heavy=True,
                        note=f"FROM scratch + 4 ADD of the layer blobs; uncached first build "
                             f"{extra.get('first_build_s', 0):.1f}s"):
            self.rec.records[-1].update(extra)

    def RunSkopeo(self, tool):
        """skopeo: start-up, pull into an OCI layout, push from the generated OCI layout."""
        self.Measure(tool, "version", "--version", lambda i: ["--version"])
        dest = os.path.join(self.scratch, "skopeo-oci")
        self.Measure(tool, "pull", "copy",
                     lambda i: ["copy", "--src-tls-verify=false", f"docker://{self.pull_ref}",
                                f"oci:{dest}:latest"],
                     before=lambda i: shutil.rmtree(dest, ignore_errors=True),
                     after=lambda i: shutil.rmtree(dest, ignore_errors=True), heavy=True,
                     note="download into an OCI layout, no unpack")
        self.Measure(tool, "push", "copy",
                     lambda i: ["copy", "--dest-tls-verify=false",
                                f"oci:{self.inputs['oci_layout']}:latest",
                                f"docker://{self.push_ref}"],
                     before=lambda i: self.push.Wipe(), heavy=True,
                     note="from an OCI layout: compressed blobs sent as they are")
