-- Every change to one interaction's shared event log, in one atomic step, so that relays appending
-- at the same time never give two events one id, nor an id that goes back (crates/relay/src/shared.rs).
--
-- KEYS[1] info (hash: epoch, seq, open, last_state, finished)   KEYS[2] log (stream, ids 0-SEQ)
-- KEYS[3] agent-message hashes (set)   KEYS[4] triggers held for it (list)   KEYS[5] held interactions (zset)
-- ARGV[1] mode: open | trigger | customer    ARGV[2] interaction hash    ARGV[3] now (unix ms)
-- ARGV[4] max events    ARGV[5] hold ms    ARGV[6] held cutoff (now - hold)    ARGV[7] max held
-- ARGV[8] idle ttl ms    ARGV[9] finished ttl ms
-- ARGV[10] dedupe: "a:" agent message hash | "s:" the state trigger | ""    ARGV[11] finished: "1" | ""
-- ARGV[12] the event's data (a trigger as zChat sent it, or a customer message)
-- Returns {"appended", epoch, seq} | {"duplicate"} | {"held"} | {"dropped"} | {"opened"}.
local info, log, msgs, held, heldset = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local hash, now = ARGV[2], ARGV[3]

local function append(kind, dedupe, finished, data)
  if string.sub(dedupe, 1, 2) == 'a:' then
    if redis.call('SADD', msgs, string.sub(dedupe, 3)) == 0 then return {'duplicate'} end
    redis.call('HDEL', info, 'last_state')
  elseif dedupe ~= '' then
    if redis.call('HGET', info, 'last_state') == dedupe then return {'duplicate'} end
    redis.call('HSET', info, 'last_state', dedupe)
  end
  if finished == '1' then redis.call('HSET', info, 'finished', now) end
  local seq = tostring(redis.call('HINCRBY', info, 'seq', 1))
  local epoch = redis.call('HGET', info, 'epoch')
  redis.call('XADD', log, 'MAXLEN', ARGV[4], '0-' .. seq, 'k', kind, 'd', data, 't', now)
  redis.call('PUBLISH', 'zchat:events', hash .. '\n' .. epoch .. '\n' .. seq .. '\n' .. kind .. '\n' .. now .. '\n' .. data)
  return {'appended', epoch, seq}
end

local function open()
  if redis.call('HGET', info, 'open') then return end
  redis.call('HSET', info, 'open', '1')
  redis.call('HSETNX', info, 'epoch', now)
  local waiting = redis.call('LRANGE', held, 0, -1)
  redis.call('DEL', held)
  redis.call('ZREM', heldset, hash)
  for _, entry in ipairs(waiting) do
    local held_trigger = cjson.decode(entry)
    append('trigger', held_trigger[1], held_trigger[2], held_trigger[3])
  end
end

local result = {'opened'}
if ARGV[1] == 'open' then
  open()
elseif ARGV[1] == 'customer' then
  open()
  result = append('customer_message', '', '', ARGV[12])
elseif redis.call('HGET', info, 'open') then
  result = append('trigger', ARGV[10], ARGV[11], ARGV[12])
else
  -- Not opened anywhere yet: held until the create answer opens it, for the hold window.
  redis.call('ZREMRANGEBYSCORE', heldset, '-inf', ARGV[6])
  local known = redis.call('ZSCORE', heldset, hash)
  if (not known and redis.call('ZCARD', heldset) >= tonumber(ARGV[7])) or redis.call('LLEN', held) >= 100 then
    return {'dropped'}
  end
  if not known then redis.call('ZADD', heldset, now, hash) end
  -- As JSON: a message hash or a body may hold any character, a newline included.
  redis.call('RPUSH', held, cjson.encode({ARGV[10], ARGV[11], ARGV[12]}))
  redis.call('PEXPIRE', held, ARGV[5])
  return {'held'}
end

-- A log lives idle-ttl after it was last opened or written by the visitor, finished-ttl after
-- `finished`. A trigger refreshes nothing (that would double its commands) unless a key it made
-- has no expiry yet.
if ARGV[1] ~= 'trigger' or ARGV[11] == '1' or redis.call('PTTL', log) == -1 or redis.call('PTTL', msgs) == -1 then
  local ttl = ARGV[8]
  if redis.call('HEXISTS', info, 'finished') == 1 then ttl = ARGV[9] end
  redis.call('PEXPIRE', info, ttl)
  redis.call('PEXPIRE', log, ttl)
  redis.call('PEXPIRE', msgs, ttl)
end
return result
