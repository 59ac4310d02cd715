"""Reads about live sessions: who may manage them, which a participant sees, their participants,
manual marks, corrections and the sessions that ended without attendance evidence."""

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from live.models import (
    Attendance,
    AttendanceEvent,
    LiveSession,
    ManualMark,
    SessionRegistration,
    SessionTimesCorrection,
)
from lms.memo import page_cached
from lms.selectors import participant_current, participant_list, user_has_role
from lms.text import text_storable


def session_manageable_by(*, session: LiveSession, user) -> bool:
    """Staff manage every session; a speaker only the sessions they speak at."""
    if not user.is_authenticated:
        return False
    if user_has_role(user=user, role="staff"):
        return True
    return session.speakers.filter(user=user).exists()


def recording_attachable_by(*, session: LiveSession, user) -> bool:
    """The session's speakers and staff, and editors for any session (the recording becomes a
    draft lecture, which is an editor's to publish)."""
    return session_manageable_by(session=session, user=user) or user_has_role(user=user, role="editor")


# How long after a session its speaker may still correct its actual start and end (staff always may).
SPEAKER_CORRECTION_PERIOD = timedelta(days=7)


def session_times_correction_refusal(*, session: LiveSession, user, now: datetime) -> str | None:
    """Why `user` may not correct the session's actual start and end now, or None if they may:
    staff always; the session's speakers within a week of its scheduled end (a date their own
    correction cannot move)."""
    if user_has_role(user=user, role="staff"):
        return None
    if not user.is_authenticated or not session.speakers.filter(user=user).exists():
        return _("Only staff and the session's speakers may correct its times.")
    if now > session.ends_at + SPEAKER_CORRECTION_PERIOD:
        return _("A speaker may correct a session's times within a week of it: ask staff to correct them now.")
    return None


def session_times_corrections(*, session: LiveSession) -> QuerySet[SessionTimesCorrection]:
    return session.time_corrections.select_related("corrected_by").order_by("-corrected_at", "-id")


@dataclass(frozen=True)
class SessionWithoutEvidence:
    """A required session that has ended with no attendance recorded at all."""

    id: int
    title: str
    track: str
    starts_at: datetime
    ends_at: datetime


def sessions_without_evidence(
    *, season_id: int, track: str | None = None, now: datetime | None = None
) -> list[SessionWithoutEvidence]:
    """The season's required sessions (of one track, or of all) that have ended with no attendance
    evidence at all: no page beat, no BBB data, no imported report row (all raw events) and no
    manual mark. Such a session would give everyone 0 % (or, weighed by nothing, 100 %) without
    anyone noticing: staff see it listed before an admission run, and import a report, mark
    attendance, or make the session not required.

    One query (the sessions, the events and marks as NOT EXISTS); whether each has ended is read
    from its own data (LiveSession.state_at), at `now`, by default the present."""
    now = now or timezone.now()
    # Season-wide sessions (the closing meeting) count in no course's completeness.
    sessions = LiveSession.objects.filter(season_id=season_id, kind=LiveSession.Kind.COURSE, required=True).filter(
        ~Exists(AttendanceEvent.objects.filter(session=OuterRef("pk"))),
        ~Exists(ManualMark.objects.filter(session=OuterRef("pk"))),
    )
    if track is not None:
        sessions = sessions.filter(track=track)
    return [
        SessionWithoutEvidence(id=s.pk, title=s.title, track=s.track, starts_at=s.starts_at, ends_at=s.window_end)
        for s in sessions.order_by("starts_at", "id")
        if s.state_at(now) == LiveSession.State.ENDED
    ]


def session_list_for_console(*, user) -> QuerySet[LiveSession]:
    sessions = LiveSession.objects.select_related("season").order_by("-starts_at", "-id")
    if user_has_role(user=user, role="staff"):
        return sessions
    return sessions.filter(speakers__user=user).distinct()


def season_ref(season_id: int):
    """The season by its id alone, for the lms.selectors that take a season: an unsaved instance
    of the foreign key's model. Reading the season (when the caller did not select it) would cost
    a query, and live imports none of the core's models (lms.selectors is its way to those tables)."""
    return LiveSession._meta.get_field("season").related_model(pk=season_id)


def track_participants(session: LiveSession):
    """The session's participants: its track's, or for a season-wide session those of the season
    registered for it (so its console, attendance and reports count the registered alone)."""
    if session.kind == LiveSession.Kind.SEASON:
        registered = SessionRegistration.objects.filter(session_id=session.pk).values("user_id")
        return participant_list(season=season_ref(session.season_id)).filter(user_id__in=registered)
    return participant_list(season=season_ref(session.season_id), track=session.track)


def session_participant_user_ids(*, session: LiveSession) -> list[int]:
    return list(track_participants(session).order_by().values_list("user_id", flat=True))


def session_participants_among(*, session: LiveSession, user_ids: Iterable[int]) -> set[int]:
    """Those of the ids that are participants of the session's track, in one query: a room's
    events and report rows of anyone else (its speakers, experts, staff, another track) are no
    attendance."""
    return set(track_participants(session).filter(user_id__in=set(user_ids)).values_list("user_id", flat=True))


def latest_manual_marks(*, session_ids: Iterable[int], user_ids: Iterable[int] | None = None) -> dict:
    """{(session_id, user_id): the mark in force} in one query.

    Newest first, the first mark seen per pair wins. Marks are few (a speaker's hand), so reading
    the whole history is cheap, and it runs on any database (DISTINCT ON is PostgreSQL's)."""
    marks = ManualMark.objects.filter(session_id__in=list(session_ids))
    if user_ids is not None:
        marks = marks.filter(user_id__in=list(user_ids))
    in_force: dict = {}
    for mark in marks.order_by("-marked_at", "-id"):
        in_force.setdefault((mark.session_id, mark.user_id), mark)
    return in_force


def manual_mark_history(*, session: LiveSession) -> QuerySet[ManualMark]:
    return session.manual_marks.select_related("user", "marked_by").order_by("-marked_at", "-id")


# The subject of the pages' cache (lms.memo.page_cached) that a track's sessions are kept under;
# live.apps starts a new generation whenever a session or a manual mark is saved or deleted, and the
# attendance derivation, which writes a session's evidence end without saving it, does so itself.
TRACK_SESSIONS_CACHE = "live.track-sessions"


def session_list_for_track(*, season_id: int, track: str) -> list[LiveSession]:
    """The sessions a participant of the season's track sees: the track's course sessions and the
    season's season-wide ones, by start, each with `has_marks`: whether a speaker marked anyone's
    attendance by hand, so the marks are read only then (one query; on a page, from the pages'
    cache). The answer is shared: copy a session before giving it anything of one person."""
    return page_cached(
        subject=TRACK_SESSIONS_CACHE,
        key=(season_id, track),
        compute=lambda: list(
            _sessions_of_track(season_id=season_id, track=track)
            .annotate(has_marks=Exists(ManualMark.objects.filter(session=OuterRef("pk"))))
            .order_by("starts_at", "id")
        ),
    )


def _sessions_of_track(*, season_id: int, track: str) -> QuerySet[LiveSession]:
    return LiveSession.objects.filter(
        Q(kind=LiveSession.Kind.COURSE, track=track) | Q(kind=LiveSession.Kind.SEASON), season_id=season_id
    )


def session_list_for_participant(*, user, participant=None) -> list[LiveSession]:
    """The participant's sessions (session_list_for_track of their current season and track), each a
    copy with `registered` and `seats_taken` (season-wide ones; None for the others) and their own
    figures as `my_attendance`. Queries: the participant (unless the caller, who has it already,
    passes `participant`: the user's current one), the sessions (none on a page that has them
    cached), the registrations when there are season-wide sessions, the figures when there are
    sessions."""
    if participant is None:
        participant = participant_current(user=user)
    if participant is None:
        return []
    sessions = [
        copy.copy(session)
        for session in session_list_for_track(season_id=participant.season_id, track=participant.track)
    ]
    season_wide = [session.pk for session in sessions if session.kind == LiveSession.Kind.SEASON]
    registrations = (
        {
            row["session_id"]: row
            for row in SessionRegistration.objects.filter(session_id__in=season_wide)
            .order_by()
            .values("session_id")
            .annotate(taken=Count("id"), mine=Count("id", filter=Q(user_id=user.pk)))
        }
        if season_wide
        else {}
    )
    figures: dict[int, list[Attendance]] = {}
    if sessions:
        for row in Attendance.objects.filter(user_id=user.pk, session_id__in=[session.pk for session in sessions]):
            figures.setdefault(row.session_id, []).append(row)
    for session in sessions:
        row = registrations.get(session.pk)
        session.registered = bool(row and row["mine"])
        session.seats_taken = row["taken"] if row else None
        session.my_attendance = figures.get(session.pk, [])
    return sessions


def session_for_participant(*, user, session_id: int) -> LiveSession | None:
    """A session the participant may enter: their track's, or a season-wide one they registered for."""
    participant = participant_current(user=user)
    if participant is None:
        return None
    return (
        _sessions_of_track(season_id=participant.season_id, track=participant.track)
        .filter(
            Q(kind=LiveSession.Kind.COURSE)
            | Q(Exists(SessionRegistration.objects.filter(session=OuterRef("pk"), user_id=user.pk)))
        )
        .filter(pk=session_id)
        .first()
    )


def session_for_registration(*, user, session_id: int) -> LiveSession | None:
    """A season-wide session of the participant's current season (registered for or not)."""
    participant = participant_current(user=user)
    if participant is None:
        return None
    return (
        _sessions_of_track(season_id=participant.season_id, track=participant.track)
        .filter(kind=LiveSession.Kind.SEASON, pk=session_id)
        .first()
    )


def session_by_external_meeting_id(*, meeting_id: str) -> LiveSession | None:
    if not text_storable(meeting_id):  # PostgreSQL cannot even compare it: no meeting has one
        return None
    return LiveSession.objects.filter(Q(external_meeting_id=meeting_id)).first()


def user_emails_known(*, emails: Iterable[str]) -> set[str]:
    """Those of the e-mails (compared lower-cased) that name an account, in one query."""
    wanted = {email.strip().lower() for email in emails if email and text_storable(email)}
    if not wanted:
        return set()
    found = get_user_model().objects.annotate(email_lower=Lower("email")).filter(email_lower__in=wanted)
    return set(found.values_list("email_lower", flat=True))


def user_ids_known(*, user_ids: Iterable[int]) -> set[int]:
    """Those of the ids that name an existing account: a signed key or a room's event outlives an
    account deleted meanwhile, and its foreign key would fail the whole batch it is stored in."""
    return set(get_user_model().objects.filter(pk__in=set(user_ids)).values_list("pk", flat=True))


def required_session_count(*, season_id: int, track: str) -> int:
    """How many required sessions a season's track has, however far ahead (assessments' admission
    leaves a module with none out of its rules): one query."""
    return LiveSession.objects.filter(
        season_id=season_id, kind=LiveSession.Kind.COURSE, track=track, required=True
    ).count()


def session_registration_counts(*, session_ids: Iterable[int]) -> dict[int, int]:
    """{session_id: registered participants} in one query (the console's registered vs attended)."""
    rows = (
        SessionRegistration.objects.filter(session_id__in=list(session_ids))
        .values("session_id")
        .annotate(n=Count("id"))
        .values_list("session_id", "n")
    )
    return dict(rows)
