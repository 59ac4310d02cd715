"""The placement rules against the seed's wording (DOMAIN.md, seed 000)."""

from types import SimpleNamespace

import pytest

from lms.models import Level
from lms.placement import PLACEMENT_RULES, placement_rule_for


def facts(**overrides):
    base = dict(
        education_level="higher_incomplete",
        studies_public_administration=False,
        in_state_service=False,
        youth_organisations=False,
        own_projects=False,
        government_internships=False,
        youth_government_member=False,
    )
    return SimpleNamespace(**{**base, **overrides})


CASES = [
    # (what the seed says, facts, level, rule)
    (
        "PRO: works in state service and has a relevant degree",
        facts(in_state_service=True, studies_public_administration=True, education_level="master"),
        Level.PRO,
        "pro.service_and_relevant_degree",
    ),
    (
        "PRO: a bachelor in administration working in a municipality",
        facts(in_state_service=True, studies_public_administration=True, education_level="bachelor"),
        Level.PRO,
        "pro.service_and_relevant_degree",
    ),
    (
        "Young: in service while still studying administration (no degree yet)",
        facts(in_state_service=True, studies_public_administration=True, education_level="higher_incomplete"),
        Level.YOUNG,
        "young.public_administration_studies",
    ),
    (
        "Young: studies public administration (e.g. RANEPA)",
        facts(studies_public_administration=True),
        Level.YOUNG,
        "young.public_administration_studies",
    ),
    (
        "Young: in service but the degree is not in administration",
        facts(in_state_service=True, education_level="specialist"),
        Level.YOUNG,
        "young.state_service_without_relevant_degree",
    ),
    ("Young: youth or public organisations", facts(youth_organisations=True), Level.YOUNG, "young.youth_organisations"),
    ("Young: runs own projects", facts(own_projects=True), Level.YOUNG, "young.own_projects"),
    (
        "Young: earlier internships in government bodies",
        facts(government_internships=True),
        Level.YOUNG,
        "young.government_internships",
    ),
    ("Young: youth government member", facts(youth_government_member=True), Level.YOUNG, "young.youth_government"),
    (
        "Beginner: studies outside administration, no service",
        facts(education_level="higher_incomplete"),
        Level.BEGINNER,
        "beginner.default",
    ),
    (
        "Beginner: a specialist diploma in another field, no service",
        facts(education_level="specialist"),
        Level.BEGINNER,
        "beginner.default",
    ),
    ("Beginner: vocational education only", facts(education_level="vocational"), Level.BEGINNER, "beginner.default"),
]


@pytest.mark.parametrize(("case", "applicant", "level", "rule"), CASES, ids=[c[0] for c in CASES])
def test_placement_follows_the_seed(case, applicant, level, rule):
    placed = placement_rule_for(applicant)
    assert (placed.level, placed.code) == (level, rule)


def test_every_rule_is_reachable_and_codes_are_unique():
    codes = [rule.code for rule in PLACEMENT_RULES]
    assert len(codes) == len(set(codes))
    reached = {rule for _, _, _, rule in CASES}
    assert reached == set(codes)
