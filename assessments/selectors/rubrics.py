"""The rubric an interview is scored by: the season's own, else the built-in one."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from assessments.models import Rubric
from assessments.models.interviews import RUBRIC, RUBRIC_MAX

# What the built-in rubric's scores mean, the same for every criterion (a season's own rubric
# says it per criterion).
DEFAULT_DESCRIPTORS = [
    _("not shown at all"),
    _("shown weakly, only when asked"),
    _("shown in parts, with gaps"),
    _("shown adequately"),
    _("shown clearly, with examples"),
    _("shown convincingly, with own examples and conclusions"),
]


@dataclass(frozen=True)
class CriterionView:
    key: str
    label: str
    descriptors: list  # one per score from 0; a missing line reads as ""

    def descriptor(self, score: int) -> str:
        return str(self.descriptors[score]) if score < len(self.descriptors) else ""


@dataclass(frozen=True)
class RubricView:
    title: str
    max_score: int
    criteria: list[CriterionView]

    @property
    def keys(self) -> list[str]:
        return [criterion.key for criterion in self.criteria]

    @property
    def labels(self) -> dict[str, str]:
        return {criterion.key: criterion.label for criterion in self.criteria}


def rubric_default() -> RubricView:
    return RubricView(
        title=str(_("Built-in rubric")),
        max_score=RUBRIC_MAX,
        criteria=[CriterionView(key, label, DEFAULT_DESCRIPTORS) for key, label in RUBRIC.items()],
    )


def rubric_for_season(*, season_id: int) -> RubricView:
    """The season's rubric with its criteria (two queries), or the built-in one when the season
    has none or its rubric has no criteria yet."""
    rubric = Rubric.objects.filter(season_id=season_id).first()
    criteria = list(rubric.criteria.all()) if rubric else []
    if not criteria:
        return rubric_default()
    return RubricView(
        title=rubric.title,
        max_score=rubric.max_score,
        criteria=[CriterionView(c.key, c.label, c.descriptor_lines) for c in criteria],
    )


def rubric_for_host(*, host_id: int) -> RubricView:
    """A ministry's own rubric (`RubricOwner.HOST`) with its criteria (two queries), or the built-in
    one when the body has none or its rubric has no criteria yet."""
    rubric = Rubric.objects.filter(host_id=host_id).first()
    criteria = list(rubric.criteria.all()) if rubric else []
    if not criteria:
        return rubric_default()
    return RubricView(
        title=rubric.title,
        max_score=rubric.max_score,
        criteria=[CriterionView(c.key, c.label, c.descriptor_lines) for c in criteria],
    )
