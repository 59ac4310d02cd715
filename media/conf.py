"""App settings with their defaults, read at call time so tests and deployments can override them."""

from django.conf import settings


def max_upload_size() -> int:
    """Largest source file an editor may upload, in bytes (default 5 GB)."""
    return int(getattr(settings, "MEDIA_MAX_UPLOAD_SIZE", 5 * 1024**3))


def playback_token_ttl() -> int:
    """Seconds a signed playback URL stays valid; the player renews it by asking again."""
    return int(getattr(settings, "MEDIA_PLAYBACK_TOKEN_TTL", 300))


def accel_redirect_prefix() -> str:
    """When set (e.g. "/protected-media/"), segments are handed to nginx with X-Accel-Redirect."""
    return getattr(settings, "MEDIA_ACCEL_REDIRECT_PREFIX", "") or ""


def storage_url_ttl() -> int:
    """Seconds a presigned object-storage URL of a segment or poster stays valid (S3 storage): the
    player follows it at once, and each new request for the file is checked and presigned anew."""
    return int(getattr(settings, "MEDIA_STORAGE_URL_TTL", 60))


def transcode_lease_seconds() -> int:
    """A `processing` claim not refreshed for this long belongs to a dead worker and may be re-claimed."""
    return int(getattr(settings, "MEDIA_TRANSCODE_LEASE_SECONDS", 120))


def transcode_time_limit() -> int:
    """Hard time limit of one transcode task in seconds (long webinars take long)."""
    return int(getattr(settings, "MEDIA_TRANSCODE_TIME_LIMIT", 6 * 3600))


def x264_preset() -> str:
    return getattr(settings, "MEDIA_X264_PRESET", "veryfast")


def hls_segment_seconds() -> int:
    """Target HLS segment length; keyframes every half of it keep every segment at most this long."""
    return int(getattr(settings, "MEDIA_HLS_SEGMENT_SECONDS", 4))


def ffmpeg_binary() -> str:
    return getattr(settings, "MEDIA_FFMPEG", "ffmpeg")


def ffprobe_binary() -> str:
    return getattr(settings, "MEDIA_FFPROBE", "ffprobe")
