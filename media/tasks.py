from celery import shared_task
from celery.signals import worker_ready
from django.db import OperationalError

from media.models import VideoAsset
from media.services import video_asset_claims_release, video_asset_requeue_stale, video_asset_transcode


# acks_late: the task is idempotent (the claim makes a second run a no-op), so a message whose worker
# died is redelivered instead of lost. Only a lost database connection is worth retrying; a bad
# file ends in state "failed" inside the service and never loops.
@shared_task(
    bind=True,
    name="media.video_asset_transcode_task",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    max_retries=3,
)
def video_asset_transcode_task(self, *, asset_id: int) -> str | None:
    try:
        return video_asset_transcode(asset_id=asset_id, worker=self.request.hostname or "").state
    except VideoAsset.DoesNotExist:
        return None


# A short bookkeeping task: kept off the transcode queue, where it could wait behind hours of ffmpeg.
@shared_task(name="media.video_asset_requeue_stale_task", queue="default")
def video_asset_requeue_stale_task() -> int:
    return video_asset_requeue_stale()


# A killed worker's message stays unacknowledged in Redis until the broker's visibility timeout
# (hours: transcodes are long) and its claim until the lease runs out; the supervisor restarts the
# worker within seconds under the same node name, and that is when the job is picked up again.
@worker_ready.connect(dispatch_uid="media.claims_release")
def _predecessor_claims_release(sender, **kwargs) -> None:
    video_asset_claims_release(worker=sender.hostname)
