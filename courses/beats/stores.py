"""The two places a playback's crediting state can live, behind one interface (`progress_store()`).

- `RedisProgressStore` (production): one hash per playback, one per participant's lease and one per
  participant × lecture; the rules of rules.py run inside Redis as one script per beat, and the
  credited spans are appended to a stream that flush.py moves to PostgreSQL.
- `DatabaseProgressStore` (a site without Redis, the embedded demo): write-through, every beat is
  a small transaction following rules.py directly.

Both answer `beat` (credit one beat), `snapshots` (read stored progress, a pure read) and `seed`
(bring stored progress into the store before a participant's first beat)."""

import json
from datetime import UTC, datetime
from functools import cache

import redis
from django.db import transaction

from courses import conf
from courses.beats.rules import (
    CONTINUITY_TOLERANCE,
    Beat,
    BeatResult,
    LectureCompletionRule,
    PlaybackState,
    ProgressSnapshot,
    beat_judge,
    beat_result,
    playback_foreign_error,
    playback_unknown_error,
    progress_apply,
)
from courses.beats.script_caller import ScriptCaller
from courses.beats.spans import spans_clip, spans_length, spans_merge
from courses.models import LecturePlayback, LectureProgress

PLAYBACK_TTL = 6 * 3600
SPANS_TTL = 7 * 24 * 3600
# The stream of credited spans ({u, l, s, e, p, t}) that flush.py moves to PostgreSQL.
STREAM = "courses:credited"


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


class DatabaseProgressStore:
    """Write-through store for a site without Redis: every beat is a small transaction."""

    def beat(self, *, user_id: int, rule: LectureCompletionRule, beat: Beat, now: float) -> BeatResult:
        with transaction.atomic():
            row = LecturePlayback.objects.select_for_update().filter(pk=beat.playback_id).first()
            state = None
            if row is not None:
                state = PlaybackState(
                    row.user_id, row.lecture_id, row.seq, row.position, row.beat_at.timestamp(), row.carry
                )
            lease_ok = (
                not LecturePlayback.objects.filter(user_id=user_id, lease_until__gt=_moment(now))
                .exclude(pk=beat.playback_id)
                .exists()
            )
            verdict = beat_judge(
                state=state, beat=beat, user_id=user_id, lecture_id=rule.lecture_id, now=now, lease_ok=lease_ok
            )
            progress, _created = LectureProgress.objects.select_for_update().get_or_create(
                user_id=user_id, lecture_id=rule.lecture_id
            )
            if verdict.state is not None:
                self._playback_save(row=row, verdict=verdict, user_id=user_id, rule=rule, beat=beat, now=now)
                progress.last_position = verdict.state.position
                fields = ["last_position", "updated_at"]
                if verdict.credit is not None:
                    progress_apply(progress=progress, spans=[verdict.credit], at=_moment(now), rule=rule)
                    fields += ["spans", "watched_seconds", "progress", "completed_at"]
                progress.save(update_fields=fields)
            watched = spans_length(spans_clip(progress.spans, duration=rule.duration))
            return beat_result(
                outcome=verdict.outcome, watched=watched, rule=rule, completed=progress.completed_at is not None
            )

    @staticmethod
    def _playback_save(*, row, verdict, user_id: int, rule: LectureCompletionRule, beat: Beat, now: float) -> None:
        if verdict.hold_lease:
            lease_until = _moment(now + conf.lease_seconds())
        elif verdict.release_lease:
            lease_until = None
        else:
            lease_until = row.lease_until if row is not None else None
        LecturePlayback.objects.update_or_create(
            pk=beat.playback_id,
            defaults=dict(
                user_id=user_id,
                lecture_id=rule.lecture_id,
                seq=verdict.state.seq,
                position=verdict.state.position,
                beat_at=_moment(now),
                carry=verdict.state.carry,
                lease_until=lease_until,
            ),
        )

    def snapshots(self, *, user_id: int, lecture_ids) -> dict[int, ProgressSnapshot]:
        rows = LectureProgress.objects.filter(user_id=user_id, lecture_id__in=list(lecture_ids))
        return {row.lecture_id: ProgressSnapshot(row.spans, row.last_position, row.completed_at) for row in rows}

    def seed(self, *, user_id: int, snapshots: dict[int, ProgressSnapshot]) -> None:
        """Nothing to bring in: the database is the store."""


# The rules of `beat_judge`, run inside Redis so that a beat costs one round trip and is atomic.
# KEYS: playback hash, the participant's lease hash, participant × lecture spans hash, the stream.
BEAT_SCRIPT = """
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


def spans_key(user_id: int, lecture_id: int) -> str:
    return f"courses:sp:{user_id}:{lecture_id}"


class RedisProgressStore:
    def __init__(self, url: str):
        self.redis = redis.Redis.from_url(url)
        self._script = ScriptCaller(self.redis, BEAT_SCRIPT)

    @staticmethod
    def _spans_seed(pipe, key: str, snapshot: ProgressSnapshot | None) -> None:
        """Bring a participant × lecture's stored progress into Redis (never over what is there),
        so every answer reports flushed and unflushed progress together."""
        snapshot = snapshot or ProgressSnapshot()
        pipe.hsetnx(key, "spans", json.dumps(snapshot.spans))
        pipe.hsetnx(key, "pos", snapshot.position)
        if snapshot.completed_at is not None:
            pipe.hsetnx(key, "done", snapshot.completed_at.timestamp())
        pipe.expire(key, SPANS_TTL)

    def beat(self, *, user_id: int, rule: LectureCompletionRule, beat: Beat, now: float) -> BeatResult:
        """One round trip: the rules of `beat_judge` run inside Redis (BEAT_SCRIPT), atomically
        per playback, lease and participant × lecture. The test suite runs every rule against
        both this store and the database store, so the two stay the same."""
        sp_key = spans_key(user_id, rule.lecture_id)
        # One argument, split inside the script: redis-py encodes every argument on its own, and
        # seventeen of them cost more than the script itself.
        args = [
            f"{now!r} {user_id} {rule.lecture_id} {beat.playback_id} {beat.seq} {beat.start!r} {beat.end!r}"
            f" {beat.rate!r} {1 if beat.visible else 0} {rule.duration!r} {rule.threshold!r}"
            f" {conf.jitter_seconds()!r} {conf.credited_rate_cap()!r} {conf.lease_seconds()!r}"
            f" {CONTINUITY_TOLERANCE!r} {PLAYBACK_TTL} {SPANS_TTL}"
        ]
        keys = [f"courses:pb:{beat.playback_id}", f"courses:lease:{user_id}", sp_key, STREAM]
        answer = self._script(keys=keys, args=args)
        if answer[0] == b"seed":
            # Rare: handing out the beat key seeds this already (services.lecture_progress_seed);
            # the hash expired or Redis restarted since.
            found = DatabaseProgressStore().snapshots(user_id=user_id, lecture_ids=[rule.lecture_id])
            with self.redis.pipeline() as pipe:
                self._spans_seed(pipe, sp_key, found.get(rule.lecture_id))
                pipe.execute()
            answer = self._script(keys=keys, args=args)
        outcome = answer[0].decode()
        if outcome == "unknown":
            raise playback_unknown_error()
        if outcome == "foreign":
            raise playback_foreign_error()
        return beat_result(outcome=outcome, watched=float(answer[1]), rule=rule, completed=bool(answer[2]))

    def snapshots(self, *, user_id: int, lecture_ids) -> dict[int, ProgressSnapshot]:
        """Stored progress, flushed and not yet flushed: a read, of the database and of Redis."""
        lecture_ids = list(lecture_ids)
        found = DatabaseProgressStore().snapshots(user_id=user_id, lecture_ids=lecture_ids)
        with self.redis.pipeline(transaction=False) as pipe:
            for lecture_id in lecture_ids:
                pipe.hmget(spans_key(user_id, lecture_id), "spans", "pos", "done")
            answers = pipe.execute()
        for lecture_id, (spans_raw, pos, done) in zip(lecture_ids, answers):
            if spans_raw is None:
                continue
            snapshot = found.setdefault(lecture_id, ProgressSnapshot())
            snapshot.spans = spans_merge(snapshot.spans, json.loads(spans_raw))
            snapshot.position = float(pos or snapshot.position)
            if done and snapshot.completed_at is None:
                snapshot.completed_at = _moment(float(done))
        return found

    def seed(self, *, user_id: int, snapshots: dict[int, ProgressSnapshot]) -> None:
        """Bring stored progress into Redis where it is not yet (HSETNX never writes over a field
        that is there), so a participant's first beat needs no database query."""
        with self.redis.pipeline(transaction=False) as pipe:
            for lecture_id, snapshot in snapshots.items():
                self._spans_seed(pipe, spans_key(user_id, lecture_id), snapshot)
            pipe.execute()


@cache
def _redis_store(url: str) -> RedisProgressStore:
    return RedisProgressStore(url)


def progress_store() -> RedisProgressStore | DatabaseProgressStore:
    url = conf.redis_url()
    return _redis_store(url) if url else DatabaseProgressStore()
