"""Who may be placed on which offer, as one ordered rule table: the first rule a (participant,
offer) pair breaks is named in the participant's explanation by its code. The codes are stable
identifiers; the pages translate them."""

from collections.abc import Callable
from dataclasses import dataclass

from assessments.placement.market import Offer, Participant


@dataclass(frozen=True, slots=True)
class PairFacts:
    """What the rules know about a pair besides the two records: the host's priority exists, and
    how an earlier run's placement on this offer was declined (None: it was not)."""

    ranked_by_host: bool
    declined_by: str | None


@dataclass(frozen=True, slots=True)
class EligibilityRule:
    code: str
    description: str
    holds: Callable[[Participant, Offer, PairFacts], bool]


def _region_allows(participant: Participant, offer: Offer, _facts: PairFacts) -> bool:
    return offer.region is None or offer.region == participant.region or participant.level in offer.other_regions_levels


ELIGIBILITY_RULES: tuple[EligibilityRule, ...] = (
    EligibilityRule(
        "level_not_allowed",
        "The offer does not take participants of this level",
        lambda participant, offer, _facts: participant.level in offer.levels,
    ),
    EligibilityRule(
        "other_region",
        "A regional (ROIV) offer takes participants of its own region; from other regions only the levels "
        "the offer opens to them (PRO, where the offer allows)",
        _region_allows,
    ),
    EligibilityRule(
        "declined_by_host",
        "The host declined this participant's placement on this offer in an earlier run",
        lambda _participant, _offer, facts: facts.declined_by != "host",
    ),
    EligibilityRule(
        "declined_by_participant",
        "The participant declined their placement on this offer in an earlier run",
        lambda _participant, _offer, facts: facts.declined_by != "participant",
    ),
    EligibilityRule(
        "not_ranked_by_host",
        "The host gave no priority for this participant (no interview result, or the ministry did not choose them)",
        lambda _participant, _offer, facts: facts.ranked_by_host,
    ),
)


def ineligibility(participant: Participant, offer: Offer, facts: PairFacts) -> str | None:
    """The code of the first rule the pair breaks, or None when the participant may take the offer."""
    for rule in ELIGIBILITY_RULES:
        if not rule.holds(participant, offer, facts):
            return rule.code
    return None
