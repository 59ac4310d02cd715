"""A session's recording, attached as a video asset (and a draft lecture)."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from live.models.sessions import LiveSession


class Recording(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="recordings")
    video_asset = models.ForeignKey("media.VideoAsset", on_delete=models.PROTECT, related_name="+")
    lecture = models.ForeignKey("wagtailcore.Page", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source_url = models.URLField(blank=True, max_length=1000)
    # BBB's record id: a repeated recording-ready callback finds the recording already there.
    bbb_record_id = models.CharField(max_length=200, unique=True, null=True, blank=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")

    def __str__(self) -> str:
        return str(self.video_asset_id)
