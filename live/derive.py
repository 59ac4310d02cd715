"""Set-based derivation: one SQL statement turns a whole session's raw events into every
participant's covered seconds, following exactly the rules of `live.attendance`."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from live.attendance import BEAT_TIMEOUT

# Per connection (ordered by time, then kind, as the pure rules sort them): a beat covers 60 s
# unless the next signal hides the page; a join lasts until the next leave or the window's end.
# Intervals are clipped, then merged per user by "gaps and islands": a row starts a new island
# when it begins after every earlier row of that user has ended.
COVERAGE_SQL = """
WITH ev AS (
    SELECT user_id, source, kind, occurred_at AS at, ends_at,
           LEAD(kind) OVER w AS next_kind,
           LEAD(occurred_at) OVER w AS next_at,
           MIN(occurred_at) FILTER (WHERE kind = 'leave')
               OVER (w ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_leave
    FROM live_attendanceevent
    WHERE session_id = %(session)s {user_filter}
    WINDOW w AS (PARTITION BY user_id, source, connection ORDER BY occurred_at, kind, id)
),
kept AS (
    SELECT user_id, source, s, e FROM (
        SELECT user_id, source,
               GREATEST(at, %(window_start)s) AS s,
               LEAST(
                   CASE kind
                       WHEN 'interval' THEN ends_at
                       WHEN 'beat' THEN CASE WHEN next_kind = 'hidden'
                                             THEN LEAST(at + %(timeout)s, next_at)
                                             ELSE at + %(timeout)s END
                       ELSE COALESCE(next_leave, %(until)s)
                   END,
                   %(until)s) AS e
        FROM ev
        WHERE kind IN ('interval', 'beat', 'join')
    ) clipped
    WHERE e > s
),
marked AS (
    SELECT user_id, s, e,
           CASE WHEN s <= MAX(e) OVER (PARTITION BY user_id ORDER BY s, e
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                THEN 0 ELSE 1 END AS starts_island
    FROM kept
),
numbered AS (
    SELECT user_id, s, e,
           SUM(starts_island) OVER (PARTITION BY user_id ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS island
    FROM marked
),
islands AS (
    SELECT user_id, MIN(s) AS s, MAX(e) AS e FROM numbered GROUP BY user_id, island
),
covered AS (
    SELECT user_id, FLOOR(SUM(EXTRACT(EPOCH FROM e - s)))::bigint AS covered_seconds, MIN(s) AS first_at
    FROM islands GROUP BY user_id
),
sources AS (
    SELECT user_id, ARRAY_AGG(DISTINCT source ORDER BY source) AS sources FROM kept GROUP BY user_id
)
SELECT covered.user_id, covered.covered_seconds, covered.first_at, sources.sources
FROM covered JOIN sources USING (user_id)
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
