"""Settings of the courses app, read at call time so tests and deployments can change them."""

from django.conf import settings


def completion_threshold() -> float:
    return float(getattr(settings, "COURSES_COMPLETION_THRESHOLD", 0.9))


def lease_seconds() -> float:
    """How long a playback keeps the participant's single "active playback" lease without a beat."""
    return float(getattr(settings, "COURSES_PLAYBACK_LEASE_SECONDS", 30))


def jitter_seconds() -> float:
    """Slack added to `min(rate, 2) × elapsed` for network and timer jitter (the issue's "+ 2 s")."""
    return float(getattr(settings, "COURSES_BEAT_JITTER_SECONDS", 2.0))


def max_rate() -> float:
    """Playback rates above this are absurd: the beat is refused."""
    return float(getattr(settings, "COURSES_MAX_PLAYBACK_RATE", 16.0))


def credited_rate_cap() -> float:
    return float(getattr(settings, "COURSES_CREDITED_RATE_CAP", 2.0))


def duration_tolerance_seconds() -> float:
    """Players report a slightly longer end than ffprobe; beyond this the span is refused."""
    return float(getattr(settings, "COURSES_DURATION_TOLERANCE_SECONDS", 1.5))


def flush_batch_size() -> int:
    return int(getattr(settings, "COURSES_FLUSH_BATCH_SIZE", 2000))


def flush_interval_seconds() -> float:
    return float(getattr(settings, "COURSES_FLUSH_INTERVAL_SECONDS", 5.0))


def redis_url() -> str:
    """Empty: no Redis, beats write through to the database (the embedded demo)."""
    return getattr(settings, "COURSES_REDIS_URL", getattr(settings, "REDIS_URL", ""))


def beat_key_seconds() -> float:
    """How long a beat key holds. The player renews it every minute with the playback URL; a
    deadline moved earlier reaches beats within this time (see courses/beats/keys.py)."""
    return float(getattr(settings, "COURSES_BEAT_KEY_SECONDS", 300))
