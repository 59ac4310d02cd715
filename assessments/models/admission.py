from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.models.notices import ClaimedEmail
from lms.choices import Track


def default_rules() -> list[dict]:
    # The programme's own rule: every required webinar, 70% of live time, every required test.
    return [
        {"module": "recorded", "min": 1.0},
        {"module": "live", "min": 0.7},
        {"module": "tests", "min": 1.0},
    ]


class CapacityScope(models.TextChoices):
    OVERALL = "overall", _("Overall")
    DISTRICT = "district", _("Per federal district")


class AdmissionPolicy(models.Model):
    """The admission rules of one season and track; every edit bumps `version` (see the service)."""

    season = models.ForeignKey("lms.Season", on_delete=models.PROTECT, related_name="+", verbose_name=_("season"))
    track = models.CharField(_("track"), max_length=15, choices=Track.choices)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    rules = models.JSONField(
        _("rules"),
        default=default_rules,
        help_text=_('A list of {"module": name, "min": 0..1}: each module figure must reach its minimum.'),
    )
    borderline_band = models.DecimalField(
        _("borderline band"),
        max_digits=4,
        decimal_places=3,
        default=0,
        help_text=_("A figure this far below a minimum goes to manual review instead of a refusal (0 = off)."),
    )
    weights = models.JSONField(
        _("ranking weights"),
        default=dict,
        blank=True,
        help_text=_('{"module": weight}; empty: the rule modules weigh the same.'),
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True, help_text=_("Empty: no limit."))
    capacity_scope = models.CharField(
        _("capacity applies"), max_length=8, choices=CapacityScope.choices, default=CapacityScope.OVERALL
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        ordering = ["season", "track"]
        verbose_name = _("admission policy")
        verbose_name_plural = _("admission policies")
        constraints = [
            models.UniqueConstraint(fields=["season", "track"], name="admission_policy_one_per_track"),
            models.CheckConstraint(
                condition=Q(borderline_band__gte=0, borderline_band__lte=1), name="admission_policy_band_share"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.season} · {self.get_track_display()} · v{self.version}"

    def content(self) -> dict:
        """What a run stores of the policy: enough to explain every decision without this row."""
        return {
            "season_id": self.season_id,
            "track": self.track,
            "version": self.version,
            "rules": self.rules,
            "borderline_band": float(self.borderline_band),
            "weights": self.weights,
            "capacity": self.capacity,
            "capacity_scope": self.capacity_scope,
        }


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImmutableError(ValidationError):
    pass


class AdmissionRun(models.Model):
    season = models.ForeignKey("lms.Season", on_delete=models.PROTECT, related_name="+", verbose_name=_("season"))
    track = models.CharField(_("track"), max_length=15, choices=Track.choices)
    policy = models.ForeignKey(AdmissionPolicy, on_delete=models.PROTECT, related_name="runs", verbose_name=_("policy"))
    policy_version = models.PositiveIntegerField(_("policy version"))
    policy_content = models.JSONField(_("policy used"))
    status = models.CharField(_("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    error = models.TextField(_("error"), blank=True)
    participant_count = models.PositiveIntegerField(_("participants"), default=0)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    started_by = models.ForeignKey(
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
    # Set when every participant's e-mail is sent (each one is recorded in AdmissionNotice).
    notified_at = models.DateTimeField(_("participants e-mailed at"), null=True, blank=True)
    # The worker computing the run holds it by `claim`; its progress renews `claimed_at`. A claim
    # older than the lease (ASSESSMENTS_RUN_LEASE_SECONDS) belongs to a dead worker.
    claim = models.UUIDField(_("claim"), null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # What was still ahead when the run read its data: [{"module", "until"}] for the track (the run
    # is provisional) and {participant id: [{"module", "title", "until"}]} for own extensions.
    open_items = models.JSONField(_("still open for the track"), default=list, blank=True)
    open_lines = models.JSONField(_("still open for some participants"), default=dict, blank=True)
    publish_reason = models.TextField(_("why published while provisional"), blank=True)

    # Only the run's life cycle moves; what it decided never does.
    PUBLISH_FIELDS = frozenset({"published_at", "published_by", "notified_at", "publish_reason"})
    MUTABLE_FIELDS = frozenset(
        {
            "status",
            "progress",
            "error",
            "participant_count",
            "content_hash",
            "finished_at",
            "published_at",
            "published_by",
            "notified_at",
            "publish_reason",
            "open_items",
            "open_lines",
            "claim",
            "claimed_at",
            "attempts",
        }
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("admission run")
        verbose_name_plural = _("admission runs")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="admission_run_progress_percent"),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(status=RunStatus.DONE), name="admission_run_publish_done"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.season} · {self.get_track_display()} · #{self.pk}"

    @property
    def provisional(self) -> bool:
        return bool(self.open_items)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= self.MUTABLE_FIELDS:
                raise ImmutableError(_("An admission run keeps the policy it used; start a new run instead."))
            if getattr(self, "_loaded_status", None) == RunStatus.DONE and not set(fields) <= self.PUBLISH_FIELDS:
                raise ImmutableError(_("A finished run's snapshot cannot change."))
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        run = super().from_db(db, field_names, values)
        run._loaded_status = run.__dict__.get("status")
        return run


class Decision(models.TextChoices):
    ADMITTED = "admitted", _("Admitted to the interview")
    NOT_ADMITTED = "not_admitted", _("Not admitted")
    REVIEW = "review", _("Manual review")


class DecisionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableError(_("Decisions of an admission run cannot change; add an override."))

    def delete(self):
        raise ImmutableError(_("Decisions of an admission run cannot be deleted."))


class AdmissionEvidence(models.Model):
    """What one score module found for some of a run's participants: the evidence (the summary, what
    is done as a count, what is missing by name) and what the policy's rules reading that module
    said of it. Participants with the same figure share one row: a run of 100,000 participants
    writes a few hundred of these instead of 100,000 copies of the same texts in its decisions."""

    run = models.ForeignKey(AdmissionRun, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("run"))
    module = models.CharField(_("score module"), max_length=50)
    evidence = models.JSONField(_("evidence"))
    # One text per rule of the run's policy that reads this module, in the rules' order.
    reasons = models.JSONField(_("reasons"), default=list)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["run", "module", "id"]
        verbose_name = _("admission evidence")
        verbose_name_plural = _("admission evidence")

    def __str__(self) -> str:
        return f"{self.run_id} · {self.module} · {self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError(_("Decisions of an admission run cannot change; add an override."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(_("Decisions of an admission run cannot be deleted."))


class AdmissionDecision(models.Model):
    """One participant's line of a run's snapshot: figures, decision, and the evidence and reasons
    it rests on. The evidence, and the reasons the rules gave, are the run's AdmissionEvidence rows
    named in `evidence_ids`; the line keeps only what is its own (`rank_reason`). The selectors put
    a line back together as it was judged (`evidence`, `reasons`), and the run's hash is over that.

    The foreign keys carry no database constraint: the snapshot is written once, by one COPY, in
    the transaction that holds its run's row locked (the claim's conditional UPDATE), from the
    participants the run has just read, and nothing may take those away (the ORM still protects
    them, and an erasure pseudonymises a person in place). Checking 300,000 keys at commit cost
    more than the rest of the write."""

    run = models.ForeignKey(
        AdmissionRun,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("run"),
        db_constraint=False,
        db_index=False,  # the unique (run, participant) index starts with it
    )
    participant = models.ForeignKey(
        "lms.Participant",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("participant"),
        db_constraint=False,
        db_index=False,  # read by run and participant: the unique index
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    federal_district = models.CharField(_("federal district"), max_length=20)
    level = models.CharField(_("level"), max_length=10)
    figures = models.JSONField(_("figures"))
    # {module: AdmissionEvidence id}
    evidence_ids = models.JSONField(_("evidence"))
    score = models.FloatField(_("ranking score"))
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices)
    # The reason given by the ranking (the place within the capacity), after the rules' reasons.
    rank_reason = models.TextField(_("ranking reason"), blank=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["run", "rank", "participant_id"]
        verbose_name = _("admission decision")
        verbose_name_plural = _("admission decisions")
        constraints = [
            models.UniqueConstraint(fields=["run", "participant"], name="admission_decision_one_per_participant"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.decision}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError(_("Decisions of an admission run cannot change; add an override."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(_("Decisions of an admission run cannot be deleted."))


class AdmissionRevision(models.Model):
    """A version of a published list: number 1 is the publication, each override after it adds one.
    Its fingerprint chains the previous one with its own changes, so any later edit of the history
    shows."""

    run = models.ForeignKey(AdmissionRun, on_delete=models.PROTECT, related_name="revisions", verbose_name=_("run"))
    number = models.PositiveIntegerField(_("number"))
    content_hash = models.CharField(_("fingerprint"), max_length=64)
    # [{"participant_id", "decision_id", "before", "after", "interview_cancelled"}]
    changes = models.JSONField(_("changes"), default=list, blank=True)
    reason = models.TextField(_("why"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["run", "number"]
        verbose_name = _("revision of a published list")
        verbose_name_plural = _("revisions of published lists")
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="admission_revision_number")]

    def __str__(self) -> str:
        return f"{self.run_id} r{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError(_("A revision is kept as written; add a new one."))
        super().save(*args, **kwargs)


class DecisionOverride(models.Model):
    """A person's decision beside the computed one; kept forever, the latest one counts."""

    decision = models.ForeignKey(
        AdmissionDecision, on_delete=models.PROTECT, related_name="overrides", verbose_name=_("decision")
    )
    value = models.CharField(_("decision"), max_length=12, choices=Decision.choices)
    justification = models.TextField(_("justification"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    # Set for an override made after publication: the revision of the published list it made.
    revision = models.ForeignKey(
        AdmissionRevision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="overrides",
        verbose_name=_("revision"),
    )

    class Meta:
        ordering = ["decision", "created_at", "id"]
        verbose_name = _("decision override")
        verbose_name_plural = _("decision overrides")
        constraints = [
            models.CheckConstraint(condition=~Q(justification=""), name="decision_override_justified"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_id} → {self.value}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError(_("An override is kept as written; add a new one."))
        super().save(*args, **kwargs)


class AdmissionNotice(ClaimedEmail):
    """One participant's e-mail about a published run. The sender claims it with a conditional
    UPDATE before sending and marks it sent after, so a retried task sends only the rest and nobody
    twice (decisions themselves never change, hence a table of its own)."""

    run = models.ForeignKey(AdmissionRun, on_delete=models.PROTECT, related_name="notices", verbose_name=_("run"))
    decision = models.OneToOneField(
        AdmissionDecision, on_delete=models.PROTECT, related_name="notice", verbose_name=_("decision")
    )

    class Meta:
        ordering = ["run", "decision"]
        verbose_name = _("admission e-mail")
        verbose_name_plural = _("admission e-mails")
        constraints = [
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(claimed_at__isnull=False), name="admission_notice_sent_claimed"
            ),
        ]
        indexes = [models.Index(fields=["run", "sent_at"], name="admission_notice_unsent")]

    def __str__(self) -> str:
        return f"{self.decision_id} → {self.email}"


class RevisionNotice(ClaimedEmail):
    """One e-mail about a revision: to the participant whose decision changed, or to the expert of
    an interview it cancelled. Claimed and marked sent like AdmissionNotice, so nobody gets it twice."""

    class Kind(models.TextChoices):
        PARTICIPANT = "participant", _("Participant")
        EXPERT = "expert", _("Expert")

    revision = models.ForeignKey(
        AdmissionRevision, on_delete=models.PROTECT, related_name="notices", verbose_name=_("revision")
    )
    decision = models.ForeignKey(
        AdmissionDecision, on_delete=models.PROTECT, related_name="revision_notices", verbose_name=_("decision")
    )
    kind = models.CharField(_("to"), max_length=12, choices=Kind.choices)

    class Meta:
        ordering = ["revision", "id"]
        verbose_name = _("revision e-mail")
        verbose_name_plural = _("revision e-mails")
        constraints = [
            models.UniqueConstraint(fields=["revision", "decision", "kind"], name="revision_notice_once"),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(claimed_at__isnull=False), name="revision_notice_sent_claimed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.revision_id} → {self.email}"


class ExpertAssignment(models.Model):
    """Which participants an expert sees and interviews."""

    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("expert")
    )
    participant = models.ForeignKey(
        "lms.Participant", on_delete=models.CASCADE, related_name="+", verbose_name=_("participant")
    )

    class Meta:
        verbose_name = _("expert assignment")
        verbose_name_plural = _("expert assignments")
        constraints = [
            models.UniqueConstraint(fields=["expert", "participant"], name="expert_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.expert} → {self.participant_id}"
