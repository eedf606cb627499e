#!/usr/bin/env python3
"""Random `import -c` changes through docker and berth, compared.

Builds changes from a small alphabet of Dockerfile fragments (quotes,
escapes, substitutions, flags, continuations, odd spaces and bytes), runs
each set through `docker import` and `berth import`, and compares the stored
config (`inspect -f '{{json .Config}}'`, empty fields left out as docker's
output leaves them) or the error message (docker's "Error response from
daemon: " and berth's "Error: " taken off). Prints each difference; exits 1
on any. Needs a running dockerd (not run by ctest).

    diff_import_changes.py DOCKER_HOST BERTH [SEED [COUNT]]
"""
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile

ALPHA = (["\n", "\t", "--x=1 ", "--retries=", " \\\n", "[\"a\"]", "::", "\u00a0", "80-81", "/udp", "NONE",
          "${a}", "$a", "${b:-", "${a:+", "${c?", "\\ ", "é"]
         + list("${}:-+?\"' \\#=abAB[]/,.`0189"))
STARTS = ["ENV a=1 ", "ENV ", "LABEL ", "CMD ", "ENTRYPOINT ", "EXPOSE ", "VOLUME ", "USER ", "WORKDIR ",
          "ONBUILD ", "HEALTHCHECK CMD ", "HEALTHCHECK --interval=", "EXPOSE 8", "ENV b=", "LABEL x=",
          "VOLUME [\""]


def significant(config):
    return {k: v for k, v in config.items() if v not in (None, False, "", [], {})}


def run(cli, changes, tar):
    args = [a for c in changes for a in ("-c", c)]
    r = subprocess.run(cli + ["import"] + args + [tar], capture_output=True, text=True, errors="replace")
    if r.returncode:
        err = r.stderr.strip()
        for prefix in ("Error response from daemon: ", "Error: "):
            err = err[len(prefix):] if err.startswith(prefix) else err
        return "error: " + err
    image = r.stdout.strip()
    out = subprocess.run(cli + ["inspect", "-f", "{{json .Config}}", image], capture_output=True, text=True,
                         check=True).stdout
    subprocess.run(cli + ["rmi", image], capture_output=True)
    return json.dumps(significant(json.loads(out)), sort_keys=True)


def main():
    host, berth = sys.argv[1], sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 200
    with tempfile.TemporaryDirectory() as tmp:
        tar = os.path.join(tmp, "small.tar")
        with tarfile.open(tar, "w") as t:
            info = tarfile.TarInfo("hello")
            info.size = 3
            t.addfile(info, io.BytesIO(b"hi\n"))
        docker = ["docker", "-H", host]
        ours = [berth, "--root", os.path.join(tmp, "root")]
        differ = 0
        for _ in range(count):
            changes = (["# escape=`"] if rng.random() < 0.2 else []) + ["ENV a=1 c="]
            for _ in range(rng.randint(1, 3)):
                changes.append(rng.choice(STARTS) + "".join(rng.choice(ALPHA) for _ in range(rng.randint(0, 12))))
            want, got = run(docker, changes, tar), run(ours, changes, tar)
            if want != got:
                differ += 1
                print(f"{changes!r}\n  docker: {want}\n  berth:  {got}")
    print(f"{count} cases, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
