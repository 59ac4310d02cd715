"""The demo's host bodies (a ROIV of a region, a FOIV ministry, a state corporation) with offers for
the demo season and the past one, and `demo-host`, who represents the ministry. Idempotent,
through the services."""

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser

from lms.choices import Level
from lms.hosts.models import HostKind, HostMembership
from lms.hosts.selectors import host_find_by_name, offer_find
from lms.hosts.services import host_create, host_member_add, offer_create
from lms.models import Season

HOSTS = [
    {
        "name": "Правительство Новосибирской области",
        "kind": HostKind.ROIV,
        "region_code": "54",
        "address": "630011, Новосибирск, Красный проспект, 18",
        "phone": "+7 383 223-00-00",
        "email": "kadry@nso.example",
        "website": "https://www.nso.ru",
    },
    {
        "name": "Министерство цифрового развития, связи и массовых коммуникаций Российской Федерации",
        "kind": HostKind.FOIV,
        "address": "125039, Москва, Пресненская наб., 10, стр. 2",
        "phone": "+7 495 771-80-00",
        "email": "praktika@digital.example",
        "website": "https://digital.gov.ru",
    },
    {
        "name": "Государственная корпорация «Росатом»",
        "kind": HostKind.STATE_CORPORATION,
        "address": "119017, Москва, ул. Большая Ордынка, 24",
        "email": "talent@rosatom.example",
        "website": "https://rosatom.ru",
    },
]

# (host index, title, seats, days from the season's internships start, length in days, levels,
# PRO from other regions, the work)
OFFERS = [
    (
        0,
        "Министерство цифрового развития и связи",
        3,
        0,
        21,
        [Level.BEGINNER],
        False,
        "Помощь в проекте «Цифровой регион»: анализ обращений граждан, подготовка материалов к совещаниям.",
    ),
    (
        0,
        "Департамент молодёжной политики",
        2,
        7,
        28,
        [Level.BEGINNER, Level.PRO],
        True,
        "Региональные программы для молодёжи: мониторинг, встречи с муниципалитетами, отчёт по итогам.",
    ),
    (
        1,
        "Департамент развития цифровой экономики",
        4,
        0,
        31,
        [Level.YOUNG, Level.PRO],
        False,
        "Подготовка аналитических записок по национальному проекту «Экономика данных».",
    ),
    (
        1,
        "Департамент проектного управления",
        2,
        14,
        14,
        [Level.PRO],
        False,
        "Сопровождение федерального проекта: контрольные точки, риски, отчётность.",
    ),
    (
        2,
        "Кадровый департамент",
        2,
        10,
        21,
        [Level.YOUNG, Level.PRO],
        False,
        "Программы развития молодых специалистов отрасли: исследование, интервью, предложения.",
    ),
]


def _hosts(*, actor: AbstractBaseUser) -> list:
    return [host_find_by_name(name=fields["name"]) or host_create(actor=actor, fields=fields) for fields in HOSTS]


def _offers(*, season: Season, hosts: list, actor: AbstractBaseUser) -> int:
    """OFFERS for `season`, dated from its internships' start; an offer that would run past their
    end stops there (a shorter stage, as the past season's, still fits two weeks)."""
    starts = season.internships_starts_on
    count = 0
    for index, title, seats, offset, days, levels, other_regions, work in OFFERS:
        host = hosts[index]
        if offer_find(season_id=season.pk, host_id=host.pk, title=title) is None:
            offer_create(
                host=host,
                season=season,
                actor=actor,
                fields={
                    "title": title,
                    "seats": seats,
                    "starts_on": starts + timedelta(days=offset),
                    "ends_on": min(starts + timedelta(days=offset + days - 1), season.internships_ends_on),
                    "levels": levels,
                    "pro_other_regions": other_regions,
                    "description": work,
                },
            )
        count += 1
    return count


def hosts_demo_seed(*, season: Season, actor: AbstractBaseUser, host_user: AbstractBaseUser) -> int:
    """Seed what is missing; returns how many offers the season has from these bodies."""
    hosts = _hosts(actor=actor)
    count = _offers(season=season, hosts=hosts, actor=actor)
    if not HostMembership.objects.filter(user=host_user).exists():
        host_member_add(
            host=hosts[1],
            actor=actor,
            login=host_user.username,
            reason="Демо: представитель министерства",
            position="Начальник отдела кадров",
        )
    return count


def hosts_demo_past_seed(*, season: Season, actor: AbstractBaseUser) -> int:
    """The same bodies' offers for the past season (after `hosts_demo_seed` made the bodies)."""
    return _offers(season=season, hosts=_hosts(actor=actor), actor=actor)
