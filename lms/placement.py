"""The level placement rules, in one ordered table: the first rule whose condition holds
places the applicant, and its code is stored with the placement (Participant.placement_rule)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.utils.translation import gettext_lazy as _

from lms.models import COMPLETED_HIGHER_EDUCATION, Level


class PlacementFacts(Protocol):
    education_level: str
    studies_public_administration: bool
    in_state_service: bool
    youth_organisations: bool
    own_projects: bool
    government_internships: bool
    youth_government_member: bool


@dataclass(frozen=True)
class PlacementRule:
    code: str
    level: str
    description: str
    applies: Callable[[PlacementFacts], bool]


def _has_relevant_degree(facts: PlacementFacts) -> bool:
    return facts.studies_public_administration and facts.education_level in COMPLETED_HIGHER_EDUCATION


PLACEMENT_RULES: tuple[PlacementRule, ...] = (
    PlacementRule(
        "pro.service_and_relevant_degree",
        Level.PRO,
        _("Works in state or municipal service and holds a degree in state and municipal administration"),
        lambda f: f.in_state_service and _has_relevant_degree(f),
    ),
    PlacementRule(
        "young.public_administration_studies",
        Level.YOUNG,
        _("Studies (or studied) state and municipal administration"),
        lambda f: f.studies_public_administration,
    ),
    # DOMAIN.md defines Beginners as having no service experience, so service without a
    # relevant degree is not Beginner: it is the Young level's "experience" side.
    PlacementRule(
        "young.state_service_without_relevant_degree",
        Level.YOUNG,
        _("Works in state or municipal service without a degree in administration"),
        lambda f: f.in_state_service,
    ),
    PlacementRule(
        "young.youth_organisations",
        Level.YOUNG,
        _("Has experience in youth or public organisations"),
        lambda f: f.youth_organisations,
    ),
    PlacementRule("young.own_projects", Level.YOUNG, _("Has run own projects"), lambda f: f.own_projects),
    PlacementRule(
        "young.government_internships",
        Level.YOUNG,
        _("Has done internships in government bodies"),
        lambda f: f.government_internships,
    ),
    PlacementRule(
        "young.youth_government",
        Level.YOUNG,
        _("Is a member of a youth government"),
        lambda f: f.youth_government_member,
    ),
    PlacementRule(
        "beginner.default",
        Level.BEGINNER,
        _("No service experience and no studies or experience in administration"),
        lambda f: True,
    ),
)

RULES_BY_CODE: dict[str, PlacementRule] = {rule.code: rule for rule in PLACEMENT_RULES}


def placement_rule_for(facts: PlacementFacts) -> PlacementRule:
    return next(rule for rule in PLACEMENT_RULES if rule.applies(facts))
