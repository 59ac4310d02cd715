"""Ministry (FOIV) interviews → finalists (issue 15 §2): a federal body (a FOIV or a state
corporation) offers interview slots to the candidates who ranked its offers, its people score each
interview by the body's own rubric, and give a decision per candidate. The decision is kept apart
from the scores and stays pending until staff apply it in a wave; only then does the participant
see it, and only then does the placement read it."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from assessments.models.interviews import RUBRIC_MAX, InterviewStatus


class MinistrySlot(models.Model):
    """A time a ministry offers for one interview: the shape of the experts' `InterviewSlot`, owned
    by the body rather than a person (any of its people may sit in). A slot once booked and
    cancelled stays, unpublished, when removed: its cancelled bookings still point at it."""

    season = models.ForeignKey("lms.Season", on_delete=models.CASCADE, related_name="+", verbose_name=_("season"))
    host = models.ForeignKey("lms.HostBody", on_delete=models.CASCADE, related_name="+", verbose_name=_("ministry"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    published = models.BooleanField(_("published"), default=True)
    meeting_url = models.URLField(_("online link"), max_length=500, blank=True)
    room = models.CharField(_("room"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("ministry interview slot")
        verbose_name_plural = _("ministry interview slots")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="ministry_slot_ordered"),
            models.UniqueConstraint(
                fields=["host", "starts_at"], condition=Q(published=True), name="ministry_slot_host_once"
            ),
            models.CheckConstraint(condition=Q(meeting_url="") | Q(room=""), name="ministry_slot_link_or_room"),
        ]

    def __str__(self) -> str:
        return f"{self.host_id} {self.starts_at:%Y-%m-%d %H:%M}"


class MinistryInterview(models.Model):
    """A candidate's booking of a ministry's slot: one booking per slot, one per candidate and ministry."""

    participant = models.ForeignKey(
        "lms.Participant", on_delete=models.CASCADE, related_name="+", verbose_name=_("participant")
    )
    # The slot's body, kept on the row so the database can hold a candidate to one booking per body.
    host = models.ForeignKey("lms.HostBody", on_delete=models.CASCADE, related_name="+", verbose_name=_("ministry"))
    slot = models.ForeignKey(MinistrySlot, on_delete=models.PROTECT, related_name="interviews", verbose_name=_("slot"))
    status = models.CharField(
        _("status"), max_length=10, choices=InterviewStatus.choices, default=InterviewStatus.BOOKED
    )
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ministry interview")
        verbose_name_plural = _("ministry interviews")
        constraints = [
            # The database keeps a slot to one booking, whatever requests race for it.
            models.UniqueConstraint(fields=["slot"], condition=Q(status="booked"), name="ministry_slot_booked_once"),
            models.UniqueConstraint(
                fields=["participant", "host"], condition=Q(status="booked"), name="ministry_interview_one_per_host"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.slot}"


class MinistrySheet(models.Model):
    """One of the ministry's people scoring one interview by the body's rubric."""

    interview = models.ForeignKey(
        MinistryInterview, on_delete=models.CASCADE, related_name="sheets", verbose_name=_("interview")
    )
    scorer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("scored by")
    )
    rubric = models.JSONField(_("rubric scores"), default=dict)
    # The highest score of the rubric at the time: the total stays right if the body changes it later.
    rubric_max = models.PositiveSmallIntegerField(_("highest rubric score"), default=RUBRIC_MAX)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("ministry interview sheet")
        verbose_name_plural = _("ministry interview sheets")
        constraints = [
            models.UniqueConstraint(fields=["interview", "scorer"], name="ministry_sheet_one_per_scorer"),
        ]

    def __str__(self) -> str:
        return f"{self.interview_id} / {self.scorer_id}"

    @property
    def total(self) -> float | None:
        if not self.rubric:
            return None
        return sum(self.rubric.values()) / (len(self.rubric) * self.rubric_max)


class MinistryWave(models.Model):
    """Staff applying a set of pending ministry decisions at once: who and when."""

    season = models.ForeignKey("lms.Season", on_delete=models.CASCADE, related_name="+", verbose_name=_("season"))
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("applied by")
    )
    applied_at = models.DateTimeField(_("decision applied at"))

    class Meta:
        ordering = ["-applied_at", "-id"]
        verbose_name = _("wave of ministry decisions")
        verbose_name_plural = _("waves of ministry decisions")

    def __str__(self) -> str:
        return f"{self.season_id} {self.applied_at:%Y-%m-%d %H:%M}"


class MinistryVerdict(models.TextChoices):
    FINALIST = "finalist", _("Finalist")
    RESERVE = "reserve", _("Reserve")
    DECLINED = "declined", _("Declined")


# The verdict as the placement's priority: higher is better; "declined" gives no priority at all.
VERDICT_RANK = {MinistryVerdict.FINALIST: 2, MinistryVerdict.RESERVE: 1}


class MinistryDecision(models.Model):
    """A ministry's decision on one candidate, with who took it and when. Pending (no wave) until
    staff apply it; once applied it is fixed."""

    host = models.ForeignKey("lms.HostBody", on_delete=models.CASCADE, related_name="+", verbose_name=_("ministry"))
    participant = models.ForeignKey(
        "lms.Participant", on_delete=models.CASCADE, related_name="+", verbose_name=_("participant")
    )
    verdict = models.CharField(_("decision"), max_length=10, choices=MinistryVerdict.choices)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"))
    wave = models.ForeignKey(
        MinistryWave,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("applied in wave"),
    )

    class Meta:
        ordering = ["host", "participant", "id"]
        verbose_name = _("ministry decision")
        verbose_name_plural = _("ministry decisions")
        constraints = [
            models.UniqueConstraint(fields=["host", "participant"], name="ministry_decision_once"),
            models.CheckConstraint(
                condition=Q(verdict__in=MinistryVerdict.values), name="ministry_decision_verdict_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.host_id} / {self.participant_id}: {self.verdict}"


class MinistryDecisionChange(models.Model):
    """Every save of a ministry's decision, append-only: what it said, who saved it and when. The
    decision row holds the latest; this keeps the ones it replaced while it was pending."""

    decision = models.ForeignKey(
        MinistryDecision, on_delete=models.CASCADE, related_name="changes", verbose_name=_("decision")
    )
    verdict = models.CharField(_("decision"), max_length=10, choices=MinistryVerdict.choices)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    changed_at = models.DateTimeField(_("decided at"))

    class Meta:
        ordering = ["decision", "changed_at", "id"]
        verbose_name = _("change of a ministry decision")
        verbose_name_plural = _("changes of ministry decisions")

    def __str__(self) -> str:
        return f"{self.decision_id}: {self.verdict}"
