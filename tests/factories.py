import re
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.timezone import now

from lms.models import LEVEL_TRACK, Application, Level, LevelChange, Participant, Season
from lms.regions import region_get

TEST_PASSWORD = "Str0ng-pass-2026"


def confirmation_path(letter) -> str:
    """The path of the e-mail confirmation link in a letter (allauth's confirm-email view)."""
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", letter.body).group(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Иван"
    last_name = "Петров"
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def email_verified(obj, create, extracted, **kwargs):
        """People made by the factory have confirmed their address, as those who use the site have
        (`email_verified=False` for one who has not)."""
        if create and obj.email:
            from lms.accounts import email_address_ensure

            email_address_ensure(user=obj, email=obj.email, verified=extracted is not False)


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
    citizenship = "ru"
    state_service_years = Decimal("0")
    # Counted (its address confirmed) unless a test holds it with `email_verified_at=None`.
    email_verified_at = factory.LazyFunction(now)


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


def user_with_role(role: str, **fields):
    """A user holding one programme role as the demo's are made (staff also get Django's is_staff,
    which lets them into the Django admin), with the role's permissions synced."""
    from django.contrib.auth.models import Group

    from lms import roles
    from lms.services import roles_sync

    if not Group.objects.filter(name=role, permissions__isnull=False).exists():
        roles_sync()
    user = UserFactory(is_staff=role == roles.STAFF, **fields)
    user.groups.add(Group.objects.get(name=role))
    return user


class HostBodyFactory(factory.django.DjangoModelFactory):
    """A federal ministry by default; `kind="roiv", region_code=…` for a region's body."""

    class Meta:
        model = "lms.HostBody"

    name = factory.Sequence(lambda n: f"Министерство № {n}")
    kind = "foiv"
    region_code = ""
    email = factory.Sequence(lambda n: f"host{n}@example.org")


class InternshipOfferFactory(factory.django.DjangoModelFactory):
    """A three-week offer for Young and PRO at the start of its season's internships."""

    class Meta:
        model = "lms.InternshipOffer"

    season = factory.SubFactory(SeasonFactory)
    host = factory.SubFactory(HostBodyFactory)
    title = factory.Sequence(lambda n: f"Департамент № {n}")
    seats = 2
    starts_on = factory.LazyAttribute(lambda o: o.season.internships_starts_on)
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=20))
    takes_young = True
    takes_pro = True
    description = "Аналитика и подготовка материалов."
    created_by = factory.SubFactory(UserFactory)


def host_person(host, **fields):
    """A user with the `host` role who represents `host`."""
    from lms.hosts.models import HostMembership

    user = user_with_role("host", **fields)
    HostMembership.objects.create(host=host, user=user, added_by=user, position="Специалист")
    return user
