"""Turning records into the printed table, and running the Google Benchmark micro benchmarks.

Why this exists: the numbers are only useful when a reader sees at a glance how berth compares
with each peer on each operation, and when absent or failed rows are visibly not zeros. The micro
benchmarks are separate binaries (BUILD_DIR/bench/micro_*); their JSON output becomes records in
the same file so one run leaves one result.
"""

import glob
import json
import os
import subprocess

TOOL_ORDER = ["berth", "docker", "buildkit", "podman", "skopeo", "floor"]
# Issue goals printed beside a peer's ratio: op -> [(peer, how many times faster berth must be)].
# (`buildkit` is docker with DOCKER_BUILDKIT=1; `docker` builds with the classic builder.)
GOALS = {"run": [("docker", 4.0)], "commit": [("docker", 3.0)],
         "build cold (ADD 156MB)": [("docker", 2.0), ("buildkit", 1.0)],
         "build cached (ADD 156MB)": [("buildkit", 2.0)],
         "build cached (COPY 200MB)": [("buildkit", 2.0)],
         "build touched (ADD 156MB)": [("buildkit", 1.0)],
         "build touched (COPY 200MB)": [("buildkit", 1.0)]}
# Ops whose failures carry a one-line error (containers.py, builds.py), printed in full.
ONE_LINE_NOTES = {"run", "commit"} | {f"build {k} ({c})" for k in ("cold", "cached", "touched")
                                      for c in ("ADD 156MB", "COPY 200MB")}


def _secs(s):
    if s is None:
        return "-"
    if s < 0.001:
        return f"{s * 1e6:.1f}us"
    if s < 1:
        return f"{s * 1000:.1f}ms"
    return f"{s:.2f}s"


def _ratio(berth, peer):
    if not berth or not peer or berth.get("status") != "ok" or peer.get("status") != "ok":
        return ""
    r = peer["median_s"] / berth["median_s"] if berth["median_s"] else 0
    return f"berth is {r:.1f}x faster" if r >= 1 else f"berth is {r:.2f}x (slower)"


def _rss(r):
    parts = []
    if r.get("peak_rss_kb"):
        parts.append(f"{r['peak_rss_kb'] / 1024:.0f}MB")
    if r.get("daemon_peak_rss_kb"):
        parts.append(f"daemon {r['daemon_peak_rss_kb'] / 1024:.0f}MB")
    return " ".join(parts) or "-"


def _order(e2e, ops):
    """ops first, each op's "<op> floor..." rows right after it, the rest as they came."""
    seen = []
    for r in e2e:
        if r["op"] not in ops and r["op"] not in seen:
            seen.append(r["op"])
    order = []
    for op in ops:
        order += [op] + [o for o in seen if o.startswith(op + " floor")]
    return order + [o for o in seen if o not in order]


def _goal(op, r, berth):
    """"goal >=4x: met" (or "not met") on the peer row an issue goal names; only the goal when
    berth has no time to compare."""
    times = next((t for peer, t in GOALS.get(op, []) if peer == r["tool"]), None)
    if times is None:
        return ""
    if not berth or berth.get("status") != "ok" or not berth["median_s"]:
        return f"goal: berth >={times:g}x faster"
    met = r["median_s"] / berth["median_s"] >= times
    return f"goal >={times:g}x: {'met' if met else 'not met'}"


def _floor_ratio(r, e2e):
    """A pull's distance to the floor (the best jobs) and to the durable floor; for skopeo,
    which only downloads, to the GETs alone."""
    parts = []
    flags = [("floor_best", "the floor"), ("floor_durable", "the durable floor")]
    if r["tool"] == "skopeo":
        flags = [("floor_fetch", "the fetch floor")]
    for flag, what in flags:
        f = next((x for x in e2e if x.get(flag) and x["status"] == "ok"), None)
        if f and f["median_s"]:
            parts.append(f"{r['median_s'] / f['median_s']:.1f}x {what}")
    return ", ".join(parts)


def Table(records, ops):
    e2e = [r for r in records if r["tool"] != "micro"]
    rows = [("OPERATION", "TOOL", "RUNS", "MEDIAN", "MIN", "MAX", "PEAK RSS", "RATIO / NOTE")]
    for op in _order(e2e, ops):
        recs = sorted((r for r in e2e if r["op"] == op),
                      key=lambda r: TOOL_ORDER.index(r["tool"]) if r["tool"] in TOOL_ORDER else 99)
        berth = next((r for r in recs if r["tool"] == "berth"), None)
        for r in recs:
            if r["status"] == "ok":
                extra = _ratio(berth, r) if r["tool"] not in ("berth", "floor") else ""
                if op == "pull" and r["tool"] != "floor":
                    extra = ", ".join(x for x in [extra, _floor_ratio(r, e2e)] if x)
                if op in GOALS:
                    extra = ", ".join(x for x in [extra, _goal(op, r, berth)] if x)
                if op in ("load", "run") and r["tool"] != "floor":
                    f = next((x for x in e2e if x["status"] == "ok" and (
                        x["op"] == "load floor" if op == "load" else
                        x["op"] == "run" and x["tool"] == "floor")), None)
                    if f and f["median_s"]:
                        extra = ", ".join(x for x in [extra, f"{r['median_s'] / f['median_s']:.1f}x the floor"] if x)
                if r["tool"] == "floor" and op != "version":
                    extra = r["note"]
                rows.append((op, r["tool"], str(r["runs"]), _secs(r["median_s"]), _secs(r["min_s"]),
                             _secs(r["max_s"]), _rss(r), extra))
            else:
                note = r["note"] if op in ONE_LINE_NOTES else r["note"][:70]
                goal = next((t for peer, t in GOALS.get(op, []) if peer == r["tool"]), None)
                if goal is not None:
                    note = f"{note} (goal: berth >={goal:g}x faster)"
                rows.append((op, r["tool"], "", r["status"], "", "", "", note))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        lines.append("   ".join(c.ljust(w) for c, w in zip(row, widths)) + "   " + row[-1])
    micro = [r for r in records if r["tool"] == "micro"]
    if micro:
        lines += ["", "MICRO BENCHMARK".ljust(48) + "TIME/ITER      THROUGHPUT"]
        for r in micro:
            tp = []
            if r.get("bytes_per_second"):
                tp.append(f"{r['bytes_per_second'] / 1e6:.0f} MB/s")
            if r.get("items_per_second"):
                tp.append(f"{r['items_per_second']:,.0f} items/s")
            tp = ", ".join(tp) if r["status"] == "ok" else f"{r['status']}: {r['note'][:60]}"
            lines.append(f"{r['op'][:47]:48}{_secs(r['median_s']):15}{tp}")
    return "\n".join(l.rstrip() for l in lines)


def Versions(versions, result):
    m = result["machine"]
    lines = [f"machine: {m['cores']} cores, {m['cpu']}, {m['mem_gb']} GB, Linux {m['kernel']}",
             f"inputs: base {result['inputs']['base_tar_bytes'] / 1e6:.0f} MB tar; image "
             f"{result['inputs']['image_tar_bytes'] / 1e6:.0f} MB in 4 layers "
             f"({result['inputs']['image_gzip_bytes'] / 1e6:.0f} MB gzip); 1,000 tags",
             f"runs: light ops 1 warm-up + {result['runs']} timed; heavy ops up to "
             f"{result['runs']} timed runs within the time budget (RUNS column)"
             if "--only" not in result["command"] else
             f"runs: run 1 warm-up + {result['runs']} timed; commit up to {result['runs']} timed"
             if "--only containers" in result["command"] else
             f"runs: {result['runs']} of each floor row, after one warm-up"]
    lines += [f"{k}: {v}" for k, v in versions.items()]
    return "\n".join(lines)


def RunMicro(build_dir, log):
    """Runs every BUILD_DIR/bench/micro_* binary; returns one record per benchmark."""
    records = []
    binaries = sorted(p for p in glob.glob(os.path.join(build_dir, "bench", "micro_*"))
                      if os.access(p, os.X_OK) and os.path.isfile(p))
    if not binaries:
        log("micro benchmarks: none built (configure with BERTH_BENCH=ON)")
    for b in binaries:
        log(f"micro benchmarks: {os.path.basename(b)} ...")
        r = subprocess.run([b, "--benchmark_format=json", "--benchmark_min_time=0.2"],
                           capture_output=True, text=True)
        name = os.path.basename(b)
        if r.returncode != 0:
            records.append({"op": name, "tool": "micro", "status": "failed", "runs": 0,
                            "median_s": None, "min_s": None, "max_s": None,
                            "peak_rss_kb": None, "note": r.stderr.strip()[-300:]})
            continue
        for bm in json.loads(r.stdout).get("benchmarks", []):
            scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[bm.get("time_unit", "ns")]
            t = bm["real_time"] * scale
            rec = {"op": f"{name}: {bm['name']}", "tool": "micro", "status": "ok",
                   "runs": bm.get("iterations", 0), "median_s": t, "min_s": t, "max_s": t,
                   "peak_rss_kb": None, "note": bm.get("label", "")}
            for k in ("bytes_per_second", "items_per_second"):
                if k in bm:
                    rec[k] = bm[k]
            records.append(rec)
    return records
