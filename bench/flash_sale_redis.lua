-- The peer of bench/flash_sale.sh: a flash-sale buy as the mall systems make it (CRMEB,
-- yudao: stock and per-member counts in Redis, one Lua script so the checks and the writes
-- are atomic). Loaded once with SCRIPT LOAD, called with EVALSHA.
--
-- KEYS[1] the sale's stock left (a string holding an integer, SET to the stock beforehand)
-- KEYS[2] the sale's buyers: a hash member -> units held
-- KEYS[3] the order counter (INCR gives the next order id)
-- KEYS[4] the orders' key prefix: each order is the hash KEYS[4] .. id
-- ARGV[1] the member, ARGV[2] the quantity, ARGV[3] the per-member limit,
-- ARGV[4] the hold, minutes
--
-- Returns 1 when the units are held for the member (the order is recorded), 0 when the buy
-- is refused (over the member's limit, or not enough units left); a refusal writes nothing.
-- With appendonly yes and appendfsync always, the writes are in the AOF and fsynced before
-- the reply is sent.
local member = ARGV[1]
local quantity = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local had = tonumber(redis.call('HGET', KEYS[2], member) or '0')
if had + quantity > limit then
  return 0
end
local left = tonumber(redis.call('GET', KEYS[1]) or '0')
if left < quantity then
  return 0
end
redis.call('DECRBY', KEYS[1], quantity)
redis.call('HINCRBY', KEYS[2], member, quantity)
local id = redis.call('INCR', KEYS[3])
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('HSET', KEYS[4] .. id,
  'member', member, 'quantity', quantity, 'state', 'held',
  'held_at_ms', now_ms, 'hold_until_ms', now_ms + tonumber(ARGV[4]) * 60000)
return 1
