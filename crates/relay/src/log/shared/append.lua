-- Every change to one interaction's shared event log, in one atomic step, so that relays appending
-- at the same time never give two events one id, nor an id that goes back (crates/relay/src/log/shared.rs).
-- The rules are the memory log's (crates/relay/src/log/mod.rs): the oldest events go while the log
-- is over its count or its bytes (the newest always stays), the redelivery filter forgets what the
-- log forgets, and held triggers are bounded by count and bytes over all interactions not yet
-- opened, each interaction's going `hold` after its first was held.
--
-- KEYS[1] interactions holding triggers (zset, score = when the first was held)
-- KEYS[2] what each holds (hash: HASH -> "count bytes")   KEYS[3] held in all (hash: count, bytes)
-- then per interaction of the call, from KEYS[4]: info (hash: epoch, seq, open, last_state and
--   its seq ls, finished, bytes; lx, fx once the log and the filter were given an expiry; rid, the
--   replication id of the Redis that gave the last seq), log (stream, ids
--   0-SEQ), agent-message hashes (zset, score = the message's seq), triggers held for it (list)
-- ARGV[1] mode: open | subscribe | triggers | replicated | customer | sweep    ARGV[2] now (unix ms)
-- ARGV[3] max events    ARGV[4] max bytes per interaction    ARGV[5] held cutoff (now - hold)
-- ARGV[6] max held triggers    ARGV[7] max held bytes    ARGV[8] idle ttl ms    ARGV[9] finished ttl ms
-- ARGV[10] what an event costs besides its data    ARGV[11] hold ms
-- then per interaction, from ARGV[12]: its hash; dedupe ("a:" agent message hash | "s:" the state
--   trigger | ""); finished ("1" | ""); the event's data (a trigger as zChat sent it, or a
--   customer message). `triggers` takes any number of them (one relay's concurrent webhooks, one
--   call: shared.rs), the other modes one.
-- Returns, per interaction of `triggers` or `customer`, three values: "appended", epoch, seq |
-- "duplicate" | "held" | "dropped" (then two empty strings) | "failed", Redis's error, "" (that
-- trigger alone: the others of the call are still taken and published); `open` and `sweep` return
-- {"opened"}; subscribe (open, then read, in the one round trip a new stream costs) returns
-- {epoch, last seq, then id, kind, data, at of each event of the log}.
-- Every event appended is published once the call is done, all in one message on `zchat:calls`:
-- per event `hash \n epoch \n seq \n kind \n at \n bytes of data \n data`. `replicated` is
-- `triggers` whose message is not published but returned, last in the reply (the relay publishes
-- it once replicas have the call: `WAIT`), and in which an agent's message seen again (zChat
-- sending it anew after a 503) is in that message again (its first call was never published).
local replicated = ARGV[1] == 'replicated'
local FAILED = 'failed'
local heldset, heldsize, heldtotal = KEYS[1], KEYS[2], KEYS[3]
local now = ARGV[2]
local max_events, max_bytes, overhead = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[10])
-- The interaction the call is at (`at(i)`): its keys, its hash, and its arguments.
local info, log, msgs, held, hash, dedupe, finished, data
local function at(i)
  info, log, msgs, held = KEYS[4 + 4 * i], KEYS[5 + 4 * i], KEYS[6 + 4 * i], KEYS[7 + 4 * i]
  hash, dedupe, finished, data = ARGV[12 + 4 * i], ARGV[13 + 4 * i], ARGV[14 + 4 * i], ARGV[15 + 4 * i]
end
-- What the call appended, published at its end.
local published = {}

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
  for _, h in ipairs(redis.call('ZRANGEBYSCORE', heldset, '-inf', ARGV[5])) do
    release(h, 'zchat:h:' .. h)
  end
end

-- This Redis's replication id, which a failover (the promoted replica takes a new one) and a
-- restart change; asked once per call.
local ID_JUMP = 1000000
local this_primary
local function replication_id()
  if not this_primary then
    this_primary = string.match(redis.call('INFO', 'replication'), 'master_replid:(%w+)') or ''
  end
  return this_primary
end

-- The event `seq` of this interaction's log, published again (with the call's own).
local function republish(seq)
  local entry = redis.call('XRANGE', log, '0-' .. seq, '0-' .. seq)[1]
  if not entry then return end
  local epoch = redis.call('HGET', info, 'epoch')
  local kind, event_data, logged_at = '', '', ''
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == 'k' then kind = fields[i + 1] elseif fields[i] == 'd' then event_data = fields[i + 1] elseif fields[i] == 't' then logged_at = fields[i + 1] end
  end
  published[#published + 1] = hash .. '\n' .. epoch .. '\n' .. seq .. '\n' .. kind .. '\n' .. logged_at .. '\n' .. #event_data .. '\n' .. event_data
end

-- Whether this interaction's append made a key that has no expiry yet (the log or the filter, at
-- their first entry): the expiries are then set, as for a visitor's action.
local made_key = false

-- Nine commands for an agent's message (fifteen before they were counted: every command in
-- here is Redis's one thread's time, BENCHMARKS.md).
local function append(kind, dedupe, finished, data)
  local meta = redis.call('HMGET', info, 'seq', 'epoch', 'last_state', 'lx', 'fx', 'rid', 'ls')
  local seq, epoch = tonumber(meta[1] or '0') + 1, meta[2]
  -- Written first on another Redis (before a failover, or a restart): the ids that one gave out
  -- may be lost with it, and seen by a browser already; the log goes on past them all.
  local primary = replication_id()
  if meta[1] and meta[6] ~= primary then seq = seq + ID_JUMP end
  local changes = {'seq', seq, 'rid', primary}
  local function set(field, value)
    changes[#changes + 1] = field
    changes[#changes + 1] = value
  end
  if string.sub(dedupe, 1, 2) == 'a:' then
    local message = string.sub(dedupe, 3)
    local seen = redis.call('ZSCORE', msgs, message)
    if seen then
      if replicated then republish(seen) end
      return {'duplicate'}
    end
    redis.call('ZADD', msgs, seq, message)
    -- A message between two equal state triggers: the second is not a redelivery.
    set('last_state', '')
    if not meta[5] then
      set('fx', '1')
      made_key = true
    end
  elseif dedupe ~= '' then
    if meta[3] == dedupe then
      if replicated and meta[7] then republish(meta[7]) end
      return {'duplicate'}
    end
    set('last_state', dedupe)
    set('ls', seq)
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
  published[#published + 1] = hash .. '\n' .. epoch .. '\n' .. seq .. '\n' .. kind .. '\n' .. now .. '\n' .. #data .. '\n' .. data
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

-- Holds a trigger for an interaction not opened anywhere yet, until the create answer opens it,
-- for the hold window.
local function hold()
  sweep()
  local cost = #data + overhead
  local count = tonumber(redis.call('HGET', heldtotal, 'count') or '0')
  local bytes = tonumber(redis.call('HGET', heldtotal, 'bytes') or '0')
  if count >= tonumber(ARGV[6]) or bytes + cost > tonumber(ARGV[7]) then
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
  redis.call('RPUSH', held, cjson.encode({dedupe, finished, data}))
  -- Gone with the window even if no later trigger sweeps it.
  if not size then redis.call('PEXPIRE', held, ARGV[11]) end
  return {'held'}
end

-- A log lives idle-ttl after it was last opened or written by the visitor, finished-ttl after
-- `finished`. A trigger refreshes nothing (that would double its commands) unless it made a key
-- (known from the info's lx and fx, not asked of Redis with two PTTLs per trigger).
local function refresh_expiry()
  local ttl = ARGV[8]
  if redis.call('HEXISTS', info, 'finished') == 1 then ttl = ARGV[9] end
  redis.call('PEXPIRE', info, ttl)
  redis.call('PEXPIRE', log, ttl)
  redis.call('PEXPIRE', msgs, ttl)
end

-- A trigger's outcome for the interaction `at` is at, as the three values the call answers.
local function trigger()
  made_key = false
  local outcome
  if redis.call('HGET', info, 'open') then
    outcome = append('trigger', dedupe, finished, data)
    if finished == '1' or made_key then refresh_expiry() end
  else
    outcome = hold()
  end
  return outcome[1], outcome[2] or '', outcome[3] or ''
end

local mode = ARGV[1]
local result = {'opened'}
at(0)
if mode == 'sweep' then
  sweep()
elseif mode == 'triggers' or replicated then
  result = {}
  for i = 0, (#ARGV - 11) / 4 - 1 do
    at(i)
    -- A trigger Redis refuses (a key of another type, say) fails alone: Redis keeps what a script
    -- wrote before an error but would publish nothing, so the others of the call go on and are
    -- published at the end (a stream would otherwise not see them until another event came).
    local ok, outcome, epoch, seq = pcall(trigger)
    if not ok then
      outcome, epoch, seq = FAILED, type(outcome) == 'table' and outcome.err or tostring(outcome), ''
    end
    result[#result + 1] = outcome
    result[#result + 1] = epoch
    result[#result + 1] = seq
  end
else
  open()
  if mode == 'subscribe' then
    local meta = redis.call('HMGET', info, 'epoch', 'seq')
    result = {meta[1], meta[2] or '0'}
    for _, entry in ipairs(redis.call('XRANGE', log, '-', '+')) do
      local kind, event_data, logged_at = '', '', ''
      local fields = entry[2]
      for i = 1, #fields, 2 do
        if fields[i] == 'k' then kind = fields[i + 1] elseif fields[i] == 'd' then event_data = fields[i + 1] elseif fields[i] == 't' then logged_at = fields[i + 1] end
      end
      result[#result + 1] = entry[1]
      result[#result + 1] = kind
      result[#result + 1] = event_data
      result[#result + 1] = logged_at
    end
  elseif mode == 'customer' then
    result = append('customer_message', '', '', data)
  end
  refresh_expiry()
end
if replicated then
  result[#result + 1] = table.concat(published)
elseif #published > 0 then
  redis.call('PUBLISH', 'zchat:calls', table.concat(published))
end
return result
