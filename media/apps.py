from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    name = "media"
    verbose_name = _("Video")
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {"editor": ["media.*"], "staff": ["media.*"]}

    def ready(self) -> None:
        from lms.celery import periodic_task_schedule

        # A transcode whose worker died is found by its lapsed lease and queued again.
        periodic_task_schedule(entry="media: requeue stale", task="media.video_asset_requeue_stale_task", seconds=300.0)
        from media.metrics import metrics_register

        metrics_register()
