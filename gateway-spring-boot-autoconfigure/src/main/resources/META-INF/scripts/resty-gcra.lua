-- Resty Gateway: one GCRA decision (nginx limit_req's leaky bucket) on one key, atomically.
-- KEYS[1]  the bucket's key: one key per call, so it is safe on Redis Cluster
-- ARGV[1]  T, microseconds between requests at the rate
-- ARGV[2]  tau = burst * T, microseconds
-- ARGV[3]  the request's cost
-- ARGV[4]  the ban, microseconds: a refusal bans the key for this long (0: no ban)
-- ARGV[5]  the time in microseconds: tests only; the server's own clock otherwise
-- The key holds the TAT in microseconds, or 'b' followed by the end of a ban.
-- Returns {allowed (1|0), excess (allowed) or retry-after (refused) in microseconds, remaining, state}, where state
-- is the TAT, 0 for none, or -(end of ban) - 1.
-- Microsecond times (about 1.7e15) are exact in Lua's doubles; they are written with %d, never tostring().
local now = tonumber(ARGV[5])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local ban = tonumber(ARGV[4]) or 0
local value = redis.call('GET', KEYS[1])
local stored = nil
if value then
  if string.sub(value, 1, 1) == 'b' then
    local ends = tonumber(string.sub(value, 2))
    if ends > now then
      return {0, ends - now, 0, -ends - 1}
    end
  else
    stored = tonumber(value)
  end
end
local tat = now
if stored and stored > now then
  tat = stored
end
local extra = (cost - 1) * interval
if tat - now + extra > tolerance then
  if ban > 0 then
    -- lua-resty-redis-ratelimit's duration: refused for the whole ban, then a fresh start.
    redis.call('SET', KEYS[1], 'b' .. string.format('%d', now + ban), 'PX', math.ceil(ban / 1000))
    return {0, ban, 0, -(now + ban) - 1}
  end
  local remaining = math.floor((tolerance - (tat - now)) / interval) + 1
  if remaining < 0 then remaining = 0 end
  return {0, tat + extra - tolerance - now, remaining, stored or 0}
end
local new = tat + cost * interval
-- The key lives exactly as long as its horizon: never shorter (that would forget a debt), never longer.
redis.call('SET', KEYS[1], string.format('%d', new), 'PX', math.ceil((new - now) / 1000))
local remaining = math.floor((tolerance - (new - now)) / interval) + 1
if remaining < 0 then remaining = 0 end
return {1, tat - now, remaining, new}
