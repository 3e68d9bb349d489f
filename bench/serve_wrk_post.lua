-- wrk script for bench/serve_vs_fastapi.sh: every request is
--   POST <the URL's path and query>  Content-Type: application/json  body = bench/serve_lead.json
-- (the file beside this script; WRK_BODY_FILE overrides it). At the end it prints one line
--   MLCTL_BENCH {"requests":…,"duration_us":…,"rps":…,"p50_us":…,"p90_us":…,"p99_us":…,"max_us":…,"errors":…,"non2xx":…}
-- for the benchmark script to parse; wrk's own report (with --latency) comes before it.

local function script_dir()
  local source = debug.getinfo(1, "S").source
  return source:sub(1, 1) == "@" and (source:sub(2):match("^(.*)/[^/]*$") or ".") or "."
end

local path = os.getenv("WRK_BODY_FILE") or (script_dir() .. "/serve_lead.json")
local file = assert(io.open(path, "rb"), "cannot read request body " .. path)
local body = file:read("*a"):gsub("%s+$", "")
file:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'MLCTL_BENCH {"requests":%d,"duration_us":%d,"rps":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"errors":%d,"non2xx":%d}\n',
    summary.requests, summary.duration, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, e.status))
end
