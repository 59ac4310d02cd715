"""Offline district meetings have a panel: staff choose its experts and register the district's
admitted participants in bulk within the capacity; the panel's experts score the meeting's
interviews, other experts get 403."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import AdmissionDecision, AdmissionRun, Interview, InterviewStatus, OfflineMeeting
from assessments.tests.test_interviews import _admit, _role
from lms import roles
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def district():
    season = SeasonFactory()
    meeting = OfflineMeeting.objects.create(
        season=season,
        federal_district="central",
        starts_at=timezone.now() + timedelta(days=5),
        place="Москва, Тверская, 1",
        capacity=3,
    )
    admitted = [ParticipantFactory(season=season, federal_district="central") for _ in range(3)]
    elsewhere = ParticipantFactory(season=season, federal_district="volga")
    refused = ParticipantFactory(season=season, federal_district="central")
    _admit(*admitted, elsewhere, refused=(refused,))
    staff = _role(UserFactory(username="panel-staff"), roles.STAFF)
    experts = [_role(UserFactory(username=f"panel-expert-{n}"), roles.EXPERT) for n in range(2)]
    return {
        "season": season,
        "meeting": meeting,
        "admitted": admitted,
        "elsewhere": elsewhere,
        "refused": refused,
        "staff": staff,
        "experts": experts,
    }


def _url(meeting):
    return reverse("assessments:meeting-panel", args=[meeting.id])


def test_staff_set_the_panel_and_register_the_ticked_then_all_the_rest(district, client):
    meeting, admitted = district["meeting"], district["admitted"]
    client.force_login(district["staff"])
    page = client.get(_url(meeting)).content.decode()
    unassigned = page.split('data-testid="unassigned"')[1].split("</section>")[0]
    for person in admitted:
        assert f'value="{person.id}"' in unassigned
    # Another district and a refused participant are not offered.
    assert f'value="{district["elsewhere"].id}"' not in unassigned
    assert f'value="{district["refused"].id}"' not in unassigned

    expert = district["experts"][0]
    assert client.post(_url(meeting), {"panel": "", "expert": [expert.id]}).status_code == 302
    assert list(meeting.panel.all()) == [expert]
    form = {"panel": "", "expert": [district["staff"].id], "confirm_removal": "on"}
    assert client.post(_url(meeting), form).status_code == 400

    assert client.post(_url(meeting), {"assign": "", "participant": [admitted[0].id]}).status_code == 302
    assert client.post(_url(meeting), {"assign_all": "", "confirm_all": "on"}).status_code == 302
    registered = Interview.objects.filter(meeting=meeting, status=InterviewStatus.BOOKED)
    assert sorted(registered.values_list("participant_id", flat=True)) == sorted(p.id for p in admitted)
    # Nobody left to register; the refused one cannot be ticked in.
    response = client.post(_url(meeting), {"assign": "", "participant": [district["refused"].id]})
    assert response.status_code == 400 and "Только допущенных" in response.content.decode()


def test_taking_experts_off_the_panel_and_registering_all_need_the_box_ticked(district, client):
    meeting, experts = district["meeting"], district["experts"]
    client.force_login(district["staff"])
    assert client.post(_url(meeting), {"panel": "", "expert": [e.id for e in experts]}).status_code == 302
    # Adding needs no confirmation; taking one off does, and nothing changes without it.
    response = client.post(_url(meeting), {"panel": "", "expert": [experts[0].id]})
    assert response.status_code == 400 and "уходят из комиссии (экспертов: 1)" in response.content.decode()
    assert meeting.panel.count() == 2
    form = {"panel": "", "expert": [experts[0].id], "confirm_removal": "on"}
    assert client.post(_url(meeting), form).status_code == 302
    assert list(meeting.panel.all()) == [experts[0]]

    response = client.post(_url(meeting), {"assign_all": ""})
    assert response.status_code == 400 and not Interview.objects.filter(meeting=meeting).exists()
    assert client.post(_url(meeting), {"assign_all": "", "confirm_all": "on"}).status_code == 302
    assert Interview.objects.filter(meeting=meeting).count() == 3


def test_the_capacity_is_kept_and_the_refusal_says_how_many_seats_are_left(district, client):
    meeting, admitted = district["meeting"], district["admitted"]
    OfflineMeeting.objects.filter(pk=meeting.pk).update(capacity=2)
    client.force_login(district["staff"])
    assert client.post(_url(meeting), {"assign": "", "participant": [admitted[0].id]}).status_code == 302
    response = client.post(_url(meeting), {"assign_all": "", "confirm_all": "on"})
    html = response.content.decode()
    assert response.status_code == 400 and "Осталось мест на встрече: 1; выбрано участников: 2." in html
    assert Interview.objects.filter(meeting=meeting).count() == 1
    assert client.post(_url(meeting), {"assign": "", "participant": [admitted[1].id]}).status_code == 302
    assert Interview.objects.filter(meeting=meeting).count() == 2


def test_the_panel_scores_the_meeting_and_another_expert_gets_403(district, client):
    meeting, admitted = district["meeting"], district["admitted"]
    on_panel, outside = district["experts"]
    meeting.panel.set([on_panel])
    client.force_login(district["staff"])
    client.post(_url(meeting), {"assign_all": "", "confirm_all": "on"})
    interview = Interview.objects.filter(meeting=meeting).order_by("id").first()

    client.force_login(on_panel)
    listing = client.get(reverse("assessments:expert-interviews")).content.decode()
    for person in Interview.objects.filter(meeting=meeting):
        assert reverse("assessments:expert-sheet", args=[person.id]) in listing
    assert listing.count(reverse("assessments:expert-sheet", args=[interview.id]) + '"') == 1
    assert client.get(reverse("assessments:expert-sheet", args=[interview.id])).status_code == 200

    client.force_login(outside)
    listing = client.get(reverse("assessments:expert-interviews")).content.decode()
    assert reverse("assessments:expert-sheet", args=[interview.id]) not in listing
    assert client.get(reverse("assessments:expert-sheet", args=[interview.id])).status_code == 403
    assert len(admitted) == 3


def test_participants_and_experts_may_not_open_the_panel_page(district, client):
    client.force_login(district["experts"][0])
    assert client.get(_url(district["meeting"])).status_code == 403
    client.force_login(district["staff"])
    assert client.get(reverse("assessments:meeting-panel", args=[424242])).status_code == 404
    assert client.post(_url(district["meeting"]), {"assign": "", "participant": ["abc"]}).status_code == 400


def test_the_panel_page_query_count_is_the_same_at_n_and_n_plus_one(district, client):
    meeting, season = district["meeting"], district["season"]
    OfflineMeeting.objects.filter(pk=meeting.pk).update(capacity=100)
    meeting.panel.set(district["experts"][:1])
    client.force_login(district["staff"])
    client.post(_url(meeting), {"assign": "", "participant": [district["admitted"][0].id]})
    client.get(_url(meeting))  # the session's first request loads what later ones reuse
    with CaptureQueriesContext(connection) as first:
        assert client.get(_url(meeting)).status_code == 200
    # One more of everything: registered, unassigned, admitted, expert, panel member.
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
    client.post(_url(meeting), {"assign": "", "participant": [district["admitted"][1].id]})
    meeting.panel.add(district["experts"][1])
    _role(UserFactory(username="panel-expert-extra"), roles.EXPERT)
    with CaptureQueriesContext(connection) as second:
        html = client.get(_url(meeting)).content.decode()
    assert html.count('data-testid="registered-') == 2
    assert len(second.captured_queries) == len(first.captured_queries)
