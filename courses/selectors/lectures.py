"""Which lectures a season's track has, in order, with their course; a lecture's length and
completion threshold."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from courses import conf
from courses.beats.rules import LectureCompletionRule
from courses.models import CoursePage, LecturePage
from lms.memo import memoized


def course_list_for_track(*, season_id: int, track: str) -> QuerySet[CoursePage]:
    return CoursePage.objects.live().filter(season_id=season_id, track=track).order_by("path")


def lecture_duration(lecture: LecturePage) -> float:
    video = lecture.video
    # `playable`, not state == ready: during a re-run transcode the published rendition still plays.
    return float(video.duration) if video is not None and video.playable else 0.0


def lecture_threshold(lecture: LecturePage) -> float:
    return lecture.completion_threshold or conf.completion_threshold()


def lecture_list_for_courses(*, courses: list[CoursePage]) -> list[LecturePage]:
    """The live lectures of these courses in tree order, with their videos (one query)."""
    if not courses:
        return []
    condition = Q()
    for course in courses:
        condition |= LecturePage.objects.child_of_q(course)
    return list(LecturePage.objects.live().filter(condition).select_related("video").order_by("path"))


def _course_of(lecture: LecturePage, courses: list[CoursePage]) -> CoursePage:
    return next(course for course in courses if lecture.path.startswith(course.path))


def course_list_for_track_memoized(*, season_id: int, track: str) -> list[CoursePage]:
    """course_list_for_track as a list, read once per page (lms.memo)."""
    return memoized(
        ("courses.track_courses", season_id, track),
        lambda: list(course_list_for_track(season_id=season_id, track=track)),
    )


def lecture_list_for_track(*, season_id: int, track: str) -> list[tuple[LecturePage, CoursePage]]:
    """Live lectures of the live courses of a season's track, with their course (two queries; once
    per page, lms.memo: the cabinet's courses and completeness panels both read them)."""

    def read() -> list[tuple[LecturePage, CoursePage]]:
        courses = course_list_for_track_memoized(season_id=season_id, track=track)
        return [(lecture, _course_of(lecture, courses)) for lecture in lecture_list_for_courses(courses=courses)]

    return list(memoized(("courses.lecture_list_for_track", season_id, track), read))


def lecture_course(*, lecture: LecturePage) -> CoursePage | None:
    return CoursePage.objects.live().filter(path=lecture.path[: -LecturePage.steplen]).first()


def lecture_get_live(*, lecture_id: int) -> LecturePage | None:
    return LecturePage.objects.live().select_related("video").filter(pk=lecture_id).first()


def lecture_completion_rules(*, lecture_ids: Iterable[int]) -> dict[int, LectureCompletionRule]:
    lectures = LecturePage.objects.filter(pk__in=list(lecture_ids)).select_related("video")
    return {
        lecture.id: LectureCompletionRule(lecture.id, lecture_duration(lecture), lecture_threshold(lecture))
        for lecture in lectures
    }
