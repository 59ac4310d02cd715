"""The talent pool across seasons (issue 15 §5): finalists and finished interns with the consent in
force are listed (not without it, not withdrawn, not an internship in progress); who left the season
after finishing stays (marked), who left before does not, erased people never; the filters by
region, level, host, award and person, in SQL; a person of two seasons recognised; bad filters a
clear 400; staff only; query counts at N and N+1 and on page 2."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models import Award, CancelCause, Internship, MinistryDecision, MinistryWave, PlacementRun
from assessments.selectors.talent_pool import talent_pool_earlier_seasons, talent_pool_ids, talent_pool_rows
from lms import roles
from lms.models import Consent, ConsentPurpose, Level
from lms.privacy.services import person_erase
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
    s1 = SeasonFactory(name="Сезон 2025", campaign_starts_on=timezone.localdate() - timedelta(days=400))
    s2 = SeasonFactory(name="Сезон 2026")
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


def talent_pool_list(**filters):
    return talent_pool_rows(participant_ids=list(talent_pool_ids(**filters)))


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
    assert listed(user_id=w["Иванов"].user_id) == [("Иванов", "Сезон 2025"), ("Иванов", "Сезон 2026")]
    assert listed(user_id=w["Сидоров"].user_id) == []


def test_a_candidates_earlier_seasons_are_recognised(world):
    """Иванов of 2026 took part in 2025 (in the pool: the facts); Сидоров of 2026 took part in 2025
    without the pool's consent: only that he took part; a first-timer has none."""
    w = world
    sidorov = person(w["s2"], "Сидоров", user=w["Сидоров"].user)
    first = person(w["s2"], "Новиков")
    earlier = talent_pool_earlier_seasons(participant_ids=[w["Иванов-2"].pk, sidorov.pk, first.pk, w["Иванов"].pk])
    assert set(earlier) == {w["Иванов-2"].pk, sidorov.pk}
    (ivanov,) = earlier[w["Иванов-2"].pk]
    assert (ivanov["season"], ivanov["in_pool"], ivanov["finalist"], ivanov["left"]) == (
        "Сезон 2025",
        True,
        True,
        False,
    )
    (sidorov_2025,) = earlier[sidorov.pk]
    assert (sidorov_2025["in_pool"], sidorov_2025["finalist"], sidorov_2025["awards"]) == (False, None, [])
    assert talent_pool_earlier_seasons(participant_ids=[]) == {}


def test_who_left_after_finishing_stays_marked_who_left_before_does_not(world):
    w = world
    w["Иванов-2"].left_at = timezone.now()  # after the internship's feedback
    w["Иванов-2"].save()
    rows = talent_pool_list(host_id=w["bank"].pk)
    assert [(row["season"], row["left"]) for row in rows] == [("Сезон 2026", True)]
    # Петров, a finalist, left before any internship was finished: no longer listed.
    w["Петров"].left_at = timezone.now()
    w["Петров"].save()
    assert ("Петров", "Сезон 2025") not in listed()
    # An intern who left the day before the feedback came is not listed either.
    leaver = person(w["s2"], "Беглова")
    intern(w, leaver, w["bank"])
    leaver.left_at = timezone.now() - timedelta(days=1)
    leaver.save()
    assert ("Беглова", "Сезон 2026") not in listed()


def test_a_cancelled_internship_drops_out_of_the_pool(world):
    """A finalist whose internship at the bank was cancelled (the placement moved him) is not the
    bank's, nor is it listed among his internships; an intern whose only internship was cancelled
    before it finished is not in the pool at all."""
    w = world
    intern(w, w["Петров"], w["bank"], finished=False)
    assert ("Петров", "Сезон 2025") in listed(host_id=w["bank"].pk)
    cancelled = dict(cancelled_at=timezone.now(), cancelled_by=w["staff"], cancel_cause=CancelCause.MOVED)
    Internship.objects.filter(participant=w["Петров"]).update(**cancelled)
    assert listed(host_id=w["bank"].pk) == [("Иванов", "Сезон 2026")]
    (petrov,) = [row for row in talent_pool_list() if row["name"].startswith("Петров")]
    assert petrov["internships"] == [] and w["bank"].pk not in petrov["host_ids"]
    Internship.objects.filter(participant=w["Иванов-2"]).update(**cancelled, feedback_at=None)
    assert ("Иванов", "Сезон 2026") not in listed()


def test_erased_people_never_appear(world):
    w = world
    sidorov = person(w["s2"], "Сидоров", user=w["Сидоров"].user)
    person_erase(user=w["Иванов"].user, erased_by=w["staff"])
    person_erase(user=w["Сидоров"].user, erased_by=w["staff"])
    assert listed() == [("Петров", "Сезон 2025")]
    assert talent_pool_earlier_seasons(participant_ids=[w["Иванов-2"].pk, sidorov.pk]) == {}


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


def test_the_api_pages_in_sql(world):
    w = world
    api = APIClient()
    api.force_authenticate(w["staff"])
    first = api.get("/api/v1/talent-pool/", {"page_size": 2}).json()
    assert first["count"] == 3 and [row["season"] for row in first["results"]] == ["Сезон 2025", "Сезон 2026"]
    second = api.get("/api/v1/talent-pool/", {"page_size": 2, "page": 2}).json()
    assert [row["name"].split()[0] for row in second["results"]] == ["Петров"]
    assert api.get("/api/v1/talent-pool/", {"person": w["Иванов"].user_id}).json()["count"] == 2


def test_the_same_queries_at_n_and_n_plus_one(world, client, django_assert_num_queries):
    w = world
    api = APIClient()
    api.force_authenticate(w["staff"])
    # the page's ids; of the same people's pool participations: their ids, the facts, the names,
    # the awards, the ministries' decisions, the internships
    with django_assert_num_queries(7):
        assert len(talent_pool_list()) == 3
    # the current participations, the earlier ones, which are in the pool, their awards, decisions
    # and internships
    with django_assert_num_queries(6):
        assert len(talent_pool_earlier_seasons(participant_ids=[w["Иванов-2"].pk])) == 1
    client.force_login(w["staff"])
    # the page and the API: the pool's queries, the count, and the session, the user, the hosts of
    # the filter; the same once a row is added (after a first request fills the per-process caches),
    # and on page 2
    client.get(reverse("assessments:talent-pool"))
    api.get("/api/v1/talent-pool/")
    with CaptureQueriesContext(connection) as page_queries:
        client.get(reverse("assessments:talent-pool"))
    with CaptureQueriesContext(connection) as api_queries:
        api.get("/api/v1/talent-pool/")
    newcomer = person(w["s2"], "Новиков", region="50", level=Level.BEGINNER)
    Award.objects.create(participant=newcomer, season=w["s2"], kind="finalist", awarded_by=w["staff"])
    comeback = person(w["s2"], "Петров", user=w["Петров"].user)
    with django_assert_num_queries(7):
        assert len(talent_pool_list()) == 4
    with django_assert_num_queries(6):
        assert len(talent_pool_earlier_seasons(participant_ids=[w["Иванов-2"].pk, comeback.pk])) == 2
    with django_assert_num_queries(len(page_queries)):
        client.get(reverse("assessments:talent-pool"))
    with django_assert_num_queries(len(api_queries)):
        api.get("/api/v1/talent-pool/")
    with django_assert_num_queries(len(api_queries)):
        assert len(api.get("/api/v1/talent-pool/", {"page_size": 2, "page": 2}).json()["results"]) == 2
