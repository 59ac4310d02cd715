"""The beat script as it was before the lease rules of issue 11 §1 (a participant's lease taken
over by the latest playback, credit only while held, the participant's jitter allowance, release),
kept here only so that bench_beats can measure what those rules cost: the same endpoint, the same
run, this script instead of courses.beats.stores.BEAT_SCRIPT. Never loaded by the product.

Its keys live under "bench:prelease:" so that it shares no state with the product's script."""

from courses.beats.rules import Beat, BeatResult, LectureCompletionRule, beat_result
from courses.beats.script_caller import ScriptCaller
from courses.beats.stores import PLAYBACK_TTL, SPANS_TTL, DatabaseProgressStore, RedisProgressStore

PREFIX = "bench:prelease:"
# Its constants as they were: the continuity tolerance, and the rules' settings at their defaults.
TOLERANCE, JITTER, CAP, LEASE_SECONDS = 0.5, 2.0, 2.0, 30.0

PRE_LEASE_SCRIPT = """
local packed = ARGV[1]
local ARGV = {}
for word in string.gmatch(packed, '%S+') do ARGV[#ARGV + 1] = word end
local now, user, lecture, pid = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local seq, from, to, rate = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local visible, duration, threshold = ARGV[9] == '1', tonumber(ARGV[10]), tonumber(ARGV[11])
local jitter, cap = tonumber(ARGV[12]), tonumber(ARGV[13])
local lease_seconds, tolerance = tonumber(ARGV[14]), tonumber(ARGV[15])
local sp = redis.call('HMGET', KEYS[3], 'spans', 'done', 'w', 'wd')
local spans_raw = sp[1]
if not spans_raw then return {'seed'} end
local done = sp[2] or ''
-- The watched seconds (for this duration) are kept beside the spans: most answers decode nothing.
local function watched_of(spans)
  local total = 0
  for _, span in ipairs(spans) do
    if span[1] < duration then total = total + math.min(span[2], duration) - span[1] end
  end
  return tostring(total)
end
local watched = sp[3]
if not watched or sp[4] ~= ARGV[10] then
  watched = watched_of(cjson.decode(spans_raw))
  redis.call('HSET', KEYS[3], 'w', watched, 'wd', ARGV[10])
end
local pb = redis.call('HMGET', KEYS[1], 'u', 'l', 'seq', 'pos', 't', 'carry')
local lease = redis.call('HMGET', KEYS[2], 'pid', 'exp')
local lease_ok = (not lease[1]) or lease[1] == pid or tonumber(lease[2]) <= now
local outcome, credit_from, credit_to
local hold, release = false, false
local carry = jitter
if not pb[1] then
  if seq ~= 0 then return {'unknown'} end
  outcome = 'opened'
  hold = lease_ok and visible
else
  if tonumber(pb[1]) ~= user or tonumber(pb[2]) ~= lecture then return {'foreign'} end
  if seq <= tonumber(pb[3]) then return {'duplicate', watched, done} end
  local elapsed = math.max(0, now - tonumber(pb[5]))
  if not visible then
    outcome = 'hidden'
    release = lease_ok
  elseif not lease_ok then
    outcome = 'other_playback'
  elseif math.abs(from - tonumber(pb[4])) > tolerance then
    outcome = 'seek'
    hold = true
  else
    local allowed = math.min(rate, cap) * elapsed + tonumber(pb[6])
    local advance = to - from
    local credited = math.min(advance, allowed)
    carry = math.min(jitter, allowed - credited)
    if credited >= advance then outcome = 'credited' else outcome = 'capped' end
    if credited > 0 then credit_from, credit_to = from, from + credited end
    hold = true
  end
end
redis.call('HSET', KEYS[1], 'u', user, 'l', lecture, 'seq', seq, 'pos', ARGV[7], 't', ARGV[1], 'carry', carry)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[16]))
if hold then
  redis.call('HSET', KEYS[2], 'pid', pid, 'exp', now + lease_seconds)
  redis.call('EXPIRE', KEYS[2], math.floor(lease_seconds) + 60)
elseif release then
  redis.call('DEL', KEYS[2])
end
if credit_from then
  -- The stored spans are sorted and disjoint: one pass merges the new one in.
  local merged, placed = {}, false
  local new = {credit_from, credit_to}
  for _, span in ipairs(cjson.decode(spans_raw)) do
    if span[2] < new[1] then
      merged[#merged + 1] = span
    elseif span[1] > new[2] then
      if not placed then merged[#merged + 1] = new; placed = true end
      merged[#merged + 1] = span
    else
      new[1], new[2] = math.min(new[1], span[1]), math.max(new[2], span[2])
    end
  end
  if not placed then merged[#merged + 1] = new end
  watched = watched_of(merged)
  if done == '' and duration > 0 and tonumber(watched) / duration >= threshold then
    done = ARGV[1]
  end
  -- One write of the hash per beat: each Redis call inside a script costs as much as the rules.
  redis.call('HSET', KEYS[3], 'spans', cjson.encode(merged), 'w', watched, 'wd', ARGV[10], 'done', done,
    'pos', ARGV[7])
  redis.call('XADD', KEYS[4], '*', 'u', user, 'l', lecture, 's', credit_from, 'e', credit_to,
    'p', ARGV[7], 't', ARGV[1])
else
  redis.call('HSET', KEYS[3], 'pos', ARGV[7])
end
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[17]))
return {outcome, watched, done}
"""


class PreLeaseStore(RedisProgressStore):
    """RedisProgressStore with the pre-lease script (its beat() as it was, keys prefixed)."""

    def __init__(self, url: str):
        super().__init__(url)
        self._script = ScriptCaller(self.redis, PRE_LEASE_SCRIPT)

    def beat(self, *, user_id: int, rule: LectureCompletionRule, beat: Beat, now: float) -> BeatResult:
        sp_key = f"{PREFIX}sp:{user_id}:{rule.lecture_id}"
        args = [
            f"{now!r} {user_id} {rule.lecture_id} {beat.playback_id} {beat.seq} {beat.start!r} {beat.end!r}"
            f" {beat.rate!r} {1 if beat.visible else 0} {rule.duration!r} {rule.threshold!r}"
            f" {JITTER!r} {CAP!r} {LEASE_SECONDS!r} {TOLERANCE!r} {PLAYBACK_TTL} {SPANS_TTL}"
        ]
        keys = [f"{PREFIX}pb:{beat.playback_id}", f"{PREFIX}lease:{user_id}", sp_key, f"{PREFIX}credited"]
        answer = self._script(keys=keys, args=args)
        if answer[0] == b"seed":
            found = DatabaseProgressStore().snapshots(user_id=user_id, lecture_ids=[rule.lecture_id])
            with self.redis.pipeline() as pipe:
                self._spans_seed(pipe, sp_key, found.get(rule.lecture_id))
                pipe.execute()
            answer = self._script(keys=keys, args=args)
        return beat_result(outcome=answer[0].decode(), watched=float(answer[1]), rule=rule, completed=bool(answer[2]))
