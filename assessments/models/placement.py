"""Placement runs (issue 15 §3): a stored, checkable computation of who goes to which internship
offer. A run keeps the market it read as the engine's canonical JSON, the lottery's seed and the
placement's canonical JSON with both hashes, so anyone can compute it again from the run alone
(`assessments.placement`, docs/placement.md) and compare the output hash."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.models.admission import ImmutableError, RunStatus
from assessments.models.notices import ClaimedEmail

HASH = r"^[0-9a-f]{64}$"  # a SHA-256 in hex


class PlacementRun(models.Model):
    season = models.ForeignKey("lms.Season", on_delete=models.PROTECT, related_name="+", verbose_name=_("season"))
    seed = models.BigIntegerField(_("lottery seed"))
    status = models.CharField(_("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.PENDING)
    error = models.TextField(_("error"), blank=True)
    # Text, not JSON: the hashes are over these exact bytes, which a jsonb column would reorder.
    market = models.TextField(_("inputs (canonical JSON)"), blank=True)
    outcome = models.TextField(_("placement (canonical JSON)"), blank=True)
    inputs_hash = models.CharField(_("inputs hash"), max_length=64, blank=True)
    output_hash = models.CharField(_("output hash"), max_length=64, blank=True)
    participant_count = models.PositiveIntegerField(_("participants"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    # Only the run's life cycle moves; once done, only its publication.
    PUBLISH_FIELDS = frozenset({"published_at", "published_by"})
    MUTABLE_FIELDS = PUBLISH_FIELDS | {
        "status",
        "error",
        "market",
        "outcome",
        "inputs_hash",
        "output_hash",
        "participant_count",
        "finished_at",
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("placement run")
        verbose_name_plural = _("placement runs")
        constraints = [
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(status=RunStatus.DONE), name="placement_run_publish_done"
            ),
            # A done run is checkable: it holds its inputs, its placement and both hashes.
            models.CheckConstraint(
                condition=~Q(status=RunStatus.DONE)
                | (
                    Q(inputs_hash__regex=HASH, output_hash__regex=HASH, finished_at__isnull=False)
                    & ~Q(market="")
                    & ~Q(outcome="")
                ),
                name="placement_run_done_is_complete",
            ),
            models.CheckConstraint(condition=Q(seed__gte=0), name="placement_run_seed_natural"),
        ]

    def __str__(self) -> str:
        return f"{self.season} · #{self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= self.MUTABLE_FIELDS:
                raise ImmutableError(_("A placement run keeps what it read; start a new run instead."))
            if getattr(self, "_loaded_status", None) == RunStatus.DONE and not set(fields) <= self.PUBLISH_FIELDS:
                raise ImmutableError(_("A finished placement run cannot change."))
        super().save(*args, **kwargs)
        # The object saved is as its row now: a run just finished is as frozen as one read back.
        self._loaded_status = self.status

    @classmethod
    def from_db(cls, db, field_names, values):
        run = super().from_db(db, field_names, values)
        run._loaded_status = run.__dict__.get("status")
        return run


class PlacementLineQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableError(_("The lines of a placement run cannot change."))

    def delete(self):
        raise ImmutableError(_("The lines of a placement run cannot be deleted."))


class PlacementLine(models.Model):
    """One participant's line of a run, as the engine gave it (`assessments.placement.Line`): the
    offer (none: unplaced), how they got it, which of their choices it was, their lottery position
    and one reason per offer they ranked above it (`Reason.as_plain()`)."""

    class How(models.TextChoices):
        RANKED = "ranked", _("By their ranking")
        FIXED = "fixed", _("Fixed")
        UNRANKED = "unranked", _("Ranked nothing")
        UNPLACED = "unplaced", _("Not placed")

    run = models.ForeignKey(PlacementRun, on_delete=models.PROTECT, related_name="lines", verbose_name=_("run"))
    participant = models.ForeignKey(
        "lms.Participant", on_delete=models.PROTECT, related_name="+", verbose_name=_("participant")
    )
    offer = models.ForeignKey(
        "lms.InternshipOffer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("internship offer"),
    )
    how = models.CharField(_("how"), max_length=10, choices=How.choices)
    choice = models.PositiveSmallIntegerField(_("choice"), null=True, blank=True)
    lottery = models.PositiveIntegerField(_("lottery position"))
    reasons = models.JSONField(_("why not higher"), default=list, blank=True)

    objects = PlacementLineQuerySet.as_manager()

    class Meta:
        ordering = ["run", "participant_id"]
        verbose_name = _("placement line")
        verbose_name_plural = _("placement lines")
        constraints = [
            models.UniqueConstraint(fields=["run", "participant"], name="placement_line_one_per_participant"),
            models.CheckConstraint(
                condition=Q(offer__isnull=True, how="unplaced") | Q(offer__isnull=False) & ~Q(how="unplaced"),
                name="placement_line_offer_matches_how",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} · {self.participant_id} → {self.offer_id or '—'}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError(_("The lines of a placement run cannot change."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(_("The lines of a placement run cannot be deleted."))


class PlacementDecisionKind(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed by the host")
    DECLINED_BY_HOST = "declined_by_host", _("Declined by the host")
    DECLINED_BY_PARTICIPANT = "declined_by_participant", _("Declined by the participant")
    MOVED = "moved", _("Moved by staff")


class PlacementDecision(models.Model):
    """A word on a placement, kept as said (the run's lines never change): a host confirms or
    declines a line of a published run, a participant declines theirs, staff move a participant to
    another offer. Later runs of the season read them in order (`placement_commitments`): a
    confirmation or a move is a fixed placement, a decline frees the seat and bars the pair."""

    run = models.ForeignKey(PlacementRun, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("run"))
    participant = models.ForeignKey(
        "lms.Participant", on_delete=models.PROTECT, related_name="+", verbose_name=_("participant")
    )
    # The placement decided on; for a move, the offer moved to.
    offer = models.ForeignKey(
        "lms.InternshipOffer", on_delete=models.PROTECT, related_name="+", verbose_name=_("internship offer")
    )
    # A move only: where the run had placed them (none: unplaced).
    from_offer = models.ForeignKey(
        "lms.InternshipOffer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moved from"),
    )
    kind = models.CharField(_("decision"), max_length=24, choices=PlacementDecisionKind.choices)
    reason = models.TextField(_("reason"), max_length=1000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("placement decision")
        verbose_name_plural = _("placement decisions")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PlacementDecisionKind.values), name="placement_decision_kind"),
            # A host's decline and a staff move say why; a confirmation needs no reason.
            models.CheckConstraint(
                condition=Q(kind__in=[PlacementDecisionKind.CONFIRMED, PlacementDecisionKind.DECLINED_BY_PARTICIPANT])
                | ~Q(reason=""),
                name="placement_decision_reason_given",
            ),
            models.CheckConstraint(
                condition=Q(from_offer__isnull=True) | Q(kind=PlacementDecisionKind.MOVED),
                name="placement_decision_from_only_moves",
            ),
            # Each side says its word on a placement once (a move may be made again).
            models.UniqueConstraint(
                fields=["participant", "offer", "kind"],
                condition=~Q(kind=PlacementDecisionKind.MOVED),
                name="placement_decision_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} · {self.offer_id}: {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError(_("A placement decision is kept as it was made."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(_("A placement decision is kept as it was made."))


class PlacementNotice(ClaimedEmail):
    """A participant's e-mail about a published run (placed or not): claimed with a conditional
    UPDATE before sending and marked sent after, so a retry sends only the rest (one per line)."""

    run = models.ForeignKey(PlacementRun, on_delete=models.CASCADE, related_name="notices", verbose_name=_("run"))
    participant = models.ForeignKey(
        "lms.Participant", on_delete=models.CASCADE, related_name="+", verbose_name=_("participant")
    )

    class Meta:
        verbose_name = _("placement e-mail")
        verbose_name_plural = _("placement e-mails")
        constraints = [
            models.UniqueConstraint(fields=["run", "participant"], name="placement_notice_once"),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(claimed_at__isnull=False), name="placement_notice_sent_claimed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} → {self.email}"
