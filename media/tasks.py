from celery import shared_task
from django.db import OperationalError

from media.models import VideoAsset
from media.services import video_asset_requeue_stale, video_asset_transcode


# acks_late: the task is idempotent (the claim makes a second run a no-op), so a message whose worker
# died is redelivered instead of lost. Only a lost database connection is worth retrying; a bad
# file ends in state "failed" inside the service and never loops.
@shared_task(
    name="media.video_asset_transcode_task",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    max_retries=3,
)
def video_asset_transcode_task(*, asset_id: int) -> str | None:
    try:
        return video_asset_transcode(asset_id=asset_id).state
    except VideoAsset.DoesNotExist:
        return None


# A short bookkeeping task: kept off the transcode queue, where it could wait behind hours of ffmpeg.
@shared_task(name="media.video_asset_requeue_stale_task", queue="default")
def video_asset_requeue_stale_task() -> int:
    return video_asset_requeue_stale()
