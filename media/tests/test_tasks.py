from django.conf import settings

from lms.celery import app
from media import tasks


def test_transcodes_are_routed_to_their_own_queue_by_the_tasks_explicit_name():
    """The route in settings names the task: an implicit name (the module path) would change with
    a moved module and silently send hours of ffmpeg to the default queue."""
    assert tasks.video_asset_transcode_task.name == "media.video_asset_transcode_task"
    route = app.amqp.router.route({}, tasks.video_asset_transcode_task.name)
    assert route["queue"].name == settings.CELERY_TRANSCODE_QUEUE
    assert tasks.video_asset_requeue_stale_task.queue == "default"
