-- wrk script for bench/http.sh: POST /api/v1/events with batches of events.
-- Arguments (after `--`): member_id, run tag, occurred_at_ms, batch size (default 1000).
-- Idempotency keys are "<run>-<thread>-<request>.<i>": never repeated within a run, and the
-- run tag keeps them apart across runs on a reused database.
-- The body is one table.concat over per-item suffixes built once, so Lua is not the bottleneck.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local keyhead, suffixes
local batch = 0
stored = 0      -- read by done() through thread:get
failed = 0
first_error = ""

function init(args)
  local member = assert(tonumber(args[1]), "member_id argument required")
  local run = args[2] or "r"
  local at = tonumber(args[3]) or 1700000000000
  local size = tonumber(args[4]) or 1000
  local rest = string.format('","kind":"message","member_id":%d,"occurred_at_ms":%d}', member, at)
  suffixes = {}
  for i = 1, size do
    suffixes[i] = "." .. i .. rest
  end
  keyhead = run .. "-" .. id .. "-"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  batch = batch + 1
  local kp = keyhead .. batch
  -- item i is {"idempotency_key":"<kp>.<i>",...}: one concat, the separator carries the key prefix
  local body = '{"events":[{"idempotency_key":"' .. kp
    .. table.concat(suffixes, ',{"idempotency_key":"' .. kp) .. "]}"
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 200 then
    local n = tonumber(string.match(body, '"stored":(%d+)'))
    stored = stored + (n or 0)
  else
    failed = failed + 1
    if first_error == "" then first_error = status .. " " .. string.sub(body, 1, 300) end
  end
end

function done(summary, latency, requests)
  local total, bad = 0, 0
  for _, t in ipairs(threads) do
    total = total + t:get("stored")
    bad = bad + t:get("failed")
    local err = t:get("first_error")
    if err ~= "" then io.write("first error: " .. err .. "\n") end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d stored=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    math.max(e.status, bad), e.connect + e.read + e.write + e.timeout, total))
end
