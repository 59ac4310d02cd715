"""The courses app's part of a person's data (lms.privacy's registry): what they watched, for the
export; for an erasure, the playback state of the person in the database and in Redis.

The credited progress itself stays (it is the programme's record under the person's id, and
admission snapshots were computed from it). Beats still in flight when the person is erased are
set aside by the flush (selectors.users_existing excludes erased accounts) rather than searched
out of the shared stream, so erasing one person never holds up anyone else's beats."""

import redis
from django.utils.translation import gettext_lazy as _

from courses.beats.stores import RedisProgressStore, progress_store
from courses.models import LectureLease, LecturePlayback, LectureProgress
from lms.privacy.registry import DataSection, PersonalDataPart


def courses_part_export(user_id: int) -> list[DataSection]:
    """One query: the person's progress per lecture, with the lecture's title."""
    rows = (
        LectureProgress.objects.filter(user_id=user_id)
        .select_related("lecture")
        .order_by("lecture__title", "lecture_id")
    )
    return [
        DataSection(
            "lecture_progress",
            _("Lecture viewing"),
            [
                ("lecture", _("lecture")),
                ("progress_percent", _("watched, %")),
                ("watched_seconds", _("watched, seconds")),
                ("completed_at", _("completed at")),
            ],
            [
                {
                    "lecture": row.lecture.title,
                    "progress_percent": round(row.progress * 100, 1),
                    "watched_seconds": round(row.watched_seconds, 1),
                    "completed_at": row.completed_at,
                }
                for row in rows
            ],
        )
    ]


def courses_part_erase(user_id: int) -> None:
    LecturePlayback.objects.filter(user_id=user_id).delete()
    LectureLease.objects.filter(user_id=user_id).delete()


def courses_part_erase_redis(user_id: int) -> None:
    """Drop the person's crediting state in Redis (their lease and per-lecture spans). SCAN walks
    the keys in small steps, so no other participant's beat waits for it; Redis away, the keys
    expire by themselves (SPANS_TTL) and the flush sets their beats aside anyway."""
    store = progress_store()
    if not isinstance(store, RedisProgressStore):
        return
    try:
        keys = [f"courses:lease:{user_id}"]
        keys.extend(store.redis.scan_iter(match=f"courses:sp:{user_id}:*", count=1000))
        for start in range(0, len(keys), 500):
            store.redis.unlink(*keys[start : start + 500])
    except redis.RedisError:
        return


COURSES_PART = PersonalDataPart(
    "courses",
    _("Lectures"),
    courses_part_export,
    courses_part_erase,
    erase_after_commit=courses_part_erase_redis,
    order=20,
)
