"""Which lectures a season's track has, in order, with their course; a lecture's length and
completion threshold."""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet

from courses import conf
from courses.beats.rules import LectureCompletionRule
from courses.models import CoursePage, DeadlineExtension, LecturePage
from lms.memo import memo_open, memoized, page_cached
from media.selectors import video_asset_list_by_ids

# The subject of the pages' cache (lms.memo.page_cached) that the track's courses and lectures are
# kept under; courses.apps starts a new generation whenever a course or lecture page changes.
TRACK_PAGES_CACHE = "courses.track-pages"


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
    return list(_live_lectures_of(courses).select_related("video")) if courses else []


def _live_lectures_of(courses: list[CoursePage]) -> QuerySet[LecturePage]:
    condition = Q()
    for course in courses:
        condition |= LecturePage.objects.child_of_q(course)
    return LecturePage.objects.live().filter(condition).order_by("path")


def _course_of(lecture: LecturePage, courses: list[CoursePage]) -> CoursePage:
    return next(course for course in courses if lecture.path.startswith(course.path))


def course_list_for_track_memoized(*, season_id: int, track: str) -> list[CoursePage]:
    """course_list_for_track as a list; on a page, from the pages' cache (lms.memo.page_cached)."""
    return _track_pages(season_id=season_id, track=track)[0]


def lecture_list_for_track(*, season_id: int, track: str) -> list[tuple[LecturePage, CoursePage]]:
    """Live lectures of the live courses of a season's track, with their course and video (three
    queries; on a page the courses and lectures come from the pages' cache, lms.memo.page_cached,
    and only the videos are read, for a transcode may finish at any moment)."""

    def read() -> list[tuple[LecturePage, CoursePage]]:
        courses, lectures = _track_pages(season_id=season_id, track=track)
        videos = {
            video.pk: video
            for video in video_asset_list_by_ids(
                asset_ids={lecture.video_id for lecture in lectures if lecture.video_id}
            )
        }
        for lecture in lectures:
            lecture.video = videos.get(lecture.video_id)
        return [(lecture, _course_of(lecture, courses)) for lecture in lectures]

    return list(memoized(("courses.lecture_list_for_track", season_id, track), read))


def _track_pages(*, season_id: int, track: str) -> tuple[list[CoursePage], list[LecturePage]]:
    """The track's live courses and their live lectures in tree order, without their videos and
    without the long text no list shows; each lecture with `has_extensions`."""

    def read() -> tuple[list[CoursePage], list[LecturePage]]:
        courses = list(
            course_list_for_track(season_id=season_id, track=track)
            .defer("body")
            .annotate(has_extensions=Exists(DeadlineExtension.objects.filter(course=OuterRef("pk"))))
        )
        if not courses:
            return courses, []
        lectures = list(
            _live_lectures_of(courses)
            .defer("description")
            .annotate(has_extensions=Exists(DeadlineExtension.objects.filter(lecture=OuterRef("pk"))))
        )
        # Whether anyone's deadline is extended, for the lecture or its whole course: when nobody's
        # is, a participant's rows need no read of extensions (courses.selectors.progress).
        for lecture in lectures:
            lecture.has_extensions = lecture.has_extensions or _course_of(lecture, courses).has_extensions
        return courses, lectures

    return page_cached(subject=TRACK_PAGES_CACHE, key=(season_id, track), compute=read)


def lecture_course(*, lecture: LecturePage) -> CoursePage | None:
    """The lecture's course while it is live; on a page, from the pages' cache, without its body."""
    path = lecture.path[: -LecturePage.steplen]
    return page_cached(
        subject=TRACK_PAGES_CACHE,
        key=("course-at", path),
        compute=lambda: CoursePage.objects.live().defer("body").filter(path=path).first(),
    )


def lecture_as_listed(*, lecture: LecturePage, course: CoursePage) -> LecturePage:
    """The lecture as its track's list holds it, which says whether anyone's deadline for it is
    extended (`has_extensions`), so a page reads extensions only when there are some; outside a
    page (lms.memo), or when the list does not hold it, the lecture itself (extensions are read)."""
    if not memo_open():
        return lecture
    _courses, lectures = _track_pages(season_id=course.season_id, track=course.track)
    return next((listed for listed in lectures if listed.id == lecture.id), lecture)


def lecture_get_live(*, lecture_id: int) -> LecturePage | None:
    return LecturePage.objects.live().select_related("video").filter(pk=lecture_id).first()


def lecture_completion_rules(*, lecture_ids: Iterable[int]) -> dict[int, LectureCompletionRule]:
    lectures = LecturePage.objects.filter(pk__in=list(lecture_ids)).select_related("video")
    return {
        lecture.id: LectureCompletionRule(lecture.id, lecture_duration(lecture), lecture_threshold(lecture))
        for lecture in lectures
    }
