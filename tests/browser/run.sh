#!/usr/bin/env bash
# Real-browser checks of the pages: Debian's chromium driven by playwright-core, axe-core,
# the Nu HTML Checker (vnu.jar on the machine's Java), reflow at 320 px, focus contrast, the
# keyboard-only form walk, the error summary and the conflict page in two browser contexts.
#
#   tests/browser/run.sh                      # builds the release binary, then runs the suite
#   TRAFIKLYS_BIN=path/to/trafiklys tests/browser/run.sh
#
# Needs: chromium (/usr/bin/chromium), java, node and npm. The npm packages are installed
# from the committed package-lock.json (`npm ci`); no browser is downloaded.
# Screenshots and the saved HTML go to tests/browser/out/ (not committed).
# Exits non-zero on any failure; the last line is "N passed, N failed".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

for tool in node npm java; do
  command -v "$tool" >/dev/null 2>&1 || { echo "browser tests: $tool is missing" >&2; exit 2; }
done
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || {
  echo "browser tests: no chromium at ${CHROMIUM:-/usr/bin/chromium} (apt-get install chromium chromium-driver)" >&2
  exit 2
}

if [ ! -d "$here/node_modules/playwright-core" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

bin="${TRAFIKLYS_BIN:-}"
if [ -z "$bin" ]; then
  (cd "$root" && cargo build --release --locked --quiet)
  bin="${CARGO_TARGET_DIR:-$root/target}/release/trafiklys"
fi

work="$(mktemp -d)"
# A private copy: a target folder shared with other checkouts may get another build meanwhile.
cp "$bin" "$work/trafiklys"
bin="$work/trafiklys"
server_pid=
provider_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$provider_pid" ]; then kill "$provider_pid" 2>/dev/null || true; wait "$provider_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A free loopback port: bind port 0 and read what the kernel chose.
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();})'; }
port="$(free_port)"

# The test identity provider (tests/oidc, as the integration tests use it), when its packages
# are installed (`npm ci` there; .ci/run does): the sign-in page then lists it, and the suite
# signs in through it as the demo editor.
oidc_dir="$root/tests/oidc"
if [ -d "$oidc_dir/node_modules/oidc-provider" ]; then
  provider_port="$(free_port)"
  export TRAFIKLYS_OIDC_LABEL="Log ind med Frederiksberg Kommunes login"
  cat >"$work/oidc.toml" <<TOML
[[provider]]
id = "frederiksberg"
label = "$TRAFIKLYS_OIDC_LABEL"
issuer = "http://127.0.0.1:$provider_port"
client_id = "trafiklys"
client_secret = "browser-suite-client-secret"
[provider.domains]
"frederiksberg.example" = "147"
TOML
  (cd "$oidc_dir" && PORT="$provider_port" CLIENT_ID=trafiklys CLIENT_SECRET=browser-suite-client-secret \
    REDIRECT_URIS="http://127.0.0.1:$port/login/sso/frederiksberg/callback" \
    POST_LOGOUT_URIS="http://127.0.0.1:$port/" DEFAULT_LOGIN=editor@frederiksberg.example \
    exec node provider.mjs >"$work/provider.log" 2>&1) &
  provider_pid=$!
  export TRAFIKLYS_OIDC_CONFIG="$work/oidc.toml"
else
  echo "note: tests/oidc has no node_modules (npm ci --ignore-scripts there); no identity provider in this run" >&2
fi
(cd "$work" && exec "$bin" --database-url "$work/browser.db" serve --demo --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1) &
server_pid=$!
for _ in $(seq 120); do
  grep -q "is running at" "$work/serve.log" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.5
done
grep -q "is running at" "$work/serve.log" || { echo "the server did not start" >&2; cat "$work/serve.log" >&2; exit 1; }

# The public pages only show published rounds: publish the demo's 2016 round.
for step in close publish; do
  "$bin" --database-url "$work/browser.db" round "$step" 1 >/dev/null 2>&1 || true
done
curl -fsS "http://127.0.0.1:$port/public/rounds/1" >/dev/null 2>&1 || echo "note: /public/rounds/1 is not published" >&2

# KKR Sjælland's model beside the demo: a round with a common focus area and two job clusters
# with focus areas of their own, set up on the command line as a secretariat could.
cli() { "$bin" --database-url "$work/browser.db" "$@"; }
cluster_password="en-lang-adgangskode-til-klyngerne"
echo "$cluster_password" | cli user add --email sekretariat@kkr-sjaelland.example --role admin \
  --kkr Sjælland --name "KKR Sjællands sekretariat" --password-stdin >/dev/null
vest="$(cli group create --kkr Sjælland --name "Jobklynge Vest" --members 306,316,326,330,340)"
cli group create --kkr Sjælland --name "Jobklynge Øst" --members 253,259,265,269,329,350 >/dev/null
cluster_round="$(cli round create --kkr Sjælland --year 2016 --title "Status på fokusområder og jobklynger 2016" \
  --subject beskæftigelsesområdet --deadline "1.12.2030 23.59")"
cat >"$work/klynger.csv" <<'CSV'
Indsatsområde nr.,Indsatsområde,Gruppe,Nr.,Anbefaling,Forpligtende
1,Store anlægsprojekter,,1.1,Beskæftigelse i de store anlægsprojekter,forpligtende
2,Virksomhedsservice,Jobklynge Vest,2.1,Fælles virksomhedsservice i Vestsjælland,frivillig
3,Pendling,Jobklynge Øst,3.1,Pendlingsindsats mod hovedstaden,frivillig
CSV
cli import recommendations "$work/klynger.csv" --round "$cluster_round" >/dev/null
echo "Fælles virksomhedsservice og et rekrutteringskontor i Slagelse." >"$work/forventninger.txt"
cli group expectations --round "$cluster_round" --group "$vest" "$work/forventninger.txt" >/dev/null
cli round open "$cluster_round" >/dev/null
export TRAFIKLYS_CLUSTERS="$cluster_round $vest sekretariat@kkr-sjaelland.example $cluster_password"

export TRAFIKLYS_BASE="http://127.0.0.1:$port"
export TRAFIKLYS_SIGNINS="$work/serve.log"
export BROWSER_OUT="${BROWSER_OUT:-$here/out}"
node "$here/suite.js"
