#!/usr/bin/env python3
"""berth's end-to-end benchmark: berth against docker, podman and skopeo, side by side.

Why this exists: berth's goals are ratios against the tools people use today, so one command must
generate the same inputs everywhere, start the services it needs on loopback, time every tool on
the same operations in the same run, print medians and ratios, and leave a JSON record
(bench/results/latest.json) that later runs can be compared with. Usage:

    bench/run.sh BUILD_DIR [--quick] [--runs N] [--skip-micro] [--only floor|containers|build]

`--only floor` measures the pull floor alone (no tools, no dockerd, no micro benchmarks; about a
minute; 3 runs of each row unless --runs says) and writes bench/results/floor.json. `--only
containers` measures only run and commit (berth, docker, podman) and the runc floor, with no
registries and no micro benchmarks, and writes bench/results/containers.json. `--only build`
measures only `build` (cold, cached, one file touched) on two contexts for berth, docker's classic
builder, docker's BuildKit and podman (builds.py), 3 runs each unless --runs says, and writes
bench/results/build.json. Scratch space:
$BERTH_BENCH_DIR or /tmp/berth-bench (generated inputs are cached there).
"""

import argparse
import atexit
import datetime
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import inputs as inputs_mod  # noqa: E402
import report  # noqa: E402
import tools  # noqa: E402
from floor import MeasureFloor, PushOciLayout  # noqa: E402
from load_floor import MeasureLoadFloor  # noqa: E402
from services import Dockerd, Registry, UnmountUnder  # noqa: E402
from containers import MeasureRuncFloor, RunContainers  # noqa: E402
import builds  # noqa: E402
from suite import OPS, Recorder, Suite  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
_cleanups = []


def _cleanup():
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception as e:  # cleanup must go on whatever one step does
            print(f"bench: cleanup: {e}", file=sys.stderr)


def _on_signal(signum, frame):
    raise SystemExit(128 + signum)


def log(msg):
    print(msg, flush=True)


def _docker_client():
    for c in ["/usr/bin/docker", shutil.which("docker")]:
        if c and os.access(c, os.X_OK):
            return c
    return None


def _machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gb": round(mem / 1e9, 1),
            "kernel": platform.release(), "python": platform.python_version()}


def _WarmPageCache(inp):
    """Reads every input once so that no tool pays for the first cold read."""
    paths = [inp["docker_archive"], inp["tiny_tar"]]
    for layer in inp["layers"]:
        paths += [layer["tar"], layer["gz"]]
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 22):
                pass


def main():
    ap = argparse.ArgumentParser(description="berth vs docker/podman/skopeo")
    ap.add_argument("build_dir")
    ap.add_argument("--quick", action="store_true", help="2 timed runs instead of 5")
    ap.add_argument("--runs", type=int, help="timed runs per operation (after one warm-up)")
    ap.add_argument("--skip-micro", action="store_true", help="do not run micro benchmarks")
    ap.add_argument("--tools", default="berth,docker,podman,skopeo",
                    help="comma-separated subset of tools to measure (default: all)")
    ap.add_argument("--only", choices=["floor", "containers", "build"],
                    help="measure only this part (floor: the pull floor, see floor.py; "
                         "containers: run and commit, see containers.py; build: the builds, "
                         "see builds.py)")
    ap.add_argument("--out", help="the JSON record (default bench/results/latest.json, "
                                  "ONLY.json with --only ONLY)")
    args = ap.parse_args()
    args.out = args.out or os.path.join(HERE, "results", f"{args.only or 'latest'}.json")
    runs = args.runs or (2 if args.quick else 5)
    if os.geteuid() != 0 and args.only != "floor":
        log("bench: note: not root; dockerd and podman's overlay storage will likely be absent")

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _on_signal)
    atexit.register(_cleanup)

    started = time.monotonic()
    scratch = os.path.abspath(os.environ.get("BERTH_BENCH_DIR", "/tmp/berth-bench"))
    run_dir = os.path.join(scratch, "run")
    if os.path.exists(run_dir):
        UnmountUnder(run_dir)
        shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)
    _cleanups.append(lambda: (UnmountUnder(run_dir), shutil.rmtree(run_dir, ignore_errors=True)))

    inp = inputs_mod.ensure_inputs(scratch, log)
    rec = Recorder(log)
    if args.only == "containers":
        return _OnlyContainers(args, started, runs, inp, run_dir, rec)
    if args.only == "build":
        return _OnlyBuild(args, started, args.runs or 3, inp, run_dir, rec)
    src = Registry(os.path.join(inp["dir"], "registry"), os.path.join(run_dir, "registry.log"))
    src.Start()
    _cleanups.append(src.Stop)
    if not src.HasManifest("bench/big", "latest"):
        log("seeding the registry with bench/big:latest ...")
        PushOciLayout(src, inp["oci_layout"], "bench/big", "latest")
    if args.only == "floor":
        log("measuring the pull floor only ...")
        runs = args.runs or 3
        MeasureFloor(args.build_dir, src, "bench/big", inp["layers"], runs, rec, run_dir)
        return _Finish(args, started, runs, {}, inp, rec)
    push = Registry(os.path.join(run_dir, "registry-push"), os.path.join(run_dir, "registry.log"))
    push.Start()
    _cleanups.append(lambda: push.Stop())

    _WarmPageCache(inp)
    # Heavy ops get runs after their first only until this moment, shared among the tools;
    # the rest of the ten minutes is for the floor, the micro benchmarks and clean-up.
    budget_end = started + (180 if args.quick else 390)
    suite = Suite(inp, src, push, run_dir, runs, runs, budget_end, rec)
    versions = {}
    log(f"measuring: light ops {runs} timed runs after 1 warm-up; heavy ops up to {runs} runs"
        f" while the time budget lasts ...")
    weights = {"berth": 1.0, "docker": 1.0, "podman": 1.0, "skopeo": 0.2}

    def timed_tool(tool, fn):
        t0 = time.monotonic()
        names = list(weights)
        left = names[names.index(tool.name):] if tool.name in names else [tool.name]
        share = weights.get(tool.name, 1.0) / sum(weights.get(n, 1.0) for n in left)
        suite.deadline = t0 + max(0.0, budget_end - t0) * share
        suite.tool_start = t0
        versions[tool.name] = tool.version or tool.absent or ""
        fn(tool)
        log(f"  ({tool.name}: {time.monotonic() - t0:.0f}s)")

    spawn = tools.CliTool("floor", ["/bin/true"])
    suite.Measure(spawn, "version", "version", lambda i: [],
                  note="spawning /bin/true: the harness's own per-command cost")
    MeasureRuncFloor(suite, run_dir)

    wanted = set(args.tools.split(","))
    berth = tools.Berth(args.build_dir, run_dir)
    _cleanups.append(berth.Cleanup)
    timed_tool(berth, suite.RunTool)
    berth.Cleanup()

    client = _docker_client()
    if "docker" not in wanted:
        pass
    elif client and shutil.which("dockerd"):
        dockerd = Dockerd(os.path.join(run_dir, "docker"), client)
        _cleanups.append(dockerd.Stop)
        try:
            dockerd.Start([src.host, push.host])
            docker = tools.Docker(dockerd, client)
        except RuntimeError as e:
            docker = tools.CliTool("docker", [client])
            docker.absent = f"private dockerd did not start: {str(e)[-300:]}"
        timed_tool(docker, suite.RunTool)
        dockerd.Stop()
    else:
        docker = tools.CliTool("docker", ["docker"])
        docker.absent = "not installed (./dev bench --with-peers)"
        timed_tool(docker, suite.RunTool)

    if "podman" not in wanted:
        pass
    elif shutil.which("podman"):
        podman = tools.Podman(run_dir)
        _cleanups.append(podman.Cleanup)
        timed_tool(podman, suite.RunTool)
        podman.Cleanup()
    else:
        podman = tools.CliTool("podman", ["podman"])
        podman.absent = "not installed (./dev bench --with-peers)"
        timed_tool(podman, suite.RunTool)

    if "skopeo" not in wanted:
        pass
    elif shutil.which("skopeo"):
        timed_tool(tools.Skopeo(), suite.RunSkopeo)
    else:
        versions["skopeo"] = "not installed"
        for op in ["version", "pull", "push"]:
            rec.Add(op, "skopeo", "absent", note="not installed (./dev bench --with-peers)")

    log("measuring the pull floor ...")
    MeasureFloor(args.build_dir, src, "bench/big", inp["layers"], min(runs, 3), rec, run_dir)
    log("measuring the load floor ...")
    MeasureLoadFloor(inp["docker_archive"], min(runs, 3), rec, run_dir)

    micro = [] if args.skip_micro else report.RunMicro(args.build_dir, log)
    rec.records.extend(micro)
    return _Finish(args, started, runs, versions, inp, rec)


def _OnlyContainers(args, started, runs, inp, run_dir, rec):
    """`--only containers`: the runc floor, then run and commit for berth, docker and podman."""
    suite = Suite(inp, None, None, run_dir, runs, runs, started, rec)
    suite.HEAVY_OPS = 1  # commit is the only heavy op here

    def budget():  # each tool's commit gets up to a minute for its runs
        suite.tool_start = time.monotonic()
        suite.deadline = suite.tool_start + 60
    versions = {}
    log(f"measuring run and commit only: run {runs} timed runs after 1 warm-up, commit up to "
        f"{runs} runs ...")
    MeasureRuncFloor(suite, run_dir)
    wanted = set(args.tools.split(","))
    if "berth" in wanted:
        berth = tools.Berth(args.build_dir, run_dir)
        _cleanups.append(berth.Cleanup)
        versions["berth"] = berth.version or berth.absent or ""
        if not berth.absent:
            budget()
            RunContainers(suite, berth)
        berth.Cleanup()
    client = _docker_client()
    if "docker" in wanted and client and shutil.which("dockerd"):
        dockerd = Dockerd(os.path.join(run_dir, "docker"), client)
        _cleanups.append(dockerd.Stop)
        try:
            dockerd.Start([])
            docker = tools.Docker(dockerd, client)
            versions["docker"] = docker.version
            budget()
            RunContainers(suite, docker)
        except RuntimeError as e:
            for op in ["run", "commit"]:
                rec.Add(op, "docker", "absent",
                        note=f"private dockerd did not start: {str(e)[-300:]}")
        dockerd.Stop()
    if "podman" in wanted and shutil.which("podman"):
        podman = tools.Podman(run_dir)
        _cleanups.append(podman.Cleanup)
        versions["podman"] = podman.version or podman.absent or ""
        if not podman.absent:
            budget()
            RunContainers(suite, podman)
        podman.Cleanup()
    return _Finish(args, started, runs, versions, inp, rec)


def _OnlyBuild(args, started, runs, inp, run_dir, rec):
    """`--only build`: the build rows (builds.py) for berth, docker's classic builder, docker's
    BuildKit and podman, each tool's context given up to BUILD_BUDGET_S of runs."""
    suite = Suite(inp, None, None, run_dir, runs, runs, started, rec)
    suite.HEAVY_OPS = 3  # cold, cached, touched: each a third of a context's time
    contexts = builds.EnsureContexts(inp, run_dir, log)
    _WarmPageCache(inp)
    versions = {}
    log(f"measuring build only: cold, cached and touched on {', '.join(builds.CONTEXTS)}, up to "
        f"{runs} runs each ...")
    wanted = set(args.tools.split(",")) | ({"buildkit"} if "docker" in args.tools else set())

    def measure(tool):
        versions[tool.name] = tool.version or tool.absent or ""
        if tool.absent:
            for op in builds.OPS:
                rec.Add(op, tool, "absent", note=tool.absent)
            return
        t0 = time.monotonic()
        builds.RunBuilds(suite, tool, contexts, BUILD_BUDGET_S)
        log(f"  ({tool.name}: {time.monotonic() - t0:.0f}s)")
    if "berth" in wanted:
        berth = tools.Berth(args.build_dir, run_dir)
        _cleanups.append(berth.Cleanup)
        measure(berth)
        berth.Cleanup()
    client = _docker_client()
    if "docker" in wanted and client and shutil.which("dockerd"):
        dockerd = Dockerd(os.path.join(run_dir, "docker"), client)
        _cleanups.append(dockerd.Stop)
        try:
            dockerd.Start([])
            classic = tools.Docker(dockerd, client)
            buildkit = tools.Docker(dockerd, client)
            buildkit.name, buildkit.env = "buildkit", dict(dockerd.env, DOCKER_BUILDKIT="1")
            buildkit.version = classic.version + ", DOCKER_BUILDKIT=1"
            classic.version += ", DOCKER_BUILDKIT=0 (classic builder)"
        except RuntimeError as e:
            classic = tools.CliTool("docker", [client])
            buildkit = tools.CliTool("buildkit", [client])
            classic.absent = buildkit.absent = f"private dockerd did not start: {str(e)[-300:]}"
        measure(classic)
        measure(buildkit)
        dockerd.Stop()
    elif "docker" in wanted:
        for name in ("docker", "buildkit"):
            t = tools.CliTool(name, ["docker"])
            t.absent = "not installed (./dev bench --with-peers)"
            measure(t)
    if "podman" in wanted and shutil.which("podman"):
        podman = tools.Podman(run_dir)
        _cleanups.append(podman.Cleanup)
        measure(podman)
        podman.Cleanup()
    return _Finish(args, started, runs, versions, inp, rec, builds.OPS)


BUILD_BUDGET_S = 150  # one tool's three rows on one context


def _Finish(args, started, runs, versions, inp, rec, ops=OPS):
    """Writes the JSON record and prints the table."""
    result = {
        "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": "bench/run.sh " + " ".join(sys.argv[1:]),
        "runs": runs, "warmup": "1 for light ops; heavy ops timed from their first run", "machine": _machine(), "versions": versions,
        "inputs": {"generator_version": inp["generator_version"], "seed": inp["seed"],
                   "base_tar_bytes": inp["layers"][0]["tar_size"],
                   "image_tar_bytes": inp["total_tar_bytes"],
                   "image_gzip_bytes": inp["total_gz_bytes"], "layers": 4, "tags": 1000},
        "elapsed_s": round(time.monotonic() - started, 1),
        "records": rec.records,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out + ".tmp", "w") as f:
        json.dump(result, f, indent=1)
    os.rename(args.out + ".tmp", args.out)
    print()
    print(report.Table(rec.records, ops))
    print()
    print(report.Versions(versions, result))
    log(f"\nwrote {args.out} in {result['elapsed_s']:.0f}s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as e:
        print(f"bench: {e}", file=sys.stderr)
        sys.exit(1)
