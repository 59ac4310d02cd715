"""Demo data for `make demo`. Idempotent: a second run finds what the first made and adds only
what is missing. Other apps extend the seed in two steps: their content (lectures, sessions,
tests) on `demo_seeded`, then what is judged from everyone's content (admission runs,
interviews) on `demo_outcomes_seeded`."""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from lms import roles
from lms.accounts import email_address_ensure
from lms.candidacy.demo import candidacy_demo_seed
from lms.hosts.demo import hosts_demo_past_seed, hosts_demo_seed
from lms.models import Application, Season
from lms.selectors import programme_today
from lms.services import ApplicationData, application_submit, roles_sync, season_ensure
from lms.signals import demo_outcomes_seeded, demo_seeded
from lms.youthbodies.demo import youthbodies_demo_seed

DEMO_PASSWORD = "demo12345"

DEMO_STAFF = [
    ("demo-editor", roles.EDITOR, "Ирина", "Редакторова"),
    ("demo-speaker", roles.SPEAKER, "Павел", "Спикеров"),
    ("demo-expert", roles.EXPERT, "Елена", "Экспертова"),
    # A second expert, so the past season has interviews scored twice (and one flagged for discussion).
    ("demo-expert2", roles.EXPERT, "Дмитрий", "Оценщиков"),
    ("demo-staff", roles.STAFF, "Олег", "Кураторов"),
    # The ministry's HR officer: sees and manages only the ministry's offers (lms/hosts/demo.py).
    ("demo-host", roles.HOST, "Галина", "Кадрова"),
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
            citizenship="ru",
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
            citizenship="ru",
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
            citizenship="ru",
        ),
    ),
]


# The past season's participants; each app gives them its own figures (courses: lectures
# watched, live: time present, assessments: tests passed), so the admission run has every case.
DEMO_PAST_PARTICIPANTS = [  # username, last name, first name, region
    ("demo-past-01", "Алексеева", "Анна", "77"),
    ("demo-past-02", "Борисов", "Борис", "78"),
    ("demo-past-03", "Васильева", "Вера", "16"),
    ("demo-past-04", "Григорьев", "Глеб", "54"),
    ("demo-past-05", "Дмитриева", "Дарья", "23"),
    ("demo-past-06", "Егоров", "Егор", "66"),
    ("demo-past-07", "Жукова", "Жанна", "25"),
    ("demo-past-08", "Зайцев", "Захар", "02"),
    ("demo-past-09", "Иванова", "Ирина", "52"),
    ("demo-past-10", "Козлов", "Кирилл", "61"),
    ("demo-past-11", "Лебедева", "Лидия", "39"),
    ("demo-past-12", "Морозов", "Максим", "38"),
]
# Who of them agreed, on applying, to the talent pool (the pool lists them; a dossier names them to
# their region). demo-past-05, a ministry's finalist, did not: her region's dossier leaves her out.
DEMO_PAST_TALENT_POOL = {"demo-past-01", "demo-past-02", "demo-past-03", "demo-past-04"}


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


def _past_season(today: date) -> Season:
    """A season whose education block ended two months ago, interviews and internships behind it."""
    return season_ensure(
        slug="demo-past-season",
        name="ProКадры — прошлый сезон (демо)",
        campaign_starts_on=today - timedelta(days=200),
        campaign_ends_on=today - timedelta(days=150),
        education_starts_on=today - timedelta(days=149),
        education_ends_on=today - timedelta(days=60),
        interviews_starts_on=today - timedelta(days=59),
        interviews_ends_on=today - timedelta(days=40),
        internships_starts_on=today - timedelta(days=39),
        internships_ends_on=today - timedelta(days=10),
        closing_starts_on=today - timedelta(days=9),
        closing_ends_on=today - timedelta(days=1),
        age_reference_date=today - timedelta(days=200),
    )


def _past_participants(season: Season) -> None:
    User = get_user_model()
    for username, last_name, first_name, region in DEMO_PAST_PARTICIPANTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first_name, "last_name": last_name, "email": f"{username}@prokadry.local"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        email_address_ensure(user=user, email=user.email, verified=True)
        if Application.objects.filter(season=season, user=user).exists():
            continue
        data = ApplicationData(
            last_name=last_name,
            first_name=first_name,
            email=f"{username}@prokadry.local",
            date_of_birth=date(2001, 3, 14),
            region_code=region,
            education_level="higher_incomplete",
            institution="Демо-университет",
            internship_preference="roiv",
            internship_reason="Хочу работать в своём регионе.",
            personal_data_consent=True,
            citizenship="ru",
            youth_organisations=True,
            talent_pool_consent=username in DEMO_PAST_TALENT_POOL,
        )
        application_submit(season=season, data=data, user=user, today=season.campaign_starts_on)


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
            email_address_ensure(user=user, email=user.email, verified=True)

        hosts_demo_seed(
            season=season,
            actor=User.objects.get(username="demo-staff"),
            host_user=User.objects.get(username="demo-host"),
        )

        for username, data in DEMO_PARTICIPANTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": data.first_name, "last_name": data.last_name, "email": data.email},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            # Confirmed before applying, so every demo application counts at once.
            email_address_ensure(user=user, email=data.email, verified=True)
            if not Application.objects.filter(season=season, user=user).exists():
                application_submit(season=season, data=data, user=user, today=season.campaign_starts_on)

        past_season = _past_season(today)
        _past_participants(past_season)
        staff = User.objects.get(username="demo-staff")
        hosts_demo_past_seed(season=past_season, actor=staff)
        youthbodies_demo_seed(actor=staff)

        signal = dict(sender=self.__class__, season=season, past_season=past_season, stdout=self.stdout)
        demo_seeded.send(**signal)
        # A second step, not a receiver's place in the first: an admission run must see every
        # app's lectures, sessions and tests, whatever order the apps' receivers ran in.
        demo_outcomes_seeded.send(**signal)
        # After the interview results: who is recommended for FOIV decides which offers they rank.
        candidacy_demo_seed(season=season, usernames=[username for username, _data in DEMO_PARTICIPANTS])
