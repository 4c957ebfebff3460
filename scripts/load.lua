-- wrk script for scripts/load.sh: a mix of what people and scripts do during a status round,
-- signed in as the KKR secretariat (one session cookie) and with one API token.
--
-- Environment (set by load.sh): LOAD_COOKIE, LOAD_CSRF, LOAD_TOKEN, LOAD_RECS (comma-separated
-- recommendation ids), LOAD_CODES (comma-separated municipality codes whose forms are drafts).

local cookie = os.getenv("LOAD_COOKIE")
local csrf = os.getenv("LOAD_CSRF")
local token = os.getenv("LOAD_TOKEN")
local recs = {}
for id in string.gmatch(os.getenv("LOAD_RECS") or "", "[^,]+") do table.insert(recs, id) end
local codes = {}
for code in string.gmatch(os.getenv("LOAD_CODES") or "", "[^,]+") do table.insert(codes, code) end

-- weight, kind, path
local mix = {
  {25, "page", "/rounds/2"},
  {15, "page", "/rounds/2/heatmap"},
  {10, "page", "/rounds/2/municipalities/147"},
  {5,  "page", "/years/2017"},
  {5,  "page", "/rounds/2/chart.svg"},
  {10, "form", nil},
  {10, "save", nil},
  {10, "api",  "/api/v1/rounds/2/summary"},
  {5,  "api",  "/api/v1/rounds/2/responses"},
  {5,  "api",  "/api/v1/rounds"},
}
local total = 0
for _, m in ipairs(mix) do total = total + m[1] end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  versions = {}
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
  last_code = codes[1]
end

local function pick()
  local r = math.random(total)
  for _, m in ipairs(mix) do
    if r <= m[1] then return m end
    r = r - m[1]
  end
  return mix[1]
end

local function form_path(code)
  return "/rounds/2/municipalities/" .. code .. "/form"
end

function request()
  local m = pick()
  local headers = {}
  local kind, path = m[2], m[3]
  if kind == "api" then
    headers["Authorization"] = "Bearer " .. token
    return wrk.format("GET", path, headers)
  end
  headers["Cookie"] = cookie
  if kind == "page" then
    return wrk.format("GET", path, headers)
  end
  last_code = codes[math.random(#codes)]
  if kind == "form" then
    return wrk.format("GET", form_path(last_code), headers)
  end
  -- A draft save of every answer, from the version this thread saw last.
  local body = "csrf_token=" .. csrf .. "&version=" .. (versions[last_code] or "0") .. "&action=save"
  for i, id in ipairs(recs) do
    local status = ({"green", "yellow", "red"})[(i % 3) + 1]
    body = body .. "&status-" .. id .. "=" .. status .. "&comment-" .. id .. "=Status+fra+belastningstest+" .. math.random(1000000)
  end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", form_path(last_code), headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if body then
    local version = string.match(body, 'name="version" value="(%d+)"')
    local code = string.match(body, 'municipalities/(%d%d%d)/form')
    if version and code then versions[code] = version end
  end
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do totals[code] = (totals[code] or 0) + n end
  end
  local codes_seen = {}
  for code, _ in pairs(totals) do table.insert(codes_seen, code) end
  table.sort(codes_seen)
  for _, code in ipairs(codes_seen) do
    io.write(string.format("status %d %d\n", code, totals[code]))
  end
  local e = summary.errors
  io.write(string.format("socket_errors connect %d read %d write %d timeout %d\n",
    e.connect, e.read, e.write, e.timeout))
  io.write(string.format("requests %d seconds %.1f rps %.0f\n", summary.requests,
    summary.duration / 1e6, summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency_ms p50 %.1f p90 %.1f p99 %.1f max %.1f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
