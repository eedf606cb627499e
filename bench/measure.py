"""Timing one command: wall time, the child's peak RSS, and optionally a daemon's peak RSS.

Why this exists: every tool is measured the same way. Wall time is taken around a plain
fork+exec of the command. Peak RSS needs care: a child forked from this (large) Python process
inherits its resident-set high-water mark, so ru_maxrss from wait4() would report Python's size
for any small tool. Peak RSS is therefore measured through GNU time (`/usr/bin/time -f %M`, a
small C program, so the floor is ~1 MB); light operations get one extra run for it so that the
shim's few milliseconds never enter their timings. For docker the work happens in the daemon, so
the daemon's VmHWM is reset (/proc/PID/clear_refs 5) before a run and read after it.
"""

import os
import statistics
import subprocess
import threading
import time

from services import ProcRss, ResetPeakRss


class Sample:
    def __init__(self, secs, rss_kb, rc, err, daemon_rss_kb=None):
        self.secs = secs
        self.rss_kb = rss_kb
        self.rc = rc
        self.err = err
        self.daemon_rss_kb = daemon_rss_kb

    @property
    def ok(self):
        return self.rc == 0


TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def Run(argv, env=None, daemon_pid=None, timeout=600, stdout=None, rss=False):
    """Runs argv to completion; stdout goes to /dev/null unless a file object is given.
    With rss, runs it under GNU time and sets the Sample's rss_kb (None otherwise)."""
    if daemon_pid:
        ResetPeakRss(daemon_pid)
    err_path = f"/tmp/berth-bench-stderr-{os.getpid()}"
    rss_path = err_path + ".rss"
    if rss and TIME:
        argv = [TIME, "-f", "%M", "-o", rss_path] + list(argv)
    with open(err_path, "w+b") as err:
        start = time.perf_counter()
        try:
            p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                 stdout=stdout or subprocess.DEVNULL, stderr=err)
        except OSError as e:
            return Sample(0.0, 0, 127, str(e))
        killer = threading.Timer(timeout, p.kill)
        killer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            killer.cancel()
        secs = time.perf_counter() - start
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode(errors="replace")
    os.unlink(err_path)
    rss_kb = None
    if rss and TIME:
        try:
            with open(rss_path) as f:
                rss_kb = int(f.read().split()[-1])
            os.unlink(rss_path)
        except (OSError, ValueError, IndexError):
            pass
    elif rss:
        rss_kb = ru.ru_maxrss  # no GNU time: an upper bound that includes Python's own RSS
    daemon_rss = ProcRss(daemon_pid)[1] if daemon_pid else None
    return Sample(secs, rss_kb, p.returncode, text.strip()[-400:], daemon_rss)


def Stats(samples):
    secs = [s.secs for s in samples]
    rss = [s.rss_kb for s in samples if s.rss_kb is not None]
    out = {"runs": len(secs), "median_s": round(statistics.median(secs), 6),
           "min_s": round(min(secs), 6), "max_s": round(max(secs), 6),
           "peak_rss_kb": max(rss) if rss else None}
    daemon = [s.daemon_rss_kb for s in samples if s.daemon_rss_kb is not None]
    if daemon:
        out["daemon_peak_rss_kb"] = max(daemon)
    return out


def _DiskWrites():
    """Sectors written and I/Os in flight, summed over the whole disks (/sys/block) in
    /proc/diskstats."""
    disks = {d for d in os.listdir("/sys/block") if not d.startswith(("loop", "ram"))}
    written = inflight = 0
    with open("/proc/diskstats") as f:
        for line in f:
            p = line.split()
            if len(p) >= 12 and p[2] in disks:
                written += int(p[9])
                inflight += int(p[11])
    return written, inflight


def SettleDisk(quiet_s=1.0, limit_s=60.0):
    """Before a heavy run: flushes dirty data, then waits (at most limit_s) until the disks have
    written nothing for quiet_s. On an ext4 mounted with `discard` a large delete keeps the disk
    busy for seconds after the command returned; without this the next timed command (of
    whichever tool) pays for the previous command's clean-up."""
    os.sync()
    deadline = time.time() + limit_s
    last, quiet_since = _DiskWrites(), time.time()
    while time.time() < deadline:
        time.sleep(0.1)
        now = _DiskWrites()
        if now[0] != last[0] or now[1] > 0:
            last, quiet_since = now, time.time()
        elif time.time() - quiet_since >= quiet_s:
            return
