"""media's figures for Prometheus (lms.metrics): how long transcodes take, and how many wait."""

from lms.metrics import gauge_register, histogram

TRANSCODE_SECONDS = histogram(
    "transcode_duration_seconds",
    "Wall time of a transcode from its claim to its end (published or failed), by result.",
    ["result"],
)


def metrics_register() -> None:
    from django.conf import settings

    from lms.celery import queue_length
    from media.selectors import video_asset_state_counts

    gauge_register(
        name="transcode_queue_messages",
        documentation="Transcode tasks waiting in the broker's transcode queue.",
        read=lambda: queue_length(settings.CELERY_TRANSCODE_QUEUE),
    )
    gauge_register(
        name="video_assets",
        documentation="Videos by transcoding state (pending ones wait for a transcode worker).",
        read=video_asset_state_counts,
        label="state",
    )
