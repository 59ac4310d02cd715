import time
import uuid
import zoneinfo
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.beats.flush import progress_flush, progress_flush_entries
from courses.beats.keys import BeatKeyStale, beat_key_read
from courses.beats.rules import Beat, BeatResult, LectureCompletionRule, ProgressStoreUnavailable, beat_validate
from courses.beats.stores import progress_store
from courses.metrics import BEATS_REFUSED, beats_accepted
from courses.models import CoursePage, DeadlineExtension, LecturePage
from courses.selectors import (
    LectureRow,
    LectureState,
    lecture_access,
    lecture_beat_key,
    lecture_get_live,
    lecture_playback_url,
    lecture_row_for_user,
    lecture_rows_for_participant,
    playback_renew_seconds,
)
from lms.selectors import participant_current
from lms.services import deadline_extension_save


def lecture_draft_create(
    *, course_id: int, title: str, video_asset_id: int, source_live_session_id: int | None = None
) -> LecturePage:
    """An unpublished lecture under the course, for an editor to give dates and publish (or send
    to moderation). Used for live-session recordings."""
    course = CoursePage.objects.get(pk=course_id)
    lecture = LecturePage(
        title=title,
        video_id=video_asset_id,
        source_live_session_id=source_live_session_id,
        live=False,
    )
    # The draft has no deadline yet: the editing form requires one before publishing.
    course.add_child(instance=lecture)
    lecture.save_revision(clean=False)
    return lecture


def lecture_progress_record(
    *,
    beat_key: str | None,
    lecture_id: int,
    playback_id: uuid.UUID | str,
    seq: int,
    start: float,
    end: float,
    rate: float,
    visible: bool,
    release: bool = False,
    now: float | None = None,
) -> BeatResult:
    """Credit one heartbeat of a playback (see courses/beats/rules.py for the rules).

    The caller is whoever holds a beat key for this lecture (courses/beats/keys.py): a missing,
    forged or other lecture's key → PermissionDenied; an expired key, or a beat received after the
    deadline the key carries → BeatKeyStale (a PermissionDenied: renewing the key may help, and
    the renewal decides with the database, so a later extension counts); implausible input →
    ValidationError; the beat store unreachable → ProgressStoreUnavailable (the player sends the
    beat again). In none of these cases does stored progress change. No database query and no
    session: this runs for every viewer every few seconds. `release`: the player's last beat of
    this playback (ended, page left), which lets the participant's lease go. `playback_id`: a UUID
    or its canonical text (str(uuid.UUID), as the API passes it). `now` (epoch seconds) is the
    server's receipt time. Each beat is counted by its outcome or its refusal's reason
    (courses.metrics)."""
    try:
        result = _beat_record(
            beat_key=beat_key,
            lecture_id=lecture_id,
            beat=Beat(str(playback_id), seq, start, end, rate, visible, release),
            now=time.time() if now is None else now,
        )
    except BeatKeyStale:
        BEATS_REFUSED.labels(reason="key_stale").inc()
        raise
    except PermissionDenied:
        BEATS_REFUSED.labels(reason="key_invalid").inc()
        raise
    except ValidationError:
        BEATS_REFUSED.labels(reason="invalid").inc()
        raise
    except ProgressStoreUnavailable:
        BEATS_REFUSED.labels(reason="store_unavailable").inc()
        raise
    beats_accepted(result.outcome).inc()
    return result


def _beat_record(*, beat_key: str | None, lecture_id: int, beat: Beat, now: float) -> BeatResult:
    key = beat_key_read(key=beat_key, lecture_id=lecture_id, now=now)
    beat_validate(beat=beat, duration=key.duration)
    if now >= key.deadline:
        try:
            zone = zoneinfo.ZoneInfo(key.zone) if key.zone else None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = None
        with timezone.override(zone):
            closed = lecture_access(
                available_from=None,
                enrolled=True,
                deadline=datetime.fromtimestamp(key.deadline, tz=UTC),
                now=datetime.fromtimestamp(now, tz=UTC),
            )
        raise BeatKeyStale(closed.reason)
    rule = LectureCompletionRule(lecture_id, key.duration, key.threshold)
    return progress_store().beat(user_id=key.user_id, rule=rule, beat=beat, now=now)


def lecture_progress_seed(*, user_id: int, rows: Iterable[LectureRow]) -> None:
    """Bring the participant's stored progress of these lectures into the beat store (Redis), where
    it is not yet, so their first beat needs no database query and every beat's answer reports
    flushed and unflushed progress together. Called wherever a beat key is handed out."""
    progress_store().seed(user_id=user_id, snapshots={row.lecture.id: row.snapshot for row in rows})


def lecture_rows_for_player(*, user: AbstractBaseUser) -> list[LectureRow]:
    """The participant's lectures for the player (the lecture API, which hands out beat keys);
    none for a user who is no participant."""
    participant = participant_current(user=user)
    rows = lecture_rows_for_participant(participant=participant) if participant else []
    lecture_progress_seed(user_id=user.pk, rows=rows)
    return rows


def lecture_row_for_player(*, user: AbstractBaseUser, lecture_id: int) -> LectureRow:
    """One lecture for the player, in any state but "not enrolled": Http404 for an unknown lecture,
    PermissionDenied with the reason for another track's or season's."""
    lecture = lecture_get_live(lecture_id=lecture_id)
    if lecture is None:
        raise Http404(_("There is no such lecture."))
    row = lecture_row_for_user(user=user, lecture=lecture)
    if row.access.state == LectureState.NOT_ENROLLED:
        raise PermissionDenied(row.access.reason)
    lecture_progress_seed(user_id=user.pk, rows=[row])
    return row


class PlaybackGrant(NamedTuple):
    playback_url: str
    beat_key: str
    renew_seconds: float


def lecture_playback_renew(*, user: AbstractBaseUser, lecture_id: int) -> PlaybackGrant:
    """A fresh signed playlist URL and beat key, only while the lecture is open to the participant
    and its video plays (else PermissionDenied with the reason). The renewal is where a deadline
    change (an extension) reaches the beats: the new key carries the new deadline."""
    row = lecture_row_for_player(user=user, lecture_id=lecture_id)
    if not row.access.allowed:
        raise PermissionDenied(row.access.reason)
    url = lecture_playback_url(row=row, user_id=user.pk)
    if url is None:
        raise PermissionDenied(_("The video of this lecture is not ready yet."))
    return PlaybackGrant(url, lecture_beat_key(row=row, user_id=user.pk), playback_renew_seconds())


def lecture_progress_credit(
    *, user_id: int, lecture_id: int, spans: Iterable[tuple[float, float]], at: datetime
) -> None:
    """Store credited spans (media seconds) of a lecture as the flush stores a player's, received
    at `at`: completion is stamped then. For progress made elsewhere than in our player (the demo's
    past season); spans merge as a union, so crediting the same spans again changes nothing."""
    progress_flush_entries(
        entries=[
            (
                f"credit:{user_id}:{lecture_id}:{number}",
                {"u": user_id, "l": lecture_id, "s": start, "e": end, "p": end, "t": at.timestamp()},
            )
            for number, (start, end) in enumerate(spans)
        ]
    )


def lecture_progress_flush(*, batch_size: int | None = None) -> int:
    return progress_flush(batch_size=batch_size)


def _course_policy_deadline(course: CoursePage) -> datetime | None:
    """What an extension for a whole course extends: the latest deadline among its lectures."""
    deadlines = [item.deadline for item in LecturePage.objects.child_of(course) if item.deadline]
    return max(deadlines) if deadlines else None


def deadline_extension_grant(
    *,
    user: AbstractBaseUser,
    deadline: datetime | None,
    reason: str,
    granted_by: AbstractBaseUser | None,
    lecture: LecturePage | None = None,
    course: CoursePage | None = None,
    extension: DeadlineExtension | None = None,
) -> DeadlineExtension:
    """Give one participant a later deadline for a lecture or for every lecture of a course
    (or change an existing extension); who granted it and when are stored. The rules shared with
    tests' extensions (a reason, only later) are lms.services.deadline_extension_save's; the new
    deadline must be later than the lecture's (for a whole course: the latest among its lectures),
    so an extension never shortens anyone's access. ValidationError with every message otherwise."""
    if (lecture is None) == (course is None):
        raise ValidationError({"lecture": [_("Choose either one lecture or a whole course.")]})
    extension = extension or DeadlineExtension()
    extension.user = user
    extension.lecture = lecture
    extension.course = course
    # Beats learn the new deadline from the participant's next beat key (courses/beats/keys.py).
    return deadline_extension_save(
        extension=extension,
        policy_deadline=lecture.deadline if lecture is not None else _course_policy_deadline(course),
        deadline=deadline,
        reason=reason,
        granted_by=granted_by,
    )


def deadline_extension_delete(*, extension: DeadlineExtension) -> None:
    # Beat keys already handed out keep the withdrawn deadline for at most their lifetime
    # (COURSES_BEAT_KEY_SECONDS); renewals refuse once the policy deadline has passed.
    extension.delete()
