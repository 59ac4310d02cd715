"""Set-based derivation: one SQL statement turns a whole session's raw events into every
participant's covered seconds, following exactly the rules of `live.attendance`.

The statement is PostgreSQL's (window functions over intervals, GREATEST/LEAST, arrays). On any
other database (the embedded SQLite of `make demo`) the same figures come from the pure rules,
fed by one query over the session's events; tests hold the two paths to identical answers."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection

from live.attendance import BEAT_TIMEOUT, SECOND, Signal, merged_intervals, raw_intervals
from live.models import AttendanceEvent

# Per connection (ordered by time, then kind, as the pure rules sort them): a beat covers 60 s
# unless the next signal hides the page; a join lasts until the first leave of its connection or
# the window's end.
# Intervals are clipped, then their union is measured per user.
COVERAGE_SQL = """
WITH ev AS (
    SELECT user_id, source, connection, kind, id, occurred_at AS at, ends_at,
           LEAD(kind) OVER w AS next_kind,
           LEAD(occurred_at) OVER w AS next_at
    FROM live_attendanceevent
    WHERE session_id = %(session)s {user_filter}
    WINDOW w AS (PARTITION BY user_id, source, connection ORDER BY occurred_at, kind, id)
),
kept AS (
    SELECT * FROM (
        SELECT user_id, source, connection, kind, id, at,
               GREATEST(at, %(window_start)s) AS s,
               LEAST(
                   CASE kind
                       WHEN 'interval' THEN ends_at
                       WHEN 'beat' THEN CASE WHEN next_kind = 'hidden'
                                             THEN LEAST(at + %(timeout)s, next_at)
                                             ELSE at + %(timeout)s END
                       -- A join runs to the next signal of its connection: a leave closes it, a
                       -- repeated join carries it on, so the pieces join up to the first leave.
                       ELSE CASE WHEN next_kind IN ('join', 'leave') THEN next_at ELSE %(until)s END
                   END,
                   %(until)s) AS e
        FROM ev
        WHERE kind IN ('interval', 'beat', 'join')
    ) clipped
    WHERE e > s
),
-- First within each connection, in the order already sorted above (starts only grow there): an
-- interval opens a new piece when it starts after everything earlier on the connection ended.
marked AS (
    SELECT user_id, source, connection, kind, id, at, s, e,
           CASE WHEN s <= MAX(e) OVER (c ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END
               AS opens
    FROM kept
    WINDOW c AS (PARTITION BY user_id, source, connection ORDER BY at, kind, id)
),
numbered AS (
    SELECT user_id, source, connection, s, e,
           SUM(opens) OVER (PARTITION BY user_id, source, connection ORDER BY at, kind, id ROWS UNBOUNDED PRECEDING)
               AS piece
    FROM marked
),
pieces AS (
    SELECT user_id, source, MIN(s) AS s, MAX(e) AS e FROM numbered GROUP BY user_id, source, connection, piece
),
-- Then across connections and sources: sorted by start, a piece adds only what reaches past
-- every earlier piece's end; the sum of those parts is the length of the union.
ordered AS (
    SELECT user_id, source, s, e,
           MAX(e) OVER (PARTITION BY user_id ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
               AS reached
    FROM pieces
)
SELECT user_id,
       FLOOR(SUM(EXTRACT(EPOCH FROM GREATEST(e - GREATEST(s, COALESCE(reached, s)), INTERVAL '0'))))::bigint,
       MIN(s),
       ARRAY_AGG(DISTINCT source ORDER BY source)
FROM ordered
GROUP BY user_id
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
