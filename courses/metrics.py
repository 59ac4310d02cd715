"""courses' figures for Prometheus (lms.metrics): what the beats did, and how far the flush lags."""

from functools import cache

from lms.metrics import counter, gauge_register, histogram

BEATS_ACCEPTED = counter(
    "beats_accepted", "Progress beats accepted, by what they did (courses.beats.rules.BeatOutcome).", ["outcome"]
)
BEATS_REFUSED = counter(
    "beats_refused",
    "Progress beats refused, by reason: key_invalid (no, forged or another lecture's key), key_stale "
    "(expired, or past the deadline), invalid (implausible beat), store_unavailable (Redis away; retried).",
    ["reason"],
)


@cache
def beats_accepted(outcome: str):
    """The BEATS_ACCEPTED child of one outcome. prometheus-client's labels() checks its arguments
    and takes a lock on every call, once per beat; there are only a few outcomes (BeatOutcome)."""
    return BEATS_ACCEPTED.labels(outcome=outcome)


FLUSH_LAG_SECONDS = histogram(
    "beat_flush_lag_seconds",
    "Age of the oldest credited span of each batch the flush stored (receipt to commit).",
    buckets=(0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300, 900, 3600),
)


def metrics_register() -> None:
    from courses.selectors import progress_flush_health

    def pending() -> float | None:
        health = progress_flush_health()
        return health.pending if health.reachable else None

    def oldest_age() -> float | None:
        health = progress_flush_health()
        if not health.reachable:
            return None
        return health.oldest_age_seconds or 0.0

    gauge_register(
        name="beat_stream_pending",
        documentation="Credited spans waiting in the beat stream for the flush.",
        read=pending,
    )
    gauge_register(
        name="beat_stream_oldest_age_seconds",
        documentation="Age of the oldest credited span waiting for the flush (0: none waits): the flush's lag.",
        read=oldest_age,
    )
