"""The two places a playback's crediting state can live, behind one interface (`progress_store()`).

- `RedisProgressStore` (production): one hash per playback, one per participant's lease and one per
  participant × lecture; the rules of rules.py run inside Redis as one script per beat, and the
  credited spans are appended to a stream that flush.py moves to PostgreSQL.
- `DatabaseProgressStore` (a site without Redis, the embedded demo): write-through, every beat is
  a small transaction following rules.py directly.

Both answer `beat` (credit one beat), `snapshots` (read stored progress, a pure read) and `seed`
(bring stored progress into the store before a participant's first beat)."""

import json
import time
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import NamedTuple

import redis
from django.core.signals import setting_changed
from django.db import transaction

from courses import conf
from courses.beats.rules import (
    CONTINUITY_TOLERANCE,
    Beat,
    BeatResult,
    LeaseState,
    LectureCompletionRule,
    PlaybackState,
    ProgressSnapshot,
    ProgressStoreUnavailable,
    beat_judge,
    beat_result,
    playback_foreign_error,
    playback_unknown_error,
    progress_apply,
)
from courses.beats.script_caller import ScriptCaller
from courses.beats.spans import spans_clip, spans_length, spans_merge
from courses.models import LectureLease, LecturePlayback, LectureProgress

PLAYBACK_TTL = 6 * 3600
SPANS_TTL = 7 * 24 * 3600
# The stream of credited spans ({u, l, s, e, p, t}) that flush.py moves to PostgreSQL.
STREAM = "courses:credited"


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


class StreamHealth(NamedTuple):
    """The credited spans waiting for the flush: how many, and how old the oldest is (seconds;
    None when nothing waits). A flush that keeps failing shows as a growing age."""

    pending: int
    oldest_age_seconds: float | None
    reachable: bool = True


class DatabaseProgressStore:
    """Write-through store for a site without Redis: every beat is a small transaction."""

    def beat(self, *, user_id: int, rule: LectureCompletionRule, beat: Beat, now: float) -> BeatResult:
        with transaction.atomic():
            # The participant's lease row first: it serialises their beats, as the script does in Redis.
            lease_row, _created = LectureLease.objects.select_for_update().get_or_create(
                user_id=user_id,
                defaults=dict(since=_moment(now), expires=_moment(now), carry=conf.jitter_seconds()),
            )
            lease = LeaseState(
                str(lease_row.holder) if lease_row.holder else None,
                lease_row.since.timestamp(),
                lease_row.expires.timestamp(),
                lease_row.carry,
            )
            row = LecturePlayback.objects.select_for_update().filter(pk=beat.playback_id).first()
            state = None
            if row is not None:
                state = PlaybackState(row.user_id, row.lecture_id, row.seq, row.position, row.beat_at.timestamp())
            verdict = beat_judge(
                state=state, lease=lease, beat=beat, user_id=user_id, lecture_id=rule.lecture_id, now=now
            )
            if verdict.lease is not None:
                lease_row.holder = verdict.lease.holder
                lease_row.since = _moment(verdict.lease.since)
                lease_row.expires = _moment(verdict.lease.expires)
                lease_row.carry = verdict.lease.carry
                lease_row.save()
            progress, _created = LectureProgress.objects.select_for_update().get_or_create(
                user_id=user_id, lecture_id=rule.lecture_id
            )
            if verdict.state is not None:
                LecturePlayback.objects.update_or_create(
                    pk=beat.playback_id,
                    defaults=dict(
                        user_id=user_id,
                        lecture_id=rule.lecture_id,
                        seq=verdict.state.seq,
                        position=verdict.state.position,
                        beat_at=_moment(now),
                    ),
                )
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

    def snapshots(self, *, user_id: int, lecture_ids) -> dict[int, ProgressSnapshot]:
        rows = LectureProgress.objects.filter(user_id=user_id, lecture_id__in=list(lecture_ids))
        return {row.lecture_id: ProgressSnapshot(row.spans, row.last_position, row.completed_at) for row in rows}

    def seed(self, *, user_id: int, snapshots: dict[int, ProgressSnapshot]) -> None:
        """Nothing to bring in: the database is the store."""

    def stream_health(self) -> StreamHealth:
        """Nothing waits: every beat is written through."""
        return StreamHealth(0, None)


# The rules of `beat_judge` (read its docstring first), run inside Redis so that a beat costs one
# round trip and is atomic. KEYS: the playback, the participant's lease, the participant × lecture
# spans hash, the stream. The playback and the lease are short strings of words, not hashes: both
# are read by one MGET and each written by one SET with its expiry, where hashes took an HMGET, an
# HSET and an EXPIRE each (every call from the script into Redis costs about as much as the rules).
#   playback: "user lecture seq position beat_at"
#   lease: "holder since expires carry", holder "-" when nobody holds it, carry the participant's
#   jitter allowance.
# The answer is one string, "outcome watched done" (or only the outcome of a refusal): a bulk
# string is read with one line and one read, an array with a line and a read per element.
BEAT_SCRIPT = """
-- The eighteen words of the one argument, split by one string.match (half the cost of a gmatch loop).
local ARGV = {string.match(ARGV[1], '^' .. string.rep('(%S+) ', 17) .. '(%S+)$')}
local now, pid = tonumber(ARGV[1]), ARGV[4]
local seq, from, to, rate = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local visible, duration, threshold = ARGV[9] == '1', tonumber(ARGV[10]), tonumber(ARGV[11])
local jitter, cap = tonumber(ARGV[12]), tonumber(ARGV[13])
local lease_seconds, tolerance = tonumber(ARGV[14]), tonumber(ARGV[15])
local release = ARGV[18] == '1'
local sp = redis.call('HMGET', KEYS[3], 'spans', 'done', 'w', 'wd')
local spans_raw = sp[1]
if not spans_raw then return 'seed' end
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
-- MGET answers false for a key that is missing or not a string.
local found = redis.call('MGET', KEYS[1], KEYS[2])
local pb_user, pb_lecture, pb_seq, pb_pos, pb_at
if found[1] then
  pb_user, pb_lecture, pb_seq, pb_pos, pb_at = string.match(found[1], '^(%S+) (%S+) (%S+) (%S+) (%S+)$')
end
local holder, since_text, expires_text, carry_text
if found[2] then
  holder, since_text, expires_text, carry_text = string.match(found[2], '^(%S+) (%S+) (%S+) (%S+)$')
  if holder == '-' then holder = nil end
end
local since, expires, carry = tonumber(since_text) or now, tonumber(expires_text) or 0, tonumber(carry_text) or jitter
-- 'keep': the lease is left as it is; 'hold': this playback holds it; 'free': nobody holds it.
local lease_to = 'keep'
local outcome, credit_from, credit_to
if not pb_user then
  if seq ~= 0 then return 'unknown' end
  outcome = 'opened'
  -- The viewer's latest choice wins: a new visible playback takes the lease over at once.
  if visible and not release then lease_to, since, since_text = 'hold', now, ARGV[1] end
else
  -- The participant and the lecture are compared as the words they were written from (str(int)).
  if pb_user ~= ARGV[2] or pb_lecture ~= ARGV[3] then return 'foreign' end
  if seq <= tonumber(pb_seq) then return 'duplicate ' .. watched .. ' ' .. done end
  local holds = holder == pid
  local held_from = now
  if not visible then
    outcome = 'hidden'
    if holds then lease_to = 'free' end
  elseif holds then
    held_from = math.max(tonumber(pb_at), since)
  elseif (not holder) or expires <= now then
    since, since_text = now, ARGV[1]
  else
    outcome = 'other_playback'
  end
  if not outcome then
    local position = tonumber(pb_pos)
    if from > position + tolerance then
      outcome = 'seek'
    elseif to < position - tolerance then
      outcome = 'rewound'
    else
      local start = math.max(from, position)
      local advance = math.max(0, to - start)
      local allowed = math.min(rate, cap) * math.max(0, now - held_from) + carry
      local credited = math.min(advance, allowed)
      carry = math.min(jitter, allowed - credited)
      if credited >= advance - 1e-6 then outcome = 'credited' else outcome = 'capped' end
      if credited > 0 then credit_from, credit_to = start, start + credited end
    end
    if release then lease_to = 'free' else lease_to = 'hold' end
  end
end
-- Words of the argument are written back as they came wherever they can, and numbers as %.17g
-- (exact, as Redis itself writes a number handed to redis.call): printf is the costliest step here.
redis.call('SET', KEYS[1], ARGV[2] .. ' ' .. ARGV[3] .. ' ' .. ARGV[5] .. ' ' .. ARGV[7] .. ' ' .. ARGV[1],
  'EX', ARGV[16])
if lease_to == 'hold' then
  redis.call('SET', KEYS[2], pid .. ' ' .. since_text .. ' ' .. string.format('%.17g', now + lease_seconds) ..
    ' ' .. string.format('%.17g', carry), 'EX', ARGV[16])
elseif lease_to == 'free' then
  redis.call('SET', KEYS[2], '- ' .. since_text .. ' ' .. expires_text .. ' ' .. string.format('%.17g', carry),
    'EX', ARGV[16])
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
  redis.call('XADD', KEYS[4], '*', 'u', ARGV[2], 'l', ARGV[3], 's', credit_from, 'e', credit_to,
    'p', ARGV[7], 't', ARGV[1])
else
  redis.call('HSET', KEYS[3], 'pos', ARGV[7])
end
redis.call('EXPIRE', KEYS[3], ARGV[17])
return outcome .. ' ' .. watched .. ' ' .. done
"""


@lru_cache(maxsize=1024, typed=True)
def _rule_words(duration: float, threshold: float, jitter: float, cap: float, lease_seconds: float) -> str:
    """Words 10–17 of the beat script's argument: the lecture's rule and the settings. The same
    few lectures and settings come back beat after beat, and writing out these eight numbers cost
    more than this look-up (settings are still read per beat: a changed one is a new entry)."""
    return (
        f"{duration!r} {threshold!r} {jitter!r} {cap!r} {lease_seconds!r} {CONTINUITY_TOLERANCE!r}"
        f" {PLAYBACK_TTL} {SPANS_TTL}"
    )


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
        both this store and the database store, so the two stay the same. ProgressStoreUnavailable
        when Redis cannot be reached (the endpoint answers 503 and the player retries)."""
        sp_key = spans_key(user_id, rule.lecture_id)
        pid = beat.playback_id
        rule_words = _rule_words(
            rule.duration, rule.threshold, conf.jitter_seconds(), conf.credited_rate_cap(), conf.lease_seconds()
        )
        # One argument, split inside the script: redis-py encodes every argument on its own, and
        # eighteen of them cost more than the script itself.
        args = [
            f"{now!r} {user_id} {rule.lecture_id} {pid} {beat.seq} {beat.start!r} {beat.end!r} {beat.rate!r}"
            f" {1 if beat.visible else 0} {rule_words} {1 if beat.release else 0}"
        ]
        keys = [f"courses:pb:{pid}", f"courses:lease:{user_id}", sp_key, STREAM]
        try:
            answer = self._script(keys=keys, args=args)
            if answer == b"seed":
                # Rare: handing out the beat key seeds this already (services.lecture_progress_seed);
                # the hash expired or Redis restarted since.
                found = DatabaseProgressStore().snapshots(user_id=user_id, lecture_ids=[rule.lecture_id])
                with self.redis.pipeline() as pipe:
                    self._spans_seed(pipe, sp_key, found.get(rule.lecture_id))
                    pipe.execute()
                answer = self._script(keys=keys, args=args)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            # Also BusyLoadingError (a ConnectionError): Redis restarted and is reading its AOF.
            raise ProgressStoreUnavailable(str(error)) from error
        if answer == b"unknown":
            raise playback_unknown_error()
        if answer == b"foreign":
            raise playback_foreign_error()
        outcome, watched, done = answer.decode().split(" ")
        return beat_result(outcome=outcome, watched=float(watched), rule=rule, completed=bool(done))

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

    def stream_health(self, *, now: float | None = None) -> StreamHealth:
        """The stream holds exactly what is not yet stored: the flush deletes entries once committed."""
        now = time.time() if now is None else now
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                pipe.xlen(STREAM)
                pipe.xrange(STREAM, count=1)
                length, first = pipe.execute()
        except redis.RedisError:
            return StreamHealth(0, None, reachable=False)
        if not first:
            return StreamHealth(length, None)
        return StreamHealth(length, round(max(0.0, now - stream_entry_received(first[0][0])), 3))


def stream_entry_received(entry_id: bytes | str) -> float:
    """When the stream took an entry (epoch seconds): its id starts with that millisecond, the
    beat's receipt."""
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-")[0]) / 1000


@cache
def _redis_store(url: str) -> RedisProgressStore:
    return RedisProgressStore(url)


@cache
def progress_store() -> RedisProgressStore | DatabaseProgressStore:
    """The store of this site, looked up once per process (and again when COURSES_REDIS_URL or
    REDIS_URL changes): every beat asks for it."""
    url = conf.redis_url()
    return _redis_store(url) if url else DatabaseProgressStore()


def _forget_store(*, setting: str, **kwargs) -> None:
    if setting in ("COURSES_REDIS_URL", "REDIS_URL"):
        progress_store.cache_clear()


setting_changed.connect(_forget_store, dispatch_uid="courses.beats.stores.progress_store")
