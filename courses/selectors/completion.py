"""The completeness contract other apps read: the required lectures each user completed in time."""

from collections.abc import Iterable
from datetime import datetime

from django.db import connection

from courses.models import LectureProgress
from courses.selectors.access import deadline_extensions_for
from courses.selectors.lectures import lecture_duration, lecture_list_for_track
from lms.bitsets import item_bits, positions, set_aggregates


def required_lectures_completion(*, season_id: int, track: str, user_ids: Iterable[int] | None = None) -> dict:
    """Set-based completeness of the required lectures of a season's track (five queries whatever
    the number of users: courses, lectures, their videos, extensions (none when nobody has one),
    completions).

    "completed" maps a user to the ids of the lectures they completed before their (extended)
    deadline; users with the same completions share one frozenset, so a caller can work once per
    distinct pattern. Progress is what has been flushed to the database (every few seconds)."""
    user_ids = None if user_ids is None else list(user_ids)
    every = lecture_list_for_track(season_id=season_id, track=track)
    pairs = [(lecture, course) for lecture, course in every if lecture.required]
    lectures = [
        {
            "id": lecture.id,
            "title": lecture.title,
            "course_id": course.id,
            "deadline": lecture.deadline,
            "duration": lecture_duration(lecture),
        }
        for lecture, course in pairs
    ]
    # Read for every lecture of the track, the question the cabinet's lecture rows ask too (lms.memo),
    # then kept to the required ones.
    required = {lecture.id for lecture, _course in pairs}
    deadlines = {
        user_id: kept
        for user_id, extended in deadline_extensions_for(user_ids=user_ids, lectures=every if pairs else []).items()
        if (kept := {lecture_id: at for lecture_id, at in extended.items() if lecture_id in required})
    }
    policy = {lecture.id: lecture.deadline for lecture, _course in pairs}
    completions = _completions_in_time_sql if connection.vendor == "postgresql" else _completions_in_time
    return {
        "lectures": lectures,
        "deadlines": deadlines,
        "completed": completions(policy=policy, extensions=deadlines, user_ids=user_ids) if policy else {},
    }


def _completions_in_time_sql(
    *, policy: dict[int, datetime | None], extensions: dict[int, dict[int, datetime]], user_ids: list[int] | None
) -> dict[int, frozenset[int]]:
    """One statement: each lecture's completions by its deadline are one range of the
    lecture_progress_completed index; a user's completions in time fold into a set of lectures
    (lms.bitsets: a bigint per 63 lectures, no sort); users are grouped by their sets. An admission
    run reads a few hundred rows, not 3,000,000. The (few) extended pairs are read apart, against
    their own deadline, and only when there are some."""
    lecture_ids = list(policy)
    words, bits = item_bits(len(lecture_ids))
    granted = [
        (user_id, lecture_id, moment) for user_id, own in extensions.items() for lecture_id, moment in own.items()
    ]
    only_users = "" if user_ids is None else "AND p.user_id = ANY(%(user_ids)s::bigint[])"
    lectures = """unnest(%(lecture_ids)s::bigint[], %(deadlines)s::timestamptz[], %(words)s::int[],
                         %(bits)s::bigint[]) AS l(id, deadline, word, bit)"""
    extended = """unnest(%(granted_users)s::bigint[], %(granted_lectures)s::bigint[],
                         %(granted_deadlines)s::timestamptz[]) AS e(user_id, lecture_id, deadline)"""
    in_time = f"""SELECT p.user_id, l.word, l.bit
                  FROM {lectures}
                  JOIN {LectureProgress._meta.db_table} p
                    ON p.lecture_id = l.id AND p.completed_at <= COALESCE(l.deadline, 'infinity')
                  WHERE p.completed_at IS NOT NULL {only_users}"""
    if granted:
        # An extension replaces the lecture's deadline for its pair.
        in_time = f"""{in_time}
                      AND NOT EXISTS (SELECT FROM {extended} WHERE e.user_id = p.user_id AND e.lecture_id = l.id)
                  UNION ALL
                  SELECT p.user_id, l.word, l.bit
                  FROM {extended}
                  JOIN {lectures} ON l.id = e.lecture_id
                  JOIN {LectureProgress._meta.db_table} p ON p.user_id = e.user_id AND p.lecture_id = e.lecture_id
                  WHERE p.completed_at <= e.deadline {only_users}"""
    sets = set_aggregates(word="c.word", bit="c.bit", count=len(lecture_ids), where="true")
    keys = ", ".join(f"w{number}" for number in range(len(sets)))
    statement = f"""
        SELECT {keys}, array_agg(user_id) FROM (
            SELECT c.user_id, {", ".join(f"{aggregate} AS w{n}" for n, aggregate in enumerate(sets))}
            FROM ({in_time}) c
            GROUP BY c.user_id
        ) per_user
        GROUP BY {keys}"""
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            {
                "lecture_ids": lecture_ids,
                "deadlines": list(policy.values()),
                "words": words,
                "bits": bits,
                "granted_users": [user_id for user_id, _lecture, _moment in granted],
                "granted_lectures": [lecture_id for _user, lecture_id, _moment in granted],
                "granted_deadlines": [moment for _user, _lecture, moment in granted],
                "user_ids": user_ids,
            },
        )
        completed: dict[int, frozenset[int]] = {}
        for *set_words, users in cursor.fetchall():
            completed.update(dict.fromkeys(users, frozenset(lecture_ids[at] for at in positions(set_words))))
    return completed


def _completions_in_time(
    *, policy: dict[int, datetime | None], extensions: dict[int, dict[int, datetime]], user_ids: list[int] | None
) -> dict[int, frozenset[int]]:
    """The same answer for the embedded SQLite demo, row by row."""
    rows = LectureProgress.objects.filter(lecture_id__in=list(policy), completed_at__isnull=False)
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    completed: dict[int, set[int]] = {}
    no_extensions: dict[int, datetime] = {}
    for user_id, lecture_id, completed_at in rows.values_list("user_id", "lecture_id", "completed_at"):
        deadline = extensions.get(user_id, no_extensions).get(lecture_id) or policy[lecture_id]
        if deadline is None or completed_at <= deadline:
            completed.setdefault(user_id, set()).add(lecture_id)
    # Users with the same completions share one frozenset, as on the SQL path.
    shared: dict[frozenset[int], frozenset[int]] = {}
    result = {}
    for user_id, ids in completed.items():
        key = frozenset(ids)
        result[user_id] = shared.setdefault(key, key)
    return result
