#!/usr/bin/env python3
"""Prints a PENDING file for the berth at $BERTH (default build/berth): `pending.py > PENDING`.

Why this exists: PENDING must list exactly the cases berth cannot build as docker does, with
berth's own words; after berth gains a feature, running this (as root) rewrites the list instead
of someone guessing which lines to drop (the format is in HEADER below).
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import corpus  # noqa: E402
import test_build_corpus as t  # noqa: E402


def main():
    print(HEADER, end="")
    tmp = tempfile.mkdtemp(prefix="berth-pending-", dir=t.TMP_BASE)
    store = t.Store(tmp)
    try:
        with corpus.Server() as server:
            for name in corpus.cases():
                try:
                    got = store.build(name, server.url)
                except t.BuildFailed as e:
                    print(f"{name}: fails: {str(e).split(': ', 1)[1]}", flush=True)
                    continue
                keys = corpus.diff_keys(corpus.load(name), got)
                if keys:
                    print(f"{name}: differs: {'; '.join(keys)}", flush=True)
    finally:
        store.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


HEADER = """\
# Corpus cases berth cannot build as docker does yet (written by pending.py):
#   NN-name: fails: <berth's error>          berth refuses or fails the build
#   NN-name: differs: <what>; <what>; ...    berth builds it, and exactly these differ from
#                                            docker's (a config field or a file path)
# test_build_corpus skips a pending case with its reason once berth fails it, or differs on
# exactly the listed items; it fails when the case now builds, matches on a listed item, or
# differs on one more: then run pending.py again (or edit the line).
"""


if __name__ == "__main__":
    main()
