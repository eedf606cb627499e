#!/usr/bin/env bash
# berth's end-to-end benchmark against docker/podman/skopeo, plus the micro benchmarks.
#   bench/run.sh BUILD_DIR [--quick] [--runs N] [--skip-micro] [--only floor|containers|build]
# The driver is bench/bench.py (Python 3, stdlib only); see its docstring.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: bench/run.sh BUILD_DIR [--quick] [--runs N] [--skip-micro] [--only floor|containers|build]" >&2
  exit 2
fi
exec python3 "$(dirname "$0")/bench.py" "$@"
