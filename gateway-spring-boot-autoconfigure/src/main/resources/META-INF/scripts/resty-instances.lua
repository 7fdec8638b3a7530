-- Resty Gateway: one instance's heartbeat, and how many instances are alive.
-- KEYS[1]  a sorted set of instances, scored by their last heartbeat (ms, Redis's clock)
-- ARGV[1]  this instance's id
-- ARGV[2]  how long an instance counts as alive after its last heartbeat, ms
-- Returns the number of live instances, this one included.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
redis.call('PEXPIRE', KEYS[1], ttl * 2)
return redis.call('ZCARD', KEYS[1])
