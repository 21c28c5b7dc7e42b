/**
 * The Lua scripts of the Redis budget. Each runs atomically in Redis, so
 * every process of a bot checks and records a call in one step.
 *
 * A bucket's history is a Redis list of calls `"<id> <sentAt>[ <arrivedBy>]"`
 * (milliseconds on Redis's clock, `TIME`), in the order they were granted; a
 * call without `arrivedBy` is in flight. The pacing is the local budget's
 * (`history.ts`), line for line: the windows against the latest possible
 * arrivals, the burst, then the even spacing that never waits for a window.
 */
import { redisScript } from "../redis/connection.js";

/** Helpers both scripts share: the clock, window specs, and reading a bucket. */
const COMMON = `
local function fmt(x) return string.format('%.3f', x) end
local now
if ARGV[1] ~= '' then
  now = tonumber(ARGV[1])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
`;

/**
 * Reserve one call: settle the calls listed, then check the chat's bucket and
 * the bot's against every window, the pace and any penalty, and record the
 * call at the earliest time they allow (now, or a little later: the caller
 * waits for it). Calls in flight without an answer for `inflightMs` count as
 * having arrived then (their process died); so do calls of a process whose
 * lease is gone, as soon as that is seen (when lease keys are given).
 *
 * KEYS: 1 chat bucket, 2 bot bucket, 3 chat penalty, 4 bot penalty,
 *       5 processes (sorted set), 6 epoch, 7.. the bucket of each settle below.
 * ARGV: 1 now ('' = Redis's clock), 2 chat windows "limit:ms,...", 3 chat burst,
 *       4 bot windows, 5 bot burst, 6 paced (1/0), 7 chat slowdown, 8 bot slowdown,
 *       9 in-flight expiry ms, 10 call id ('' = only settle), 11 process id,
 *       12 how long a process counts as present (ms), 13 the shortest retry ms when
 *       a call in flight blocks the chat, 14 jitter margin, 15 jitter ms,
 *       16 an epoch to set if there is none (Redis lost its data, or first use),
 *       17 the key prefix of the processes' leases ('' = none: only ARGV 9 ends a call in flight;
 *          else a call "<process>.<n>" of a process without the key "<prefix><process>" has arrived),
 *       18.. settles "<id> <latest arrival>" (Redis's clock), one per key from KEYS[7].
 * Returns {1, delay ms, processes, chat penalty ms, bot penalty ms, now, sent at, epoch}
 * (now and sent at as strings, Redis's clock) when reserved (a delay only for
 * the bot's budget: the bot's calls queue in order); {0, retry ms, processes,
 * epoch} when the chat is not due yet (other processes called it, or it is
 * penalised) or a call in flight blocks it; {2, epoch, processes} after
 * settling only (which also says the process is there).
 */
export const RESERVE_SCRIPT = redisScript(`${COMMON}
local margin, jitter = tonumber(ARGV[14]), tonumber(ARGV[15])
local inflight = tonumber(ARGV[9])
local INF = math.huge

local presence = tonumber(ARGV[12])
if ARGV[11] ~= '' then
  redis.call('ZADD', KEYS[5], now, ARGV[11])
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - presence)
  redis.call('PEXPIRE', KEYS[5], math.ceil(presence))
end
local processes = redis.call('ZCARD', KEYS[5])
local epoch = redis.call('GET', KEYS[6])
if not epoch then
  epoch = ARGV[16]
  redis.call('SET', KEYS[6], epoch)
end
for i = 18, #ARGV do
  local key = KEYS[i - 11]
  local id, arrived = string.match(ARGV[i], '^(%S+) (%S+)$')
  local list = redis.call('LRANGE', key, 0, -1)
  for j, raw in ipairs(list) do
    local rid, sent = string.match(raw, '^(%S+) (%S+)')
    if rid == id then
      redis.call('LSET', key, j - 1, rid .. ' ' .. sent .. ' ' .. fmt(math.max(tonumber(sent), tonumber(arrived))))
      break
    end
  end
end
if ARGV[10] == '' then return {2, epoch, processes} end

local function windows(spec)
  local list = {}
  for limit, ms in string.gmatch(spec, '(%d+):([%d%.]+)') do
    list[#list + 1] = { limit = tonumber(limit), span = tonumber(ms) * (1 + margin) + jitter }
  end
  return list
end

local function longest(ws)
  local most = 0
  for _, w in ipairs(ws) do if w.span > most then most = w.span end end
  return most
end

-- Whether the process of call "<process>.<n>" is alive: it holds its lease (one look per process).
local leases = ARGV[17]
local living = {}
local function alive(id)
  if leases == '' then return true end
  local process = string.match(id, '^(.+)%.[^.]+$')
  if process == nil or process == ARGV[11] then return true end
  if living[process] == nil then living[process] = redis.call('EXISTS', leases .. process) == 1 end
  return living[process]
end

local function load(key)
  local recs = {}
  for _, raw in ipairs(redis.call('LRANGE', key, 0, -1)) do
    local id, sent, arrived = string.match(raw, '^(%S+) (%S+) ?(%S*)$')
    sent = tonumber(sent)
    local a = tonumber(arrived)
    if a == nil and sent + inflight < now then a = sent + inflight end
    -- A dead process's call: it arrived by now, if it was ever made (saved below as arrived).
    if a == nil and not alive(id) then a = math.max(sent, now) end
    recs[#recs + 1] = { id = id, sent = sent, arr = a }
  end
  return recs
end

local function save(key, recs, ws)
  local span = longest(ws)
  local horizon = now - span
  local out = {}
  for _, r in ipairs(recs) do
    if r.arr == nil or r.arr > horizon then
      out[#out + 1] = r.id .. ' ' .. fmt(r.sent) .. (r.arr and (' ' .. fmt(r.arr)) or '')
    end
  end
  redis.call('DEL', key)
  if #out > 0 then
    redis.call('RPUSH', key, unpack(out))
    redis.call('PEXPIRE', key, math.ceil(span + inflight))
  end
end

-- The earliest time a call may go out (history.ts: RateBucket.availableAt).
-- Optimistic: take calls in flight to have arrived when sent (for a retry time only).
local function available(recs, ws, burst, slowdown, paced, noBurst, optimistic)
  local arrivals = {}
  local newest = nil
  for i, r in ipairs(recs) do
    arrivals[i] = r.arr or (optimistic and r.sent) or INF
    if newest == nil or r.sent > newest then newest = r.sent end
  end
  table.sort(arrivals, function(a, b) return a > b end)
  local at = now
  for _, w in ipairs(ws) do
    local blocker = arrivals[w.limit]
    if blocker ~= nil then at = math.max(at, blocker + w.span) end
  end
  if not paced or newest == nil then return at end
  local recent = 0
  local span = longest(ws)
  for _, a in ipairs(arrivals) do if a > now - span then recent = recent + 1 end end
  if recent < burst and not noBurst then return at end
  local spacing = 0
  for _, w in ipairs(ws) do
    spacing = math.max(spacing, w.span / w.limit)
    for k = 1, w.limit do
      local leaving = arrivals[w.limit - k + 1]
      if leaving ~= nil then
        spacing = math.max(spacing, (math.min(leaving, now) + w.span - newest) / k)
      end
    end
  end
  return math.max(at, newest + spacing * slowdown)
end


local chatPenalty = tonumber(redis.call('GET', KEYS[3]) or '')
local botPenalty = tonumber(redis.call('GET', KEYS[4]) or '')
local chatW, botW = windows(ARGV[2]), windows(ARGV[4])
local chatRecs, botRecs = load(KEYS[1]), load(KEYS[2])
local chatAt = math.max(
  available(chatRecs, chatW, tonumber(ARGV[3]), tonumber(ARGV[7]), ARGV[6] == '1', chatPenalty ~= nil),
  chatPenalty or 0)
local botAt = math.max(
  available(botRecs, botW, tonumber(ARGV[5]), tonumber(ARGV[8]), true, botPenalty ~= nil),
  botPenalty or 0)
if chatAt == INF or botAt == INF then
  -- A call in flight blocks it: ask again when it would have left the window had it arrived when
  -- sent; for a call long in flight (its settle is late, or its process gone), back off with its age.
  local hope = math.max(
    available(chatRecs, chatW, tonumber(ARGV[3]), tonumber(ARGV[7]), ARGV[6] == '1', chatPenalty ~= nil, true),
    available(botRecs, botW, tonumber(ARGV[5]), tonumber(ARGV[8]), true, botPenalty ~= nil, true))
  local oldest = now
  for _, r in ipairs(chatRecs) do if r.arr == nil and r.sent < oldest then oldest = r.sent end end
  save(KEYS[1], chatRecs, chatW)
  save(KEYS[2], botRecs, botW)
  local retry = math.max(tonumber(ARGV[13]), hope - now, (now - oldest) / 4)
  return {0, math.ceil(retry), processes, epoch}
end
if chatAt > now + 1 then
  -- The chat itself is not due yet (other processes called it): ask again then, reserve
  -- nothing, so the bot's schedule is not held for one chat.
  save(KEYS[1], chatRecs, chatW)
  save(KEYS[2], botRecs, botW)
  return {0, math.ceil(chatAt - now), processes, epoch}
end
local at = math.max(chatAt, botAt)
chatRecs[#chatRecs + 1] = { id = ARGV[10], sent = at, arr = nil }
botRecs[#botRecs + 1] = { id = ARGV[10], sent = at, arr = nil }
save(KEYS[1], chatRecs, chatW)
save(KEYS[2], botRecs, botW)
return {
  1,
  math.ceil(at - now),
  processes,
  math.ceil(math.max(0, (chatPenalty or 0) - now)),
  math.ceil(math.max(0, (botPenalty or 0) - now)),
  fmt(now),
  fmt(at),
  epoch,
}
`);

/**
 * Record a 429 for every process: no call to the chat before it ends, no
 * burst for a while after it, and if another chat is penalised at the same
 * time, the whole bot is (the local budget's rule, seen across processes).
 *
 * KEYS: 1 chat penalty, 2 bot penalty, 3 penalised chats (sorted set by end).
 * ARGV: 1 now ('' = Redis's clock), 2 chat id, 3 penalty ms, 4 chat burst
 *       memory ms, 5 bot burst memory ms.
 */
export const PENALIZE_SCRIPT = redisScript(`${COMMON}
local untilAt = now + tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local others = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
local botUntil = nil
local last = untilAt
for i = 1, #others, 2 do
  local ends = tonumber(others[i + 1])
  if ends > last then last = ends end
  if others[i] ~= ARGV[2] then botUntil = math.max(botUntil or 0, untilAt, ends) end
end
if botUntil ~= nil then
  botUntil = math.max(botUntil, tonumber(redis.call('GET', KEYS[2]) or '0'))
  redis.call('SET', KEYS[2], fmt(botUntil), 'PX', math.ceil(botUntil - now + tonumber(ARGV[5])))
end
local chatUntil = math.max(untilAt, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], fmt(chatUntil), 'PX', math.ceil(chatUntil - now + tonumber(ARGV[4])))
redis.call('ZADD', KEYS[3], untilAt, ARGV[2])
redis.call('PEXPIRE', KEYS[3], math.ceil(last - now) + 1)
return 1
`);
