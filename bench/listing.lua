-- wrk script for bench/noisy_neighbour.sh: the noisy tenant's listings, in turn — the newest
-- events, a kind's events, the newest 200 — each its first page (the case that sorted the
-- whole tenant before keyset pagination). The BENCH line is report.lua's.
local paths = {
  "/api/v1/events",
  "/api/v1/events?kind=order",
  "/api/v1/events?limit=200",
  "/api/v1/events?kind=share&limit=100",
}
local n = 0

function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d stored=-1\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
