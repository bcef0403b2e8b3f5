-- wrk script for bench/http.sh: POST /api/v1/events with batches spread like real traffic:
-- each event's member drawn from a file of member ids (10,000 in http.sh), its group from a
-- file of group ids (40), kinds mixed in the shared generator's proportions (message 54.5%,
-- click 24.4%, share 7.5%, join 6.0%, leave 1.9%, order 5.6%), each with properties (joins
-- with a scene and, for invitations, an inviter drawn from a third file of member ids), times
-- spread over the hour before the run.
-- Arguments (after `--`): ingest members file, groups file, inviters file, run tag, batch size
-- (default 1000), now in unix ms, seed (default 1).
-- Idempotency keys are "<run>-<thread>-<request>.<i>", never repeated. Bodies are made from
-- TEMPLATES pre-drawn batches (the key inserted per request with one table.concat), so Lua
-- is not the bottleneck; request n uses template n % TEMPLATES.

local TEMPLATES = 64
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local keyhead
local templates = {}
local batch = 0
stored = 0      -- read by done() through thread:get
failed = 0
first_error = ""

local function read_ids(path)
  local out = {}
  assert(path, "ids file argument required")
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    local v = tonumber(line)
    if v then out[#out + 1] = v end
  end
  f:close()
  assert(#out > 0, "no ids in " .. path)
  return out
end

-- cumulative shares of the kinds (per mille)
local KINDS = {
  { 545, "message" }, { 789, "click" }, { 864, "share" }, { 924, "join" }, { 943, "leave" },
  { 1000, "order" },
}
local SCENES = { "qr", "poster", "invite", "partner_shop", "referral" }
local SURFACES = { "home", "product", "campaign", "article" }

local function kind_of(r)
  for _, k in ipairs(KINDS) do
    if r <= k[1] then return k[2] end
  end
  return "message"
end

-- one event after its idempotency key's ".<i>"
local function item(i, members, groups, inviters, now)
  local kind = kind_of(math.random(1000))
  local m = members[math.random(#members)]
  local g = groups[math.random(#groups)]
  local at = now - math.random(0, 3600000)
  local head = string.format('.%d","kind":"%s","member_id":%d,"group_id":%d,"occurred_at_ms":%d',
    i, kind, m, g, at)
  local tail
  if kind == "message" then
    tail = string.format(',"properties":{"msg_type":"%s","chars":%d}}',
      math.random(10) <= 8 and "text" or "image", math.random(1, 300))
  elseif kind == "click" then
    tail = string.format(',"properties":{"surface":"%s","url":"https://shop.example.com/p/%d"}}',
      SURFACES[math.random(#SURFACES)], math.random(1, 5000))
  elseif kind == "share" then
    tail = string.format(',"reference":"c%d","properties":{"target":"%s","content_id":"c%d"}}',
      math.random(1, 2000), math.random(2) == 1 and "moments" or "chat", math.random(1, 2000))
  elseif kind == "join" then
    local scene = SCENES[math.random(#SCENES)]
    if scene == "invite" then
      tail = string.format(',"properties":{"join_scene":"invite","inviter_member_id":%d}}',
        inviters[math.random(#inviters)])
    else
      tail = string.format(',"properties":{"join_scene":"%s"}}', scene)
    end
  elseif kind == "leave" then
    tail = ',"properties":{"reason":"self"}}'
  else -- order
    tail = string.format(',"amount_fen":%d,"product":"sku-%d","properties":{"channel":"h5","items":%d}}',
      math.random(100, 50000), math.random(1, 2000), math.random(1, 5))
  end
  return head .. tail
end

function init(args)
  local members = read_ids(args[1])
  local groups = read_ids(args[2])
  local inviters = read_ids(args[3])
  local run = args[4] or "r"
  local size = tonumber(args[5]) or 1000
  local now = tonumber(args[6]) or 1700000000000
  math.randomseed((tonumber(args[7]) or 1) * 104729 + id)
  for t = 1, TEMPLATES do
    local suffixes = {}
    for i = 1, size do
      suffixes[i] = item(i, members, groups, inviters, now)
    end
    templates[t] = suffixes
  end
  keyhead = run .. "-" .. id .. "-"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  batch = batch + 1
  local kp = keyhead .. batch
  local body = '{"events":[{"idempotency_key":"' .. kp
    .. table.concat(templates[(batch % TEMPLATES) + 1], ',{"idempotency_key":"' .. kp) .. "]}"
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
