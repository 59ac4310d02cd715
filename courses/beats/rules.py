"""The crediting rules of the progress protocol, pure: no store, no clock but the one passed in.

`beat_judge` decides, from a playback's previous state and the server's receipt time, what part of
a beat's span is plausible; `progress_apply` adds credited spans to a progress row and stamps the
completion. Both stores (stores.py) follow these rules: the write-through store calls them, the
Redis store runs the same rules as a Lua script (the tests run every rule against both)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from courses import conf
from courses.beats.spans import spans_clip, spans_length, spans_merge

# A beat whose span lies further than this from where the playback stood is a seek (or a rewind).
CONTINUITY_TOLERANCE = 0.5


class BeatOutcome:
    """What one beat did to a playback: the `outcome` of the beat endpoint's answer."""

    OPENED = "opened"
    CREDITED = "credited"
    CAPPED = "capped"
    DUPLICATE = "duplicate"
    SEEK = "seek"
    REWOUND = "rewound"
    HIDDEN = "hidden"
    OTHER_PLAYBACK = "other_playback"


# Shown by the player under the video: what happened, in plain words. A duplicate (the player
# resent a beat) and the beats of an honest playback say nothing.
OUTCOME_MESSAGES = {
    BeatOutcome.CAPPED: _("Only part of this stretch was counted: the video advanced faster than real time allows."),
    BeatOutcome.SEEK: _("The video skipped ahead: the part skipped is not counted."),
    BeatOutcome.REWOUND: _("The video was rewound past what you watched: what you watch again is not counted twice."),
    BeatOutcome.HIDDEN: _("The page was hidden: time watched in a hidden tab is not counted."),
    BeatOutcome.OTHER_PLAYBACK: _("Another tab is playing — this one is paused."),
}


def playback_unknown_error() -> ValidationError:
    return ValidationError(
        {"playback_id": [_("This playback is unknown or expired: open a new one with seq 0.")]},
        code="playback_unknown",
    )


def playback_foreign_error() -> ValidationError:
    return ValidationError({"playback_id": [_("This playback belongs to another lecture.")]})


class ProgressStoreUnavailable(Exception):
    """The beat store (Redis) cannot be reached or is still loading its data after a restart: the
    beat is answered 503 with Retry-After, and the player sends it again."""


class Beat(NamedTuple):
    # Named tuples, not frozen dataclasses: one of each is built per beat, and a frozen
    # dataclass's __init__ costs several times as much.
    # The playback's UUID as text, in the canonical form (str(uuid.UUID)): what the stores key and
    # compare, so a beat never turns it into a UUID object and back.
    playback_id: str
    seq: int
    start: float
    end: float
    rate: float
    visible: bool
    # The player's last beat of this playback (ended, page hidden for good, navigation): the span is
    # judged as usual, then the participant's lease is let go so the next lecture starts at once.
    release: bool = False


class LectureCompletionRule(NamedTuple):
    """What completes a lecture: watching `threshold` (a share, 0–1) of its `duration` seconds.

    Carried by the beat key (so a beat needs no database) and read by the flush."""

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


@dataclass
class LeaseState:
    """The participant's one lease, over all their lectures: which playback may be credited, since
    when it holds it, until when it holds it without a beat, and the jitter allowance left.

    The allowance is the participant's, not a playback's: a playback that takes the lease over
    inherits what is left, so opening many playbacks does not add it many times. A lease nobody
    has held for PLAYBACK_TTL is forgotten (a fresh one starts with the whole allowance)."""

    holder: str | None
    since: float
    expires: float
    carry: float


@dataclass
class Verdict:
    outcome: str
    state: PlaybackState | None
    lease: LeaseState | None = None  # the lease to store; None: unchanged
    credit: tuple[float, float] | None = None


@dataclass
class BeatResult:
    outcome: str
    watched_seconds: float
    progress: float
    completed: bool

    @property
    def credited(self) -> bool:
        return self.outcome in (BeatOutcome.CREDITED, BeatOutcome.CAPPED)

    @property
    def message(self) -> str:
        return outcome_message(self.outcome)


def outcome_message(outcome: str) -> str:
    """The player's line for a beat of this outcome, in the active language ("" for none)."""
    return str(OUTCOME_MESSAGES.get(outcome, ""))


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
    *, state: PlaybackState | None, lease: LeaseState | None, beat: Beat, user_id: int, lecture_id: int, now: float
) -> Verdict:
    """Decide what a beat credits. `now` is the server's receipt time; the client's clock is never read.

    The lease (one per participant, over all lectures) decides which playback may be credited:
    - a new visible playback takes it over at once (the viewer's latest choice wins); the playback
      that held it is answered `other_playback` from then on and earns nothing more;
    - a visible beat of a playback that does not hold it takes it only if nobody holds it (released,
      or its holder silent past the lease time), and earns nothing for the time before;
    - `visible: false` and `release` let it go.
    Credit is capped at min(rate, 2) × the wall time since the later of the playback's previous
    beat and the moment it took the lease, plus what is left of the participant's jitter allowance:
    over any stretch of wall time W, a participant is credited at most 2 W + the allowance, however
    many playbacks, tabs and lectures they beat.
    A span that starts where the playback stands, or earlier (the player resends what is not yet
    acknowledged), continues it: only the part after the position counts. A span wholly ahead is a
    seek, one wholly behind a rewind: neither is credited."""
    jitter = conf.jitter_seconds()
    lease_seconds = conf.lease_seconds()
    if lease is None:
        lease = LeaseState(None, now, 0.0, jitter)
    pid = beat.playback_id
    if state is None:
        if beat.seq != 0:
            raise playback_unknown_error()
        opened = PlaybackState(user_id, lecture_id, 0, beat.end, now)
        if not beat.visible or beat.release:
            return Verdict(BeatOutcome.OPENED, opened)
        return Verdict(BeatOutcome.OPENED, opened, lease=LeaseState(pid, now, now + lease_seconds, lease.carry))
    if state.user_id != user_id or state.lecture_id != lecture_id:
        raise playback_foreign_error()
    if beat.seq <= state.seq:
        return Verdict(BeatOutcome.DUPLICATE, None)
    moved = PlaybackState(user_id, lecture_id, beat.seq, beat.end, now)
    holds = lease.holder == pid
    if not beat.visible:
        released = LeaseState(None, lease.since, lease.expires, lease.carry) if holds else None
        return Verdict(BeatOutcome.HIDDEN, moved, lease=released)
    if holds:
        held_from = max(state.beat_at, lease.since)
        since = lease.since
    elif lease.holder is None or lease.expires <= now:
        held_from = since = now
    else:
        return Verdict(BeatOutcome.OTHER_PLAYBACK, moved)
    carry = lease.carry
    credit = None
    if beat.start > state.position + CONTINUITY_TOLERANCE:
        outcome = BeatOutcome.SEEK
    elif beat.end < state.position - CONTINUITY_TOLERANCE:
        outcome = BeatOutcome.REWOUND
    else:
        start = max(beat.start, state.position)
        advance = max(0.0, beat.end - start)
        allowed = min(beat.rate, conf.credited_rate_cap()) * max(0.0, now - held_from) + carry
        credited = min(advance, allowed)
        # The allowance never grows above its own size, so many tiny beats cannot each add it.
        carry = min(jitter, allowed - credited)
        # Within a microsecond of media: the write-through store keeps times to the microsecond.
        outcome = BeatOutcome.CREDITED if credited >= advance - 1e-6 else BeatOutcome.CAPPED
        credit = (start, start + credited) if credited > 0 else None
    held = LeaseState(None if beat.release else pid, since, now + lease_seconds, carry)
    return Verdict(outcome, moved, lease=held, credit=credit)


def beat_result(*, outcome: str, watched: float, rule: LectureCompletionRule, completed: bool) -> BeatResult:
    progress = min(1.0, watched / rule.duration) if rule.duration else 0.0
    return BeatResult(outcome, round(watched, 3), round(progress, 4), completed)


def progress_apply(*, progress, spans, at: datetime, rule: LectureCompletionRule) -> None:
    """Add credited spans to a progress row; completion is stamped with the receipt time of the
    span that crossed the threshold, never with the (later) time of a flush."""
    progress.spans = spans_merge(progress.spans, spans)
    progress.watched_seconds = round(spans_length(spans_clip(progress.spans, duration=rule.duration)), 3)
    progress.progress = min(1.0, progress.watched_seconds / rule.duration) if rule.duration else 0.0
    if progress.completed_at is None and progress.progress >= rule.threshold:
        progress.completed_at = at
