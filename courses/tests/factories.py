import time
from datetime import UTC, datetime, timedelta

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


def beat_key_for(*, user, lecture_id: int, at: float | None = None) -> str:
    """The beat key the lecture page and API would hand `user` at `at` (epoch seconds, server
    time): Http404 for an unknown lecture, PermissionDenied with the reason when they may not watch."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from courses.selectors import lecture_beat_key, lecture_get_live, lecture_row_for_user
    from courses.services import lecture_progress_seed

    at = time.time() if at is None else at
    lecture = lecture_get_live(lecture_id=lecture_id)
    if lecture is None:
        raise Http404("There is no such lecture.")
    row = lecture_row_for_user(user=user, lecture=lecture, now=datetime.fromtimestamp(at, tz=UTC))
    if not row.access.allowed:
        raise PermissionDenied(row.access.reason)
    lecture_progress_seed(user_id=user.pk, rows=[row])
    return lecture_beat_key(row=row, user_id=user.pk, now=at)
