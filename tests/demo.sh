#!/usr/bin/env bash
# ./dev demo: the seed tutorial's image flow, on a scratch store, with a
# busybox root filesystem made from Debian's busybox-static (no downloads).
# Usage: tests/demo.sh PATH/TO/berth
set -euo pipefail
BERTH=$(realpath "${1:?usage: demo.sh PATH/TO/berth}")
WORK=$(mktemp -d /tmp/berth-demo.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
ROOT=$WORK/store

step() { printf '\n\033[1m$ berth %s\033[0m\n' "$*"; "$BERTH" --root "$ROOT" "$@"; }
note() { printf '\n# %s\n' "$*"; }

note "A busybox root filesystem from /bin/busybox (Debian's busybox-static)"
mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/etc" "$WORK/rootfs/tmp"
cp /bin/busybox "$WORK/rootfs/bin/busybox"
for l in sh ls cat echo env mkdir rm true sleep; do ln -s busybox "$WORK/rootfs/bin/$l"; done
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

note "The registry half: a registry with a password, another as Docker Hub's stand-in, and a mirror of it"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# start_registry NAME PORT [EXTRA YAML]: docker-registry serve on 127.0.0.1:PORT.
start_registry() {
  mkdir -p "$WORK/$1"
  cat > "$WORK/$1/config.yml" <<YAML
version: 0.1
storage: {filesystem: {rootdirectory: $WORK/$1/data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$2}
log: {level: error}
${3:-}
YAML
  docker-registry serve "$WORK/$1/config.yml" >"$WORK/$1/log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$2/v2/" && return 0; sleep 0.1; done
  echo "registry $1 did not start: $(cat "$WORK/$1/log")" >&2; return 1
}
SECURE=$(free_port); HUB=$(free_port); MIRROR=$(free_port)
htpasswd -Bbn demo s3cret > "$WORK/htpasswd"
start_registry secure "$SECURE" "auth: {htpasswd: {realm: demo, path: $WORK/htpasswd}}"
start_registry hub "$HUB"
start_registry mirror "$MIRROR" "proxy: {remoteurl: http://127.0.0.1:$HUB}"
echo "registry with a password: 127.0.0.1:$SECURE; 'Docker Hub': 127.0.0.1:$HUB; its mirror: 127.0.0.1:$MIRROR"
export DOCKER_CONFIG=$WORK/docker-config

note "login: checked against the registry, stored 0600 in \$DOCKER_CONFIG/config.json"
printf '\n\033[1m$ echo s3cret | berth login -u demo --password-stdin 127.0.0.1:%s\033[0m\n' "$SECURE"
echo s3cret | "$BERTH" --root "$ROOT" login -u demo --password-stdin "127.0.0.1:$SECURE"
ls -l "$DOCKER_CONFIG/config.json"

note "push: the image goes up; pushed again, nothing is sent"
step tag sgfoot/top:v2 "127.0.0.1:$SECURE/sgfoot/top:v2"
step push "127.0.0.1:$SECURE/sgfoot/top:v2"
step push "127.0.0.1:$SECURE/sgfoot/top:v2"

note "rmi, then pull it back: same IMAGE ID"
step rmi "127.0.0.1:$SECURE/sgfoot/top:v2" sgfoot/top:v2
step pull "127.0.0.1:$SECURE/sgfoot/top:v2"
step images

note "The seed's 'pull busybox' through a mirror: put library/busybox on the Hub stand-in first"
step tag "127.0.0.1:$SECURE/sgfoot/top:v2" "127.0.0.1:$HUB/library/busybox:latest"
step push "127.0.0.1:$HUB/library/busybox:latest"
step rmi "127.0.0.1:$HUB/library/busybox:latest" "127.0.0.1:$SECURE/sgfoot/top:v2"
step --registry-mirror "http://127.0.0.1:$MIRROR" pull busybox
step images

note "search: registries without Docker Hub's search API are searched through their catalog"
step search "127.0.0.1:$HUB/busy"
step search --list-tags "127.0.0.1:$SECURE/sgfoot/top"

note "logout"
step logout "127.0.0.1:$SECURE"
step system check

note "The container half: the seed's 'run -it ubuntu:18.04 /bin/bash', change a file, 'commit'"
if [ "$(id -u)" != 0 ] || ! command -v runc >/dev/null && [ ! -x /usr/sbin/runc ]; then
  echo "(skipped: containers need root and runc)"
  exit 0
fi
note "run: a container from the pulled busybox changes a file; its exit status is berth's"
step run --name changer busybox sh -c 'echo "changed inside a container" > /etc/motd; cat /etc/motd'
step ps -a

note "commit -m -a: the container's changes become a new layer on its image"
step commit -m "motd changed" -a "berth demo" changer sgfoot/top:v3
step history sgfoot/top:v3
note "run the new image: the change is there"
step run --rm sgfoot/top:v3 cat /etc/motd

note "run -d --name top, then logs -f top: the log streams until the container ends"
step run -d --name top busybox sh -c 'for i in 1 2 3; do echo "top: tick $i"; sleep 1; done'
step ps
step logs -f top
step ps -a

note "rmi refuses an image a container uses (docker's wording), until the container is gone"
set +e
step rmi busybox; echo "exit status $?"
set -e
step rm changer top
step rmi sgfoot/top:v3
step system check

note "build: the seed's Dockerfile (FROM, RUN with && \\ continuations, CMD)"
mkdir -p "$WORK/top"
cat > "$WORK/top/Dockerfile" <<'DOCKERFILE'
FROM busybox
RUN mkdir -p /opt/top && \
    echo "built by berth" > /opt/top/README
CMD ["cat", "/opt/top/README"]
DOCKERFILE
cat "$WORK/top/Dockerfile"
step build -t top:1.0 "$WORK/top"
note "build again: every step comes from the cache"
step build -t top:1.0 "$WORK/top"
step run --rm top:1.0
step history top:1.0
step system check
