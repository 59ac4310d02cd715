from lms.appsettings import app_setting


def beat_interval_seconds() -> int:
    return app_setting("LIVE_BEAT_INTERVAL_SECONDS", 30)


def beats_grace_minutes() -> int:
    """How long after the session's end late beats (a slow network, a flush) are still taken."""
    return app_setting("LIVE_BEATS_GRACE_MINUTES", 15)


def max_overrun_minutes() -> int:
    """How far past its scheduled end a started, not yet ended session stays open (joins, beats,
    the growing window). The speaker's "end" or BBB's meeting-ended closes it sooner."""
    return app_setting("LIVE_MAX_OVERRUN_MINUTES", 180)


def presence_key_seconds() -> int:
    """Lifetime of a presence key; the page renews it at a third of this."""
    return app_setting("LIVE_PRESENCE_KEY_SECONDS", 600)


def beats_flush_every_seconds() -> float:
    return app_setting("LIVE_BEATS_FLUSH_EVERY_SECONDS", 5.0)


def redis_url() -> str:
    return app_setting("REDIS_URL", "")


def bbb_url() -> str:
    return app_setting("LIVE_BBB_URL", "").rstrip("/")


def bbb_secret() -> str:
    return app_setting("LIVE_BBB_SECRET", "")


def bbb_checksum_algorithm() -> str:
    return app_setting("LIVE_BBB_CHECKSUM_ALGORITHM", "sha256")


def bbb_webhook_callback_url() -> str:
    """The callback URL exactly as registered with bbb-webhooks: its checksum covers this string.
    Empty means: the URL the request arrived at, without its query."""
    return app_setting("LIVE_BBB_WEBHOOK_CALLBACK_URL", "")


def report_default_timezone() -> str:
    return app_setting("LIVE_REPORT_TIMEZONE", "Europe/Moscow")


def derive_debounce_seconds() -> int:
    """At most one derivation of a session's figures per this many seconds, however many events
    arrive: the first event queues it to run once the window has closed (live.services.attendance)."""
    return app_setting("LIVE_DERIVE_DEBOUNCE_SECONDS", 5)


def join_link_seconds() -> int:
    """How long our signed join link works after the page that shows it was made: a day, so a
    link copied from the cabinet works on the session's day and not for weeks after."""
    return app_setting("LIVE_JOIN_LINK_SECONDS", 24 * 60 * 60)


def room_check_seconds() -> int:
    """How often the waiting page asks whether the speaker has opened the room (RoomBackend.ready)."""
    return app_setting("LIVE_ROOM_CHECK_SECONDS", 10)


def room_running_cache_seconds() -> tuple[int, int]:
    """How long BBB's isMeetingRunning answer is kept (running, not running): a room of hundreds
    of waiting participants asks BBB once per this, not once per page."""
    return app_setting("LIVE_ROOM_RUNNING_CACHE_SECONDS", (60, 5))


# Every room type's backend by the session's delivery (live/rooms/base.py: RoomBackend). The
# setting LIVE_ROOM_BACKENDS adds to these (or replaces one): a new room type is its module and
# one line there (docs/live-rooms.md). A delivery's key is at most 10 characters (the field's length).
ROOM_BACKENDS = {
    "bbb": "live.rooms.bbb.backend.BbbRoom",
    "jitsi": "live.rooms.external.JitsiRoom",
    "zoom": "live.rooms.external.ZoomRoom",
    "url": "live.rooms.external.UrlRoom",
    "offline": "live.rooms.offline.OfflineRoom",
}


def room_backends() -> dict[str, str]:
    return {**ROOM_BACKENDS, **app_setting("LIVE_ROOM_BACKENDS", {})}


def guest_email_claim_seconds() -> int:
    """How long a claimed guest invitation stays claimed: a worker that died mid-send is taken over after it."""
    return app_setting("LIVE_GUEST_EMAIL_CLAIM_SECONDS", 600)
