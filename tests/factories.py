from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from lms.models import LEVEL_TRACK, Application, Level, LevelChange, Participant, Season
from lms.regions import region_get

TEST_PASSWORD = "Str0ng-pass-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Иван"
    last_name = "Петров"
    password = factory.django.Password(TEST_PASSWORD)


class SeasonFactory(factory.django.DjangoModelFactory):
    """A season whose campaign is open today and whose education block starts after it."""

    class Meta:
        model = Season

    name = factory.Sequence(lambda n: f"Сезон {2026 + n}")
    slug = factory.Sequence(lambda n: f"season-{n}")
    campaign_starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    campaign_ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    education_starts_on = factory.LazyAttribute(lambda s: s.campaign_ends_on + timedelta(days=1))
    education_ends_on = factory.LazyAttribute(lambda s: s.education_starts_on + timedelta(days=60))
    interviews_starts_on = factory.LazyAttribute(lambda s: s.education_ends_on - timedelta(days=10))
    interviews_ends_on = factory.LazyAttribute(lambda s: s.education_ends_on + timedelta(days=30))
    internships_starts_on = factory.LazyAttribute(lambda s: s.interviews_ends_on + timedelta(days=1))
    internships_ends_on = factory.LazyAttribute(lambda s: s.internships_starts_on + timedelta(days=60))
    closing_starts_on = factory.LazyAttribute(lambda s: s.internships_ends_on + timedelta(days=1))
    closing_ends_on = factory.LazyAttribute(lambda s: s.closing_starts_on + timedelta(days=20))
    age_reference_date = factory.LazyAttribute(lambda s: s.campaign_ends_on)


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    season = factory.SubFactory(SeasonFactory)
    user = factory.SubFactory(UserFactory)
    last_name = factory.LazyAttribute(lambda a: a.user.last_name)
    first_name = factory.LazyAttribute(lambda a: a.user.first_name)
    email = factory.LazyAttribute(lambda a: a.user.email)
    date_of_birth = date(2000, 5, 17)
    region_code = "77"
    federal_district = factory.LazyAttribute(lambda a: region_get(a.region_code).district)
    timezone = factory.LazyAttribute(lambda a: region_get(a.region_code).timezone)
    education_level = "bachelor"
    institution = "МГУ"
    internship_preference = "roiv"
    internship_reason = "Хочу работать в своём регионе."
    personal_data_consent = True
    state_service_years = Decimal("0")


class ParticipantFactory(factory.django.DjangoModelFactory):
    """A participant placed directly at a level (tests of the placement rules go through the service)."""

    class Meta:
        model = Participant
        skip_postgeneration_save = True

    season = factory.SubFactory(SeasonFactory)
    application = factory.SubFactory(ApplicationFactory, season=factory.SelfAttribute("..season"))
    user = factory.LazyAttribute(lambda p: p.application.user)
    level = Level.BEGINNER
    track = factory.LazyAttribute(lambda p: LEVEL_TRACK[p.level])
    placement_rule = "test"
    region_code = factory.LazyAttribute(lambda p: p.application.region_code)
    federal_district = factory.LazyAttribute(lambda p: p.application.federal_district)
    timezone = factory.LazyAttribute(lambda p: p.application.timezone)

    @factory.post_generation
    def history(obj, create, extracted, **kwargs):
        if create:
            LevelChange.objects.create(participant=obj, to_level=obj.level, to_track=obj.track, rule="test")
