#!/usr/bin/env bash
# ./dev demo: the seed tutorial's image flow, on a scratch store, with a
# busybox root filesystem made from Debian's busybox-static (no downloads).
# Usage: tests/demo.sh PATH/TO/berth
set -euo pipefail
BERTH=$(realpath "${1:?usage: demo.sh PATH/TO/berth}")
WORK=$(mktemp -d /tmp/berth-demo.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/store

step() { printf '\n\033[1m$ berth %s\033[0m\n' "$*"; "$BERTH" --root "$ROOT" "$@"; }
note() { printf '\n# %s\n' "$*"; }

note "A busybox root filesystem from /bin/busybox (Debian's busybox-static)"
mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/etc" "$WORK/rootfs/tmp"
cp /bin/busybox "$WORK/rootfs/bin/busybox"
for l in sh ls cat echo env mkdir rm true; do ln -s busybox "$WORK/rootfs/bin/$l"; done
echo "hello from berth" > "$WORK/rootfs/etc/motd"
tar -C "$WORK/rootfs" -czf "$WORK/top_v1.tar.gz" .
ls -l "$WORK/top_v1.tar.gz"

note "import: a tarball becomes an image (the seed's 'import top_v1.tar sgfoot/top:v1')"
step import -m "busybox rootfs" -c 'CMD ["/bin/sh"]' -c "ENV GREETING=hello" "$WORK/top_v1.tar.gz" sgfoot/top:v1

note "images: REPOSITORY TAG IMAGE ID CREATED SIZE"
step images

note "tag: a second name, same IMAGE ID"
step tag sgfoot/top:v1 mysqld:latest
step tag mysqld quay.io/coreos/etcd:v3.3.9
step images

note "inspect: JSON with Id, RepoTags, Config, RootFS.Layers, ..."
step inspect mysqld
step inspect -f '{{.Id}} {{.Os}}/{{.Architecture}} {{json .Config.Cmd}}' mysqld

note "history: one row per layer"
step history mysqld
step history --no-trunc mysqld

note "a layer shared by two images is stored once: import the same tarball again"
step import "$WORK/top_v1.tar.gz" sgfoot/top:v2
step images --digests
printf 'snapshots on disk: %s, layer blobs: %s\n' \
  "$(ls "$ROOT/snapshots" | wc -l)" "$(ls "$ROOT/blobs/sha256" | wc -l) (1 layer + 2 configs)"

note "rmi: untag, then delete when no name is left"
step rmi mysqld:latest
step rmi quay.io/coreos/etcd:v3.3.9 sgfoot/top:v1
step images

note "errors are one line and a non-zero exit"
set +e
step rmi nosuch; echo "exit status $?"
step tag sgfoot/top:v2 Upper; echo "exit status $?"
set -e

note "prune: a dangling image goes with 'image prune -f'"
step import "$WORK/top_v1.tar.gz"
step images -f dangling=true
step image prune -f
step system check

note "save: an archive docker load, podman load and skopeo read (-o, or a redirect)"
step save -o "$WORK/top_v2.tar" sgfoot/top:v2
printf '\n\033[1m$ berth save sgfoot/top:v2 > top_v2_stdout.tar\033[0m\n'
"$BERTH" --root "$ROOT" save sgfoot/top:v2 > "$WORK/top_v2_stdout.tar"
cmp "$WORK/top_v2.tar" "$WORK/top_v2_stdout.tar" && echo "same bytes both ways; entries:"
tar -tf "$WORK/top_v2.tar"

note "load: the archive brings the image back (-i, or a redirect), same id and tags"
step rmi sgfoot/top:v2
step load -i "$WORK/top_v2.tar"
step rmi sgfoot/top:v2
printf '\n\033[1m$ berth load < top_v2_stdout.tar\033[0m\n'
"$BERTH" --root "$ROOT" load < "$WORK/top_v2_stdout.tar"
step images
step system check

note "Not in berth yet (their issues come next): pull, push, search, build, run, commit, login."
