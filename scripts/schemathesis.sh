#!/usr/bin/env bash
# Tests the JSON API against its own OpenAPI document with schemathesis (from PyPI): every
# operation, every check, signed in with a bearer token of the demo admin. Fails on any failure.
#
#   scripts/schemathesis.sh
#
# It builds the debug binary, starts `trafiklys serve --demo` on a temporary SQLite database on
# a free loopback port, signs in as the demo admin and creates an API token on /account, then
# runs schemathesis. Schemathesis is installed into a virtualenv under the cargo target folder
# the first time. Settings (environment):
#   SCHEMATHESIS_MAX_EXAMPLES  test cases per operation and phase (default 100)
#   SCHEMATHESIS_TIME_LIMIT    seconds after which the run is stopped and fails (default 600)
#   SCHEMATHESIS_REPORT_DIR    keep schemathesis' reports (HAR and JUnit) in this folder
#   SCHEMATHESIS_VENV          the virtualenv (default $CARGO_TARGET_DIR/schemathesis-venv)
#   SCHEMATHESIS_SEED          a seed, to repeat a run
set -euo pipefail

cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
venv=${SCHEMATHESIS_VENV:-$target/schemathesis-venv}
# A fixed version, so that a new release cannot change what passes here overnight.
version=4.32.5
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-100}
time_limit=${SCHEMATHESIS_TIME_LIMIT:-600}
report_dir=${SCHEMATHESIS_REPORT_DIR:-}

if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$version"; then
    echo "Installing schemathesis $version into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

# TRAFIKLYS_BIN runs a binary already built (CI passes the one `cargo test` has just built).
binary=${TRAFIKLYS_BIN:-}
if [ -z "$binary" ]; then
    cargo build --locked --quiet --bin trafiklys
    binary=$target/debug/trafiklys
fi

work=$(mktemp -d)
server=
cleanup() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Schemathesis sends thousands of requests with the token from one address; the per-address
# token limit (its 429 is covered by tests/it/hardening.rs) would otherwise answer most of them.
TRAFIKLYS_DATABASE_URL="$work/trafiklys.db" \
    TRAFIKLYS_BIND=127.0.0.1:0 \
    TRAFIKLYS_API_TOKEN_LIMIT_PER_IP=1000000 \
    TRAFIKLYS_LOG=warn \
    "$binary" serve --demo >"$work/server.log" 2>&1 &
server=$!

base=
for _ in $(seq 1 300); do
    base=$(sed -n 's|^Trafiklys is running at \(http://[^ /]*\).*|\1|p' "$work/server.log")
    [ -n "$base" ] && break
    if ! kill -0 "$server" 2>/dev/null; then
        cat "$work/server.log" >&2
        echo "the server did not start" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$base" ]; then
    echo "the server did not say where it listens" >&2
    exit 1
fi

email=$(awk '$1 == "admin" { print $2 }' "$work/server.log")
password=$(awk '$1 == "admin" { print $3 }' "$work/server.log")
jar=$work/cookies
csrf() { sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1; }

token=$(curl -fsS -c "$jar" "$base/login" | csrf)
curl -fsS -o /dev/null -b "$jar" -c "$jar" "$base/login" \
    --data-urlencode "csrf_token=$token" --data-urlencode "next=/" \
    --data-urlencode "email=$email" --data-urlencode "password=$password"
token=$(curl -fsS -b "$jar" -c "$jar" "$base/account" | csrf)
api_token=$(curl -fsS -b "$jar" -c "$jar" "$base/account/tokens" \
    --data-urlencode "csrf_token=$token" --data-urlencode "name=schemathesis" |
    sed -n 's|.*<code id="new-token">\([^<]*\)</code>.*|\1|p')
if [ -z "$api_token" ]; then
    echo "could not create an API token for $email" >&2
    exit 1
fi

seed=()
if [ -n "${SCHEMATHESIS_SEED:-}" ]; then
    seed=(--seed "$SCHEMATHESIS_SEED")
fi

# The run is bounded by the number of examples per operation; `timeout` is the hard stop.
# (Not `--max-time`: with it, fuzzing and stateful testing repeat until the budget is spent.)
started=$(date +%s)
status=0
# Run in the temporary folder: schemathesis keeps its caches in the working directory.
venv=$(cd "$venv" && pwd)
if [ -n "$report_dir" ]; then
    mkdir -p "$report_dir"
    report_dir=$(cd "$report_dir" && pwd)
fi
(cd "$work" && timeout --kill-after=10 "$time_limit" \
    "$venv/bin/schemathesis" run "$base/api/v1/openapi.json" \
    --checks all \
    -H "Authorization: Bearer $api_token" \
    --max-examples "$max_examples" \
    --report junit,har \
    --report-dir "${report_dir:-$work/report}" \
    --no-color \
    "${seed[@]}") || status=$?
echo "schemathesis took $(($(date +%s) - started)) s"
if grep -q "panicked" "$work/server.log"; then
    grep -B2 -A5 "panicked" "$work/server.log" >&2
    status=1
fi
exit "$status"
