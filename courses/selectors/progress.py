import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from courses import conf
from courses.beats.keys import beat_key_make
from courses.beats.rules import LectureCompletionRule, ProgressSnapshot
from courses.beats.stores import StreamHealth, progress_store
from courses.models import CoursePage, DeadlineExtension, LecturePage, LectureProgress, ProgressDeadLetter
from lms.bitsets import item_bits, positions, set_aggregates
from lms.memo import memo_scope, memoized
from lms.privacy.selectors import user_ids_not_erased
from lms.selectors import participant_current


class LectureState:
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"
    NOT_ENROLLED = "not_enrolled"


@dataclass(frozen=True)
class LectureAccess:
    state: str
    reason: str
    available_from: datetime | None
    deadline: datetime | None

    @property
    def allowed(self) -> bool:
        return self.state == LectureState.OPEN


@dataclass
class LectureRow:
    lecture: LecturePage
    course: CoursePage
    access: LectureAccess
    snapshot: ProgressSnapshot

    @property
    def duration(self) -> float:
        return lecture_duration(self.lecture)

    @property
    def progress(self) -> float:
        return round(self.snapshot.share(self.duration), 4)

    @property
    def percent(self) -> int:
        return int(self.progress * 100)

    @property
    def completed(self) -> bool:
        completed_at = self.snapshot.completed_at
        return completed_at is not None and (self.access.deadline is None or completed_at <= self.access.deadline)

    @property
    def watch_state(self) -> str:
        """The participant-facing state of the cabinet: not started, watching, completed, closed, opens later."""
        if self.completed:
            return "completed"
        if self.access.state != LectureState.OPEN:
            return self.access.state
        return "watching" if self.progress > 0 else "not_started"


def course_list_for_track(*, season_id: int, track: str) -> QuerySet[CoursePage]:
    return CoursePage.objects.live().filter(season_id=season_id, track=track).order_by("path")


def lecture_duration(lecture: LecturePage) -> float:
    video = lecture.video
    # `playable`, not state == ready: during a re-run transcode the published rendition still plays.
    return float(video.duration) if video is not None and video.playable else 0.0


def lecture_threshold(lecture: LecturePage) -> float:
    return lecture.completion_threshold or conf.completion_threshold()


def _lectures_of(courses: list[CoursePage]) -> list[LecturePage]:
    if not courses:
        return []
    condition = Q()
    for course in courses:
        condition |= LecturePage.objects.child_of_q(course)
    return list(LecturePage.objects.live().filter(condition).select_related("video").order_by("path"))


def _course_of(lecture: LecturePage, courses: list[CoursePage]) -> CoursePage:
    return next(course for course in courses if lecture.path.startswith(course.path))


def _track_courses(season_id: int, track: str) -> list[CoursePage]:
    """course_list_for_track as a list, read once per page (lms.memo)."""
    return memoized(
        ("courses.track_courses", season_id, track),
        lambda: list(course_list_for_track(season_id=season_id, track=track)),
    )


def lecture_list_for_track(*, season_id: int, track: str) -> list[tuple[LecturePage, CoursePage]]:
    """Live lectures of the live courses of a season's track, with their course (two queries; once
    per page, lms.memo: the cabinet's courses and completeness panels both read them)."""

    def read() -> list[tuple[LecturePage, CoursePage]]:
        courses = _track_courses(season_id, track)
        return [(lecture, _course_of(lecture, courses)) for lecture in _lectures_of(courses)]

    return list(memoized(("courses.lecture_list_for_track", season_id, track), read))


def deadline_extensions_for(*, user_ids: Iterable[int] | None, lectures: list[tuple[LecturePage, CoursePage]]) -> dict:
    """{user_id: {lecture_id: extended deadline}} for the lectures given, only where an extension
    moves the lecture's deadline later (one query; once per page for the same question, lms.memo)."""
    if not lectures:
        return {}
    user_ids = None if user_ids is None else sorted(set(user_ids))
    key = (
        "courses.deadline_extensions_for",
        None if user_ids is None else tuple(user_ids),
        tuple((lecture.id, course.id) for lecture, course in lectures),
    )
    return memoized(key, lambda: _deadline_extensions_read(user_ids=user_ids, lectures=lectures))


def _deadline_extensions_read(*, user_ids: list[int] | None, lectures: list[tuple[LecturePage, CoursePage]]) -> dict:
    lecture_ids = [lecture.id for lecture, _course in lectures]
    course_ids = {course.id for _lecture, course in lectures}
    extensions = DeadlineExtension.objects.filter(Q(lecture_id__in=lecture_ids) | Q(course_id__in=course_ids))
    if user_ids is not None:
        extensions = extensions.filter(user_id__in=list(user_ids))
    by_target: dict[tuple[str, int], list] = {}
    for extension in extensions.only("user_id", "lecture_id", "course_id", "deadline"):
        key = ("lecture", extension.lecture_id) if extension.lecture_id else ("course", extension.course_id)
        by_target.setdefault(key, []).append(extension)
    result: dict[int, dict[int, datetime]] = {}
    for lecture, course in lectures:
        for extension in by_target.get(("lecture", lecture.id), []) + by_target.get(("course", course.id), []):
            if lecture.deadline is not None and extension.deadline <= lecture.deadline:
                continue
            current = result.setdefault(extension.user_id, {}).get(lecture.id)
            if current is None or extension.deadline > current:
                result[extension.user_id][lecture.id] = extension.deadline
    return result


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "j E Y, H:i")


def lecture_access(
    *, available_from: datetime | None, enrolled: bool, deadline: datetime | None, now: datetime | None = None
) -> LectureAccess:
    """The one place that decides whether a participant may watch a lecture now, and says why not.

    `deadline` is the participant's deadline (an extension applied, see `lecture_deadline_for`)."""
    now = now or timezone.now()
    opens = available_from
    if not enrolled:
        return LectureAccess(
            LectureState.NOT_ENROLLED,
            _("This lecture belongs to a course of another track or season: you are not enrolled in it."),
            opens,
            deadline,
        )
    if opens is not None and now < opens:
        return LectureAccess(
            LectureState.UPCOMING, _("The lecture opens on %(when)s.") % {"when": _when(opens)}, opens, deadline
        )
    if deadline is None:
        return LectureAccess(LectureState.UPCOMING, _("The lecture has no access dates yet."), opens, deadline)
    if now >= deadline:
        return LectureAccess(
            LectureState.CLOSED,
            _("Access to the lecture closed on %(when)s.") % {"when": _when(deadline)},
            opens,
            deadline,
        )
    return LectureAccess(LectureState.OPEN, "", opens, deadline)


def lecture_course(*, lecture: LecturePage) -> CoursePage | None:
    return CoursePage.objects.live().filter(path=lecture.path[: -LecturePage.steplen]).first()


def lecture_get_live(*, lecture_id: int) -> LecturePage | None:
    return LecturePage.objects.live().select_related("video").filter(pk=lecture_id).first()


def lecture_deadline_for(*, user_id: int, lecture: LecturePage, course: CoursePage) -> datetime | None:
    extended = deadline_extensions_for(user_ids=[user_id], lectures=[(lecture, course)])
    return extended.get(user_id, {}).get(lecture.id, lecture.deadline)


def lecture_enrolled(*, user: AbstractBaseUser, course: CoursePage) -> bool:
    participant = participant_current(user=user)
    return participant is not None and (participant.season_id, participant.track) == (course.season_id, course.track)


def lecture_access_for_user(
    *, user: AbstractBaseUser, lecture: LecturePage, now: datetime | None = None
) -> tuple[LectureAccess, CoursePage | None]:
    course = lecture_course(lecture=lecture)
    if course is None:
        return LectureAccess(LectureState.NOT_ENROLLED, _("The course is not published."), None, None), None
    deadline = lecture_deadline_for(user_id=user.pk, lecture=lecture, course=course)
    return lecture_access(
        available_from=lecture.available_from,
        enrolled=lecture_enrolled(user=user, course=course),
        deadline=deadline,
        now=now,
    ), course


def _lecture_rows(
    *, pairs: list[tuple[LecturePage, CoursePage]], user_id: int | None, now: datetime | None
) -> list[LectureRow]:
    """Rows with access by the user's deadlines (extensions applied) and their progress, flushed
    and not yet flushed (two queries: extensions, progress); `user_id` None: the policy dates and
    no progress (staff looking at a course)."""
    extended, snapshots = {}, {}
    if user_id is not None:
        extended = deadline_extensions_for(user_ids=[user_id], lectures=pairs).get(user_id, {})
        snapshots = progress_store().snapshots(user_id=user_id, lecture_ids=[lecture.id for lecture, _ in pairs])
    return [
        LectureRow(
            lecture=lecture,
            course=course,
            access=lecture_access(
                available_from=lecture.available_from,
                enrolled=True,
                deadline=extended.get(lecture.id, lecture.deadline),
                now=now,
            ),
            snapshot=snapshots.get(lecture.id, ProgressSnapshot()),
        )
        for lecture, course in pairs
    ]


def course_rows_for_participant(
    *, participant, now: datetime | None = None
) -> list[tuple[CoursePage, list[LectureRow]]]:
    """The participant's courses in order, each with its lecture rows (lecture_rows_for_participant);
    a course without lectures has none. Queries: those of lecture_rows_for_participant."""
    with memo_scope():  # the courses are read once, for the rows and for the list
        rows = lecture_rows_for_participant(participant=participant, now=now)
        courses = _track_courses(participant.season_id, participant.track)
    return [(course, [row for row in rows if row.course.id == course.id]) for course in courses]


def lecture_rows_for_participant(*, participant, now: datetime | None = None) -> list[LectureRow]:
    """Every lecture of the participant's track and season with its access state and progress,
    flushed and not yet flushed (queries: courses, lectures with videos, extensions, progress)."""
    pairs = lecture_list_for_track(season_id=participant.season_id, track=participant.track)
    return _lecture_rows(pairs=pairs, user_id=participant.user_id, now=now)


class CourseContents(NamedTuple):
    rows: list[LectureRow]
    enrolled: bool


def course_contents_for_user(
    *, user: AbstractBaseUser, course: CoursePage, now: datetime | None = None
) -> CourseContents:
    """A course's live lectures in order: for a participant of the course with their state, their
    deadline (extension applied) and progress; for anyone else with the policy dates and no
    progress (the view decides who may see them). Queries: the participant, the lectures with their
    videos, and for a participant their extensions and progress."""
    enrolled = lecture_enrolled(user=user, course=course)
    pairs = [(lecture, course) for lecture in _lectures_of([course])]
    return CourseContents(_lecture_rows(pairs=pairs, user_id=user.pk if enrolled else None, now=now), enrolled)


def lecture_row_for_user(*, user: AbstractBaseUser, lecture: LecturePage, now: datetime | None = None) -> LectureRow:
    access, course = lecture_access_for_user(user=user, lecture=lecture, now=now)
    snapshot = progress_store().snapshots(user_id=user.pk, lecture_ids=[lecture.id]).get(lecture.id, ProgressSnapshot())
    return LectureRow(lecture=lecture, course=course, access=access, snapshot=snapshot)


def lecture_completion_rules(*, lecture_ids: Iterable[int]) -> dict[int, LectureCompletionRule]:
    lectures = LecturePage.objects.filter(pk__in=list(lecture_ids)).select_related("video")
    return {
        lecture.id: LectureCompletionRule(lecture.id, lecture_duration(lecture), lecture_threshold(lecture))
        for lecture in lectures
    }


def users_existing(*, user_ids: Iterable[int]) -> set[int]:
    """Which of these user ids still name an account that was not erased (one query): the flush
    sets aside the beats of an erased person that were still in flight."""
    return user_ids_not_erased(user_ids=user_ids)


def progress_flush_health() -> StreamHealth:
    """Credited spans waiting to be stored and the age of the oldest (staff's lecture figures, and
    a figure for a health check): a flush that keeps failing shows as a growing age."""
    return progress_store().stream_health()


class DeadLetters(NamedTuple):
    count: int
    latest: list[ProgressDeadLetter]


def progress_dead_letters(*, limit: int = 20) -> DeadLetters:
    """Credited spans the flush set aside, with the reason: how many, and the latest (two queries)."""
    return DeadLetters(ProgressDeadLetter.objects.count(), list(ProgressDeadLetter.objects.all()[:limit]))


def required_lectures_completion(*, season_id: int, track: str, user_ids: Iterable[int] | None = None) -> dict:
    """Set-based completeness of the required lectures of a season's track (four queries whatever
    the number of users: courses, lectures, extensions, completions).

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


def lecture_figures_for_staff(*, season_id: int, track: str, participant_count: int) -> list[dict]:
    """Per lecture: how many participants watched any of it, how many completed it in time, and the
    average progress over all `participant_count` participants of the track (three queries)."""
    pairs = lecture_list_for_track(season_id=season_id, track=track)
    figures = {
        row["lecture_id"]: row
        for row in LectureProgress.objects.filter(lecture_id__in=[lecture.id for lecture, _ in pairs], progress__gt=0)
        .values("lecture_id")
        .annotate(
            watched=Count("id"),
            completed=Count("id", filter=Q(completed_at__isnull=False)),
            total=Sum("progress"),
        )
    }
    return [
        {
            "lecture": lecture,
            "course": course,
            "watched": figures.get(lecture.id, {}).get("watched", 0),
            "completed": figures.get(lecture.id, {}).get("completed", 0),
            "average": (figures.get(lecture.id, {}).get("total") or 0.0) / participant_count
            if participant_count
            else 0.0,
        }
        for lecture, course in pairs
    ]


def lecture_playback_url(*, row: LectureRow, user_id: int) -> str | None:
    """A signed playlist URL, only while the participant may watch (media signs, we decide)."""
    from media.selectors import video_playback_url

    video = row.lecture.video
    if not row.access.allowed or video is None or not video.playable:
        return None
    return video_playback_url(asset=video, user_id=user_id)


def playback_renew_seconds() -> float:
    """How often the player renews its playback URL and beat key: at four fifths of the shorter of
    their lifetimes, so a renewal that is late (a slow network, a throttled background tab) still
    lands before either expires. More often only costs: a renewal is the dearest request a viewer
    makes, dearer than a minute of its beats (docs/deploy/capacity.md)."""
    from media.selectors import video_playback_url_seconds

    return round(0.8 * min(conf.beat_key_seconds(), float(video_playback_url_seconds())), 1)


def lecture_beat_key(*, row: LectureRow, user_id: int, now: float | None = None) -> str | None:
    """The signed key the player sends with every progress beat, only while the participant may
    watch (see courses/beats/keys.py). It carries the participant's deadline as of now, extension
    applied: the player renews it with the playback URL, which is how a later extension reaches beats."""
    if not row.access.allowed or not row.duration:
        return None
    now = time.time() if now is None else now
    return beat_key_make(
        user_id=user_id,
        lecture_id=row.lecture.id,
        deadline=row.access.deadline.timestamp(),
        duration=row.duration,
        threshold=lecture_threshold(row.lecture),
        expires=now + conf.beat_key_seconds(),
        zone=timezone.get_current_timezone_name(),
    )
