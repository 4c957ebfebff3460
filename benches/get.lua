-- wrk script for benches/run.sh: GET one path with a session cookie or a bearer token, and
-- print one machine-readable line at the end.
--
-- Environment: BENCH_COOKIE ("trafiklys=…") or BENCH_AUTH ("Bearer tl_…"), both optional.

local cookie = os.getenv("BENCH_COOKIE")
local auth = os.getenv("BENCH_AUTH")
if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p50=%.2f p99=%.2f status_errors=%d socket_errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
