from django.conf import settings


def beat_interval_seconds() -> int:
    return getattr(settings, "LIVE_BEAT_INTERVAL_SECONDS", 30)


def beats_grace_minutes() -> int:
    """How long after the session's end late beats (a slow network, a flush) are still taken."""
    return getattr(settings, "LIVE_BEATS_GRACE_MINUTES", 15)


def presence_key_seconds() -> int:
    """Lifetime of a presence key; the page renews it at a third of this."""
    return getattr(settings, "LIVE_PRESENCE_KEY_SECONDS", 600)


def beats_flush_every_seconds() -> float:
    return getattr(settings, "LIVE_BEATS_FLUSH_EVERY_SECONDS", 5.0)


def redis_url() -> str:
    return getattr(settings, "REDIS_URL", "")


def bbb_url() -> str:
    return getattr(settings, "LIVE_BBB_URL", "").rstrip("/")


def bbb_secret() -> str:
    return getattr(settings, "LIVE_BBB_SECRET", "")


def bbb_checksum_algorithm() -> str:
    return getattr(settings, "LIVE_BBB_CHECKSUM_ALGORITHM", "sha256")


def bbb_webhook_callback_url() -> str:
    """The callback URL exactly as registered with bbb-webhooks: its checksum covers this string.
    Empty means: the URL the request arrived at, without its query."""
    return getattr(settings, "LIVE_BBB_WEBHOOK_CALLBACK_URL", "")


def report_default_timezone() -> str:
    return getattr(settings, "LIVE_REPORT_TIMEZONE", "Europe/Moscow")


def derive_debounce_seconds() -> int:
    return getattr(settings, "LIVE_DERIVE_DEBOUNCE_SECONDS", 5)
