"""The crediting rules of the progress protocol, pure: no store, no clock but the one passed in.

`beat_judge` decides, from a playback's previous state and the server's receipt time, what part of
a beat's span is plausible; `progress_apply` adds credited spans to a progress row and stamps the
completion. Both stores (stores.py) follow these rules: the write-through store calls them, the
Redis store runs the same rules as a Lua script (the tests run every rule against both)."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from courses import conf
from courses.beats.spans import spans_clip, spans_length, spans_merge

# A beat whose `from` is further than this from where the playback stood is a seek.
CONTINUITY_TOLERANCE = 0.5


class BeatOutcome:
    """What one beat did to a playback: the `outcome` of the beat endpoint's answer."""

    OPENED = "opened"
    CREDITED = "credited"
    CAPPED = "capped"
    DUPLICATE = "duplicate"
    SEEK = "seek"
    HIDDEN = "hidden"
    OTHER_PLAYBACK = "other_playback"


OUTCOME_MESSAGES = {
    BeatOutcome.CAPPED: _("Only part of this stretch was counted: the video advanced faster than real time allows."),
    BeatOutcome.DUPLICATE: _("This beat was already received; nothing changed."),
    BeatOutcome.SEEK: _("The position jumped (a seek): the skipped part is not counted."),
    BeatOutcome.HIDDEN: _("The page was hidden: time watched in a hidden tab is not counted."),
    BeatOutcome.OTHER_PLAYBACK: _(
        "You are watching in another tab or on another device: only one playback at a time is counted."
    ),
}


def playback_unknown_error() -> ValidationError:
    return ValidationError(
        {"playback_id": [_("This playback is unknown or expired: open a new one with seq 0.")]},
        code="playback_unknown",
    )


def playback_foreign_error() -> ValidationError:
    return ValidationError({"playback_id": [_("This playback belongs to another lecture.")]})


class Beat(NamedTuple):
    # Named tuples, not frozen dataclasses: one of each is built per beat, and a frozen
    # dataclass's __init__ costs several times as much.
    playback_id: uuid.UUID
    seq: int
    start: float
    end: float
    rate: float
    visible: bool


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
        return self.outcome in (BeatOutcome.CREDITED, BeatOutcome.CAPPED)

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
            raise playback_unknown_error()
        opened = PlaybackState(user_id, lecture_id, 0, beat.end, now, jitter)
        return Verdict(BeatOutcome.OPENED, opened, hold_lease=lease_ok and beat.visible)
    if state.user_id != user_id or state.lecture_id != lecture_id:
        raise playback_foreign_error()
    if beat.seq <= state.seq:
        return Verdict(BeatOutcome.DUPLICATE, None)
    elapsed = max(0.0, now - state.beat_at)
    moved = PlaybackState(user_id, lecture_id, beat.seq, beat.end, now, jitter)
    if not beat.visible:
        return Verdict(BeatOutcome.HIDDEN, moved, release_lease=lease_ok)
    if not lease_ok:
        return Verdict(BeatOutcome.OTHER_PLAYBACK, moved)
    if abs(beat.start - state.position) > CONTINUITY_TOLERANCE:
        return Verdict(BeatOutcome.SEEK, moved, hold_lease=True)
    # The jitter allowance is carried from beat to beat but never above its own size, so many tiny
    # beats cannot each add it and outrun the rate cap.
    allowed = min(beat.rate, conf.credited_rate_cap()) * elapsed + state.carry
    advance = beat.end - beat.start
    credited = min(advance, allowed)
    moved.carry = min(jitter, allowed - credited)
    outcome = BeatOutcome.CREDITED if credited >= advance else BeatOutcome.CAPPED
    credit = (beat.start, beat.start + credited) if credited > 0 else None
    return Verdict(outcome, moved, credit=credit, hold_lease=True)


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
