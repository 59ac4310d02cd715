from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models.notices import ClaimedEmail
from lms.choices import Level


class InterviewResult(models.TextChoices):
    ROIV = "roiv", _("Recommended for ROIV internships")
    FOIV = "foiv", _("Recommended for FOIV interviews")
    NOT_SELECTED = "not_selected", _("Not selected")


class InterviewOutcome(models.Model):
    """A participant's interview result. Before the season's results are published a row exists
    only where staff chose the result by hand (`chosen_by`); publishing writes every interviewed
    participant's row with `published_at`, the experts' averaged recommendation beside it, and the
    cabinet shows only published rows."""

    participant = models.OneToOneField(
        "lms.Participant", on_delete=models.CASCADE, related_name="+", verbose_name=_("participant")
    )
    season = models.ForeignKey("lms.Season", on_delete=models.CASCADE, related_name="+", verbose_name=_("season"))
    result = models.CharField(_("result"), max_length=20, choices=InterviewResult.choices)
    recommended_level = models.CharField(
        _("level recommended by the experts"), max_length=10, choices=Level.choices, blank=True
    )
    # The level the participant was admitted to the interviews at (their level then, if none).
    level = models.CharField(_("level at the interview"), max_length=10, choices=Level.choices, blank=True)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chosen by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("interview outcome")
        verbose_name_plural = _("interview outcomes")

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.result}"


class InterviewResultNotice(ClaimedEmail):
    """One participant's e-mail about the season's published interview results. Claimed with a
    conditional UPDATE before sending and marked sent after, like the admission e-mails, so a
    retried task sends only the rest and nobody gets it twice (one row per outcome)."""

    outcome = models.OneToOneField(
        InterviewOutcome, on_delete=models.CASCADE, related_name="notice", verbose_name=_("interview outcome")
    )

    class Meta:
        verbose_name = _("interview result e-mail")
        verbose_name_plural = _("interview result e-mails")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sent_at__isnull=True) | models.Q(claimed_at__isnull=False),
                name="interview_result_notice_sent_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome_id} → {self.email}"
