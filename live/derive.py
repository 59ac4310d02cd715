"""Set-based derivation: one SQL statement turns a whole session's raw events into every
participant's covered seconds, following exactly the rules of `live.rules`, and one more
writes the figures back.

The statements are PostgreSQL's (a window function over each connection's signals, range_agg's
multiranges for the union: PostgreSQL 14 or later, as Django 5.2 requires). On any other
database (the embedded SQLite of `make demo`) the same figures come from the pure rules, fed by
one query over the session's events, and are written by bulk_create; tests hold the two paths
to identical answers."""

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db import connection

from live.models import Attendance, AttendanceEvent, ManualMark
from live.rules import BEAT_TIMEOUT, PRESENCE_MARKS, SECOND, Signal, evidence_end, merged_intervals, raw_intervals

# One pass per connection (ordered by time, then kind, as the pure rules sort them) gives each
# signal its interval: a beat covers 60 s unless the next signal of its connection hides the page;
# a join runs to the next signal of its connection (a leave closes it, a repeated join carries it
# on, so the pieces join up to the first leave) or to the window's end; a report row is its own
# interval. Intervals are clipped to the window.
# The union is then PostgreSQL's range_agg (a multirange: overlapping and touching ranges merged),
# first per connection, straight off the pass's order (no sort: 180 beats of a tab become one or
# two ranges), then per user over those few ranges; the covered seconds are the lengths of the
# union's ranges, and its lower bound is the first moment present. An earlier form measured the
# union with a second window pass per user, which needed every interval sorted by user and start.
COVERAGE_SQL = """
WITH clipped AS (
    SELECT user_id, source, connection, kind,
           GREATEST(occurred_at, %(window_start)s) AS s,
           LEAST(
               CASE kind
                   WHEN 'interval' THEN ends_at
                   WHEN 'beat' THEN CASE WHEN LEAD(kind) OVER w = 'hidden'
                                         THEN LEAST(occurred_at + %(timeout)s, LEAD(occurred_at) OVER w)
                                         ELSE occurred_at + %(timeout)s END
                   ELSE CASE WHEN LEAD(kind) OVER w IN ('join', 'leave') THEN LEAD(occurred_at) OVER w
                             ELSE %(until)s END
               END,
               %(until)s) AS e
    FROM live_attendanceevent
    WHERE session_id = %(session)s {user_filter}
    -- In the order of the live_event_derive_sort index (which also carries ends_at, so the scan
    -- reads the index alone): no sort here.
    WINDOW w AS (PARTITION BY source, connection, user_id ORDER BY occurred_at, kind, id)
),
per_connection AS (
    -- Grouped in the window's own order, so the rows arrive grouped.
    SELECT user_id, source, range_agg(tstzrange(s, e)) AS covered
    FROM clipped
    WHERE kind IN ('interval', 'beat', 'join') AND e > s
    GROUP BY source, connection, user_id
),
per_user AS (
    SELECT user_id, range_agg(covered) AS covered, ARRAY_AGG(DISTINCT source ORDER BY source) AS sources
    FROM per_connection
    GROUP BY user_id
)
SELECT user_id,
       (SELECT FLOOR(SUM(EXTRACT(EPOCH FROM upper(piece) - lower(piece))))::bigint FROM unnest(covered) AS piece),
       lower(covered),
       sources
FROM per_user
"""


@dataclass(frozen=True)
class Coverage:
    covered_seconds: int
    first_joined_at: datetime | None
    sources: list[str]


def session_coverage(
    *,
    session_id: int,
    window_start: datetime,
    window_end: datetime,
    now: datetime | None = None,
    user_ids: list[int] | None = None,
) -> dict[int, Coverage]:
    """Covered seconds of every user with events in the session, in one query."""
    if connection.vendor != "postgresql":
        return session_coverage_by_rules(
            session_id=session_id, window_start=window_start, window_end=window_end, now=now, user_ids=user_ids
        )
    until = min(window_end, now) if now else window_end
    params = {
        "session": session_id,
        "window_start": window_start,
        "until": until,
        "timeout": BEAT_TIMEOUT,
    }
    user_filter = ""
    if user_ids is not None:
        user_filter = "AND user_id = ANY(%(users)s)"
        params["users"] = list(user_ids)
    with connection.cursor() as cursor:
        cursor.execute(COVERAGE_SQL.format(user_filter=user_filter), params)
        rows = cursor.fetchall()
    return {
        user_id: Coverage(covered_seconds=int(covered), first_joined_at=first_at, sources=list(sources))
        for user_id, covered, first_at, sources in rows
    }


def session_coverage_by_rules(
    *,
    session_id: int,
    window_start: datetime,
    window_end: datetime,
    now: datetime | None = None,
    user_ids: list[int] | None = None,
) -> dict[int, Coverage]:
    """The same answer as `session_coverage` from the pure rules (one query, any database).

    Like the SQL, a user appears only when some interval of theirs falls inside the window."""
    events = AttendanceEvent.objects.filter(session_id=session_id)
    if user_ids is not None:
        events = events.filter(user_id__in=list(user_ids))
    by_user: dict[int, list[Signal]] = defaultdict(list)
    for user_id, source, kind, connection_id, at, ends_at in events.values_list(
        "user_id", "source", "kind", "connection", "occurred_at", "ends_at"
    ).iterator(chunk_size=5000):
        by_user[user_id].append(Signal(source, kind, connection_id, at, ends_at))
    until = min(window_end, now) if now else window_end
    found = {}
    for user_id, signals in by_user.items():
        merged = merged_intervals(signals, window_start=window_start, window_end=window_end, now=now)
        if not merged:
            continue
        sources = {
            interval.source
            for interval in raw_intervals(signals, open_until=until)
            if min(interval.end, until) > max(interval.start, window_start)
        }
        found[user_id] = Coverage(
            covered_seconds=sum((i.end - i.start for i in merged), timedelta()) // SECOND,
            first_joined_at=merged[0].start,
            sources=sorted(sources),
        )
    return found


# The last evidence of a session (live.rules.evidence_end) in one statement: the latest event
# (a report row at its leave) and the latest presence mark given while the session was open.
# GREATEST skips a NULL (no events, or no such marks). The events' maximum reads the derivation's
# index alone.
EVIDENCE_SQL = """
SELECT GREATEST(
    (SELECT MAX(CASE WHEN kind = 'interval' THEN COALESCE(ends_at, occurred_at) ELSE occurred_at END)
     FROM live_attendanceevent WHERE session_id = %(session)s),
    (SELECT MAX(marked_at) FROM live_manualmark
     WHERE session_id = %(session)s AND status = ANY(%(statuses)s)
       AND marked_at BETWEEN %(window_start)s AND %(limit)s))
"""


def session_evidence_end(*, session_id: int, window_start: datetime, limit: datetime) -> datetime | None:
    """The session's last evidence of attendance, no later than `limit` (live.rules.evidence_end),
    in one query; on a database other than PostgreSQL from the pure rule over the session's events
    and marks (two queries)."""
    if connection.vendor != "postgresql":
        events = AttendanceEvent.objects.filter(session_id=session_id).values_list("kind", "occurred_at", "ends_at")
        return evidence_end(
            (Signal("", kind, "", at, ends_at) for kind, at, ends_at in events.iterator(chunk_size=5000)),
            marks=ManualMark.objects.filter(session_id=session_id).values_list("marked_at", "status"),
            window_start=window_start,
            limit=limit,
        )
    with connection.cursor() as cursor:
        params = {"session": session_id, "statuses": list(PRESENCE_MARKS), "window_start": window_start, "limit": limit}
        cursor.execute(EVIDENCE_SQL, params)
        (latest,) = cursor.fetchone()
    if latest is None or latest <= window_start:
        return None
    return min(latest, limit)


# The derived rows go back in one statement as one JSON parameter: building 1,000 model instances
# and binding nine arrays of 1,000 values cost Python more than the database spends inserting.
UPSERT_SQL = """
INSERT INTO live_attendance
    (session_id, user_id, covered_seconds, window_seconds, first_joined_at, status, manual, sources, derived_at)
SELECT %(session)s, r.u, r.c, %(window_seconds)s, r.f, r.s, r.m, r.o, %(derived_at)s
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r(u integer, c integer, f timestamptz, s varchar, m boolean, o jsonb)
ON CONFLICT (session_id, user_id) DO UPDATE SET
    covered_seconds = EXCLUDED.covered_seconds,
    window_seconds = EXCLUDED.window_seconds,
    first_joined_at = EXCLUDED.first_joined_at,
    status = EXCLUDED.status,
    manual = EXCLUDED.manual,
    sources = EXCLUDED.sources,
    derived_at = EXCLUDED.derived_at
"""


@dataclass(frozen=True)
class Derived:
    """One participant's figures as the derivation writes them (an Attendance row's fields)."""

    user_id: int
    covered_seconds: int
    first_joined_at: datetime | None
    status: str
    manual: bool
    sources: list[str]


def attendance_upsert(*, session_id: int, window_seconds: int, rows: list[Derived], derived_at: datetime) -> None:
    """Insert or replace the session's Attendance rows (one per participant) in one statement.
    The model's constraints (covered within the window) hold in the database either way."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        Attendance.objects.bulk_create(
            [
                Attendance(session_id=session_id, window_seconds=window_seconds, derived_at=derived_at, **asdict(row))
                for row in rows
            ],
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["session", "user"],
            update_fields=[
                "covered_seconds",
                "window_seconds",
                "first_joined_at",
                "status",
                "manual",
                "sources",
                "derived_at",
            ],
        )
        return
    payload = json.dumps(
        [
            {
                "u": row.user_id,
                "c": row.covered_seconds,
                "f": row.first_joined_at.isoformat() if row.first_joined_at else None,
                "s": row.status,
                "m": row.manual,
                "o": row.sources,
            }
            for row in rows
        ]
    )
    params = {"session": session_id, "window_seconds": window_seconds, "rows": payload, "derived_at": derived_at}
    with connection.cursor() as cursor:
        cursor.execute(UPSERT_SQL, params)
