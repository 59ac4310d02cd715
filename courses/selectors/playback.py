"""What the player is handed while a participant may watch: the signed playback URL and beat key,
and how often it renews them."""

import time

from django.utils import timezone

from courses import conf
from courses.beats.keys import beat_key_make
from courses.selectors.lectures import lecture_threshold
from courses.selectors.progress import LectureRow


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
