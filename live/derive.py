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

# One pass per connection (ordered by time, then kind, as the pure rules sort them) gives each
# signal its interval: a beat covers 60 s unless the next signal of its connection hides the page;
# a join runs to the next signal of its connection (a leave closes it, a repeated join carries it
# on, so the pieces join up to the first leave) or to the window's end; a report row is its own
# interval. Intervals are clipped to the window.
# A second pass per user (ordered by start) measures the union: each interval adds only what
# reaches past every earlier interval's end, whatever its source or connection. Ties in start may
# come in any order: the sum is the same.
COVERAGE_SQL = """
WITH clipped AS (
    SELECT user_id, source, kind,
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
    -- In the order of the live_event_derive_sort index: no sort here.
    WINDOW w AS (PARTITION BY source, connection, user_id ORDER BY occurred_at, kind, id)
),
ordered AS (
    SELECT user_id, source, s, e,
           MAX(e) OVER (PARTITION BY user_id ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached
    FROM clipped
    WHERE kind IN ('interval', 'beat', 'join') AND e > s
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
