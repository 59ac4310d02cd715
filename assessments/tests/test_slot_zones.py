"""Slots as a participant reads them: in their own zone, every one of them a page at a time, the
night ones marked and filterable; a season nobody set a variant for offers online interviews; the
experts' page says when participants cannot see the slots yet."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import InterviewPlan, InterviewSlot
from assessments.tests.test_interviews import _admit, _client, _role
from lms import roles
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

DAY = (timezone.now() + timedelta(days=5)).date()


def _slot(season, expert, hour_utc: int, *, day=DAY, minutes: int = 30) -> InterviewSlot:
    starts = datetime(day.year, day.month, day.day, hour_utc, tzinfo=UTC)
    return InterviewSlot.objects.create(
        season=season, expert=expert, starts_at=starts, ends_at=starts + timedelta(minutes=minutes)
    )


@pytest.fixture
def zones(db):
    """A participant in Kamchatka (UTC+12) and one in Kaliningrad (UTC+2), both admitted; two
    slots: 00:00 UTC (12:00 in Kamchatka, 02:00 in Kaliningrad) and 12:00 UTC (midnight in
    Kamchatka, 14:00 in Kaliningrad). No InterviewPlan row: the season offers online interviews."""
    season = SeasonFactory()
    expert = _role(UserFactory(username="expert-zones", first_name="Анна", last_name="Зонова"), roles.EXPERT)
    kamchatka = ParticipantFactory(season=season, timezone="Asia/Kamchatka")
    kaliningrad = ParticipantFactory(season=season, timezone="Europe/Kaliningrad")
    _admit(kamchatka, kaliningrad)
    return season, expert, kamchatka, kaliningrad, _slot(season, expert, 0), _slot(season, expert, 12)


def _listed(participant, **query):
    return _client(participant.user).get(reverse("assessments:slot-list"), query).json()


def test_each_participant_reads_the_slots_in_their_own_zone_with_the_night_ones_marked(zones):
    _season, _expert, kamchatka, kaliningrad, morning, noon = zones
    east = _listed(kamchatka)
    assert east["timezone"] == "Asia/Kamchatka" and east["count"] == 2
    assert [(s["id"], s["starts_at"][11:16], s["starts_at"][-6:], s["night"]) for s in east["results"]] == [
        (morning.id, "12:00", "+12:00", False),
        (noon.id, "00:00", "+12:00", True),
    ]
    west = _listed(kaliningrad)
    assert [(s["starts_at"][11:16], s["starts_at"][-6:], s["night"]) for s in west["results"]] == [
        ("02:00", "+02:00", True),
        ("14:00", "+02:00", False),
    ]


def test_the_night_filter_and_the_day_filter_work_in_the_participants_zone(zones):
    _season, _expert, kamchatka, kaliningrad, morning, noon = zones
    assert [s["id"] for s in _listed(kamchatka, daytime="true")["results"]] == [morning.id]
    assert [s["id"] for s in _listed(kaliningrad, daytime="true")["results"]] == [noon.id]
    # The day is a calendar day where the participant lives: midnight in Kamchatka is the next day.
    assert [s["id"] for s in _listed(kamchatka, day=DAY.isoformat())["results"]] == [morning.id]
    assert [s["id"] for s in _listed(kamchatka, day=(DAY + timedelta(days=1)).isoformat())["results"]] == [noon.id]
    assert [s["id"] for s in _listed(kaliningrad, day=DAY.isoformat())["results"]] == [morning.id, noon.id]
    response = _client(kamchatka.user).get(reverse("assessments:slot-list"), {"day": "tomorrow", "page": "0"})
    assert response.status_code == 400 and set(response.json()) == {"day", "page"}


def test_the_cabinet_lists_the_slots_in_the_participants_zone_and_filters_them(zones, client):
    _season, _expert, kamchatka, _kaliningrad, morning, noon = zones
    client.force_login(kamchatka.user)
    page = client.get("/cabinet/").content.decode()
    assert "Asia/Kamchatka" in page
    assert f'name="slot" value="{morning.id}"' in page and f'name="slot" value="{noon.id}"' in page
    assert page.count('data-testid="slot-night"') == 1
    daytime = client.get("/cabinet/", {"slots_daytime": "1"}).content.decode()
    assert f'name="slot" value="{morning.id}"' in daytime and f'name="slot" value="{noon.id}"' not in daytime
    # A hand-typed bad day is ignored, not an error page.
    assert client.get("/cabinet/", {"slots_day": "31.02", "slots_page": "x"}).status_code == 200


def _many_slots(season, expert, count: int) -> list[InterviewSlot]:
    starts = timezone.now().replace(microsecond=0) + timedelta(days=2)
    return InterviewSlot.objects.bulk_create(
        InterviewSlot(
            season=season,
            expert=expert,
            starts_at=starts + timedelta(minutes=30 * i),
            ends_at=starts + timedelta(minutes=30 * i + 30),
        )
        for i in range(count)
    )


def test_two_hundred_slots_are_all_reachable_page_by_page(zones, client):
    season, expert, kamchatka, _kaliningrad, morning, noon = zones
    slots = _many_slots(season, _role(UserFactory(username="expert-many"), roles.EXPERT), 198)
    expected = {slot.id for slot in slots} | {morning.id, noon.id}
    first = _listed(kamchatka)
    assert first["count"] == 200 and first["pages"] == 10
    seen = []
    for number in range(1, 11):
        seen += [s["id"] for s in _listed(kamchatka, page=number)["results"]]
    assert len(seen) == 200 and set(seen) == expected
    assert _listed(kamchatka, page=99)["page"] == 10  # past the end: the last page
    client.force_login(kamchatka.user)
    last = client.get("/cabinet/", {"slots_page": "10"}).content.decode()
    assert "slots_page=9" in last and last.count('data-testid="slot"') == 20


def _queries(participant, **query) -> int:
    api = _client(participant.user)
    with CaptureQueriesContext(connection) as queries:
        assert api.get(reverse("assessments:slot-list"), query).status_code == 200
    return len(queries)


def test_the_slot_list_costs_the_same_queries_at_n_and_n_plus_one_slots(zones):
    season, expert, kamchatka, _kaliningrad, _morning, _noon = zones
    # The participant, their published decision (run + line), the season's variant, the count
    # and the page with the experts joined.
    at_n = _queries(kamchatka, daytime="true")
    _many_slots(season, _role(UserFactory(username="expert-n1"), roles.EXPERT), 1)
    assert _queries(kamchatka, daytime="true") == at_n
    assert _queries(kamchatka) == _queries(kamchatka, day=DAY.isoformat())


def test_the_cabinet_slot_list_costs_the_same_queries_at_n_and_n_plus_one_slots(zones, client):
    season, _expert, kamchatka, _kaliningrad, _morning, _noon = zones
    client.force_login(kamchatka.user)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/cabinet/").status_code == 200
        return len(queries)

    count()  # warm the caches (roles, site) that the first request fills
    at_n = count()
    _many_slots(season, _role(UserFactory(username="expert-c1"), roles.EXPERT), 1)
    assert count() == at_n


def test_a_season_offering_only_meetings_lists_no_slots_and_the_expert_is_told_why(zones, client):
    season, expert, kamchatka, _kaliningrad, _morning, _noon = zones
    client.force_login(expert)
    page = client.get("/expert/availability/", {"season": season.id}).content.decode()
    assert 'data-testid="slots-not-visible"' not in page
    InterviewPlan.objects.create(season=season, offers_online=False, offers_offline=True)
    assert _listed(kamchatka)["count"] == 0
    page = client.get("/expert/availability/", {"season": season.id}).content.decode()
    assert page.count('data-testid="slots-not-visible"') == 1


def test_before_the_admission_list_is_published_the_expert_is_told_participants_do_not_see_slots(client, db):
    season = SeasonFactory()
    expert = _role(UserFactory(username="expert-early"), roles.EXPERT)
    client.force_login(expert)
    page = client.get("/expert/availability/", {"season": season.id}).content.decode()
    assert 'data-testid="slots-not-visible"' in page


def test_staff_set_the_interview_variant_on_the_interviews_page(client, db):
    season = SeasonFactory()
    staff = _role(UserFactory(username="staff-variant"), roles.STAFF)
    client.force_login(staff)
    url = reverse("assessments:interviews-staff")
    page = client.get(url, {"season": season.id}).content.decode()
    assert 'value="online" checked' in page
    answer = client.post(url, {"season": season.id, "variant": "offline", "cancel_cutoff_hours": "48"})
    assert answer.status_code == 302
    plan = InterviewPlan.objects.get(season=season)
    assert (plan.offers_online, plan.offers_offline, plan.cancel_cutoff_hours) == (False, True, 48)
    assert client.post(url, {"season": season.id, "variant": "nowhere", "cancel_cutoff_hours": "1"}).status_code == 400
    assert client.post(url, {"season": season.id, "variant": "both", "cancel_cutoff_hours": "x"}).status_code == 400
    client.force_login(UserFactory(username="not-staff"))
    assert client.get(url).status_code == 403
