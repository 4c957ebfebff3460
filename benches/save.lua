-- wrk script for benches/run.sh: form saves. Run with as many threads as connections, so
-- each thread is one client with its own session, CSRF token and form, saving it again and
-- again from the version its last save made (no conflicts between clients).
--
-- Environment: BENCH_CLIENTS, a file with one client per line:
--   cookie <TAB> csrf token <TAB> form path <TAB> form version <TAB> recommendation ids (a,b,…)

local clients = {}
for line in io.lines(os.getenv("BENCH_CLIENTS")) do table.insert(clients, line) end
local next_client = 0
local threads = {}

function setup(thread)
  next_client = next_client + 1
  thread:set("line", clients[((next_client - 1) % #clients) + 1])
  table.insert(threads, thread)
end

function init(args)
  local fields = {}
  for f in string.gmatch(line, "[^\t]+") do table.insert(fields, f) end
  cookie, csrf, path, version = fields[1], fields[2], fields[3], tonumber(fields[4])
  recs = {}
  for id in string.gmatch(fields[5], "[^,]+") do table.insert(recs, id) end
  saves, conflicts, other, n = 0, 0, 0, 0
end

function request()
  n = n + 1
  local parts = {"csrf_token=" .. csrf, "version=" .. version, "action=save"}
  for i, id in ipairs(recs) do
    local status = ({"green", "yellow", "red"})[((i + n) % 3) + 1]
    table.insert(parts, "status-" .. id .. "=" .. status)
    table.insert(parts, "comment-" .. id .. "=Gemt+af+belastningstesten+" .. n)
  end
  return wrk.format("POST", path, {
    ["Cookie"] = cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, table.concat(parts, "&"))
end

function response(status, headers, body)
  if status == 303 then
    saves = saves + 1
    version = version + 1
  elseif status == 409 then
    conflicts = conflicts + 1
    local v = body and string.match(body, 'name="version" value="(%d+)"')
    if v then version = tonumber(v) end
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local s, c, o = 0, 0, 0
  for _, t in ipairs(threads) do
    s = s + t:get("saves"); c = c + t:get("conflicts"); o = o + t:get("other")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p50=%.2f p90=%.2f p99=%.2f p999=%.2f max=%.2f status_errors=%d socket_errors=%d saves=%d conflicts=%d other=%d saves_per_s=%.1f\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, s, c, o,
    s / (summary.duration / 1e6)))
end
