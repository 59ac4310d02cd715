"""The session's life from the speaker's console and a participant's way in: start, end, join.
What a room needs at each step is its backend's business (live.rooms): nothing here knows
which kind of room a session has."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from live import conf
from live.models import LiveSession, SessionTimesCorrection
from live.rooms.registry import room_backend
from live.selectors import session_for_participant, session_manageable_by, session_times_correction_refusal
from live.services.attendance import session_derive_later
from live.services.presence import presence_beats_flush
from lms.text import text_storable


class JoinNotOpen(Exception):
    """A participant came outside the session's joining times (before they open or after the end)."""


class RoomNotReady(Exception):
    """The room is not open yet (its speaker has not opened it): the participant waits on our page."""


def session_start(*, session: LiveSession, by, callback_base: str = "") -> LiveSession:
    """Record the actual start, the room opened first: a room that cannot be opened (BBB refusing
    its webhook or the room) leaves the session unstarted, with the room's reason."""
    if not session_manageable_by(session=session, user=by):
        raise PermissionDenied(_("Only the session's speakers and staff may start it."))
    if session.actual_started_at:
        raise ValidationError({"session": [_("The session has already been started.")]})
    room_backend(session.delivery).start(session, callback_base=callback_base)
    session.actual_started_at = timezone.now()
    session.save(update_fields=["actual_started_at"])
    return session


def session_end(*, session: LiveSession, by) -> LiveSession:
    """Record the actual end, then close the room; the beats buffered so far are stored and the
    figures derived against the final window."""
    if not session_manageable_by(session=session, user=by):
        raise PermissionDenied(_("Only the session's speakers and staff may end it."))
    with transaction.atomic():
        # Locked and re-read: BBB's meeting-ended (bbb_meeting_ended) may have set the end meanwhile.
        current = LiveSession.objects.select_for_update().get(pk=session.pk)
        session.actual_started_at, session.actual_ended_at = current.actual_started_at, current.actual_ended_at
        if session.actual_started_at is None:
            raise ValidationError({"session": [_("The session has not been started.")]})
        if session.actual_ended_at:
            raise ValidationError({"session": [_("The session has already ended.")]})
        session.actual_ended_at = timezone.now()
        session.full_clean()
        session.save(update_fields=["actual_ended_at"])
    room_backend(session.delivery).end(session)
    presence_beats_flush()
    session_derive_later(session_ids=[session.pk])
    return session


def _correction_errors(*, session: LiveSession, started_at: datetime, ended_at: datetime | None, reason: str, now):
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("Give the reason for the correction.")]
    elif not text_storable(reason):
        errors["reason"] = [_("This text holds a NUL character, which cannot be stored.")]
    if abs(started_at - session.starts_at) > timedelta(days=1):
        errors["started_at"] = [_("The start is more than a day away from the scheduled start.")]
    elif started_at > now:
        errors["started_at"] = [_("The start cannot be in the future.")]
    if ended_at is None:
        if session.actual_ended_at is not None:
            errors["ended_at"] = [_("A recorded end can be corrected, not removed.")]
        return errors
    # The limit the corrected start gives (LiveSession.overrun_limit): a window never reaches past it.
    limit = max(session.ends_at, started_at) + timedelta(minutes=conf.max_overrun_minutes())
    if ended_at <= started_at:
        errors["ended_at"] = [_("A session can only end after it has actually started.")]
    elif ended_at > now:
        errors["ended_at"] = [_("The end cannot be in the future.")]
    elif ended_at > limit:
        when = formats.date_format(timezone.localtime(limit), "j E Y, H:i")
        errors["ended_at"] = [_("The end cannot be later than the session's overrun limit, %(when)s.") % {"when": when}]
    return errors


def session_times_correct(
    *, session: LiveSession, started_at: datetime, ended_at: datetime | None, reason: str, by
) -> SessionTimesCorrection:
    """Correct the session's actual start and end (a start pressed late, an end forgotten or
    pressed by mistake), keep the correction with who, when and why, and derive the figures again.

    Preconditions: `by` is staff, or a speaker of the session within a week of it (else
    PermissionDenied with the reason); a reason; the start within a day of the scheduled one and
    not in the future; the end, if any, after the start, not in the future and no later than the
    overrun limit; an end once recorded is corrected, never removed (no end: the session still
    runs, or ends itself at its limit)."""
    now = timezone.now()
    refusal = session_times_correction_refusal(session=session, user=by, now=now)
    if refusal:
        raise PermissionDenied(refusal)
    errors = _correction_errors(session=session, started_at=started_at, ended_at=ended_at, reason=reason, now=now)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Locked: a "start", an "end" or BBB's meeting-ended at the same moment waits for it.
        current = LiveSession.objects.select_for_update().get(pk=session.pk)
        correction = SessionTimesCorrection(
            session=current,
            started_before=current.actual_started_at,
            ended_before=current.actual_ended_at,
            started_at=started_at,
            ended_at=ended_at,
            reason=reason.strip(),
            corrected_by=by,
        )
        correction.full_clean()
        correction.save()
        session.actual_started_at, session.actual_ended_at = started_at, ended_at
        session.save(update_fields=["actual_started_at", "actual_ended_at"])
    session_derive_later(session_ids=[session.pk])
    return correction


def session_room_ready(*, session: LiveSession) -> bool:
    """Whether a participant can be sent into the session's room now (its backend decides)."""
    return room_backend(session.delivery).ready(session)


def session_join_url(*, session: LiveSession, user) -> str:
    """Where our join link sends `user` now: the room's own address for them.

    The session's speakers and staff go straight in, whenever; a participant of the session's
    track only while joining is open (JoinNotOpen) and the room is ready (RoomNotReady). Anyone
    else is refused (PermissionDenied). The room may have no address to give (live.rooms.base:
    RoomClosed, for an offline meeting or a link not set yet) or need the speaker to start the
    session first (RoomNotStarted)."""
    manager = session_manageable_by(session=session, user=user)
    if not manager and session_for_participant(user=user, session_id=session.pk) is None:
        raise PermissionDenied(_("You are not a participant of this session's track."))
    room = room_backend(session.delivery)
    if not manager:
        if not session.joinable_at(timezone.now()):
            raise JoinNotOpen
        # The speaker goes straight in (BBB reports the room running once they are in it).
        if not room.ready(session):
            raise RoomNotReady
    return room.join_url(session, user)
