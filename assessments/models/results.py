from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
