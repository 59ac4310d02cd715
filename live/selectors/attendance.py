"""Reads of attendance: each participant's figures over a track's required sessions (per person, and
grouped for the admission run), and a session's timeline, roster, minute counts and table."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import connection
from django.db.models import Case, DateTimeField, F, QuerySet, Value, When
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from live.models import (
    Attendance,
    AttendanceEvent,
    LiveSession,
    MarkStatus,
    Source,
    percent_of,
)
from live.rules import BEAT_TIMEOUT, AttendanceFigure, Signal, merged_intervals, presence_figure
from live.selectors.sessions import latest_manual_marks, season_ref, session_list_for_track, track_participants
from lms.bitsets import item_bits, positions, set_aggregates
from lms.selectors import participant_list


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


def _required_sessions(*, season_id: int, track: str) -> tuple[list[LiveSession], list[LiveSession]]:
    """The required sessions of a season's track and those of them that have ended (one query;
    on a page, from the pages' cache)."""
    now = timezone.now()
    sessions = [
        session
        for session in session_list_for_track(season_id=season_id, track=track)
        if session.kind == LiveSession.Kind.COURSE and session.required
    ]
    return sessions, [s for s in sessions if s.state_at(now) == LiveSession.State.ENDED]


def _sessions_listed(sessions: list[LiveSession], finished: list[LiveSession]) -> list[dict]:
    ended = {s.pk for s in finished}
    return [
        {
            "id": s.pk,
            "title": s.title,
            "starts_at": s.window_start,
            "ends_at": s.window_end,
            "window_seconds": int((s.window_end - s.window_start).total_seconds()),
            "finished": s.pk in ended,
        }
        for s in sessions
    ]


def required_sessions_attendance(*, season_id: int, track: str, user_ids: Iterable[int] | None = None) -> dict:
    """Attendance of the required sessions of a season and track, for scores.

    Every required session is listed, each with `"finished": bool`; sessions not finished yet
    (still ahead or running) are listed but have NO entries in `attendance`, so they count
    neither for nor against anyone. For finished sessions every asked user (by default every
    participant of the track) gets an entry; one with no derived row yet is absent with 0 s
    unless a manual mark says otherwise. `status` "excused" comes only from a manual mark; the
    season's `excused_sessions_leave_denominator` tells how the caller should count it.

    Entries are shared, read-only values: equal entries of a session (everyone absent, everyone
    fully present) are one dict object. Callers must not mutate them. (A score over a whole track
    reads `required_sessions_attendance_grouped`, added up in the database.)

    Queries: sessions; participants (only when user_ids is None); attendance rows; manual marks.
    Without user_ids the rows are read by session only: a 100,000-id IN list costs more than
    skipping the few rows of people who left the track."""
    sessions, finished = _required_sessions(season_id=season_id, track=track)
    rows = Attendance.objects.all()
    if user_ids is None:
        user_ids = list(
            participant_list(season=season_ref(season_id), track=track).order_by().values_list("user_id", flat=True)
        )
        marks_for = None
    else:
        user_ids = list(user_ids)
        rows = rows.filter(user_id__in=user_ids)
        marks_for = user_ids
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
    if finished_ids and attendance:  # asked about nobody: no query (an empty IN list cannot be compiled)
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
    marked = [s.pk for s in finished if getattr(s, "has_marks", True)]  # the track's sessions say
    for (session_id, user_id), mark in latest_manual_marks(session_ids=marked, user_ids=marks_for).items():
        own = attendance.get(user_id)
        if own is not None:
            own[session_id] = entries[session_id, own[session_id]["covered_seconds"], mark.status]
    return {"sessions": _sessions_listed(sessions, finished), "attendance": attendance}


class AttendanceGroup(NamedTuple):
    """Users whose attendance of a track's ended required sessions adds up the same.

    `covered_seconds`: the time they were there, summed over the sessions they were not excused
    from, each session's time capped at its length; a session marked "present" with no recorded
    time counts whole (an offline meeting, a lost log). `excused_covered_seconds`: the same over the
    sessions they were excused from (whether those count is the season's call). `attended`: the
    sessions they were present or late at; `excused`: those they were excused from (a manual mark)."""

    covered_seconds: int
    excused_covered_seconds: int
    attended: frozenset[int]
    excused: frozenset[int]
    user_ids: list[int]


def attendance_groups(*, sessions: list[dict], attendance: dict[int, dict[int, dict]]) -> list[AttendanceGroup]:
    """`required_sessions_attendance`'s answer (every user's entry per ended session) added up and
    grouped (AttendanceGroup). Users who were nowhere, excused from nothing and covered no time are
    in no group. The rules here and in `_attendance_groups_sql` are the same, tested side by side."""
    length = {s["id"]: max(0, s["window_seconds"]) for s in sessions if s["finished"]}
    attended_statuses = {MarkStatus.PRESENT.value, MarkStatus.LATE.value}
    groups: dict[tuple, list[int]] = {}
    for user_id, entries in attendance.items():
        covered = excused_covered = 0
        attended, excused = [], []
        for session_id, entry in entries.items():
            own = min(entry["covered_seconds"], length[session_id])
            if entry["status"] == MarkStatus.EXCUSED:
                excused_covered += own
                excused.append(session_id)
                continue
            if entry["status"] == MarkStatus.PRESENT and own == 0:
                own = length[session_id]
            covered += own
            if entry["status"] in attended_statuses:
                attended.append(session_id)
        if covered or excused_covered or attended or excused:
            groups.setdefault((covered, excused_covered, frozenset(attended), frozenset(excused)), []).append(user_id)
    return [AttendanceGroup(*key, users) for key, users in groups.items()]


def _attendance_groups_sql(*, finished: list[LiveSession], user_ids: list[int] | None) -> list[AttendanceGroup]:
    """`attendance_groups` in one statement: the database adds up each user's rows of the ended
    sessions (the manual mark in force replacing a row's status) into sums and sets of sessions
    (lms.bitsets), then groups users by them: a few dozen rows, not 2,000,000. Rows equal to the
    default entry (absent, no time) change nothing and are not read; the manual marks (a speaker's
    hand: few) are read first and joined only when there are some."""
    session_ids = [s.pk for s in finished]
    words, bits = item_bits(len(session_ids))
    marked = [s.pk for s in finished if getattr(s, "has_marks", True)]  # the track's sessions say
    marks = latest_manual_marks(session_ids=marked, user_ids=user_ids)
    only_users = "" if user_ids is None else "AND a.user_id = ANY(%(user_ids)s::bigint[])"
    status, covered = "a.status", "a.covered_seconds"
    entries = f"""SELECT a.session_id, a.user_id, a.covered_seconds, a.status
                  FROM {Attendance._meta.db_table} a
                  WHERE a.session_id = ANY(%(session_ids)s::bigint[]) {only_users}
                    AND NOT (a.covered_seconds = 0 AND a.status = %(absent)s)"""
    if marks:
        # A mark replaces its row's status; a mark with no row (or only a default one) stands alone.
        status, covered = "COALESCE(m.status, a.status)", "COALESCE(a.covered_seconds, 0)"
        entries = f"""SELECT COALESCE(a.session_id, m.session_id) AS session_id,
                             COALESCE(a.user_id, m.user_id) AS user_id, {covered} AS covered_seconds,
                             {status} AS status
                      FROM ({entries}) a
                      FULL JOIN unnest(%(mark_sessions)s::bigint[], %(mark_users)s::bigint[], %(mark_statuses)s::text[])
                        AS m(session_id, user_id, status)
                        ON m.session_id = a.session_id AND m.user_id = a.user_id"""
    excused = "e.status = %(excused)s"
    own = "LEAST(e.covered_seconds, s.seconds)"
    sums = [
        f"sum(CASE WHEN {excused} THEN 0 WHEN e.status = %(present)s AND e.covered_seconds = 0 THEN s.seconds "
        f"ELSE {own} END) AS covered",
        f"sum(CASE WHEN {excused} THEN {own} ELSE 0 END) AS excused_covered",
    ]
    attended = set_aggregates(
        word="s.word", bit="s.bit", count=len(session_ids), where="e.status IN (%(present)s, %(late)s)"
    )
    excused_sets = set_aggregates(word="s.word", bit="s.bit", count=len(session_ids), where=excused)
    columns = ["covered", "excused_covered"]
    columns += [f"a{n}" for n in range(len(attended))] + [f"x{n}" for n in range(len(excused_sets))]
    aggregates = sums + [f"{sql} AS a{n}" for n, sql in enumerate(attended)]
    aggregates += [f"{sql} AS x{n}" for n, sql in enumerate(excused_sets)]
    statement = f"""
        SELECT {", ".join(columns)}, array_agg(user_id) FROM (
            SELECT e.user_id, {", ".join(aggregates)}
            FROM ({entries}) e
            JOIN unnest(%(session_ids)s::bigint[], %(seconds)s::int[], %(words)s::int[], %(bits)s::bigint[])
              AS s(id, seconds, word, bit) ON s.id = e.session_id
            GROUP BY e.user_id
        ) per_user
        GROUP BY {", ".join(columns)}"""
    mark_items = [(session_id, user_id, mark.status) for (session_id, user_id), mark in marks.items()]
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            {
                "session_ids": session_ids,
                "seconds": [max(0, int((s.window_end - s.window_start).total_seconds())) for s in finished],
                "words": words,
                "bits": bits,
                "user_ids": user_ids,
                "mark_sessions": [item[0] for item in mark_items],
                "mark_users": [item[1] for item in mark_items],
                "mark_statuses": [item[2] for item in mark_items],
                **{status.name.lower(): status.value for status in MarkStatus},
            },
        )
        rows = cursor.fetchall()
    sets = len(attended)
    groups = []
    for covered_seconds, excused_covered, *words_and_users in rows:
        attended_words, excused_words, users = words_and_users[:sets], words_and_users[sets:-1], words_and_users[-1]
        group = AttendanceGroup(
            covered_seconds,
            excused_covered,
            frozenset(session_ids[at] for at in positions(attended_words)),
            frozenset(session_ids[at] for at in positions(excused_words)),
            users,
        )
        if group.covered_seconds or group.excused_covered_seconds or group.attended or group.excused:
            groups.append(group)
    return groups


def required_sessions_attendance_grouped(*, season_id: int, track: str, user_ids: Iterable[int] | None = None) -> dict:
    """Attendance of the required sessions of a season's track, added up per user and grouped:
    `{"sessions": [...as required_sessions_attendance lists them], "groups": [AttendanceGroup]}`.
    Only ended sessions count; a user in no group attended nothing (absent everywhere, 0 s). For a
    score over a whole track: 100,000 people share a few dozen groups.

    `user_ids` limits the answer to those users (by default every user with attendance of the
    track's sessions: a caller looks up the people it asks about). Queries: sessions, manual marks,
    one grouped statement; elsewhere than on PostgreSQL (the embedded demo) the rows are added up
    here from `required_sessions_attendance`."""
    sessions, finished = _required_sessions(season_id=season_id, track=track)
    user_ids = None if user_ids is None else list(user_ids)
    if not finished or user_ids == []:
        groups = []
    elif connection.vendor == "postgresql":
        groups = _attendance_groups_sql(finished=finished, user_ids=user_ids)
    else:
        data = required_sessions_attendance(season_id=season_id, track=track, user_ids=user_ids)
        groups = attendance_groups(sessions=data["sessions"], attendance=data["attendance"])
    return {"sessions": _sessions_listed(sessions, finished), "groups": groups}


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
    people = track_participants(session).filter(user_id__in=present_ids)
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
    people = {p.user_id: p for p in track_participants(session)}  # by name (lms.selectors.participant_list)
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
