"""A participant's lectures with their access and watch progress (the cabinet, the course page, the
player), and the staff's per-lecture figures."""

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, Sum

from courses.beats.rules import ProgressSnapshot
from courses.beats.stores import progress_store
from courses.models import CoursePage, LecturePage, LectureProgress
from courses.selectors.access import (
    LectureAccess,
    LectureState,
    deadline_extensions_for,
    lecture_access,
    lecture_access_for_user,
    lecture_enrolled,
)
from courses.selectors.lectures import (
    course_list_for_track_memoized,
    lecture_duration,
    lecture_list_for_courses,
    lecture_list_for_track,
)
from lms.memo import memo_scope


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
        courses = course_list_for_track_memoized(season_id=participant.season_id, track=participant.track)
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
    pairs = [(lecture, course) for lecture in lecture_list_for_courses(courses=[course])]
    return CourseContents(_lecture_rows(pairs=pairs, user_id=user.pk if enrolled else None, now=now), enrolled)


def lecture_row_for_user(*, user: AbstractBaseUser, lecture: LecturePage, now: datetime | None = None) -> LectureRow:
    access, course = lecture_access_for_user(user=user, lecture=lecture, now=now)
    snapshot = progress_store().snapshots(user_id=user.pk, lecture_ids=[lecture.id]).get(lecture.id, ProgressSnapshot())
    return LectureRow(lecture=lecture, course=course, access=access, snapshot=snapshot)


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
