"""Regional dossiers (issue 15 §5): at a season's closing, the finalists of each region go to that
region's youth-policy body. Staff prepare the outbox (one dossier per region, its contents frozen as
a snapshot with a hash), review it and send; each attempt at sending is logged, a dossier is sent
once (claimed by a conditional UPDATE) and a failed one is retried and shown."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.regions import region_choices


class DossierStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Dossier(models.Model):
    """One region's dossier of one season. `snapshot` holds what is sent, frozen when staff prepare
    the outbox: `{"finalists": [...], "left_out": [...]}` (left out: finalists without a talent-pool
    consent in force, listed for staff and never sent); `content_hash` is the SHA-256 of the
    finalists' canonical JSON. A dossier not yet sent is replaced when staff prepare again; a sent
    one never changes (save of the snapshot refused by the service, kept whole as the record)."""

    season = models.ForeignKey("lms.Season", on_delete=models.PROTECT, related_name="+", verbose_name=_("season"))
    region_code = models.CharField(_("region"), max_length=2, choices=region_choices)
    snapshot = models.JSONField(_("contents"), default=dict)
    content_hash = models.CharField(_("SHA-256 of the contents"), max_length=64)
    finalists_count = models.PositiveIntegerField(_("finalists"), default=0)
    left_out_count = models.PositiveIntegerField(_("left out"), default=0)
    prepared_at = models.DateTimeField(_("prepared at"))
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("prepared by")
    )
    status = models.CharField(_("status"), max_length=10, choices=DossierStatus.choices, default=DossierStatus.DRAFT)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("queued by"),
    )
    # A task's claim (a conditional UPDATE): another task skips the dossier while it is fresh.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["season", "region_code"]
        verbose_name = _("regional dossier")
        verbose_name_plural = _("regional dossiers")
        constraints = [
            models.UniqueConstraint(fields=["season", "region_code"], name="dossier_one_per_region"),
            models.CheckConstraint(
                condition=Q(status=DossierStatus.SENT, sent_at__isnull=False)
                | (~Q(status=DossierStatus.SENT) & Q(sent_at__isnull=True)),
                name="dossier_sent_when_sent",
            ),
            models.CheckConstraint(condition=Q(status__in=DossierStatus.values), name="dossier_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.season_id} / {self.region_code}"


class DossierSending(models.Model):
    """One attempt at sending a dossier, appended and kept: when, to whom, what (the hash), and how
    it ended (sent, or failed with the error). The log of everything sent to the regions."""

    class Outcome(models.TextChoices):
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="sendings", verbose_name=_("dossier"))
    attempt = models.PositiveIntegerField(_("attempt"))
    recipients = models.JSONField(_("recipients"), default=list)
    content_hash = models.CharField(_("SHA-256 of the contents"), max_length=64)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.SENDING)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["dossier", "attempt"]
        verbose_name = _("sending of a dossier")
        verbose_name_plural = _("sendings of dossiers")
        constraints = [
            models.UniqueConstraint(fields=["dossier", "attempt"], name="dossier_sending_attempt_once"),
            models.CheckConstraint(condition=~Q(outcome="failed") | ~Q(error=""), name="dossier_sending_failure_said"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} #{self.attempt}: {self.outcome}"
