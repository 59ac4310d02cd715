"""Settings of the courses app, read at call time so tests and deployments can change them."""

from lms.appsettings import app_setting


def completion_threshold() -> float:
    return float(app_setting("COURSES_COMPLETION_THRESHOLD", 0.9))


def lease_seconds() -> float:
    """How long a playback keeps the participant's single "active playback" lease without a beat."""
    return float(app_setting("COURSES_PLAYBACK_LEASE_SECONDS", 30))


def jitter_seconds() -> float:
    """Slack added to `min(rate, 2) × elapsed` for network and timer jitter (the issue's "+ 2 s")."""
    return float(app_setting("COURSES_BEAT_JITTER_SECONDS", 2.0))


def max_rate() -> float:
    """Playback rates above this are absurd: the beat is refused."""
    return float(app_setting("COURSES_MAX_PLAYBACK_RATE", 16.0))


def credited_rate_cap() -> float:
    return float(app_setting("COURSES_CREDITED_RATE_CAP", 2.0))


def duration_tolerance_seconds() -> float:
    """Players report a slightly longer end than ffprobe; beyond this the span is refused."""
    return float(app_setting("COURSES_DURATION_TOLERANCE_SECONDS", 1.5))


def flush_batch_size() -> int:
    return int(app_setting("COURSES_FLUSH_BATCH_SIZE", 2000))


def flush_interval_seconds() -> float:
    return float(app_setting("COURSES_FLUSH_INTERVAL_SECONDS", 5.0))


def flush_health_max_age_seconds() -> float:
    """/health/ fails when the oldest credited span has waited longer than this for the flush."""
    return float(app_setting("COURSES_FLUSH_HEALTH_MAX_AGE_SECONDS", 60.0))


def redis_url() -> str:
    """Empty: no Redis, beats write through to the database (the embedded demo)."""
    url = app_setting("COURSES_REDIS_URL", None)
    return app_setting("REDIS_URL", "") if url is None else url


def beat_key_seconds() -> float:
    """How long a beat key holds. The player renews it with the playback URL before it expires
    (`selectors.playback_renew_seconds`); a deadline moved earlier reaches beats within this time
    (see courses/beats/keys.py)."""
    return float(app_setting("COURSES_BEAT_KEY_SECONDS", 300))
