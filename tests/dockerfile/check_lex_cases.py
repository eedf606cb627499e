#!/usr/bin/env python3
"""Checks src/dockerfile/lex_cases.txt against a real dockerd.

Each case runs as `docker import -c 'ENV <env>' -c 'LABEL v=<word>'` of a
one-file tar; the label (or the error) must be the expected one. Cases marked
"# not via LABEL" are skipped. Prints one line per difference, exits 1 on any.

    check_lex_cases.py DOCKER_HOST   (e.g. unix:///tmp/d.sock)
"""
import io
import json
import os
import subprocess
import sys
import tarfile

ENV = 'ENV PWD=/home SHELL=bash KOREAN=한국어 NULL= A=1 P="80 443"'


def go_quote(s):
    out = '"'
    for ch in s:
        if ch in '"\\':
            out += '\\' + ch
        elif ch == '\t':
            out += '\\t'
        elif ch == '\n':
            out += '\\n'
        else:
            out += ch
    return out + '"'


def main():
    host = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    cases = os.path.join(here, '..', '..', 'src', 'dockerfile', 'lex_cases.txt')
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w') as t:
        info = tarfile.TarInfo('hello')
        info.size = 3
        t.addfile(info, io.BytesIO(b'hi\n'))
    tar = buf.getvalue()
    bad = 0
    n = 0
    for line in open(cases, encoding='utf-8'):
        line = line.rstrip('\n')
        if not line or line.startswith('#') or '# not via LABEL' in line:
            continue
        word, expected = line.split('\t', 1)
        n += 1
        r = subprocess.run(['docker', '-H', host, 'import', '-c', ENV, '-c', 'LABEL v=' + word, '-'],
                           input=tar, capture_output=True)
        if r.returncode != 0:
            got = '!' + r.stderr.decode().strip()
            want = '!Error response from daemon: failed to process ' + go_quote(word) + ': ' + expected[1:] \
                if expected.startswith('!') else expected
        else:
            image = r.stdout.decode().strip()
            out = subprocess.run(['docker', '-H', host, 'inspect', '-f', '{{json .Config.Labels}}', image],
                                 capture_output=True, check=True).stdout.decode()
            subprocess.run(['docker', '-H', host, 'rmi', image], capture_output=True)
            got = json.loads(out).get('v')
            want = expected
        if got != want:
            bad += 1
            print(f'{word!r}: docker {got!r}, table {want!r}')
    print(f'{n} cases, {bad} differ')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
