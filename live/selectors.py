from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Greatest, Least, Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from live.models import (
    Attendance,
    AttendanceEvent,
    LiveSession,
    ManualMark,
    MarkStatus,
    SessionTimesCorrection,
    Source,
    percent_of,
)
from live.rules import BEAT_TIMEOUT, AttendanceFigure, Signal, merged_intervals, presence_figure
from lms.selectors import participant_list, user_has_role
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
    sessions = LiveSession.objects.filter(season_id=season_id, required=True).filter(
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


def _season_ref(season_id: int):
    """The season by its id alone, for the lms.selectors that take a season: an unsaved instance
    of the foreign key's model. Reading the season (when the caller did not select it) would cost
    a query, and live imports none of the core's models (lms.selectors is its way to those tables)."""
    return LiveSession._meta.get_field("season").related_model(pk=season_id)


def _track_participants(session: LiveSession):
    return participant_list(season=_season_ref(session.season_id), track=session.track)


def session_participant_user_ids(*, session: LiveSession) -> list[int]:
    return list(_track_participants(session).order_by().values_list("user_id", flat=True))


def session_participants_among(*, session: LiveSession, user_ids: Iterable[int]) -> set[int]:
    """Those of the ids that are participants of the session's track, in one query: a room's
    events and report rows of anyone else (its speakers, experts, staff, another track) are no
    attendance."""
    return set(_track_participants(session).filter(user_id__in=set(user_ids)).values_list("user_id", flat=True))


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


class _SharedEntries(dict):
    """(session id, covered seconds, status) → one read-only entry dict, made on first use."""

    def __init__(self, window_seconds: dict[int, int]):
        super().__init__()
        self.window_seconds = window_seconds

    def __missing__(self, key: tuple[int, int, str]) -> dict:
        session_id, covered, status = key
        entry = self[key] = {
            "covered_seconds": covered,
            "percent": percent_of(covered, self.window_seconds[session_id]),
            "status": status,
        }
        return entry


def required_sessions_attendance(*, season_id: int, track: str, user_ids: Iterable[int] | None = None) -> dict:
    """Attendance of the required sessions of a season and track, for scores.

    Every required session is listed, each with `"finished": bool`; sessions not finished yet
    (still ahead or running) are listed but have NO entries in `attendance`, so they count
    neither for nor against anyone. For finished sessions every asked user (by default every
    participant of the track) gets an entry; one with no derived row yet is absent with 0 s
    unless a manual mark says otherwise. `status` "excused" comes only from a manual mark; the
    season's `excused_sessions_leave_denominator` tells how the caller should count it.

    Entries are shared, read-only values: an admission run asks for 100,000 people × 20 sessions,
    so equal entries of a session (everyone absent, everyone fully present) are one dict object.
    Callers must not mutate them.

    Queries: sessions; participants (only when user_ids is None); attendance rows; manual marks.
    Without user_ids the rows are read by session only: a 100,000-id IN list costs more than
    skipping the few rows of people who left the track."""
    now = timezone.now()
    sessions = list(
        LiveSession.objects.filter(season_id=season_id, track=track, required=True).order_by("starts_at", "id")
    )
    rows = Attendance.objects.all()
    if user_ids is None:
        user_ids = list(
            participant_list(season=_season_ref(season_id), track=track).order_by().values_list("user_id", flat=True)
        )
        marks_for = None
    else:
        user_ids = list(user_ids)
        rows = rows.filter(user_id__in=user_ids)
        marks_for = user_ids
    finished = [s for s in sessions if s.state_at(now) == LiveSession.State.ENDED]
    finished_ids = [s.pk for s in finished]
    window = {s.pk: int((s.window_end - s.window_start).total_seconds()) for s in finished}
    entries = _SharedEntries(window)
    absent = {sid: entries[sid, 0, MarkStatus.ABSENT.value] for sid in finished_ids}
    attendance: dict[int, dict[int, dict]] = {user_id: dict(absent) for user_id in user_ids}
    # Rows equal to the default entry change nothing, so they are not read at all.
    rows = (
        rows.filter(session_id__in=finished_ids)
        .exclude(covered_seconds=0, status=MarkStatus.ABSENT.value)
        .values_list("session_id", "user_id", "covered_seconds", "status")
    )
    if finished_ids:
        # Millions of plain tuples: read in large batches straight from the driver, without a
        # queryset step per row.
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(50_000):
                for session_id, user_id, covered, status in batch:
                    # try/except, not contextlib.suppress: no context manager per row of millions.
                    try:  # noqa: SIM105
                        attendance[user_id][session_id] = entries[session_id, covered, status]
                    except KeyError:  # a row of someone not asked about (e.g. moved to another track)
                        pass
    for (session_id, user_id), mark in latest_manual_marks(session_ids=finished_ids, user_ids=marks_for).items():
        own = attendance.get(user_id)
        if own is not None:
            own[session_id] = entries[session_id, own[session_id]["covered_seconds"], mark.status]
    return {
        "sessions": [
            {
                "id": s.pk,
                "title": s.title,
                "starts_at": s.window_start,
                "ends_at": s.window_end,
                "window_seconds": int((s.window_end - s.window_start).total_seconds()),
                "finished": s.pk in window,
            }
            for s in sessions
        ],
        "attendance": attendance,
    }


def session_list_for_participant(*, user) -> QuerySet[LiveSession]:
    """The participant's sessions (their current season and track) with their own figures
    prefetched as `my_attendance`. Queries: the participant, the sessions, their attendance rows."""
    from lms.selectors import participant_current

    participant = participant_current(user=user)
    if participant is None:
        return LiveSession.objects.none()
    return (
        LiveSession.objects.filter(season_id=participant.season_id, track=participant.track)
        .prefetch_related(
            Prefetch("attendances", queryset=Attendance.objects.filter(user=user), to_attr="my_attendance")
        )
        .order_by("starts_at", "id")
    )


def session_for_participant(*, user, session_id: int) -> LiveSession | None:
    return session_list_for_participant(user=user).filter(pk=session_id).first()


def _event_rows(events: QuerySet[AttendanceEvent], *, session: LiveSession):
    """(user id, Signal) per event, its times clipped in SQL to the session's plausible bounds:
    an event stored with a time like 9999-12-31 (an old report import) must neither fail to load
    nor overflow the arithmetic. The bounds lie outside every window, so figures are unchanged."""
    earliest, latest = session.plausible_bounds

    def clip(name):
        return Greatest(Least(F(name), Value(latest)), Value(earliest), output_field=DateTimeField())

    rows = events.annotate(
        clipped_at=clip("occurred_at"),
        # GREATEST/LEAST skip NULLs in PostgreSQL: an event without an end keeps none.
        clipped_end=Case(When(ends_at__isnull=False, then=clip("ends_at")), default=None, output_field=DateTimeField()),
    ).values_list("user_id", "source", "kind", "connection", "clipped_at", "clipped_end")
    return [(user_id, Signal(source, kind, conn, at, ends_at)) for user_id, source, kind, conn, at, ends_at in rows]


def attendance_figure_for_user(*, session: LiveSession, user_id: int, now: datetime | None = None) -> AttendanceFigure:
    """One participant's figure straight from the raw events (the per-participant path), against
    the window the session's figures are derived for, up to `now`."""
    events = _event_rows(AttendanceEvent.objects.filter(session=session, user_id=user_id), session=session)
    mark = latest_manual_marks(session_ids=[session.pk], user_ids=[user_id]).get((session.pk, user_id))
    return presence_figure(
        [signal for _user_id, signal in events],
        window_start=session.window_start,
        window_end=session.window_end,
        threshold_percent=session.threshold_percent,
        manual_status=mark.status if mark else None,
        now=now,
    )


def session_presence_timeline(*, session: LiveSession, now: datetime | None = None) -> dict[int, list]:
    """Each user's merged intervals within the window: the roster and the per-minute chart."""
    now = now or timezone.now()
    by_user: dict[int, list[Signal]] = {}
    for user_id, signal in _event_rows(AttendanceEvent.objects.filter(session=session), session=session):
        by_user.setdefault(user_id, []).append(signal)
    return {
        user_id: merged_intervals(
            signals, window_start=session.window_start, window_end=session.window_end_at(now), now=now
        )
        for user_id, signals in by_user.items()
    }


def session_roster_now(*, session: LiveSession, now: datetime | None = None) -> list[dict]:
    """Who is present now: a beat within the last 60 s or a BBB join without a leave."""
    now = now or timezone.now()
    timeline = session_presence_timeline(session=session, now=now + BEAT_TIMEOUT)
    present_ids = [user_id for user_id, intervals in timeline.items() if any(i.start <= now < i.end for i in intervals)]
    people = _track_participants(session).filter(user_id__in=present_ids)
    return [{"user_id": p.user_id, "name": p.application.full_name} for p in people]


def session_minute_counts(*, session: LiveSession, now: datetime | None = None) -> list[int]:
    """How many people were present in each minute of the window (present at any moment of it)."""
    now = now or timezone.now()
    timeline = session_presence_timeline(session=session, now=now)
    start = session.window_start
    end = min(session.window_end_at(now), now)
    minutes = max(0, int((end - start).total_seconds() // 60) + (1 if (end - start).total_seconds() % 60 else 0))
    counts = [0] * minutes
    for intervals in timeline.values():
        covered = set()
        for interval in intervals:
            first = int((interval.start - start).total_seconds() // 60)
            last = int(((interval.end - start) - timedelta(microseconds=1)).total_seconds() // 60)
            covered.update(range(max(first, 0), min(last, minutes - 1) + 1))
        for minute in covered:
            counts[minute] += 1
    return counts


def attendance_table(*, session: LiveSession) -> list[dict]:
    """One row per participant of the track (and anyone else with figures), measured against the
    window the figures were derived for: the console and exports."""
    window_seconds = int((session.window_end - session.window_start).total_seconds())
    people = {p.user_id: p for p in _track_participants(session)}  # by name (lms.selectors.participant_list)
    rows = {row.user_id: row for row in Attendance.objects.filter(session=session).select_related("user")}
    marks = latest_manual_marks(session_ids=[session.pk])
    table = []
    for user_id in list(people) + [u for u in rows if u not in people]:
        person = people.get(user_id)
        row = rows.get(user_id)
        mark = marks.get((session.pk, user_id))
        covered = row.covered_seconds if row else 0
        status = mark.status if mark else (row.status if row else MarkStatus.ABSENT.value)
        table.append(
            {
                "user_id": user_id,
                "name": person.application.full_name if person else row.user.get_full_name(),
                "email": person.application.email if person else row.user.email,
                "minutes": covered // 60,
                "covered_seconds": covered,
                "percent": percent_of(covered, window_seconds),
                "status": status,
                "status_label": MarkStatus(status).label,
                "source_labels": [Source(code).label for code in (row.sources if row else [])]
                + ([Source.MANUAL.label] if mark and not row else []),
                "sources": row.sources if row else ([] if not mark else ["manual"]),
                "manual_comment": mark.comment if mark else "",
            }
        )
    return table


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
    return LiveSession.objects.filter(season_id=season_id, track=track, required=True).count()
