"""The FOIV recommendation the core's candidacy reads (lms.candidacy.sources): a published interview
result "recommended for FOIV interviews" and a Young or PRO level, nothing else."""

import pytest
from django.utils import timezone

from assessments.models import InterviewOutcome, InterviewResult
from lms.candidacy.selectors import offer_choices_for
from lms.choices import Level
from tests.factories import InternshipOfferFactory, ParticipantFactory, SeasonFactory

pytestmark = pytest.mark.django_db


def test_only_a_published_foiv_result_at_young_or_pro_opens_the_ministries():
    season = SeasonFactory()
    ministry = InternshipOfferFactory(season=season)
    published, unpublished, roiv, beginner = (
        ParticipantFactory(season=season, level=level)
        for level in (Level.YOUNG, Level.PRO, Level.YOUNG, Level.BEGINNER)
    )
    now = timezone.now()
    for participant, result, at in [
        (published, InterviewResult.FOIV, now),
        (unpublished, InterviewResult.FOIV, None),
        (roiv, InterviewResult.ROIV, now),
        (beginner, InterviewResult.FOIV, now),
    ]:
        InterviewOutcome.objects.create(participant=participant, season=season, result=result, published_at=at)
    ministry.takes_beginner = True
    ministry.save()
    opened = {p.pk for p in (published, unpublished, roiv, beginner) if ministry in offer_choices_for(participant=p)}
    assert opened == {published.pk}
