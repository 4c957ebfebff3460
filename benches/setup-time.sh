#!/usr/bin/env bash
# Set-up and CI times from a fresh clone (docs/benchmarks.md): how long the README's run
# command takes to answer, and how long .ci/run takes, each in a new clone of this commit with
# a new target folder (a cold build). Prints machine-readable lines for benches/run.sh:
#
#   benches/setup-time.sh                 # setup_s=…: clone, `cargo run --release -- serve --demo`
#                                         # until /healthz answers
#   benches/setup-time.sh --ci            # and ci_s=…: `.ci/run` in another fresh clone
#   benches/setup-time.sh --fresh-registry   # also an empty CARGO_HOME: crate downloads included
#   benches/setup-time.sh --timings       # and cargo's build timing report of the set-up build,
#                                         # kept as target/setup-timings.html (the critical path)
#   benches/setup-time.sh --keep-binary=PATH   # and a copy of the release binary it built
#
# Then: BENCH_SETUP_S=… BENCH_CI_S=… benches/run.sh --write-docs
# Each takes a cold build of the whole dependency tree (about 10 to 40 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
CI=0
FRESH_REGISTRY=0
TIMINGS=()
KEEP_BINARY=""
for arg in "$@"; do
  case "$arg" in
    --ci) CI=1 ;;
    --fresh-registry) FRESH_REGISTRY=1 ;;
    --timings) TIMINGS=(--timings) ;;
    --keep-binary=*) KEEP_BINARY="${arg#--keep-binary=}" ;;
    *) echo "unknown option $arg (--ci, --fresh-registry, --timings, --keep-binary=PATH)" >&2; exit 2 ;;
  esac
done

WORK="$(mktemp -d)"
SERVER_PID=""
port=""
# The server runs under `cargo run` in a subshell: stopping the subshell leaves it running, so
# it is also stopped by its own command line (the port is this run's).
stop_server() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$port" ]; then pkill -f -- "serve --demo --bind 127.0.0.1:$port" 2>/dev/null || true; fi
  SERVER_PID=""
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
if [ "$FRESH_REGISTRY" = 1 ]; then
  export CARGO_HOME="$WORK/cargo-home"
  mkdir -p "$CARGO_HOME"
fi
unset CARGO_TARGET_DIR
COMMIT="$(git rev-parse HEAD)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

t0="$(date +%s)"
git clone -q "$ROOT" "$WORK/setup"
git -C "$WORK/setup" checkout -q "$COMMIT"
(cd "$WORK/setup" && cargo run --release "${TIMINGS[@]}" -- serve --demo --bind "127.0.0.1:$port" >"$WORK/setup.out" 2>"$WORK/setup.err") &
SERVER_PID=$!
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ]; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "cargo run ended without serving:" >&2; tail -n 30 "$WORK/setup.err" >&2; exit 1
  fi
  sleep 1
done
setup_s=$(( $(date +%s) - t0 ))
echo "setup_s=$setup_s"
stop_server
ls -l "$WORK/setup/target/release/trafiklys" | awk '{ printf "binary_bytes=%s\n", $5 }'
[ -z "$KEEP_BINARY" ] || cp "$WORK/setup/target/release/trafiklys" "$KEEP_BINARY"
if [ "${#TIMINGS[@]}" -gt 0 ]; then
  mkdir -p "$ROOT/target"
  cp "$WORK/setup/target/cargo-timings/cargo-timing.html" "$ROOT/target/setup-timings.html"
  echo "timings=$ROOT/target/setup-timings.html"
fi

if [ "$CI" = 1 ]; then
  t0="$(date +%s)"
  git clone -q "$ROOT" "$WORK/ci"
  git -C "$WORK/ci" checkout -q "$COMMIT"
  (cd "$WORK/ci" && .ci/run >"$WORK/ci.log" 2>&1) || { echo "ci: .ci/run failed:" >&2; tail -n 40 "$WORK/ci.log" >&2; exit 1; }
  echo "ci_s=$(( $(date +%s) - t0 ))"
fi
