from datetime import timedelta

from django.utils import timezone

from courses.demo import course_index_ensure
from courses.models import CoursePage, LecturePage
from media.models import VideoAsset
from tests.factories import ParticipantFactory

_counter = iter(range(1, 10**9))


def video_make(*, duration: float = 120.0) -> VideoAsset:
    """A ready asset row; crediting needs only the probed duration (no transcode in unit tests)."""
    return VideoAsset.objects.create(
        title="Запись", source="video/sources/x/source.mp4", state="ready", duration=duration, hls_path="video/hls/x/"
    )


def course_make(*, season, track: str = "introductory", live: bool = True) -> CoursePage:
    index = course_index_ensure()
    number = next(_counter)
    course = CoursePage(title=f"Курс {number}", slug=f"course-{number}", season=season, track=track, live=live)
    index.add_child(instance=course)
    return course


def lecture_make(
    *,
    course: CoursePage,
    duration: float = 120.0,
    available_from=None,
    deadline=None,
    required: bool = True,
    live: bool = True,
    threshold: float | None = None,
    video: VideoAsset | None = None,
) -> LecturePage:
    now = timezone.now()
    number = next(_counter)
    lecture = LecturePage(
        title=f"Лекция {number}",
        slug=f"lecture-{number}",
        video=video or video_make(duration=duration),
        available_from=available_from if available_from is not None else now - timedelta(days=1),
        deadline=deadline if deadline is not None else now + timedelta(days=7),
        required=required,
        completion_threshold=threshold,
        live=live,
    )
    course.add_child(instance=lecture)
    return lecture


def participant_make(*, season, level: str = "beginner"):
    return ParticipantFactory(season=season, level=level)
