-- wrk script for bench/http.sh: GET /api/v1/members/{id} on a member drawn at random, per
-- request, from a file of member ids (one a line), so reads spread over the whole tenant and
-- mostly miss the API's member cache (every ingest batch of the tenant invalidates it anyway).
-- Arguments (after `--`): ids file, seed (default 1). BENCH_READ_PAUSE_MS in the environment
-- (default 0: closed loop) makes each connection wait that long between its requests (wrk
-- looks for delay() when the script loads, so it is read here and not in init).

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local ids = {}
local pause = tonumber(os.getenv("BENCH_READ_PAUSE_MS") or "0") or 0

function init(args)
  local path = assert(args[1], "ids file argument required")
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    local v = tonumber(line)
    if v then ids[#ids + 1] = v end
  end
  f:close()
  assert(#ids > 0, "no ids in " .. args[1])
  math.randomseed((tonumber(args[2]) or 1) * 7919 + id)
end

function request()
  return wrk.format("GET", "/api/v1/members/" .. ids[math.random(#ids)])
end

if pause > 0 then
  function delay()
    return pause
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d stored=-1\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
