-- wrk script for bench/flash_sale.sh: the rush on a flash sale,
-- POST /api/v1/flash-sales/{id}/orders {"member_id":M,"quantity":1,"key":"<run>-<thread>-<n>"}
-- with M drawn at random, per request, from a file of member ids (one a line), and every
-- idempotency key new.
-- Arguments (after `--`): ids file, sale id, per-member limit, run tag, marker file (written
-- once, at the first "sold_out" refusal, so the caller can stop wrk then; "-" for none).
-- Counts per thread: answers by kind, and the demand: requests sent that were within the
-- member's limit (the member's 1st to L-th request of this run), which the store must serve
-- until the stock is gone. done() prints one machine-readable BENCH line.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local ids, asked = {}, {}
local path, limit, run, marker
sent, demand, created, again, sold_out, over_limit, refused_other, errors = 0, 0, 0, 0, 0, 0, 0, 0
first_error = ""
local marked = false

function init(args)
  local f = assert(io.open(assert(args[1], "ids file argument required"), "r"))
  for line in f:lines() do
    local v = tonumber(line)
    if v then ids[#ids + 1] = v end
  end
  f:close()
  assert(#ids > 0, "no ids in " .. args[1])
  path = "/api/v1/flash-sales/" .. assert(args[2], "sale id argument required") .. "/orders"
  limit = tonumber(args[3] or "1")
  run = (args[4] or "r") .. "-" .. id
  marker = args[5]
  if marker == "-" then marker = nil end
  math.randomseed(os.time() * 7919 + id)
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  sent = sent + 1
  local m = ids[math.random(#ids)]
  local n = (asked[m] or 0) + 1
  asked[m] = n
  if n <= limit then demand = demand + 1 end
  return wrk.format("POST", path, nil,
    string.format('{"member_id":%d,"quantity":1,"key":"%s-%d"}', m, run, sent))
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status == 409 then
    if body:find('"sold_out"', 1, true) then
      sold_out = sold_out + 1
      if marker and not marked then
        marked = true
        local f = io.open(marker, "w")
        if f then f:write("sold out\n"); f:close() end
      end
    elseif body:find('"over_limit"', 1, true) then
      over_limit = over_limit + 1
    else
      refused_other = refused_other + 1
      if first_error == "" then first_error = "409 " .. body:sub(1, 300) end
    end
  elseif status == 200 then
    again = again + 1
  else
    errors = errors + 1
    if first_error == "" then first_error = status .. " " .. body:sub(1, 300) end
  end
end

function done(summary, latency, requests)
  local t = { sent = 0, demand = 0, created = 0, again = 0, sold_out = 0, over_limit = 0,
    refused_other = 0, errors = 0 }
  local first = ""
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (th:get(k) or 0) end
    local e = th:get("first_error")
    if first == "" and e and e ~= "" then first = e end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d " ..
    "sent=%d demand=%d created=%d again=%d sold_out=%d over_limit=%d refused_other=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout,
    t.sent, t.demand, t.created, t.again, t.sold_out, t.over_limit, t.refused_other, t.errors))
  if first ~= "" then io.write("first error: " .. first:gsub("\n", " ") .. "\n") end
end
