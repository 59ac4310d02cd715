"""Demo data for `make demo`. Idempotent: a second run finds what the first made and adds only
what is missing. Other apps extend the seed by listening to `demo_seeded`."""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from lms import roles
from lms.models import Application, Season
from lms.selectors import programme_today
from lms.services import ApplicationData, application_submit, roles_sync
from lms.signals import demo_seeded

DEMO_PASSWORD = "demo12345"

DEMO_STAFF = [
    ("demo-editor", roles.EDITOR, "Ирина", "Редакторова"),
    ("demo-speaker", roles.SPEAKER, "Павел", "Спикеров"),
    ("demo-expert", roles.EXPERT, "Елена", "Экспертова"),
    ("demo-staff", roles.STAFF, "Олег", "Кураторов"),
]

DEMO_PARTICIPANTS = [
    (
        "demo-beginner",
        ApplicationData(
            last_name="Новикова",
            first_name="Анна",
            patronymic="Сергеевна",
            email="demo-beginner@prokadry.local",
            date_of_birth=date(2004, 3, 14),
            region_code="54",
            education_level="higher_incomplete",
            institution="Новосибирский государственный университет",
            internship_preference="roiv",
            internship_reason="Хочу начать с работы в правительстве своего региона.",
            personal_data_consent=True,
        ),
    ),
    (
        "demo-young",
        ApplicationData(
            last_name="Морозов",
            first_name="Алексей",
            patronymic="Игоревич",
            email="demo-young@prokadry.local",
            date_of_birth=date(2001, 7, 2),
            region_code="16",
            education_level="higher_incomplete",
            institution="РАНХиГС, Казанский филиал",
            studies_public_administration=True,
            youth_organisations=True,
            youth_government_member=True,
            internship_preference="foiv",
            internship_reason="Изучаю государственное управление и хочу увидеть работу министерства.",
            personal_data_consent=True,
        ),
    ),
    (
        "demo-pro",
        ApplicationData(
            last_name="Ким",
            first_name="Мария",
            patronymic="Валерьевна",
            email="demo-pro@prokadry.local",
            date_of_birth=date(1994, 11, 30),
            region_code="25",
            education_level="master",
            institution="Дальневосточный федеральный университет",
            studies_public_administration=True,
            in_state_service=True,
            state_service_years=Decimal("4.5"),
            own_projects=True,
            internship_preference="foiv",
            internship_reason="Работаю в РОИВ и хочу перенести практику федерального уровня в свой регион.",
            personal_data_consent=True,
        ),
    ),
]


def _demo_season(today: date) -> Season:
    """The demo season is in its education block whenever the demo runs."""
    season, _ = Season.objects.get_or_create(
        slug="demo-season",
        defaults=dict(
            name="ProКадры — демо-сезон",
            campaign_starts_on=today - timedelta(days=120),
            campaign_ends_on=today - timedelta(days=31),
            education_starts_on=today - timedelta(days=30),
            education_ends_on=today + timedelta(days=30),
            interviews_starts_on=today + timedelta(days=10),
            interviews_ends_on=today + timedelta(days=45),
            internships_starts_on=today + timedelta(days=50),
            internships_ends_on=today + timedelta(days=110),
            closing_starts_on=today + timedelta(days=111),
            closing_ends_on=today + timedelta(days=130),
            age_reference_date=today - timedelta(days=120),
        ),
    )
    return season


def _next_season(today: date) -> Season:
    """A season whose campaign is open, so the application form can be tried."""
    season, _ = Season.objects.get_or_create(
        slug="next-season",
        defaults=dict(
            name="ProКадры — следующий сезон",
            campaign_starts_on=today - timedelta(days=10),
            campaign_ends_on=today + timedelta(days=90),
            education_starts_on=today + timedelta(days=100),
            education_ends_on=today + timedelta(days=160),
            interviews_starts_on=today + timedelta(days=140),
            interviews_ends_on=today + timedelta(days=180),
            internships_starts_on=today + timedelta(days=190),
            internships_ends_on=today + timedelta(days=250),
            closing_starts_on=today + timedelta(days=251),
            closing_ends_on=today + timedelta(days=270),
            age_reference_date=today + timedelta(days=90),
        ),
    )
    return season


class Command(BaseCommand):
    help = "Create demo users, seasons and content (idempotent)."

    def handle(self, *args, **options):
        # One transaction for the data; the logins are printed after it commits, below whatever
        # the commit's tasks print (the demo's console e-mail backend shows the confirmations).
        with transaction.atomic():
            self._seed()
        self.stdout.write(self.style.SUCCESS(f"Demo data is ready. Logins (password {DEMO_PASSWORD}):"))
        for username, _ in DEMO_PARTICIPANTS:
            self.stdout.write(f"  {username:<15} participant")
        for username, role, *_ in DEMO_STAFF:
            self.stdout.write(f"  {username:<15} {role}")

    def _seed(self) -> None:
        User = get_user_model()
        today = programme_today()
        roles_sync()
        season = _demo_season(today)
        _next_season(today)

        for username, role, first_name, last_name in DEMO_STAFF:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first_name, "last_name": last_name, "email": f"{username}@prokadry.local"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
            user.is_staff = role == roles.STAFF
            user.save()
            user.groups.add(Group.objects.get(name=role))

        for username, data in DEMO_PARTICIPANTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": data.first_name, "last_name": data.last_name, "email": data.email},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if not Application.objects.filter(season=season, user=user).exists():
                application_submit(season=season, data=data, user=user, today=season.campaign_starts_on)

        demo_seeded.send(sender=self.__class__, season=season, stdout=self.stdout)
