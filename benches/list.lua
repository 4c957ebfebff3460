-- wrk script for benches/run.sh: GET a list of (cookie, path) pairs in turns, each thread
-- starting at its own place in the list, and print one machine-readable line at the end.
-- The mixed load runs one wrk per kind (dashboards, attachment PDFs) with this script, so that
-- each kind has its own latency percentiles.
--
-- Environment: BENCH_LIST, a file with one request per line: cookie <TAB> path.

local list = {}
for line in io.lines(os.getenv("BENCH_LIST")) do
  local cookie, path = string.match(line, "^([^\t]*)\t(.+)$")
  if path then table.insert(list, {cookie, path}) end
end
local next_thread = 0
local threads = {}

function setup(thread)
  next_thread = next_thread + 1
  thread:set("start", next_thread)
  table.insert(threads, thread)
end

function init(args)
  at = start * 7
  bytes_seen = 0
end

function request()
  at = at + 1
  local item = list[(at % #list) + 1]
  local headers = {}
  if item[1] ~= "" then headers["Cookie"] = item[1] end
  return wrk.format("GET", item[2], headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p50=%.2f p90=%.2f p99=%.2f p999=%.2f max=%.2f status_errors=%d socket_errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
