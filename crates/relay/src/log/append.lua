-- Every change to one interaction's shared event log, in one atomic step, so that relays appending
-- at the same time never give two events one id, nor an id that goes back (crates/relay/src/log/shared.rs).
-- The rules are the memory log's (crates/relay/src/log/mod.rs): the oldest events go while the log
-- is over its count or its bytes (the newest always stays), the redelivery filter forgets what the
-- log forgets, and held triggers are bounded by count and bytes over all interactions not yet
-- opened, each interaction's going `hold` after its first was held.
--
-- KEYS[1] info (hash: epoch, seq, open, last_state, finished, bytes; lx, fx once the log and the
--         filter were given an expiry)   KEYS[2] log (stream, ids 0-SEQ)
-- KEYS[3] agent-message hashes (zset, score = the message's seq)   KEYS[4] triggers held for it (list)
-- KEYS[5] interactions holding triggers (zset, score = when the first was held)
-- KEYS[6] what each holds (hash: HASH -> "count bytes")   KEYS[7] held in all (hash: count, bytes)
-- ARGV[1] mode: open | subscribe | trigger | customer | sweep    ARGV[2] interaction hash    ARGV[3] now (unix ms)
-- ARGV[4] max events    ARGV[5] max bytes per interaction    ARGV[6] held cutoff (now - hold)
-- ARGV[7] max held triggers    ARGV[8] max held bytes    ARGV[9] idle ttl ms    ARGV[10] finished ttl ms
-- ARGV[11] dedupe: "a:" agent message hash | "s:" the state trigger | ""    ARGV[12] finished: "1" | ""
-- ARGV[13] the event's data (a trigger as zChat sent it, or a customer message)
-- ARGV[14] what an event costs besides its data    ARGV[15] hold ms
-- Returns {"appended", epoch, seq} | {"duplicate"} | {"held"} | {"dropped"} | {"opened"}; subscribe
-- (open, then read, in the one round trip a new stream costs) returns {epoch, last seq, then id,
-- kind, data, at of each event of the log}.
local info, log, msgs, held, heldset, heldsize, heldtotal = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local hash, now = ARGV[2], ARGV[3]
local max_events, max_bytes, overhead = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[14])

-- Forgets what `h` holds (its list and its share of the totals).
local function release(h, list)
  local size = redis.call('HGET', heldsize, h)
  if size then
    local count, bytes = string.match(size, '(%d+) (%d+)')
    redis.call('HINCRBY', heldtotal, 'count', -tonumber(count))
    redis.call('HINCRBY', heldtotal, 'bytes', -tonumber(bytes))
    redis.call('HDEL', heldsize, h)
  end
  redis.call('ZREM', heldset, h)
  redis.call('DEL', list)
end

-- Held triggers whose first was held longer ago than the hold window go.
local function sweep()
  for _, h in ipairs(redis.call('ZRANGEBYSCORE', heldset, '-inf', ARGV[6])) do
    release(h, 'zchat:h:' .. h)
  end
end

-- Whether this call made a key that has no expiry yet (the log or the filter, at their first
-- entry): the expiries are then set at the end, as for a visitor's action.
local made_key = false

-- Nine commands for an agent's message (fifteen before they were counted: every command in
-- here is Redis's one thread's time, BENCHMARKS.md).
local function append(kind, dedupe, finished, data)
  local meta = redis.call('HMGET', info, 'seq', 'epoch', 'last_state', 'lx', 'fx')
  local seq, epoch = tonumber(meta[1] or '0') + 1, meta[2]
  local changes = {'seq', seq}
  local function set(field, value)
    changes[#changes + 1] = field
    changes[#changes + 1] = value
  end
  if string.sub(dedupe, 1, 2) == 'a:' then
    local message = string.sub(dedupe, 3)
    if redis.call('ZSCORE', msgs, message) then return {'duplicate'} end
    redis.call('ZADD', msgs, seq, message)
    -- A message between two equal state triggers: the second is not a redelivery.
    set('last_state', '')
    if not meta[5] then
      set('fx', '1')
      made_key = true
    end
  elseif dedupe ~= '' then
    if meta[3] == dedupe then return {'duplicate'} end
    set('last_state', dedupe)
  end
  if not meta[4] then
    set('lx', '1')
    made_key = true
  end
  if finished == '1' then set('finished', now) end
  redis.call('HSET', info, unpack(changes))
  redis.call('XADD', log, '0-' .. seq, 'k', kind, 'd', data, 't', now)
  local bytes = redis.call('HINCRBY', info, 'bytes', #data + overhead)
  -- The oldest go while over the count or the bytes; the newest always stays.
  local length = redis.call('XLEN', log)
  local trimmed = false
  while length > 1 and (length > max_events or bytes > max_bytes) do
    local oldest = redis.call('XRANGE', log, '-', '+', 'COUNT', 1)[1]
    local fields = oldest[2]
    for i = 1, #fields, 2 do
      if fields[i] == 'd' then bytes = redis.call('HINCRBY', info, 'bytes', -(#fields[i + 1] + overhead)) end
    end
    redis.call('XDEL', log, oldest[1])
    length = length - 1
    trimmed = true
  end
  -- The redelivery filter forgets what the log forgot (nothing new to forget unless it trimmed).
  if trimmed then
    local first = redis.call('XRANGE', log, '-', '+', 'COUNT', 1)[1][1]
    redis.call('ZREMRANGEBYSCORE', msgs, '-inf', '(' .. string.sub(first, 3))
    -- Emptied, the filter is gone: the next message makes it again, without an expiry.
    if redis.call('EXISTS', msgs) == 0 then redis.call('HDEL', info, 'fx') end
  end
  redis.call('PUBLISH', 'zchat:events', hash .. '\n' .. epoch .. '\n' .. seq .. '\n' .. kind .. '\n' .. now .. '\n' .. data)
  return {'appended', epoch, tostring(seq)}
end

local function open()
  if redis.call('HGET', info, 'open') then return end
  redis.call('HSET', info, 'open', '1')
  redis.call('HSETNX', info, 'epoch', now)
  sweep()
  local waiting = redis.call('LRANGE', held, 0, -1)
  release(hash, held)
  for _, entry in ipairs(waiting) do
    local held_trigger = cjson.decode(entry)
    append('trigger', held_trigger[1], held_trigger[2], held_trigger[3])
  end
end

local result = {'opened'}
if ARGV[1] == 'sweep' then
  sweep()
  return result
elseif ARGV[1] == 'open' then
  open()
elseif ARGV[1] == 'subscribe' then
  open()
  local meta = redis.call('HMGET', info, 'epoch', 'seq')
  result = {meta[1], meta[2] or '0'}
  for _, entry in ipairs(redis.call('XRANGE', log, '-', '+')) do
    local kind, data, at = '', '', ''
    local fields = entry[2]
    for i = 1, #fields, 2 do
      if fields[i] == 'k' then kind = fields[i + 1] elseif fields[i] == 'd' then data = fields[i + 1] elseif fields[i] == 't' then at = fields[i + 1] end
    end
    result[#result + 1] = entry[1]
    result[#result + 1] = kind
    result[#result + 1] = data
    result[#result + 1] = at
  end
elseif ARGV[1] == 'customer' then
  open()
  result = append('customer_message', '', '', ARGV[13])
elseif redis.call('HGET', info, 'open') then
  result = append('trigger', ARGV[11], ARGV[12], ARGV[13])
else
  -- Not opened anywhere yet: held until the create answer opens it, for the hold window.
  sweep()
  local cost = #ARGV[13] + overhead
  local count = tonumber(redis.call('HGET', heldtotal, 'count') or '0')
  local bytes = tonumber(redis.call('HGET', heldtotal, 'bytes') or '0')
  if count >= tonumber(ARGV[7]) or bytes + cost > tonumber(ARGV[8]) then
    return {'dropped'}
  end
  local size = redis.call('HGET', heldsize, hash)
  local mine_count, mine_bytes = 0, 0
  if size then
    local c, b = string.match(size, '(%d+) (%d+)')
    mine_count, mine_bytes = tonumber(c), tonumber(b)
  else
    redis.call('ZADD', heldset, now, hash)
  end
  redis.call('HSET', heldsize, hash, (mine_count + 1) .. ' ' .. (mine_bytes + cost))
  redis.call('HINCRBY', heldtotal, 'count', 1)
  redis.call('HINCRBY', heldtotal, 'bytes', cost)
  -- As JSON: a message hash or a body may hold any character, a newline included.
  redis.call('RPUSH', held, cjson.encode({ARGV[11], ARGV[12], ARGV[13]}))
  -- Gone with the window even if no later trigger sweeps it.
  if not size then redis.call('PEXPIRE', held, ARGV[15]) end
  return {'held'}
end

-- A log lives idle-ttl after it was last opened or written by the visitor, finished-ttl after
-- `finished`. A trigger refreshes nothing (that would double its commands) unless it made a key
-- (known from the info's lx and fx, not asked of Redis with two PTTLs per trigger).
if ARGV[1] ~= 'trigger' or ARGV[12] == '1' or made_key then
  local ttl = ARGV[9]
  if redis.call('HEXISTS', info, 'finished') == 1 then ttl = ARGV[10] end
  redis.call('PEXPIRE', info, ttl)
  redis.call('PEXPIRE', log, ttl)
  redis.call('PEXPIRE', msgs, ttl)
end
return result
