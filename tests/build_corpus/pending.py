#!/usr/bin/env python3
"""Prints a PENDING file for the berth at $BERTH (default build/berth): `pending.py > PENDING`.

Why this exists: PENDING must list exactly the cases berth cannot build as docker does, with
berth's own words; after berth gains a feature, running this (as root) rewrites the list instead
of someone guessing which lines to drop. Each line is "NN-name: reason": berth's error when the
build fails, else "differs from docker: " and the first difference.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import corpus  # noqa: E402
import test_build_corpus as t  # noqa: E402


def main():
    print("# Corpus cases berth cannot build as docker does yet, \"NN-name: reason\" (written by")
    print("# pending.py). test_build_corpus skips them with the reason, and fails when one of them")
    print("# now matches docker: then run pending.py again (or remove the line).")
    tmp = tempfile.mkdtemp(prefix="berth-pending-", dir=t.TMP_BASE)
    store = t.Store(tmp)
    try:
        with corpus.Server() as server:
            for name in corpus.cases():
                try:
                    got = store.build(name, server.url)
                except t.BuildFailed as e:
                    print(f"{name}: {str(e).split(': ', 1)[1]}", flush=True)
                    continue
                d = corpus.diff(corpus.load(name), got)
                if d:
                    print(f"{name}: differs from docker: {d[0][:160]}"
                          + (f" (and {len(d) - 1} more)" if len(d) > 1 else ""), flush=True)
    finally:
        store.cleanup()
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
