import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def source_upload_to(asset: "VideoAsset", filename: str) -> str:
    return f"video/sources/{asset.uid}/{filename}"


class VideoAsset(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be transcoded")
        PROCESSING = "processing", _("Transcoding")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=255)
    source = models.FileField(_("source file"), upload_to=source_upload_to, max_length=500)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    error_message = models.TextField(_("error"), blank=True)
    # Filled by the probe; the server-side duration is what watch progress is measured against.
    duration = models.FloatField(_("duration, s"), null=True, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    # Storage path (relative to the default storage) of the published HLS rendition's folder.
    hls_path = models.CharField(_("HLS folder"), max_length=500, blank=True)
    poster = models.CharField(_("poster image"), max_length=500, blank=True)
    # The running transcode's claim: only the worker holding it may report progress or publish, and
    # `claimed_at` (refreshed with every progress report) tells a live worker from a dead one.
    claim = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The Celery worker (its node name) holding the claim: when a worker of that name starts, the
    # claim is its killed predecessor's and is released at once rather than after the lease.
    claimed_by = models.CharField(max_length=255, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("video")
        verbose_name_plural = _("videos")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="video_asset_progress_percent"),
            models.CheckConstraint(
                condition=~Q(state="ready") | (Q(duration__gt=0) & ~Q(hls_path="")),
                name="video_asset_ready_has_rendition",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def source_filename(self) -> str:
        return self.source.name.rsplit("/", 1)[-1] if self.source else ""

    @property
    def playable(self) -> bool:
        """A complete rendition is published. Stays true while a re-run transcode works (or after
        it failed): the previous rendition keeps playing until a new one replaces it."""
        return bool(self.hls_path) and bool(self.duration)
