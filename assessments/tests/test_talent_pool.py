"""The talent pool across seasons (issue 15 §5): finalists and finished interns with the consent in
force are listed (not without it, not withdrawn, not an internship in progress); the filters by
region, level, host and award; a person of two seasons recognised; bad filters a clear 400; staff
only; query counts at N and N+1."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models import Award, Internship, MinistryDecision, MinistryWave, PlacementRun
from assessments.selectors.talent_pool import talent_pool_history, talent_pool_list
from lms import roles
from lms.models import Consent, ConsentPurpose, Level
from tests.factories import (
    HostBodyFactory,
    InternshipOfferFactory,
    ParticipantFactory,
    SeasonFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def consent(participant, *, withdrawn=False):
    Consent.objects.create(
        application=participant.application,
        purpose=ConsentPurpose.TALENT_POOL,
        text_version="v1",
        given_at=timezone.now(),
        withdrawn_at=timezone.now() if withdrawn else None,
    )


def person(season, last_name, *, region="77", level=Level.YOUNG, user=None, agreed=True, withdrawn=False):
    extra = {"application__user": user} if user else {}
    participant = ParticipantFactory(
        season=season, level=level, application__last_name=last_name, application__region_code=region, **extra
    )
    if agreed:
        consent(participant, withdrawn=withdrawn)
    return participant


def decide(w, participant, *, host=None, applied=True):
    MinistryDecision.objects.create(
        host=host or w["ministry"],
        participant=participant,
        verdict="finalist",
        decided_by=w["staff"],
        decided_at=timezone.now(),
        wave=MinistryWave.objects.create(season=participant.season, applied_by=w["staff"], applied_at=timezone.now())
        if applied
        else None,
    )


def intern(w, participant, host, *, finished=True):
    offer = InternshipOfferFactory(season=participant.season, host=host)
    today = timezone.localdate()
    Internship.objects.create(
        season=participant.season,
        participant=participant,
        offer=offer,
        run=PlacementRun.objects.create(season=participant.season, seed=0, created_by=w["staff"]),
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=10),
        created_by=w["staff"],
        **(
            {
                "feedback_at": timezone.now(),
                "feedback_by": w["staff"],
                "feedback_rubric": {"title": "Стажировка", "max_score": 5},
                "feedback_scores": {"work": 5},
            }
            if finished
            else {}
        ),
    )


@pytest.fixture
def world():
    """Season 2025: Иванов (Moscow, Young) an applied finalist who comes back in 2026 (a finished
    internship at the bank there); Петров (St Petersburg, PRO) a finalist with the best-project award;
    Сидоров a finalist without consent, Козлов with it withdrawn, Кузнецов's decision pending, Орлова
    an intern still working. Season 2026: Иванов again."""
    staff = user_with_role(roles.STAFF)
    s1, s2 = SeasonFactory(name="Сезон 2025"), SeasonFactory(name="Сезон 2026")
    w = {"staff": staff, "s1": s1, "s2": s2, "ministry": HostBodyFactory(name="Минцифры")}
    w["bank"] = HostBodyFactory(name="Банк")
    w["Иванов"] = person(s1, "Иванов")
    decide(w, w["Иванов"])
    w["Петров"] = person(s1, "Петров", region="78", level=Level.PRO)
    decide(w, w["Петров"])
    Award.objects.create(participant=w["Петров"], season=s1, kind="best_project", awarded_by=staff)
    w["Сидоров"] = person(s1, "Сидоров", agreed=False)
    decide(w, w["Сидоров"])
    w["Козлов"] = person(s1, "Козлов", withdrawn=True)
    decide(w, w["Козлов"])
    w["Кузнецов"] = person(s1, "Кузнецов")
    decide(w, w["Кузнецов"], applied=False)
    w["Орлова"] = person(s1, "Орлова")
    intern(w, w["Орлова"], w["bank"], finished=False)
    w["Иванов-2"] = person(s2, "Иванов", user=w["Иванов"].user)
    intern(w, w["Иванов-2"], w["bank"])
    return w


def listed(**filters):
    return [(row["name"].split()[0], row["season"]) for row in talent_pool_list(**filters)]


def test_only_consenting_finalists_and_finished_interns_of_every_season_are_listed(world):
    assert listed() == [("Иванов", "Сезон 2025"), ("Иванов", "Сезон 2026"), ("Петров", "Сезон 2025")]
    rows = talent_pool_list()
    assert [row["finalist"] for row in rows] == [True, False, True]
    assert rows[1]["internships"][0]["host"] == "Банк" and rows[1]["internships"][0]["state"] == "finished"
    assert rows[2]["awards"] == ["best_project"] and rows[2]["region_code"] == "78"


def test_each_filter(world):
    w = world
    assert listed(region_code="78") == [("Петров", "Сезон 2025")]
    assert listed(level=Level.PRO) == [("Петров", "Сезон 2025")]
    assert listed(host_id=w["bank"].pk) == [("Иванов", "Сезон 2026")]
    assert listed(host_id=w["ministry"].pk) == [("Иванов", "Сезон 2025"), ("Петров", "Сезон 2025")]
    assert listed(award_kind="best_project") == [("Петров", "Сезон 2025")]
    assert listed(award_kind="finalist") == []


def test_a_person_of_two_seasons_is_recognised(world):
    w = world
    row = talent_pool_list(host_id=w["bank"].pk)[0]
    assert [(item["season"], item["finalist"]) for item in row["seasons"]] == [
        ("Сезон 2025", True),
        ("Сезон 2026", False),
    ]
    history = talent_pool_history(user_ids=[w["Иванов"].user_id, w["Сидоров"].user_id, w["Петров"].user_id])
    assert set(history) == {w["Иванов"].user_id, w["Петров"].user_id}
    assert [item["season"] for item in history[w["Иванов"].user_id]] == ["Сезон 2025", "Сезон 2026"]
    assert talent_pool_history(user_ids=[]) == {}


def test_the_page_and_the_api(world, client):
    w = world
    client.force_login(w["staff"])
    page = client.get(reverse("assessments:talent-pool"), {"region": "77"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Иванов" in text and "Петров" not in text and "Сезон 2025 (" in text
    api = APIClient()
    api.force_authenticate(w["staff"])
    body = api.get("/api/v1/talent-pool/", {"level": Level.PRO}).json()
    assert body["count"] == 1 and body["results"][0]["name"].startswith("Петров")
    assert body["results"][0]["seasons"][0]["awards"] == ["best_project"]


@pytest.mark.parametrize("params", [{"region": "ZZ"}, {"level": "master"}, {"host": "abc"}, {"award": "gold"}])
def test_bad_filters_are_a_clear_400(world, client, params):
    client.force_login(world["staff"])
    page = client.get(reverse("assessments:talent-pool"), params)
    assert page.status_code == 400 and b"talent-pool" in page.content
    api = APIClient()
    api.force_authenticate(world["staff"])
    assert api.get("/api/v1/talent-pool/", params).status_code == 400


def test_not_staff_get_403(world, client):
    participant = world["Иванов"]
    client.force_login(participant.user)
    assert client.get(reverse("assessments:talent-pool")).status_code == 403
    api = APIClient()
    api.force_authenticate(participant.user)
    assert api.get("/api/v1/talent-pool/").status_code == 403


def test_the_same_queries_at_n_and_n_plus_one(world, client, django_assert_num_queries):
    w = world
    api = APIClient()
    api.force_authenticate(w["staff"])
    # decisions, finalist awards, finished internships, consents, the participations, the names,
    # the awards, the ministries' hosts, the internships
    with django_assert_num_queries(9):
        assert len(talent_pool_list()) == 3
    # the same and the participations of the users
    with django_assert_num_queries(9):
        assert len(talent_pool_history(user_ids=[w["Иванов"].user_id])) == 1
    client.force_login(w["staff"])
    # the page and the API: the pool's nine and the session, the user, the hosts of the filter or the
    # page's count; the same once a row is added (after a first request fills the per-process caches)
    client.get(reverse("assessments:talent-pool"))
    api.get("/api/v1/talent-pool/")
    with CaptureQueriesContext(connection) as page_queries:
        client.get(reverse("assessments:talent-pool"))
    with CaptureQueriesContext(connection) as api_queries:
        api.get("/api/v1/talent-pool/")
    newcomer = person(w["s2"], "Новиков", region="50", level=Level.BEGINNER)
    Award.objects.create(participant=newcomer, season=w["s2"], kind="finalist", awarded_by=w["staff"])
    with django_assert_num_queries(9):
        assert len(talent_pool_list()) == 4
    with django_assert_num_queries(9):
        talent_pool_history(user_ids=[w["Иванов"].user_id, newcomer.user_id])
    with django_assert_num_queries(len(page_queries)):
        client.get(reverse("assessments:talent-pool"))
    with django_assert_num_queries(len(api_queries)):
        api.get("/api/v1/talent-pool/")
