"""The REST face of the offline meetings' panels and the interview results: the same services as
the staff pages, staff only, domain errors as 400/409, and list endpoints whose query count does
not grow with their rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import (
    AdmissionDecision,
    AdmissionRun,
    Interview,
    InterviewOutcome,
    InterviewStatus,
    OfflineMeeting,
)
from assessments.tests.test_candidates import _person, interviewed
from assessments.tests.test_interview_results import results  # noqa: F401 (a fixture)
from assessments.tests.test_interviews import _role
from assessments.tests.test_panels import district  # noqa: F401 (a fixture)
from lms import roles
from lms.models import Level, LevelChange
from tests.factories import ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


def _api(name, *args):
    return reverse(f"assessments:{name}", args=args)


def test_staff_set_the_panel_and_register_participants_through_the_api(district, client):  # noqa: F811
    meeting, admitted, experts = district["meeting"], district["admitted"], district["experts"]
    client.force_login(district["staff"])
    body = client.get(_api("meeting-panel-detail", meeting.id)).json()
    assert body["seats_left"] == 3 and body["registered"] == []
    assert sorted(row["participant_id"] for row in body["unassigned"]) == sorted(p.id for p in admitted)
    assert {row["id"] for row in body["experts"]} == {e.id for e in experts} and not any(
        row["on_panel"] for row in body["experts"]
    )

    url = _api("meeting-panel-update", meeting.id)
    response = client.put(url, {"expert_ids": [experts[1].id]}, content_type="application/json")
    assert response.status_code == 200 and [r["id"] for r in response.json()["experts"] if r["on_panel"]] == [
        experts[1].id
    ]
    assert list(meeting.panel.all()) == [experts[1]]
    # Not an expert, not a list of ids: 400 with the field named; nothing changed.
    response = client.put(url, {"expert_ids": [district["staff"].id]}, content_type="application/json")
    assert response.status_code == 400 and "experts" in response.json()
    assert client.put(url, {"expert_ids": "x"}, content_type="application/json").status_code == 400
    assert list(meeting.panel.all()) == [experts[1]]

    url = _api("meeting-participants-assign", meeting.id)
    response = client.post(url, {"participant_ids": [admitted[0].id]}, content_type="application/json")
    assert response.status_code == 201 and response.json()["registered"] == 1
    response = client.post(url, {"participant_ids": [district["refused"].id]}, content_type="application/json")
    assert response.status_code == 400 and "participants" in response.json()
    response = client.post(url, {"all": True}, content_type="application/json")
    assert response.status_code == 201 and response.json()["registered"] == 2
    assert Interview.objects.filter(meeting=meeting, status=InterviewStatus.BOOKED).count() == 3
    # Nobody left: the refusal says so.
    assert client.post(url, {"all": True}, content_type="application/json").status_code == 400

    listing = client.get(_api("meeting-list", district["season"].id)).json()
    assert listing == [
        {
            "id": meeting.id,
            "federal_district": "central",
            "starts_at": listing[0]["starts_at"],
            "place": meeting.place,
            "capacity": 3,
            "booked": 3,
            "panel_size": 1,
        }
    ]


def test_the_panel_apis_are_staff_only_and_say_404_for_no_meeting(district, client):  # noqa: F811
    meeting = district["meeting"]
    client.force_login(district["experts"][0])
    assert client.get(_api("meeting-panel-detail", meeting.id)).status_code == 403
    assert client.get(_api("meeting-list", district["season"].id)).status_code == 403
    response = client.post(_api("meeting-participants-assign", meeting.id), {"all": True}, "application/json")
    assert response.status_code == 403 and not Interview.objects.exists()
    # A participant may not learn which meetings exist either.
    client.force_login(district["admitted"][0].user)
    assert client.get(_api("meeting-panel-detail", 424242)).status_code == 403
    client.force_login(district["staff"])
    assert client.get(_api("meeting-panel-detail", 424242)).status_code == 404
    assert client.get(_api("meeting-list", 424242)).status_code == 404


def _admitted_more(season):
    more = ParticipantFactory(season=season, federal_district="central")
    AdmissionDecision.objects.create(
        run=AdmissionRun.objects.get(season=season),
        participant=more,
        user=more.user,
        federal_district="central",
        level=more.level,
        figures={},
        evidence_ids={},
        score=1,
        decision="admitted",
    )


def test_the_panel_and_meeting_lists_query_counts_are_the_same_at_n_and_n_plus_one(district, client):  # noqa: F811
    meeting, season = district["meeting"], district["season"]
    OfflineMeeting.objects.filter(pk=meeting.pk).update(capacity=100)
    meeting.panel.set(district["experts"][:1])
    client.force_login(district["staff"])
    assign = _api("meeting-participants-assign", meeting.id)
    client.post(assign, {"participant_ids": [district["admitted"][0].id]}, content_type="application/json")
    urls = [_api("meeting-panel-detail", meeting.id), _api("meeting-list", season.id)]
    for url in urls:
        client.get(url)  # the session's first request loads what later ones reuse
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as first:
            assert client.get(url).status_code == 200
        counts.append(len(first.captured_queries))
    # One more of everything: registered, unassigned, expert, panel member, meeting.
    _admitted_more(season)
    client.post(assign, {"participant_ids": [district["admitted"][1].id]}, content_type="application/json")
    meeting.panel.add(district["experts"][1])
    _role(UserFactory(username="panel-expert-api-extra"), roles.EXPERT)
    OfflineMeeting.objects.create(
        season=season, federal_district="volga", starts_at=meeting.starts_at, place="Казань", capacity=5
    )
    bodies = []
    for url, count in zip(urls, counts, strict=True):
        with CaptureQueriesContext(connection) as second:
            bodies.append(client.get(url).json())
        assert len(second.captured_queries) == count
    assert len(bodies[0]["registered"]) == 2 and len(bodies[0]["unassigned"]) == 2 and len(bodies[1]) == 2


def test_staff_choose_apply_levels_and_publish_results_through_the_api(results, client):  # noqa: F811
    season, people, staff = results
    client.force_login(staff)
    listing = client.get(_api("interview-result-list", season.id)).json()
    assert listing["published_at"] is None
    assert {row["participant_id"]: row["result"] for row in listing["results"]} == {
        people["stays"].id: "roiv",
        people["moved_up"].id: "foiv",
        people["young"].id: "foiv",
    }

    choose = _api("interview-result-choose", season.id, people["young"].id)
    assert client.put(choose, {"result": "not_selected"}, content_type="application/json").status_code == 204
    response = client.put(choose, {"result": "everything"}, content_type="application/json")
    assert response.status_code == 400 and "result" in response.json()
    assert client.put(choose, {"result": 5}, content_type="application/json").status_code == 400

    levels = _api("interview-levels-apply", season.id)
    body = {"participant_ids": [people["moved_up"].id], "reason": " "}
    assert client.post(levels, body, content_type="application/json").status_code == 400
    response = client.post(levels, {**body, "reason": "Решение комиссии"}, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"changed": 1}
    assert LevelChange.objects.filter(participant=people["moved_up"], to_level=Level.YOUNG).exists()

    publish = _api("interview-results-publish-api", season.id)
    response = client.post(publish)
    assert response.status_code == 200 and response.json()["published"] == 3
    assert InterviewOutcome.objects.get(participant=people["young"]).result == "not_selected"
    # Once: publishing again, or choosing after publication, is a conflict.
    assert client.post(publish).status_code == 409
    assert client.put(choose, {"result": "roiv"}, content_type="application/json").status_code == 409
    assert client.get(_api("interview-result-list", season.id)).json()["published_at"] is not None


def test_the_results_apis_are_staff_only(results, client):  # noqa: F811
    season, people, _staff = results
    client.force_login(people["stays"].user)
    assert client.get(_api("interview-result-list", season.id)).status_code == 403
    assert client.post(_api("interview-results-publish-api", season.id)).status_code == 403
    assert not InterviewOutcome.objects.exists()


def test_the_results_list_query_count_is_the_same_at_n_and_n_plus_one(results, client):  # noqa: F811
    season, people, staff = results
    experts = [_role(UserFactory(username=f"result-api-expert-{n}"), roles.EXPERT) for n in range(2)]
    url = _api("interview-result-list", season.id)
    client.force_login(staff)
    client.get(url)  # the session's first request loads what later ones reuse
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    interviewed(season, experts, _person(season, Level.PRO, "Дельта"), [(3, Level.YOUNG), (4, "")])
    choose = _api("interview-result-choose", season.id, people["stays"].id)
    client.put(choose, {"result": "foiv"}, content_type="application/json")
    with CaptureQueriesContext(connection) as second:
        body = client.get(url).json()
    assert len(body["results"]) == 4
    assert len(second.captured_queries) == len(first.captured_queries)
