"""The build rows: `build` cold, fully cached, and after touching one file only the last COPY uses,
on two contexts, for berth, docker's classic builder, docker's BuildKit and podman in one run.

Why this exists: issue 11's speed goals are ratios against both of docker's builders measured in
the same run (a cached rebuild at least 2x faster than BuildKit on both contexts, a rebuild after
a one-file change faster than BuildKit, a cold build of the bench context at least 2x faster than
the classic builder and no slower than BuildKit). The contexts:
- `ADD 156MB`: the bench image's build context (inputs.py: FROM scratch, one ADD per layer
  tarball, auto-extracted; 163 MB of gzip, 399 MB unpacked) with one more step before its CMD,
  `COPY stamp /stamp`, so that it too has a last COPY whose one file can be touched;
- `COPY 200MB`: a generated context of about 6,000 files and 200 MB (seeded, made once and
  cached beside the other inputs), FROM the busybox-only image (imported into each store as
  containers.py does) with three COPY steps, the last of which copies one small file.
Every build is a heavy op (timed from its first run, further runs while the tool's share of the
time lasts). Cold: `build --no-cache` (the previous run's image is not removed first: deleting
thousands of files just before makes creating them slow on this machine's journal-less ext4,
README.md's pull floor section). Cached: after one untimed
build, every step hits. Touched: before each run the last COPY's file gets new content (untimed),
so only that step and those after it run. A tool that refuses a build shows its own error.
"""

import os
import random
import shutil
import time

from containers import RUN_IMAGE, WaitBerthIdle, _LastLine

CTX_VERSION = 1
CTX_SEED = 20261129
N_SMALL, N_BIG, BIG_SIZE = 5_990, 10, 10_400_000  # ~96 MB of small files + 104 MB of big ones
TAG = "bench/built:latest"
CONTEXTS = ["ADD 156MB", "COPY 200MB"]
OPS = [f"build {kind} ({ctx})" for ctx in CONTEXTS for kind in ("cold", "cached", "touched")]


def EnsureContexts(inp, scratch, log):
    """{context name: (dir, the file its last COPY uses)}: the bench context plus a stamp (its
    layer tarballs hard-linked), and the generated 200 MB one (made once, cached in the inputs
    directory)."""
    add = os.path.join(scratch, "build-add")
    shutil.rmtree(add, ignore_errors=True)
    os.makedirs(add)
    src = inp["build_context"]
    for name in os.listdir(src):
        if name != "Dockerfile":
            os.link(os.path.join(src, name), os.path.join(add, name))
    with open(os.path.join(src, "Dockerfile")) as f:
        lines = f.read().splitlines()
    lines.insert(len(lines) - 1 if lines[-1].startswith("CMD") else len(lines), "COPY stamp /stamp")
    with open(os.path.join(add, "Dockerfile"), "w") as f:
        f.write("\n".join(lines) + "\n")
    _Write(os.path.join(add, "stamp"), b"stamp 0\n")

    big = os.path.join(inp["dir"], f"build-copy-v{CTX_VERSION}")
    if not os.path.exists(os.path.join(big, "Dockerfile")):
        log("generating the 200 MB build context ...")
        shutil.rmtree(big, ignore_errors=True)
        rng = random.Random(CTX_SEED)
        for i in range(N_SMALL):
            _Write(os.path.join(big, "src", f"d{i % 60:02d}", f"f{i:04d}.txt"),
                   rng.randbytes(rng.randrange(1_000, 31_000)))
        for i in range(N_BIG):
            _Write(os.path.join(big, "data", f"blob{i:02d}.bin"), rng.randbytes(BIG_SIZE))
        _Write(os.path.join(big, "app", "last.txt"), b"last 0\n")
        _Write(os.path.join(big, "Dockerfile"),
               f"FROM {RUN_IMAGE}\nCOPY data /data\nCOPY src /src\nCOPY app/last.txt /app/\n"
               f'CMD ["sh"]\n'.encode())
    return {"ADD 156MB": (add, os.path.join(add, "stamp")),
            "COPY 200MB": (big, os.path.join(big, "app", "last.txt"))}


def _Write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def RunBuilds(suite, tool, contexts, budget_s):
    """Times the three builds on each context for one tool; each context gets budget_s."""
    needs = None
    if not tool.Supports("build"):
        needs = f"{tool.name} build: not available"
    elif not tool.Quiet("import", suite.inputs["tiny_tar"], RUN_IMAGE)[0]:
        needs = "set-up import of the busybox image failed"
    for ctx in CONTEXTS:
        suite.tool_start = time.monotonic()
        suite.deadline = suite.tool_start + budget_s
        _Context(suite, tool, ctx, *contexts[ctx], needs)


def _Context(suite, tool, ctx, path, touch, needs):
    args = ["build", *tool.build_flags, "-t", TAG, path]
    note = tool.note

    cold_ok = suite.Measure(tool, f"build cold ({ctx})", "build",
                            lambda i: ["build", "--no-cache", *args[1:]],
                            before=lambda i: WaitBerthIdle(tool), needs=needs, heavy=True,
                            one_line=True, note=note)
    if cold_ok:
        ok, err = tool.Quiet(*args)  # fills the cache for the cached rows
        if not ok:
            needs = f"untimed build failed: {_LastLine(err)}"
    elif not needs:
        needs = "the cold build failed"
    suite.Measure(tool, f"build cached ({ctx})", "build", lambda i: args, heavy=True,
                  one_line=True, needs=needs, note=note)
    counter = [0]

    def edit(i):
        counter[0] += 1
        _Write(touch, f"{os.path.basename(touch)} {time.time_ns()} {counter[0]}\n".encode())
        WaitBerthIdle(tool)
    suite.Measure(tool, f"build touched ({ctx})", "build", lambda i: args, before=edit,
                  heavy=True, one_line=True, needs=needs,
                  note=f"{os.path.basename(touch)} changed before each run" +
                       (f"; {note}" if note else ""))
    tool.Quiet("rmi", "-f", TAG)
    WaitBerthIdle(tool)
