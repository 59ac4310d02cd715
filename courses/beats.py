"""The crediting rules of the progress protocol and the two places its state can live.

`beat_judge` is pure: it decides, from a playback's previous state and the server's receipt time,
what part of a beat's span is plausible. The stores keep that state: in Redis (one hash per
playback, one per participant's lease and per participant × lecture, credited spans appended to a
stream that a periodic task flushes to PostgreSQL), or, without Redis, in the database directly."""

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from courses import conf
from courses.spans import spans_clip, spans_length, spans_merge

# A beat whose `from` is further than this from where the playback stood is a seek.
CONTINUITY_TOLERANCE = 0.5
PLAYBACK_TTL = 6 * 3600
SPANS_TTL = 7 * 24 * 3600
STREAM = "courses:credited"
GROUP = "flush"
CONSUMER = "flusher"


class Outcome:
    OPENED = "opened"
    CREDITED = "credited"
    CAPPED = "capped"
    DUPLICATE = "duplicate"
    SEEK = "seek"
    HIDDEN = "hidden"
    OTHER_PLAYBACK = "other_playback"


OUTCOME_MESSAGES = {
    Outcome.CAPPED: _("Only part of this stretch was counted: the video advanced faster than real time allows."),
    Outcome.DUPLICATE: _("This beat was already received; nothing changed."),
    Outcome.SEEK: _("The position jumped (a seek): the skipped part is not counted."),
    Outcome.HIDDEN: _("The page was hidden: time watched in a hidden tab is not counted."),
    Outcome.OTHER_PLAYBACK: _(
        "You are watching in another tab or on another device: only one playback at a time is counted."
    ),
}


class Beat(NamedTuple):
    # Named tuples, not frozen dataclasses: one of each is built per beat, and a frozen
    # dataclass's __init__ costs several times as much.
    playback_id: uuid.UUID
    seq: int
    start: float
    end: float
    rate: float
    visible: bool


class LectureTarget(NamedTuple):
    """What crediting needs to know about the lecture (cached per participant, see selectors)."""

    lecture_id: int
    duration: float
    threshold: float


@dataclass
class PlaybackState:
    user_id: int
    lecture_id: int
    seq: int
    position: float
    beat_at: float
    carry: float


@dataclass
class Verdict:
    outcome: str
    state: PlaybackState | None
    credit: tuple[float, float] | None = None
    hold_lease: bool = False
    release_lease: bool = False


@dataclass
class BeatResult:
    outcome: str
    watched_seconds: float
    progress: float
    completed: bool

    @property
    def credited(self) -> bool:
        return self.outcome in (Outcome.CREDITED, Outcome.CAPPED)

    @property
    def message(self) -> str:
        return str(OUTCOME_MESSAGES.get(self.outcome, ""))


@dataclass
class ProgressSnapshot:
    spans: list = field(default_factory=list)
    position: float = 0.0
    completed_at: datetime | None = None

    def watched(self, duration: float) -> float:
        return spans_length(spans_clip(self.spans, duration=duration)) if duration else 0.0

    def share(self, duration: float) -> float:
        return min(1.0, self.watched(duration) / duration) if duration else 0.0


def beat_validate(*, beat: Beat, duration: float) -> None:
    errors: dict[str, list] = {}
    if beat.start < 0 or beat.end < 0:
        errors.setdefault("from", []).append(_("Media positions cannot be negative."))
    if beat.end < beat.start:
        errors.setdefault("to", []).append(_("The span ends before it starts."))
    if beat.end > duration + conf.duration_tolerance_seconds():
        errors.setdefault("to", []).append(_("The span goes beyond the end of the video."))
    if not (0 < beat.rate <= conf.max_rate()):
        errors.setdefault("rate", []).append(
            _("A playback rate must be above 0 and at most %(max)s.") % {"max": conf.max_rate()}
        )
    if beat.seq == 0 and beat.start != beat.end:
        errors.setdefault("to", []).append(_("The opening beat (seq 0) has from = to = the starting position."))
    if errors:
        raise ValidationError(errors)


def beat_judge(
    *, state: PlaybackState | None, beat: Beat, user_id: int, lecture_id: int, now: float, lease_ok: bool
) -> Verdict:
    """Decide what a beat credits. `now` is the server's receipt time; the client's clock is never read."""
    jitter = conf.jitter_seconds()
    if state is None:
        if beat.seq != 0:
            raise ValidationError(
                {"playback_id": [_("This playback is unknown or expired: open a new one with seq 0.")]},
                code="playback_unknown",
            )
        opened = PlaybackState(user_id, lecture_id, 0, beat.end, now, jitter)
        return Verdict(Outcome.OPENED, opened, hold_lease=lease_ok and beat.visible)
    if state.user_id != user_id or state.lecture_id != lecture_id:
        raise ValidationError({"playback_id": [_("This playback belongs to another lecture.")]})
    if beat.seq <= state.seq:
        return Verdict(Outcome.DUPLICATE, None)
    elapsed = max(0.0, now - state.beat_at)
    moved = PlaybackState(user_id, lecture_id, beat.seq, beat.end, now, jitter)
    if not beat.visible:
        return Verdict(Outcome.HIDDEN, moved, release_lease=lease_ok)
    if not lease_ok:
        return Verdict(Outcome.OTHER_PLAYBACK, moved)
    if abs(beat.start - state.position) > CONTINUITY_TOLERANCE:
        return Verdict(Outcome.SEEK, moved, hold_lease=True)
    # The jitter allowance is carried from beat to beat but never above its own size, so many tiny
    # beats cannot each add it and outrun the rate cap.
    allowed = min(beat.rate, conf.credited_rate_cap()) * elapsed + state.carry
    advance = beat.end - beat.start
    credited = min(advance, allowed)
    moved.carry = min(jitter, allowed - credited)
    outcome = Outcome.CREDITED if credited >= advance else Outcome.CAPPED
    credit = (beat.start, beat.start + credited) if credited > 0 else None
    return Verdict(outcome, moved, credit=credit, hold_lease=True)


def _result(outcome: str, watched: float, target: LectureTarget, completed_at) -> BeatResult:
    progress = min(1.0, watched / target.duration) if target.duration else 0.0
    return BeatResult(outcome, round(watched, 3), round(progress, 4), completed_at is not None)


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


class DatabaseProgressStore:
    """Write-through store for a site without Redis: every beat is a small transaction."""

    def beat(self, *, user_id: int, target: LectureTarget, beat: Beat, now: float) -> BeatResult:
        from courses.models import LecturePlayback, LectureProgress

        with transaction.atomic():
            row = LecturePlayback.objects.select_for_update().filter(pk=beat.playback_id).first()
            state = None
            if row is not None:
                state = PlaybackState(
                    row.user_id, row.lecture_id, row.seq, row.position, _epoch(row.beat_at), row.carry
                )
            lease_ok = (
                not LecturePlayback.objects.filter(user_id=user_id, lease_until__gt=_moment(now))
                .exclude(pk=beat.playback_id)
                .exists()
            )
            verdict = beat_judge(
                state=state, beat=beat, user_id=user_id, lecture_id=target.lecture_id, now=now, lease_ok=lease_ok
            )
            progress, _created = LectureProgress.objects.select_for_update().get_or_create(
                user_id=user_id, lecture_id=target.lecture_id
            )
            if verdict.state is None:
                watched = spans_length(spans_clip(progress.spans, duration=target.duration))
                return _result(verdict.outcome, watched, target, progress.completed_at)
            new = verdict.state
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
                    lecture_id=target.lecture_id,
                    seq=new.seq,
                    position=new.position,
                    beat_at=_moment(now),
                    carry=new.carry,
                    lease_until=lease_until,
                ),
            )
            progress.last_position = new.position
            fields = ["last_position", "updated_at"]
            if verdict.credit is not None:
                progress_apply(progress=progress, spans=[verdict.credit], at=_moment(now), target=target)
                fields += ["spans", "watched_seconds", "progress", "completed_at"]
            progress.save(update_fields=fields)
            watched = spans_length(spans_clip(progress.spans, duration=target.duration))
            return _result(verdict.outcome, watched, target, progress.completed_at)

    def snapshots(self, *, user_id: int, lecture_ids) -> dict[int, ProgressSnapshot]:
        from courses.models import LectureProgress

        rows = LectureProgress.objects.filter(user_id=user_id, lecture_id__in=list(lecture_ids))
        return {row.lecture_id: ProgressSnapshot(row.spans, row.last_position, row.completed_at) for row in rows}

    def pending(self) -> int:
        return 0

    def flush(self, **kwargs) -> int:
        return 0


def progress_apply(*, progress, spans, at: datetime, target: LectureTarget) -> None:
    """Add credited spans to a progress row; completion is stamped with the receipt time of the
    span that crossed the threshold, never with the (later) time of a flush."""
    progress.spans = spans_merge(progress.spans, spans)
    progress.watched_seconds = round(spans_length(spans_clip(progress.spans, duration=target.duration)), 3)
    progress.progress = min(1.0, progress.watched_seconds / target.duration) if target.duration else 0.0
    if progress.completed_at is None and progress.progress >= target.threshold:
        progress.completed_at = at


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


class RedisProgressStore:
    def __init__(self, url: str):
        import redis

        from courses.redisscript import ScriptCaller

        self.redis = redis.Redis.from_url(url)
        self._script = ScriptCaller(self.redis, BEAT_SCRIPT)

    @staticmethod
    def _keys(user_id: int, lecture_id: int, playback_id) -> tuple[str, str, str]:
        return f"courses:pb:{playback_id}", f"courses:lease:{user_id}", f"courses:sp:{user_id}:{lecture_id}"

    @staticmethod
    def _spans_seed(pipe, key: str, snapshot: ProgressSnapshot | None) -> None:
        """Bring a participant × lecture's stored progress into Redis (never over what is there),
        so every answer reports flushed and unflushed progress together."""
        snapshot = snapshot or ProgressSnapshot()
        pipe.hsetnx(key, "spans", json.dumps(snapshot.spans))
        pipe.hsetnx(key, "pos", snapshot.position)
        if snapshot.completed_at is not None:
            pipe.hsetnx(key, "done", _epoch(snapshot.completed_at))
        pipe.expire(key, SPANS_TTL)

    def beat(self, *, user_id: int, target: LectureTarget, beat: Beat, now: float) -> BeatResult:
        """One round trip: the rules of `beat_judge` run inside Redis (BEAT_SCRIPT), atomically
        per playback, lease and participant × lecture. The test suite runs every rule against
        both this store and the database store, so the two stay the same."""
        pb_key, lease_key, sp_key = self._keys(user_id, target.lecture_id, beat.playback_id)
        # One argument, split inside the script: redis-py encodes every argument on its own, and
        # seventeen of them cost more than the script itself.
        args = [
            f"{now!r} {user_id} {target.lecture_id} {beat.playback_id} {beat.seq} {beat.start!r} {beat.end!r}"
            f" {beat.rate!r} {1 if beat.visible else 0} {target.duration!r} {target.threshold!r}"
            f" {conf.jitter_seconds()!r} {conf.credited_rate_cap()!r} {conf.lease_seconds()!r}"
            f" {CONTINUITY_TOLERANCE!r} {PLAYBACK_TTL} {SPANS_TTL}"
        ]
        keys = [pb_key, lease_key, sp_key, STREAM]
        answer = self._script(keys=keys, args=args)
        if answer[0] == b"seed":
            # Rare: reading the lecture (page, API, renewal) seeds this already; the hash expired or
            # Redis restarted since.
            found = DatabaseProgressStore().snapshots(user_id=user_id, lecture_ids=[target.lecture_id])
            with self.redis.pipeline() as pipe:
                self._spans_seed(pipe, sp_key, found.get(target.lecture_id))
                pipe.execute()
            answer = self._script(keys=keys, args=args)
        outcome = answer[0].decode()
        if outcome == "unknown":
            raise ValidationError(
                {"playback_id": [_("This playback is unknown or expired: open a new one with seq 0.")]},
                code="playback_unknown",
            )
        if outcome == "foreign":
            raise ValidationError({"playback_id": [_("This playback belongs to another lecture.")]})
        return _result(outcome, float(answer[1]), target, float(answer[2]) if answer[2] else None)

    def snapshots(self, *, user_id: int, lecture_ids) -> dict[int, ProgressSnapshot]:
        lecture_ids = list(lecture_ids)
        found = DatabaseProgressStore().snapshots(user_id=user_id, lecture_ids=lecture_ids)
        with self.redis.pipeline(transaction=False) as pipe:
            for lecture_id in lecture_ids:
                pipe.hmget(f"courses:sp:{user_id}:{lecture_id}", "spans", "pos", "done")
            answers = pipe.execute()
        missing = []
        for lecture_id, (spans_raw, pos, done) in zip(lecture_ids, answers):
            if spans_raw is None:
                missing.append(lecture_id)
                continue
            snapshot = found.setdefault(lecture_id, ProgressSnapshot())
            snapshot.spans = spans_merge(snapshot.spans, json.loads(spans_raw))
            snapshot.position = float(pos or snapshot.position)
            if done and snapshot.completed_at is None:
                snapshot.completed_at = _moment(float(done))
        if missing:
            # Seeded while the lecture is read (its page, the API, the key renewal), so a
            # participant's first beat needs no database query either.
            with self.redis.pipeline(transaction=False) as pipe:
                for lecture_id in missing:
                    self._spans_seed(pipe, f"courses:sp:{user_id}:{lecture_id}", found.get(lecture_id))
                pipe.execute()
        return found

    def pending(self) -> int:
        try:
            groups = self.redis.xinfo_groups(STREAM)
        except Exception:
            return 0
        return sum(group["pending"] + (group.get("lag") or 0) for group in groups if group["name"] == GROUP.encode())

    def _group_ensure(self) -> None:
        import redis

        try:
            self.redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def flush(self, *, batch_size: int | None = None, max_batches: int = 1000) -> int:
        """Move credited spans from the stream into LectureProgress rows.

        Entries are acknowledged only after the database commit: a flush that dies leaves them
        pending, and the next run (same consumer) reads its pending entries first. Re-applying a
        span is harmless because spans are merged as a union."""
        batch_size = batch_size or conf.flush_batch_size()
        self._group_ensure()
        lock = self.redis.lock("courses:flush:lock", timeout=300, blocking_timeout=0)
        if not lock.acquire(blocking=False):
            return 0
        applied = 0
        try:
            # "0" re-reads what an earlier, interrupted run was given but never acknowledged.
            for start_id in ("0", ">"):
                for _batch in range(max_batches):
                    answer = self.redis.xreadgroup(GROUP, CONSUMER, {STREAM: start_id}, count=batch_size)
                    entries = answer[0][1] if answer else []
                    if not entries:
                        break
                    ids = [entry_id for entry_id, _fields in entries]
                    progress_flush_entries(entries=[fields for _id, fields in entries])
                    self.redis.xack(STREAM, GROUP, *ids)
                    self.redis.xdel(STREAM, *ids)
                    applied += len(ids)
        finally:
            lock.release()
        return applied


def progress_flush_entries(*, entries: list[dict]) -> int:
    """Apply stream entries ({u, l, s, e, p, t}) to LectureProgress in one transaction, a fixed
    number of queries per batch: read the lectures' durations, lock the rows, insert the missing,
    bulk-update the rest."""
    from courses.models import LectureProgress
    from courses.selectors import lecture_targets

    by_pair: dict[tuple[int, int], list] = {}
    for fields in entries:
        decoded = {(k.decode() if isinstance(k, bytes) else k): float(v) for k, v in fields.items()}
        pair = (int(decoded["u"]), int(decoded["l"]))
        by_pair.setdefault(pair, []).append(decoded)
    if not by_pair:
        return 0
    targets = lecture_targets(lecture_ids={lecture_id for _user, lecture_id in by_pair})
    with transaction.atomic():
        pairs = [pair for pair in by_pair if pair[1] in targets]
        LectureProgress.objects.bulk_create(
            [LectureProgress(user_id=user_id, lecture_id=lecture_id) for user_id, lecture_id in pairs],
            ignore_conflicts=True,
        )
        from django.db.models import Q

        condition = Q(pk__in=[])
        for user_id, lecture_id in pairs:
            condition |= Q(user_id=user_id, lecture_id=lecture_id)
        rows = {
            (row.user_id, row.lecture_id): row
            for row in LectureProgress.objects.select_for_update().filter(condition).order_by("pk")
        }
        for pair in pairs:
            row = rows[pair]
            for entry in sorted(by_pair[pair], key=lambda item: item["t"]):
                progress_apply(
                    progress=row, spans=[(entry["s"], entry["e"])], at=_moment(entry["t"]), target=targets[pair[1]]
                )
            row.last_position = max(by_pair[pair], key=lambda item: item["t"])["p"]
        LectureProgress.objects.bulk_update(
            rows.values(), ["spans", "watched_seconds", "progress", "completed_at", "last_position"]
        )
    return len(entries)


@cache
def _redis_store(url: str) -> RedisProgressStore:
    return RedisProgressStore(url)


def progress_store() -> RedisProgressStore | DatabaseProgressStore:
    url = conf.redis_url()
    return _redis_store(url) if url else DatabaseProgressStore()
