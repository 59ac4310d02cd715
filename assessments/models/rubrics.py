from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RubricOwner(models.TextChoices):
    SEASON = "season", _("Season")
    # A ministry's own interviews (`models.ministry`): the body's people score by it.
    HOST = "host", _("Host body")


class Rubric(models.Model):
    """The criteria experts score an interview by, each with what every score means. One model for
    every owner: `owner_kind` says which owner field is set. A season or a host body without one uses
    the built-in rubric (`selectors.rubrics.rubric_for_season`, `rubric_for_host`)."""

    owner_kind = models.CharField(_("owner"), max_length=20, choices=RubricOwner.choices, default=RubricOwner.SEASON)
    season = models.OneToOneField(
        "lms.Season", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("season")
    )
    host = models.OneToOneField(
        "lms.HostBody", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("host body")
    )
    title = models.CharField(_("title"), max_length=200)
    max_score = models.PositiveSmallIntegerField(
        _("highest score"), default=5, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    class Meta:
        verbose_name = _("interview rubric")
        verbose_name_plural = _("interview rubrics")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_kind=RubricOwner.SEASON, season__isnull=False, host__isnull=True)
                | Q(owner_kind=RubricOwner.HOST, host__isnull=False, season__isnull=True),
                name="rubric_owner_set",
            ),
            models.CheckConstraint(condition=Q(max_score__gte=1, max_score__lte=10), name="rubric_max_score_range"),
        ]

    def __str__(self) -> str:
        return self.title


class RubricCriterion(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("rubric"))
    key = models.SlugField(_("key"), max_length=40, help_text=_("Latin letters, digits and underscores."))
    label = models.CharField(_("criterion"), max_length=200)
    descriptors = models.TextField(
        _("what each score means"),
        help_text=_("One line per score, from 0 up to the rubric's highest score."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["rubric", "position", "id"]
        verbose_name = _("rubric criterion")
        verbose_name_plural = _("rubric criteria")
        constraints = [models.UniqueConstraint(fields=["rubric", "key"], name="rubric_criterion_key_once")]

    def __str__(self) -> str:
        return self.label

    @property
    def descriptor_lines(self) -> list[str]:
        return [line.strip() for line in self.descriptors.splitlines() if line.strip()]
