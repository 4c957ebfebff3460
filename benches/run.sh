#!/usr/bin/env bash
# The benchmark suite (docs/benchmarks.md): builds the release binary, creates the datasets,
# starts the server and measures it from separate processes (wrk, curl), beside nginx serving
# the same bytes on the same machine. Prints one table; --write-docs also puts it into
# docs/benchmarks.md.
#
#   benches/run.sh                  # the full suite, about 10 minutes
#   benches/run.sh --write-docs     # and update docs/benchmarks.md
#   benches/run.sh --quick          # a smoke run: 2 s loads, a small national dataset
#   TRAFIKLYS_BIN=target/debug/trafiklys benches/run.sh --quick   # CI: no release build
#   benches/run.sh --only mixed,wal,postgres   # some parts: core (the first suite), mixed
#                                   # (200 clients), wal, postgres; all of them by default
#
# Set-up and CI times take a fresh clone and a cold build each (about 20 to 40 minutes): they
# are measured by benches/setup-time.sh and given to this script as BENCH_SETUP_S and
# BENCH_CI_S (seconds), which it prints beside their targets.
#
# BENCH_DURATION (20s), BENCH_WARMUP (3s), BENCH_CONNECTIONS (64), BENCH_THREADS (2) tune it.
# Needs wrk, nginx (Debian: apt-get install wrk nginx-light), curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

WRITE_DOCS=0
QUICK=0
ONLY="core,mixed,wal,postgres"
while [ $# -gt 0 ]; do
  case "$1" in
    --write-docs) WRITE_DOCS=1 ;;
    --quick) QUICK=1 ;;
    --only) ONLY="$2"; shift ;;
    *) echo "unknown option $1 (--write-docs, --quick, --only core,mixed,wal,postgres)" >&2; exit 2 ;;
  esac
  shift
done
want() { [[ ",$ONLY," == *",$1,"* ]]; }

DURATION="${BENCH_DURATION:-20s}"
WARMUP="${BENCH_WARMUP:-3s}"
NATIONAL_ARGS=()
REPEAT=20
MIXED_DURATION="${BENCH_MIXED_DURATION:-30s}"
WAL_SECONDS="${BENCH_WAL_SECONDS:-60}"
WAL_AFTER_SECONDS=10
if [ "$QUICK" = 1 ]; then
  DURATION="${BENCH_DURATION:-2s}"
  WARMUP="${BENCH_WARMUP:-1s}"
  NATIONAL_ARGS=(--years 3)
  REPEAT=5
  MIXED_DURATION="${BENCH_MIXED_DURATION:-3s}"
  WAL_SECONDS="${BENCH_WAL_SECONDS:-5}"
  WAL_AFTER_SECONDS=2
fi
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
THREADS="${BENCH_THREADS:-2}"
PASSWORD="bench-password-0123"

NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
for tool in wrk curl python3 "$NGINX"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "benches/run.sh needs $tool (apt-get install wrk nginx-light curl python3)" >&2
    exit 2
  fi
done

BIN="${TRAFIKLYS_BIN:-}"
if [ -z "$BIN" ]; then
  cargo build --release --locked --quiet --bin trafiklys
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/trafiklys"
fi
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
WORK="$(mktemp -d)"
chmod 755 "$WORK" # nginx's workers read the saved pages
PIDS=()
PG_STOP_NEEDED=0
cleanup() {
  [ "$PG_STOP_NEEDED" = 1 ] && pg_stop
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

ms_now() { date +%s%3N; }
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print v[int((NR + 1) / 2)] }'; }
fmt1() { LC_ALL=C awk -v x="$1" 'BEGIN { if (x == "-") print "-"; else printf "%.1f", x }'; }

ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 |"); printf '  %-58s %s\n' "$1" "$2" >&2; }
verdict() { # value op target -> met / MISSED
  LC_ALL=C awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
    if (v == "-" || v == "") { print "not measured"; exit }
    ok = (op == ">=") ? (v >= t) : (v <= t); print ok ? "met" : "**missed**" }'
}

# --- datasets ------------------------------------------------------------------------------
echo "datasets..." >&2
if want core; then
T0="$(ms_now)"
TRAFIKLYS_LOG=warn "$BIN" --database-url "$WORK/demo.db" demo >"$WORK/demo.txt"
DEMO_MS=$(( $(ms_now) - T0 ))
T0="$(ms_now)"
TRAFIKLYS_LOG=warn "$BIN" --database-url "$WORK/national.db" bench-data national \
  --password "$PASSWORD" "${NATIONAL_ARGS[@]}" >"$WORK/national.txt"
NATIONAL_MS=$(( $(ms_now) - T0 ))
NATIONAL_LINE="$(cat "$WORK/national.txt")"
# The growth dataset: the same national data with one earlier round per KKR instead of nine.
TRAFIKLYS_LOG=warn "$BIN" --database-url "$WORK/history1.db" bench-data national --years 2 \
  --password "$PASSWORD" >/dev/null
fi
# The form-save dataset: every KKR's round of 12 recommendations, open, every form a draft.
TRAFIKLYS_LOG=warn "$BIN" --database-url "$WORK/forms.db" bench-data national --years 1 \
  --focus-areas 4 --recommendations-per-area 3 --open-as-drafts --first-year 2030 \
  --password "$PASSWORD" >/dev/null

# --- server --------------------------------------------------------------------------------
SERVER_PID=""
BASE=""
# start DB: starts a server on the database; sets SERVER_PID, BASE and STARTUP_MS (time from
# exec to the first 200 on /healthz).
start() {
  local db="$1" port
  port="$(free_port)"
  BASE="http://127.0.0.1:$port"
  local t0
  t0="$(ms_now)"
  spawn_server "$db" "$port" "$WORK/server"
  SERVER_PID="$SPAWNED_PID"
  if wait_healthy "$BASE"; then
    STARTUP_MS=$(( $(ms_now) - t0 ))
    return 0
  fi
  echo "the server did not start:" >&2
  cat "$WORK/server.err" >&2
  exit 1
}
# spawn_server DB PORT LOGPREFIX: a server in the background; sets SPAWNED_PID.
spawn_server() {
  TRAFIKLYS_LOG=warn TRAFIKLYS_SECRET_KEY="benchmark-secret-key-that-is-long-enough-0123456789" \
    TRAFIKLYS_API_TOKEN_LIMIT_PER_IP=100000000 TRAFIKLYS_LOGIN_LIMIT_PER_IP=100000 \
    TRAFIKLYS_LOGIN_LIMIT_PER_ACCOUNT=100000 TRAFIKLYS_SNAPSHOT_LIMIT_PER_USER=100000 \
    "$BIN" --database-url "$1" serve --bind "127.0.0.1:$2" ${SERVE_ARGS:-} >"$3.out" 2>"$3.err" &
  SPAWNED_PID=$!
  PIDS+=("$SPAWNED_PID")
}
wait_healthy() { # BASE: waits up to about 10 s for a 200 on /healthz
  for _ in $(seq 1 2000); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$1/healthz")" = 200 ]; then
      return 0
    fi
    sleep 0.005
  done
  return 1
}
stop() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
}
rss_kb() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }

csrf_of() { sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n1; }
# sign_in EMAIL JAR: a fresh session; prints its cookie header value.
sign_in() {
  local email="$1" jar="$2" token
  token="$(curl -sf -c "$jar" -b "$jar" "$BASE/login" | csrf_of)"
  curl -sf -o /dev/null -c "$jar" -b "$jar" --data-urlencode "email=$email" \
    --data-urlencode "password=$3" --data-urlencode "csrf_token=$token" \
    --data-urlencode "next=/" "$BASE/login"
  awk '$6 == "trafiklys" { print "trafiklys=" $7 }' "$jar"
}

# load NAME PATH [script]: wrk from a separate process; sets RPS, P50, P99 (ms).
load() {
  local name="$1" url="$2" script="${3:-benches/get.lua}" threads="${4:-$THREADS}" out
  # Form saves skip the warm-up: its saves would leave every client one version behind.
  if [ "$script" = benches/get.lua ]; then
    wrk -t"$threads" -c"$CONNECTIONS" -d"$WARMUP" --timeout 10s -s "$script" "$url" >/dev/null
  fi
  out="$(wrk -t"$threads" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s "$script" "$url" | grep '^RESULT')"
  RPS="$(sed 's/.* rps=\([0-9.]*\).*/\1/' <<<"$out")"
  P50="$(sed 's/.* p50=\([0-9.]*\).*/\1/' <<<"$out")"
  P99="$(sed 's/.* p99=\([0-9.]*\).*/\1/' <<<"$out")"
  LAST_RESULT="$out"
  local errors
  errors="$(sed 's/.* status_errors=\([0-9]*\) socket_errors=\([0-9]*\).*/\1 \2/' <<<"$out")"
  if [ "$errors" != "0 0" ]; then
    echo "  $name: non-2xx/3xx answers or socket errors ($errors): $out" >&2
  fi
  echo "  $name: $out" >&2
}

# nginx_rps FILE: nginx (two workers, like the two cores) serving the file under the same load.
nginx_rps() {
  local file="$1" port dir="$WORK/nginx"
  port="$(free_port)"
  mkdir -p "$dir"
  cp "$file" "$dir/page.html"
  chmod 644 "$dir/page.html"
  cat >"$dir/nginx.conf" <<EOF
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$port;
    location / { root $dir; default_type text/html; try_files /page.html =404; }
  }
}
EOF
  "$NGINX" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' 2>>"$dir/error.log" &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 200); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.02
  done
  BENCH_COOKIE="" BENCH_AUTH="" load "nginx $(basename "$file")" "http://127.0.0.1:$port/"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# time_ms COOKIE PATH: one request's total time in ms (curl, a new connection each).
time_ms() {
  curl -s -o /dev/null -H "Cookie: $1" -w '%{http_code} %{time_total}\n' "$BASE$2" \
    | awk '$1 != 200 { print "HTTP " $1 > "/dev/stderr" } { printf "%.2f\n", $2 * 1000 }'
}
warm_ms() { # COOKIE PATH: median of REPEAT requests after one that fills the cache
  time_ms "$1" "$2" >/dev/null
  for _ in $(seq 1 "$REPEAT"); do time_ms "$1" "$2"; done | median
}
# A write: the admin saves the draft form at FORM_PATH again (it bumps the data version).
write_once() {
  local page version
  page="$(curl -sf -H "Cookie: $ADMIN_COOKIE" "$BASE$FORM_PATH")"
  version="$(sed -n 's/.*name="version" value="\([0-9]*\)".*/\1/p' <<<"$page" | head -n1)"
  local fields=(--data-urlencode "csrf_token=$ADMIN_CSRF" --data-urlencode "version=$version"
    --data-urlencode "action=save")
  local id
  for id in $(grep -o 'name="status-[0-9]*"' <<<"$page" | sed 's/[^0-9]//g' | sort -un); do
    fields+=(--data-urlencode "status-$id=green" --data-urlencode "comment-$id=Skrevet $RANDOM")
  done
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $ADMIN_COOKIE" "${fields[@]}" "$BASE$FORM_PATH")"
  [ "$code" = 303 ] || echo "  a save answered $code" >&2
}
cold_ms() { # COOKIE PATH: median over REPEAT/2 writes of the first request after the write
  for _ in $(seq 1 $(( (REPEAT + 1) / 2 ))); do write_once; time_ms "$1" "$2"; done | median
}

# save_clients DB COUNT FILE: COUNT editors of the open rounds' draft forms signed in, one
# line each for benches/save.lua (cookie, CSRF token, form path, version, recommendations).
save_clients() {
  local db="$1" count="$2" file="$3" n=0 id year kkr state code jar cookie path page csrf version recs
  : >"$file"
  while read -r id year _ kkr state _; do
    [ "$id" = id ] && continue
    [ "$state" = open ] || continue
    for code in $(awk -F, -v k="KKR $kkr" 'NR > 1 && $3 == k { print $1 }' data/municipalities.csv); do
      [ "$n" -ge "$count" ] && break 2
      jar="$WORK/client-$(basename "$file")-$n.jar"
      cookie="$(sign_in "editor$code@bench.example" "$jar" "$PASSWORD")"
      path="/rounds/$id/municipalities/$code/form"
      page="$(curl -sf -b "$jar" "$BASE$path")"
      csrf="$(csrf_of <<<"$page")"
      version="$(sed -n 's/.*name="version" value="\([0-9]*\)".*/\1/p' <<<"$page" | head -n1)"
      recs="$(grep -o 'name="status-[0-9]*"' <<<"$page" | sed 's/[^0-9]//g' | sort -un | paste -sd, -)"
      printf '%s\t%s\t%s\t%s\t%s\n' "$cookie" "$csrf" "$path" "$version" "$recs" >>"$file"
      n=$((n + 1))
    done
  done < <("$BIN" --database-url "$db" round list)
}

if want core; then
echo "demo server..." >&2
start "$WORK/demo.db"
read -r _ DEMO_ADMIN DEMO_ADMIN_PW < <(grep '^admin ' "$WORK/demo.txt")
read -r _ DEMO_KKR DEMO_KKR_PW < <(grep '^kkr ' "$WORK/demo.txt")
read -r _ DEMO_EDITOR DEMO_EDITOR_PW < <(grep '^editor ' "$WORK/demo.txt")
DEMO_RSS_IDLE="$(rss_kb "$SERVER_PID" VmRSS)"
KKR_COOKIE="$(sign_in "$DEMO_KKR" "$WORK/kkr.jar" "$DEMO_KKR_PW")"
ADMIN_COOKIE="$(sign_in "$DEMO_ADMIN" "$WORK/admin.jar" "$DEMO_ADMIN_PW")"
ADMIN_CSRF="$(curl -sf -b "$WORK/admin.jar" "$BASE/account" | csrf_of)"
API_TOKEN="$(curl -sf -b "$WORK/admin.jar" --data-urlencode "csrf_token=$ADMIN_CSRF" \
  --data-urlencode "name=benchmark" "$BASE/account/tokens" \
  | sed -n 's/.*<code id="new-token">\(tl_[A-Za-z0-9]*\)<\/code>.*/\1/p')"
[ -n "$API_TOKEN" ] || { echo "could not create an API token" >&2; exit 1; }
curl -sf -H "Cookie: $KKR_COOKIE" "$BASE/rounds/2" >"$WORK/dashboard.html"
curl -sf -H "Cookie: $ADMIN_COOKIE" "$BASE/rounds/2/heatmap" >"$WORK/heatmap.html"
grep -q 'kommuner har indsendt' "$WORK/dashboard.html" || { echo "no dashboard" >&2; exit 1; }
FORM_CODE="$(grep -o 'municipalities/[0-9]*/form' "$WORK/dashboard.html" | head -n1 | grep -o '[0-9]*' || true)"

# Attachment PDF: the first one of the process, then warm.
PDF="/rounds/2/municipalities/147/attachment.pdf"
PDF_COLD="$(time_ms "$ADMIN_COOKIE" "$PDF")"
PDF_WARM="$(for _ in $(seq 1 5); do time_ms "$ADMIN_COOKIE" "$PDF"; done | median)"

echo "load, demo..." >&2
BENCH_COOKIE="$KKR_COOKIE" load "dashboard demo" "$BASE/rounds/2"
DASH_RPS="$RPS"; DASH_P50="$P50"; DASH_P99="$P99"
BENCH_COOKIE="$ADMIN_COOKIE" load "heatmap demo" "$BASE/rounds/2/heatmap"
HEAT_RPS="$RPS"; HEAT_P99="$P99"
EDITOR_COOKIE="$(sign_in "$DEMO_EDITOR" "$WORK/editor.jar" "$DEMO_EDITOR_PW")"
curl -sf -H "Cookie: $EDITOR_COOKIE" "$BASE/rounds/2/municipalities/147/form" >"$WORK/form.html"
grep -q 'name="version"' "$WORK/form.html" || { echo "no form page" >&2; exit 1; }
BENCH_COOKIE="$EDITOR_COOKIE" load "form page" "$BASE/rounds/2/municipalities/147/form"
FORM_RPS="$RPS"; FORM_P50="$P50"; FORM_P99="$P99"
BENCH_AUTH="Bearer $API_TOKEN" load "JSON summary" "$BASE/api/v1/rounds/2/summary"
API_RPS="$RPS"; API_P99="$P99"
DEMO_RSS_PEAK="$(rss_kb "$SERVER_PID" VmHWM)"
stop
nginx_rps "$WORK/dashboard.html"; NGINX_DASH="$RPS"
nginx_rps "$WORK/heatmap.html"; NGINX_HEAT="$RPS"
nginx_rps "$WORK/form.html"; NGINX_FORM="$RPS"

echo "form saves..." >&2
start "$WORK/forms.db"
save_clients "$WORK/forms.db" "$CONNECTIONS" "$WORK/clients.tsv"
SAVE_RECS="$(head -n1 "$WORK/clients.tsv" | cut -f5 | tr , '\n' | wc -l)"
BENCH_CLIENTS="$WORK/clients.tsv" load "form saves" "$BASE" benches/save.lua "$CONNECTIONS"
SAVE_RPS="$(sed 's/.* saves_per_s=\([0-9.]*\).*/\1/' <<<"$LAST_RESULT")"; SAVE_P99="$P99"
SAVE_CONFLICTS="$(sed 's/.* conflicts=\([0-9]*\).*/\1/' <<<"$LAST_RESULT")"
stop

echo "national..." >&2
start "$WORK/national.db"
NATIONAL_STARTUP_MS="$STARTUP_MS"
stop
start "$WORK/national.db"
STARTUP_2="$STARTUP_MS"
[ "$STARTUP_2" -lt "$NATIONAL_STARTUP_MS" ] && NATIONAL_STARTUP_MS="$STARTUP_2"
NATIONAL_RSS_IDLE="$(rss_kb "$SERVER_PID" VmRSS)"
# KKR Hovedstaden (29 municipalities) is the first KKR in Danish order: admin1, kkr1.
ADMIN_COOKIE="$(sign_in admin1@bench.example "$WORK/nadmin.jar" "$PASSWORD")"
ADMIN_CSRF="$(curl -sf -b "$WORK/nadmin.jar" "$BASE/account" | csrf_of)"
N_KKR_COOKIE="$(sign_in kkr1@bench.example "$WORK/nkkr.jar" "$PASSWORD")"
mapfile -t HOV < <("$BIN" --database-url "$WORK/national.db" round list | awk '$4 == "Hovedstaden" { print $2, $1 }' | sort -n | awk '{ print $2 }')
FIRST_ID="${HOV[0]}"; SECOND_ID="${HOV[1]}"; LATEST_ID="${HOV[${#HOV[@]}-1]}"
LATEST_YEAR="$("$BIN" --database-url "$WORK/national.db" round list | awk -v id="$LATEST_ID" '$1 == id { print $2 }')"
EARLIER=$(( ${#HOV[@]} - 1 ))
# bench-data leaves the form of the KKR's lowest municipality code a draft in the open round.
DRAFT_CODE="$(awk -F, 'NR > 1 && $3 == "KKR Hovedstaden" { print $1 }' data/municipalities.csv | sort -n | head -n1)"
FORM_PATH="/rounds/$LATEST_ID/municipalities/$DRAFT_CODE/form"
curl -sf -H "Cookie: $N_KKR_COOKIE" "$BASE/rounds/$LATEST_ID" >"$WORK/national-dashboard.html"
BENCH_COOKIE="$N_KKR_COOKIE" load "dashboard national" "$BASE/rounds/$LATEST_ID"
NAT_RPS="$RPS"; NAT_P99="$P99"
NATIONAL_RSS_PEAK="$(rss_kb "$SERVER_PID" VmHWM)"

echo "growth..." >&2
# The history1 server runs beside the national one, so that the two histories are measured in
# turns under the same conditions (minutes apart, a shared machine's drift showed as growth).
N_BASE="$BASE"; N_PID="$SERVER_PID"; N_ADMIN_COOKIE="$ADMIN_COOKIE"; N_ADMIN_CSRF="$ADMIN_CSRF"
N_FORM_PATH="$FORM_PATH"
start "$WORK/history1.db"
H_BASE="$BASE"; H_PID="$SERVER_PID"
H_ADMIN_COOKIE="$(sign_in admin1@bench.example "$WORK/hadmin.jar" "$PASSWORD")"
H_ADMIN_CSRF="$(curl -sf -b "$WORK/hadmin.jar" "$BASE/account" | csrf_of)"
H_KKR_COOKIE="$(sign_in kkr1@bench.example "$WORK/hkkr.jar" "$PASSWORD")"
H1_ID="$("$BIN" --database-url "$WORK/history1.db" round list | awk '$4 == "Hovedstaden" { print $2, $1 }' | sort -n | tail -n1 | awk '{ print $2 }')"
H_FORM_PATH="/rounds/$H1_ID/municipalities/$DRAFT_CODE/form"
use_national() { BASE="$N_BASE"; SERVER_PID="$N_PID"; ADMIN_COOKIE="$N_ADMIN_COOKIE"; ADMIN_CSRF="$N_ADMIN_CSRF"; FORM_PATH="$N_FORM_PATH"; }
use_history1() { BASE="$H_BASE"; SERVER_PID="$H_PID"; ADMIN_COOKIE="$H_ADMIN_COOKIE"; ADMIN_CSRF="$H_ADMIN_CSRF"; FORM_PATH="$H_FORM_PATH"; }
# Warm: the latest round's dashboard with 1 and with 9 earlier rounds, request by request in
# turns after one request each that fills the cache. Cold: the first request after a save
# into the very round (its draft form), which bumps the data version and the round's own
# change marker; the same round shape (29 × 60) and the same write, only the history differs.
use_history1; time_ms "$H_KKR_COOKIE" "/rounds/$H1_ID" >/dev/null
use_national; time_ms "$N_KKR_COOKIE" "/rounds/$LATEST_ID" >/dev/null
: >"$WORK/g1-warm"; : >"$WORK/g9-warm"; : >"$WORK/g1-cold"; : >"$WORK/g9-cold"
for _ in $(seq 1 "$REPEAT"); do
  use_history1; time_ms "$H_KKR_COOKIE" "/rounds/$H1_ID" >>"$WORK/g1-warm"
  use_national; time_ms "$N_KKR_COOKIE" "/rounds/$LATEST_ID" >>"$WORK/g9-warm"
done
for _ in $(seq 1 "$REPEAT"); do
  use_history1; write_once; time_ms "$H_KKR_COOKIE" "/rounds/$H1_ID" >>"$WORK/g1-cold"
  use_national; write_once; time_ms "$N_KKR_COOKIE" "/rounds/$LATEST_ID" >>"$WORK/g9-cold"
done
G1_WARM="$(median <"$WORK/g1-warm")"; G9_WARM="$(median <"$WORK/g9-warm")"
G1_COLD="$(median <"$WORK/g1-cold")"; G9_COLD="$(median <"$WORK/g9-cold")"
use_history1; stop
use_national
# A round whose data the save did not touch (2017 while 2025 is saved): its page is rendered
# again, its data and earlier rounds' come from the cache.
OTHER_COLD="$(cold_ms "$N_KKR_COOKIE" "/rounds/$SECOND_ID")"
HEAT_WARM="$(warm_ms "$ADMIN_COOKIE" "/rounds/$LATEST_ID/heatmap")"
HEAT_COLD="$(cold_ms "$ADMIN_COOKIE" "/rounds/$LATEST_ID/heatmap")"
YEAR_WARM="$(warm_ms "$ADMIN_COOKIE" "/years/$LATEST_YEAR")"
YEAR_COLD="$(cold_ms "$ADMIN_COOKIE" "/years/$LATEST_YEAR")"
stop
nginx_rps "$WORK/national-dashboard.html"; NGINX_NAT="$RPS"

echo "exports..." >&2
T0="$(ms_now)"
TRAFIKLYS_LOG=warn "$BIN" --database-url "$WORK/national.db" export all --round "$LATEST_ID" --out-dir "$WORK/export29" >/dev/null
EXPORT29_MS=$(( $(ms_now) - T0 ))
T0="$(ms_now)"
TRAFIKLYS_LOG=warn "$BIN" --database-url "$WORK/national.db" export all --year "$LATEST_YEAR" --out-dir "$WORK/export98" >/dev/null
EXPORT98_MS=$(( $(ms_now) - T0 ))
EXPORT98_FILES="$(find "$WORK/export98" -name '*.pdf' | wc -l)"

fi # core

# --- the council-meeting morning: 200 clients, dashboards, saves and PDFs at once ----------
# One KKR's year: last year's round published (its attachments are downloaded), this year's
# open with every form a draft (saved again and again); 60 recommendations as in the national
# dataset. Three wrk processes at once, one per kind, so that each kind has its own p99.
MIXED_DASH_CONN=96; MIXED_SAVE_CONN=64; MIXED_PDF_CONN=40
if want mixed; then
echo "mixed load..." >&2
TRAFIKLYS_LOG=warn "$BIN" --database-url "$WORK/morning.db" bench-data national --years 2 \
  --first-year 2029 --open-as-drafts --password "$PASSWORD" >/dev/null
# The secretaries of one KKR (Hovedstaden, 29 municipalities) gave their council's meeting
# date for last year's published round days before (on the agenda form; here through the
# command line): the server renders those attachments ahead, before the morning.
MORNING_ROUND=""
while read -r id year _ kkr state _; do
  [ "$state" = published ] && [ "$kkr" = Hovedstaden ] || continue
  MORNING_ROUND="$id"; MORNING_YEAR="$year"
done < <("$BIN" --database-url "$WORK/morning.db" round list)
MORNING_CODES="$(awk -F, 'NR > 1 && $3 == "KKR Hovedstaden" { print $1 }' data/municipalities.csv)"
for code in $MORNING_CODES; do
  TRAFIKLYS_LOG=warn "$BIN" --database-url "$WORK/morning.db" round meeting "$MORNING_ROUND" "$code" \
    "$((MORNING_YEAR + 1))-12-18" >/dev/null
done
start "$WORK/morning.db"
# The night before: wait (2 minutes at most) until every one is ready.
ahead() { curl -s "$BASE/metrics" | awk -v s="$1" '$1 == "trafiklys_pdf_ahead_attachments{state=\""s"\"}" { print $2 }'; }
for _ in $(seq 1 1200); do
  wanted="$(ahead wanted)"; ready="$(ahead ready)"
  [ -n "$wanted" ] && [ "$wanted" -ge "$(echo "$MORNING_CODES" | wc -w)" ] && [ "$ready" = "$wanted" ] && break
  sleep 0.1
done
MIXED_AHEAD="$(ahead ready) of $(ahead wanted)"
echo "  attachments rendered ahead: $MIXED_AHEAD" >&2
MIXED_AHEAD_RENDERS="$(curl -s "$BASE/metrics" | awk '/^trafiklys_pdf_render_seconds_count\{document="attachment"\}/ { print $2 }')"
save_clients "$WORK/morning.db" "$MIXED_SAVE_CONN" "$WORK/morning-saves.tsv"
: >"$WORK/morning-dash.tsv"; : >"$WORK/morning-pdf.tsv"
# Each KKR's member reads the dashboard of the KKR's open round (kkrN: the KKR's place in
# Danish order).
while read -r id year _ kkr state _; do
  [ "$state" = open ] || continue
  case "$kkr" in Hovedstaden) n=1 ;; Midtjylland) n=2 ;; Nordjylland) n=3 ;; Sjælland) n=4 ;; *) n=5 ;; esac
  kkr_cookie="$(sign_in "kkr$n@bench.example" "$WORK/mkkr$n.jar" "$PASSWORD")"
  printf '%s\t/rounds/%s\n' "$kkr_cookie" "$id" >>"$WORK/morning-dash.tsv"
done < <("$BIN" --database-url "$WORK/morning.db" round list)
# On the morning each secretary downloads the attachment (which carries the kept date).
for code in $MORNING_CODES; do
  cookie="$(sign_in "reader$code@bench.example" "$WORK/mreader$code.jar" "$PASSWORD")"
  printf '%s\t/rounds/%s/municipalities/%s/attachment.pdf\n' "$cookie" "$MORNING_ROUND" "$code" >>"$WORK/morning-pdf.tsv"
done
MORNING_PDFS="$(wc -l <"$WORK/morning-pdf.tsv")"
# The KKRs' members looked at their dashboards before the morning too: one request each, so
# that the load does not begin with every client waiting for the first analysis of a freshly
# started process (the suite's first part measures that, "Dashboard latency cold").
while IFS=$'\t' read -r cookie path; do time_ms "$cookie" "$path" >/dev/null; done <"$WORK/morning-dash.tsv"
RSS_BEFORE="$(rss_kb "$SERVER_PID" VmRSS)"
BENCH_LIST="$WORK/morning-dash.tsv" wrk -t2 -c"$MIXED_DASH_CONN" -d"$MIXED_DURATION" --timeout 10s \
  -s benches/list.lua "$BASE" >"$WORK/mixed-dash.txt" &
W1=$!
BENCH_LIST="$WORK/morning-pdf.tsv" wrk -t2 -c"$MIXED_PDF_CONN" -d"$MIXED_DURATION" --timeout 10s \
  -s benches/list.lua "$BASE" >"$WORK/mixed-pdf.txt" &
W2=$!
BENCH_CLIENTS="$WORK/morning-saves.tsv" wrk -t"$MIXED_SAVE_CONN" -c"$MIXED_SAVE_CONN" -d"$MIXED_DURATION" \
  --timeout 10s -s benches/save.lua "$BASE" >"$WORK/mixed-save.txt" &
W3=$!
wait "$W1" "$W2" "$W3"
kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server died under the mixed load" >&2; cat "$WORK/server.err" >&2; exit 1; }
MIXED_RSS_PEAK="$(rss_kb "$SERVER_PID" VmHWM)"
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" "$2" | head -n1; }
for kind in dash pdf save; do
  f="$WORK/mixed-$kind.txt"
  echo "  mixed $kind: $(grep '^RESULT' "$f")" >&2
  printf -v "MIXED_${kind^^}_P99" '%s' "$(field p99 "$f")"
  printf -v "MIXED_${kind^^}_RPS" '%s' "$(field rps "$f")"
  printf -v "MIXED_${kind^^}_ERR" '%s' "$(( $(field status_errors "$f") + $(field socket_errors "$f") ))"
done
MIXED_SAVE_CONFLICTS="$(field conflicts "$WORK/mixed-save.txt")"
MIXED_SAVE_OTHER="$(field other "$WORK/mixed-save.txt")"
MIXED_ERRORS=$(( MIXED_DASH_ERR + MIXED_PDF_ERR + MIXED_SAVE_ERR + MIXED_SAVE_OTHER ))
curl -s "$BASE/metrics" | grep -E '^trafiklys_pdf_(cache_lookups_total|render_seconds_count)' >"$WORK/mixed-metrics.txt" || true
echo "  $(tr '\n' ' ' <"$WORK/mixed-metrics.txt")" >&2
MIXED_PDF_RENDERS="$(( $(awk '/^trafiklys_pdf_render_seconds_count\{document="attachment"\}/ { print $2 }' "$WORK/mixed-metrics.txt") - ${MIXED_AHEAD_RENDERS:-0} ))"
stop
fi # mixed

# --- the WAL under sustained saves with dashboard reads ------------------------------------
if want wal; then
echo "WAL: ${WAL_SECONDS} s of saves and dashboard reads..." >&2
start "$WORK/forms.db"
save_clients "$WORK/forms.db" "$CONNECTIONS" "$WORK/wal-saves.tsv"
WAL_ROUND="$(cut -f3 "$WORK/wal-saves.tsv" | head -n1 | cut -d/ -f3)"
WAL_KKR_COOKIE="$(sign_in kkr1@bench.example "$WORK/wkkr.jar" "$PASSWORD")"
: >"$WORK/wal-sizes"
( while :; do stat -c %s "$WORK/forms.db-wal" 2>/dev/null || echo 0; sleep 0.2; done ) >"$WORK/wal-sizes" &
SAMPLER=$!
PIDS+=("$SAMPLER")
BENCH_COOKIE="$WAL_KKR_COOKIE" wrk -t2 -c32 -d"${WAL_SECONDS}s" --timeout 10s -s benches/get.lua \
  "$BASE/rounds/$WAL_ROUND" >"$WORK/wal-dash.txt" &
W1=$!
BENCH_CLIENTS="$WORK/wal-saves.tsv" wrk -t"$CONNECTIONS" -c"$CONNECTIONS" -d"${WAL_SECONDS}s" --timeout 10s \
  -s benches/save.lua "$BASE" >"$WORK/wal-save.txt" &
W2=$!
wait "$W1" "$W2"
LOAD_END_LINE="$(wc -l <"$WORK/wal-sizes")"
sleep "$WAL_AFTER_SECONDS"
kill "$SAMPLER" 2>/dev/null || true
WAL_MAX_MB="$(head -n "$LOAD_END_LINE" "$WORK/wal-sizes" | sort -n | tail -n1 | awk '{ printf "%.1f", $1 / 1048576 }')"
WAL_AFTER_MB="$(stat -c %s "$WORK/forms.db-wal" 2>/dev/null | awk '{ printf "%.1f", $1 / 1048576 }')"
WAL_AFTER_MB="${WAL_AFTER_MB:-0.0}"
WAL_SAVES="$(sed -n 's/.* saves=\([0-9]*\).*/\1/p' "$WORK/wal-save.txt")"
WAL_READS="$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' "$WORK/wal-dash.txt")"
echo "  WAL: max $WAL_MAX_MB MiB during, $WAL_AFTER_MB MiB ${WAL_AFTER_SECONDS} s after; $WAL_SAVES saves, $WAL_READS dashboard reads" >&2
stop
fi # wal

# --- PostgreSQL: two processes behind deploy/nginx.conf, against one SQLite process ---------
# A private cluster (Debian's initdb and pg_ctl) on a free loopback port, its own data folder;
# the same dataset (the forms shape with a published round before it) in PostgreSQL and in
# SQLite. Dashboard throughput: KKR members' dashboard of the open round, through nginx to the
# two processes, against one SQLite process asked directly.
if want postgres; then
echo "PostgreSQL..." >&2
# Debian's server binaries (initdb, pg_ctl, createdb side by side); a symlinked initdb leads there.
PG_BIN="$(dirname "$(readlink -f "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)")")"
PG_PORT="$(free_port)"
PG_DIR="$WORK/pg"
RUN_AS=()
[ "$(id -u)" = 0 ] && RUN_AS=(runuser -u postgres --)
mkdir -p "$PG_DIR"; chmod 755 "$WORK"
[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >"$WORK/initdb.log" 2>&1
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
  -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_DIR -c max_connections=100 -c fsync=on" start >/dev/null
pg_stop() { "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true; }
PG_STOP_NEEDED=1
"${RUN_AS[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres bench
PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/bench"
DATASET=(bench-data national --years 2 --first-year 2029 --focus-areas 4 --recommendations-per-area 3 --open-as-drafts --password "$PASSWORD")
TRAFIKLYS_LOG=warn "$BIN" --database-url "$PG_URL" "${DATASET[@]}" >/dev/null
TRAFIKLYS_LOG=warn "$BIN" --database-url "$WORK/pgcompare.db" "${DATASET[@]}" >/dev/null
OPEN_ID="$("$BIN" --database-url "$WORK/pgcompare.db" round list | awk '$4 == "Hovedstaden" && $5 == "open" { print $1 }')"

# One SQLite process, asked directly.
start "$WORK/pgcompare.db"
SQ_COOKIE="$(sign_in kkr1@bench.example "$WORK/sqkkr.jar" "$PASSWORD")"
BENCH_COOKIE="$SQ_COOKIE" load "dashboard, one SQLite process" "$BASE/rounds/$OPEN_ID"
SQLITE_DASH_RPS="$RPS"
stop

# Two PostgreSQL processes behind nginx.
P1="$(free_port)"; P2="$(free_port)"
spawn_server "$PG_URL" "$P1" "$WORK/pg1"; PG1_PID="$SPAWNED_PID"
spawn_server "$PG_URL" "$P2" "$WORK/pg2"; PG2_PID="$SPAWNED_PID"
wait_healthy "http://127.0.0.1:$P1" && wait_healthy "http://127.0.0.1:$P2" \
  || { echo "the PostgreSQL servers did not start:" >&2; cat "$WORK/pg1.err" "$WORK/pg2.err" >&2; exit 1; }
NG_DIR="$WORK/nginx-pg"; mkdir -p "$NG_DIR"
NG_PORT="$(free_port)"
sed -e "s|@PREFIX@|$NG_DIR|g" -e "s|@LISTEN@|127.0.0.1:$NG_PORT|" \
  -e "s|@UPSTREAMS@|server 127.0.0.1:$P1; server 127.0.0.1:$P2;|" -e "s|@STATIC@|$ROOT/static|" \
  deploy/nginx.conf >"$NG_DIR/nginx.conf"
"$NGINX" -p "$NG_DIR" -c "$NG_DIR/nginx.conf" -g 'daemon off;' 2>>"$NG_DIR/error.log" &
PIDS+=("$!")
BASE="http://127.0.0.1:$NG_PORT"
wait_healthy "$BASE" || { echo "nginx did not start:" >&2; cat "$NG_DIR/error.log" >&2; exit 1; }
PG_COOKIE="$(sign_in kkr1@bench.example "$WORK/pgkkr.jar" "$PASSWORD")"
BENCH_COOKIE="$PG_COOKIE" load "dashboard, two PostgreSQL processes behind nginx" "$BASE/rounds/$OPEN_ID"
PG_DASH_RPS="$RPS"; PG_DASH_P99="$P99"
save_clients "$PG_URL" "$CONNECTIONS" "$WORK/pg-saves.tsv"
BENCH_CLIENTS="$WORK/pg-saves.tsv" load "form saves, two PostgreSQL processes" "$BASE" benches/save.lua "$CONNECTIONS"
PG_SAVE_RPS="$(sed 's/.* saves_per_s=\([0-9.]*\).*/\1/' <<<"$LAST_RESULT")"; PG_SAVE_P99="$P99"
PG_SAVE_CONFLICTS="$(sed 's/.* conflicts=\([0-9]*\).*/\1/' <<<"$LAST_RESULT")"
PG_SAVE_OTHER="$(sed 's/.* other=\([0-9]*\).*/\1/' <<<"$LAST_RESULT")"
kill "$PG1_PID" "$PG2_PID" 2>/dev/null || true
wait "$PG1_PID" "$PG2_PID" 2>/dev/null || true
pg_stop; PG_STOP_NEEDED=0
fi # postgres

# --- the table -----------------------------------------------------------------------------
ratio() { LC_ALL=C awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }
mb() { LC_ALL=C awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
secs() { LC_ALL=C awk -v m="$1" 'BEGIN { printf "%.1f", m / 1000 }'; }
# Sizes are measured in MiB (1,048,576 bytes) and judged in decimal megabytes (10^6 bytes), the
# stricter reading of the targets' "MB": memory and the WAL print both; the binary its MB and bytes.
# both VALUE_MIB: "x MiB (y MB)"; under_mb VALUE_MIB LIMIT_MB: met / missed in decimal MB.
both() { LC_ALL=C awk -v m="$1" 'BEGIN { printf "%.1f MiB (%.1f MB)", m, m * 1.048576 }'; }
under_mb() {
  if [ -z "$1" ] || [ "$1" = "-" ]; then verdict "" '<=' "$2"; return; fi
  verdict "$(LC_ALL=C awk -v m="$1" 'BEGIN { printf "%.3f", m * 1.048576 }')" '<=' "$2"
}
SIZE_BYTES="$(stat -c %s "$BIN")"
SIZE_MB="$(LC_ALL=C awk -v b="$SIZE_BYTES" 'BEGIN { printf "%.2f", b / 1000000 }')"
SIZE_MIB="$(LC_ALL=C awk -v b="$SIZE_BYTES" 'BEGIN { printf "%.1f", b / 1048576 }')"
echo >&2
if want core; then
DASH_RATIO="$(ratio "$DASH_RPS" "$NGINX_DASH")"
HEAT_RATIO="$(ratio "$HEAT_RPS" "$NGINX_HEAT")"
NAT_RATIO="$(ratio "$NAT_RPS" "$NGINX_NAT")"
FORM_RATIO="$(ratio "$FORM_RPS" "$NGINX_FORM")"
GROWTH_WARM="$(ratio "$G9_WARM" "$G1_WARM")"
GROWTH_COLD="$(ratio "$G9_COLD" "$G1_COLD")"
PEAK_MB="$(LC_ALL=C awk -v a="$DEMO_RSS_PEAK" -v b="$NATIONAL_RSS_PEAK" 'BEGIN { m = a > b ? a : b; printf "%.1f", m / 1024 }')"
row "Demo dataset (\`demo\`)" "$DEMO_MS ms" "" ""
row "National dataset (\`bench-data national\`)" "$(secs "$NATIONAL_MS") s" "" "${NATIONAL_LINE#national: }"
row "Dashboard, demo round: req/s / nginx, same bytes" "$DASH_RATIO" "≥ 0.5" "$(verdict "$DASH_RATIO" '>=' 0.5); $(fmt1 "$DASH_RPS") vs $(fmt1 "$NGINX_DASH") req/s, $(stat -c %s "$WORK/dashboard.html") bytes"
row "Dashboard, demo round: p50 / p99" "$DASH_P50 / $DASH_P99 ms" "p99 ≤ 20 ms" "$(verdict "$DASH_P99" '<=' 20)"
row "Dashboard, national round (29 × 60, $EARLIER earlier): req/s / nginx" "$NAT_RATIO" "" "$(fmt1 "$NAT_RPS") vs $(fmt1 "$NGINX_NAT") req/s, p99 $NAT_P99 ms"
row "Heatmap, demo round: req/s / nginx" "$HEAT_RATIO" "" "$(fmt1 "$HEAT_RPS") vs $(fmt1 "$NGINX_HEAT") req/s, p99 $HEAT_P99 ms"
row "Form page (GET, signed-in editor): req/s / nginx, same bytes" "$FORM_RATIO" "≥ 0.1" "$(verdict "$FORM_RATIO" '>=' 0.1); $(fmt1 "$FORM_RPS") vs $(fmt1 "$NGINX_FORM") req/s, $(stat -c %s "$WORK/form.html") bytes, p50 $FORM_P50 ms, p99 $FORM_P99 ms"
row "Form saves ($SAVE_RECS answers, $CONNECTIONS clients, SQLite WAL)" "$(fmt1 "$SAVE_RPS") saves/s, p99 $SAVE_P99 ms" "≥ 1,000/s, p99 ≤ 50 ms" "$(verdict "$SAVE_RPS" '>=' 1000) / $(verdict "$SAVE_P99" '<=' 50); $SAVE_CONFLICTS conflicts"
row "JSON summary (\`/api/v1/rounds/2/summary\`)" "$(fmt1 "$API_RPS") req/s" "" "p99 $API_P99 ms"
row "Attachment PDF, first of the process / warm" "$PDF_COLD / $PDF_WARM ms" "warm ≤ 150 ms" "$(verdict "$PDF_WARM" '<=' 150)"
row "\`export all\`, one KKR (29 municipalities)" "$(secs "$EXPORT29_MS") s" "" ""
row "\`export all\`, all five KKRs (98 municipalities)" "$(secs "$EXPORT98_MS") s" "≤ 10 s" "$(verdict "$(secs "$EXPORT98_MS")" '<=' 10); $EXPORT98_FILES PDFs"
row "Dashboard latency warm, 1 vs $EARLIER earlier rounds" "$G1_WARM / $G9_WARM ms" "" "× $GROWTH_WARM"
row "Dashboard latency cold (after a save into the round), 1 vs $EARLIER earlier rounds" "$G1_COLD / $G9_COLD ms" "≤ 1.2 ×; ≤ 50 ms" "× $GROWTH_COLD: $(verdict "$GROWTH_COLD" '<=' 1.2); $(verdict "$G9_COLD" '<=' 50)"
row "Dashboard of another round after a save (2nd year while the latest is saved)" "$OTHER_COLD ms" "" ""
row "Heatmap 29 × 60, warm / cold" "$HEAT_WARM / $HEAT_COLD ms" "" ""
row "National view of $LATEST_YEAR, warm / cold" "$YEAR_WARM / $YEAR_COLD ms" "" ""
row "RSS idle (demo / national)" "$(mb "$DEMO_RSS_IDLE") / $(mb "$NATIONAL_RSS_IDLE") MiB" "" ""
row "Peak RSS under load" "$(both "$PEAK_MB")" "≤ 100 MB" "$(under_mb "$PEAK_MB" 100)"
row "Start-up to first 200 on /healthz (national database)" "$NATIONAL_STARTUP_MS ms" "≤ 300 ms" "$(verdict "$NATIONAL_STARTUP_MS" '<=' 300)"
fi
if want mixed; then
MIXED_P99_MAX="$(printf '%s\n' "$MIXED_DASH_P99" "$MIXED_PDF_P99" "$MIXED_SAVE_P99" | sort -g | tail -n1)"
row "Mixed load, $((MIXED_DASH_CONN + MIXED_SAVE_CONN + MIXED_PDF_CONN)) clients, $MIXED_DURATION: dashboards p99" "$MIXED_DASH_P99 ms" "≤ 500 ms" "$(verdict "$MIXED_DASH_P99" '<=' 500); $MIXED_DASH_CONN clients, $(fmt1 "$MIXED_DASH_RPS") req/s, 5 KKRs' open rounds (98 × 60)"
row "Mixed load: form saves p99" "$MIXED_SAVE_P99 ms" "≤ 500 ms" "$(verdict "$MIXED_SAVE_P99" '<=' 500); $MIXED_SAVE_CONN clients, $(fmt1 "$(sed -n 's/.* saves_per_s=\([0-9.]*\).*/\1/p' "$WORK/mixed-save.txt")") saves/s of 60 answers, $MIXED_SAVE_CONFLICTS conflicts"
row "Mixed load: attachment PDFs of a published round p99" "$MIXED_PDF_P99 ms" "≤ 500 ms" "$(verdict "$MIXED_PDF_P99" '<=' 500); $MIXED_PDF_CONN clients, $(fmt1 "$MIXED_PDF_RPS") req/s, $MORNING_PDFS attachments (rendered ahead: $MIXED_AHEAD), $MIXED_PDF_RENDERS renders during the load"
row "Mixed load: errors (non-2xx/3xx, socket errors, failed saves)" "$MIXED_ERRORS" "0" "$(verdict "$MIXED_ERRORS" '<=' 0)"
row "Mixed load: peak RSS" "$(both "$(mb "$MIXED_RSS_PEAK")")" "≤ 128 MB" "$(under_mb "$(mb "$MIXED_RSS_PEAK")" 128)"
fi
if want wal; then
row "\`-wal\` file, ${WAL_SECONDS} s of saves ($CONNECTIONS clients) and dashboard reads (32): largest" "$(both "$WAL_MAX_MB")" "≤ 64 MB" "$(under_mb "$WAL_MAX_MB" 64); $WAL_SAVES saves, $WAL_READS dashboard reads"
row "\`-wal\` file ${WAL_AFTER_SECONDS} s after the load" "$(both "$WAL_AFTER_MB")" "≤ 4 MB" "$(under_mb "$WAL_AFTER_MB" 4)"
fi
if want postgres; then
PG_RATIO="$(ratio "$PG_DASH_RPS" "$SQLITE_DASH_RPS")"
row "PostgreSQL, two processes behind deploy/nginx.conf: dashboard req/s / one SQLite process" "$PG_RATIO" "≥ 0.8" "$(verdict "$PG_RATIO" '>=' 0.8); $(fmt1 "$PG_DASH_RPS") vs $(fmt1 "$SQLITE_DASH_RPS") req/s, p99 $PG_DASH_P99 ms"
row "PostgreSQL, two processes: form saves (12 answers, $CONNECTIONS clients)" "$(fmt1 "$PG_SAVE_RPS") saves/s, p99 $PG_SAVE_P99 ms" "≥ 1,000/s, p99 ≤ 50 ms, 0 conflicts" "$(verdict "$PG_SAVE_RPS" '>=' 1000) / $(verdict "$PG_SAVE_P99" '<=' 50) / $PG_SAVE_CONFLICTS conflicts: $(verdict "$PG_SAVE_CONFLICTS" '<=' 0); $PG_SAVE_OTHER other answers"
fi
SETUP="${BENCH_SETUP_S:-}"; CI_S="${BENCH_CI_S:-}"
min_s() { if [ -z "$1" ]; then echo "not measured"; else LC_ALL=C awk -v s="$1" 'BEGIN { printf "%d min %02d s", s / 60, s % 60 }'; fi; }
row "Fresh clone → README's \`cargo run --release -- serve --demo\` answering" "$(min_s "$SETUP")" "≤ 10 min" "$(verdict "$SETUP" '<=' 600); benches/setup-time.sh"
row "\`.ci/run\` on a fresh clone" "$(min_s "$CI_S")" "≤ 20 min" "$(verdict "$CI_S" '<=' 1200); benches/setup-time.sh --ci"
row "Release binary size" "$SIZE_MB MB ($SIZE_MIB MiB)" "≤ 60 MB" "$(verdict "$SIZE_BYTES" '<=' 60000000); $(echo "$SIZE_BYTES" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') bytes, $(basename "$(dirname "$BIN")") build"

MACHINE="$(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(free -g | awk '/^Mem:/ { print $2 " GB" }') memory; load average at the start: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
TABLE="$(
  echo "| figure | measured | target | notes |"
  echo "|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
)"
echo
echo "$TABLE"
echo
echo "Machine: $MACHINE. wrk: $CONNECTIONS connections, $THREADS threads, $DURATION after $WARMUP warm-up."

if [ "$WRITE_DOCS" = 1 ]; then
  python3 - "$ROOT/docs/benchmarks.md" "$TABLE" "$MACHINE; $(date -u '+%Y-%m-%d %H:%M UTC'); wrk $CONNECTIONS connections, $THREADS threads, $DURATION after $WARMUP warm-up" <<'PY'
import sys, re
path, table, machine = sys.argv[1:4]
text = open(path, encoding="utf-8").read()
block = "<!-- results -->\n" + table + "\n\nRun: " + machine + ".\n<!-- /results -->"
text = re.sub(r"<!-- results -->.*?<!-- /results -->", lambda m: block, text, flags=re.S)
open(path, "w", encoding="utf-8").write(text)
PY
  echo "docs/benchmarks.md updated" >&2
fi
