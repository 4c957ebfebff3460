#!/usr/bin/env bash
# Load test against the release build: 200 concurrent clients for 30 seconds with a mix of
# dashboard, heatmap, municipality and national pages, charts, form reads, form saves and API
# calls (scripts/load.lua). Fails unless there were no 5xx answers and no connection errors.
#
#   scripts/load.sh                      # 200 connections, 30 s
#   LOAD_CONNECTIONS=400 LOAD_DURATION=60s scripts/load.sh
#   TRAFIKLYS_BIN=target/debug/trafiklys LOAD_DURATION=5s scripts/load.sh   # CI's short run
#
# Needs wrk (Debian package `wrk`) and curl. The figures of a run are in docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS="${LOAD_CONNECTIONS:-200}"
DURATION="${LOAD_DURATION:-30s}"
THREADS="${LOAD_THREADS:-2}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"

for tool in wrk curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "load.sh needs $tool (apt-get install $tool)" >&2
    exit 2
  fi
done

# TRAFIKLYS_BIN runs another build (CI's short run uses the debug binary it has just built).
BIN="${TRAFIKLYS_BIN:-}"
if [ -z "$BIN" ]; then
  cargo build --release --locked --quiet
  BIN="$TARGET_DIR/release/trafiklys"
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The throttles guard against guessing; one client with one token would hit them at once, so
# the load test lifts the API token limit and measures capacity instead.
TRAFIKLYS_DATABASE_URL="$WORK/load.db" \
TRAFIKLYS_LOG=warn \
TRAFIKLYS_SECRET_KEY="load-test-secret-that-is-long-enough-0123456789" \
TRAFIKLYS_API_TOKEN_LIMIT_PER_IP=100000000 \
  "$BIN" serve --demo --bind 127.0.0.1:0 >"$WORK/stdout" 2>"$WORK/stderr" &
SERVER_PID=$!

for _ in $(seq 1 200); do
  grep -q "Trafiklys is running at" "$WORK/stdout" 2>/dev/null && break
  sleep 0.1
done
BASE="$(sed -n 's/^Trafiklys is running at \(http:[^ ]*\)\/$/\1/p' "$WORK/stdout")"
[ -n "$BASE" ] || { echo "the server did not start:" >&2; cat "$WORK/stderr" >&2; exit 1; }
read -r _ ADMIN_EMAIL ADMIN_PASSWORD < <(grep '^admin ' "$WORK/stdout")

JAR="$WORK/cookies"
csrf_of() { sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n1; }
TOKEN_FORM="$(curl -sf -c "$JAR" -b "$JAR" "$BASE/login" | csrf_of)"
curl -sf -o /dev/null -c "$JAR" -b "$JAR" \
  --data-urlencode "email=$ADMIN_EMAIL" --data-urlencode "password=$ADMIN_PASSWORD" \
  --data-urlencode "csrf_token=$TOKEN_FORM" --data-urlencode "next=/" "$BASE/login"
CSRF="$(curl -sf -c "$JAR" -b "$JAR" "$BASE/account" | csrf_of)"
API_TOKEN="$(curl -sf -c "$JAR" -b "$JAR" --data-urlencode "csrf_token=$CSRF" \
  --data-urlencode "name=belastningstest" "$BASE/account/tokens" \
  | sed -n 's/.*<code id="new-token">\(tl_[A-Za-z0-9]*\)<\/code>.*/\1/p')"
[ -n "$API_TOKEN" ] || { echo "could not create an API token" >&2; exit 1; }
COOKIE="$(awk '$6 == "trafiklys" { print "trafiklys=" $7 }' "$JAR")"

# The forms the admin may keep saving (drafts and untouched ones), and the round's
# recommendation ids, read from the round's response tracker and one form.
CODES="$(curl -sf -b "$JAR" "$BASE/api/v1/rounds/2/responses" -H "Authorization: Bearer $API_TOKEN" \
  | grep -o '"code":"[0-9]*","name":"[^"]*","response":"[a-z_]*"' \
  | grep -v '"response":"submitted"' | sed 's/"code":"\([0-9]*\)".*/\1/' | paste -sd, -)"
FIRST_CODE="${CODES%%,*}"
RECS="$(curl -sf -b "$JAR" "$BASE/rounds/2/municipalities/$FIRST_CODE/form" \
  | grep -o 'name="status-[0-9]*"' | sed 's/[^0-9]//g' | sort -un | paste -sd, -)"
[ -n "$CODES" ] && [ -n "$RECS" ] || { echo "could not read the forms" >&2; exit 1; }

echo "Load: $CONNECTIONS connections, $THREADS threads, $DURATION against $BASE ($(nproc) cores)"
LOAD_COOKIE="$COOKIE" LOAD_CSRF="$CSRF" LOAD_TOKEN="$API_TOKEN" LOAD_RECS="$RECS" LOAD_CODES="$CODES" \
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s scripts/load.lua "$BASE" \
  | tee "$WORK/wrk.txt"

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "FAIL: the server died during the load test" >&2
  cat "$WORK/stderr" >&2
  exit 1
fi
SERVER_ERRORS="$(awk '$1 == "status" && $2 >= 500 { n += $3 } END { print n + 0 }' "$WORK/wrk.txt")"
SOCKET_ERRORS="$(awk '$1 == "socket_errors" { print $3 + $5 + $7 + $9 }' "$WORK/wrk.txt")"
echo "5xx answers: $SERVER_ERRORS; connection errors: $SOCKET_ERRORS"
if [ "$SERVER_ERRORS" != 0 ] || [ "$SOCKET_ERRORS" != 0 ]; then
  echo "FAIL: the promise is 0 5xx and 0 connection errors" >&2
  grep -iE "error|warn" "$WORK/stderr" | tail -n 20 >&2 || true
  exit 1
fi
echo "OK"
