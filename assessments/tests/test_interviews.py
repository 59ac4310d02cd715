import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models import (
    AdmissionDecision,
    AdmissionPolicy,
    AdmissionRun,
    ExpertAssignment,
    Interview,
    InterviewPlan,
    InterviewSlot,
    OfflineMeeting,
)
from lms import roles
from lms.models import Level, Participant
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory


def _role(user, role):
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _admit(*participants, refused=()):
    """A published run with the given decision for each participant (built directly: these
    tests are about interviews, the run itself is tested elsewhere)."""
    season = participants[0].season
    staff = _role(UserFactory(), roles.STAFF)
    policy = AdmissionPolicy.objects.get_or_create(season=season, track=participants[0].track)[0]
    run = AdmissionRun.objects.create(
        season=season,
        track=policy.track,
        policy=policy,
        policy_version=1,
        policy_content={},
        started_by=staff,
        status="done",
        published_at=timezone.now(),
    )
    for participant in [*participants, *refused]:
        decision = "not_admitted" if participant in refused else "admitted"
        AdmissionDecision.objects.create(
            run=run,
            participant=participant,
            user=participant.user,
            federal_district=participant.federal_district,
            level=participant.level,
            figures={},
            evidence_ids={},
            score=1,
            decision=decision,
        )


@pytest.fixture
def world(db):
    season = SeasonFactory()
    InterviewPlan.objects.create(season=season, offers_online=True, offers_offline=True, cancel_cutoff_hours=24)
    expert = _role(UserFactory(username="expert-a"), roles.EXPERT)
    slot = InterviewSlot.objects.create(
        season=season,
        expert=expert,
        starts_at=timezone.now() + timedelta(days=3),
        ends_at=timezone.now() + timedelta(days=3, minutes=30),
    )
    first, second = ParticipantFactory(season=season), ParticipantFactory(season=season)
    refused = ParticipantFactory(season=season)
    _admit(first, second, refused=[refused])
    return season, expert, slot, first, second


def _started(slot) -> None:
    """The interview has begun: a sheet can be submitted only from its start."""
    begun = timezone.now() - timedelta(minutes=10)
    InterviewSlot.objects.filter(pk=slot.pk).update(starts_at=begun, ends_at=begun + timedelta(minutes=30))


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_book_cancel_and_rebook_until_the_cutoff(world):
    season, expert, slot, first, _second = world
    other = InterviewSlot.objects.create(
        season=season,
        expert=expert,
        starts_at=slot.starts_at + timedelta(hours=1),
        ends_at=slot.ends_at + timedelta(hours=1),
    )
    client = _client(first.user)
    assert [s["id"] for s in client.get(reverse("assessments:slot-list")).json()["results"]] == [slot.id, other.id]
    booked = client.post(reverse("assessments:slot-book", args=[slot.id]))
    assert booked.status_code == 201
    assert [s["id"] for s in client.get(reverse("assessments:slot-list")).json()["results"]] == [other.id]
    # Rebooking moves the booking.
    assert client.post(reverse("assessments:slot-book", args=[other.id])).status_code == 201
    assert Interview.objects.get(pk=booked.json()["id"]).status == "cancelled"
    # Past the cut-off nothing moves.
    InterviewSlot.objects.filter(pk=other.pk).update(starts_at=timezone.now() + timedelta(hours=2))
    current = Interview.objects.get(participant=first, status="booked")
    response = client.post(reverse("assessments:interview-cancel", args=[current.id]))
    assert response.status_code == 400 and "24" in response.json()["interview"][0]
    assert Interview.objects.get(pk=current.pk).status == "booked"


@pytest.mark.django_db
def test_only_admitted_participants_book_and_offline_is_per_district(world):
    season, _expert, slot, first, _second = world
    refused = Participant.objects.get(season=season, pk__gt=_second.pk)
    assert _client(refused.user).post(reverse("assessments:slot-book", args=[slot.id])).status_code == 403
    far = OfflineMeeting.objects.create(
        season=season, federal_district="far_eastern", starts_at=slot.starts_at, place="Владивосток"
    )
    home = OfflineMeeting.objects.create(
        season=season, federal_district=first.federal_district, starts_at=slot.starts_at, place="Москва", capacity=1
    )
    client = _client(first.user)
    assert client.post(reverse("assessments:meeting-register", args=[far.id])).status_code == 400
    assert client.post(reverse("assessments:meeting-register", args=[home.id])).status_code == 201
    assert Interview.objects.filter(participant=refused).count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bookings_of_one_slot_one_wins_one_gets_409(world):
    _season, _expert, slot, first, second = world
    barrier, results = threading.Barrier(2), {}

    def book(participant):
        client = _client(participant.user)
        barrier.wait()
        response = client.post(reverse("assessments:slot-book", args=[slot.id]))
        results[participant.id] = (response.status_code, response.json())
        connection.close()

    threads = [threading.Thread(target=book, args=(p,)) for p in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(code for code, _body in results.values())
    assert codes == [201, 409]
    loser = next(body for code, body in results.values() if code == 409)
    assert "занят" in loser["detail"]
    assert Interview.objects.filter(slot=slot, status="booked").count() == 1


@pytest.mark.django_db
def test_scoring_sheet_timer_overrun_and_averaged_candidates(world):
    season, expert, slot, first, second = world
    second_expert = _role(UserFactory(username="expert-b"), roles.EXPERT)
    interview = Interview.objects.create(participant=first, slot=slot)
    ExpertAssignment.objects.create(expert=second_expert, participant=first)
    _started(slot)
    from assessments.services.interviews import presentation_start, presentation_stop

    started = timezone.now()
    presentation_start(interview=interview, expert=expert, now=started)
    sheet = presentation_stop(interview=interview, expert=expert, now=started + timedelta(minutes=6, seconds=5))
    assert (sheet.presentation_seconds, sheet.overrun_seconds) == (365, 65)

    rubric = {"motivation": 5, "communication": 4, "knowledge": 3, "initiative": 4}
    url = reverse("assessments:sheet-submit", args=[interview.id])
    bad = _client(expert).put(url, {"topics": {}, "rubric": {**rubric, "knowledge": 9}}, format="json")
    assert bad.status_code == 400 and "rubric" in bad.json()
    outsider = _role(UserFactory(username="expert-c"), roles.EXPERT)
    assert _client(outsider).put(url, {"topics": {}, "rubric": rubric}, format="json").status_code == 403
    topics = {"study": True, "experience": True, "expectations": True, "internship": True, "proposals": False}
    ok = _client(expert).put(
        url, {"topics": topics, "rubric": rubric, "comment": "Сильный", "recommended_level": "young"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["total"] == 0.8
    _client(second_expert).put(url, {"topics": topics, "rubric": dict.fromkeys(rubric, 2)}, format="json")

    staff = _role(UserFactory(), roles.STAFF)
    rows = _client(staff).get(reverse("assessments:candidates", args=[season.id]), {"direction": "roiv"}).json()
    assert len(rows) == 1 and rows[0]["experts"] == 2 and rows[0]["average"] == pytest.approx((0.8 + 0.4) / 2)
    assert rows[0]["recommended_levels"] == ["young"]
    assert _client(staff).get(reverse("assessments:candidates", args=[season.id]), {"direction": "foiv"}).json() == []
    csv_body = _client(staff).get(
        reverse("assessments:candidates", args=[season.id]), {"direction": "roiv", "format": "csv"}
    )
    assert csv_body.status_code == 200 and first.application.last_name in csv_body.content.decode("utf-8-sig")
    assert (
        _client(staff).get(reverse("assessments:candidates", args=[season.id]), {"direction": "x"}).status_code == 400
    )
    assert (
        _client(first.user).get(reverse("assessments:candidates", args=[season.id]), {"direction": "roiv"}).status_code
        == 403
    )
    assert first.level == Level.BEGINNER


@pytest.mark.django_db
def test_free_slots_query_count(world, django_assert_num_queries):
    season, expert, slot, first, _second = world
    from assessments.selectors.interviews import slot_list_free

    # the free slots with their experts (1)
    with django_assert_num_queries(1):
        assert len(list(slot_list_free(season_id=season.id, now=timezone.now()))) == 1
    InterviewSlot.objects.create(
        season=season,
        expert=expert,
        starts_at=slot.starts_at + timedelta(hours=2),
        ends_at=slot.ends_at + timedelta(hours=2),
    )
    with django_assert_num_queries(1):
        assert len(list(slot_list_free(season_id=season.id, now=timezone.now()))) == 2


@pytest.mark.django_db
def test_book_and_cancel_from_the_cabinet(world, client):
    _season, _expert, slot, first, _second = world
    client.force_login(first.user)
    html = client.get(reverse("cabinet")).content.decode()
    assert "Допущен к собеседованию" in html and 'name="slot"' in html
    assert client.post(reverse("assessments:interview-book"), {"slot": slot.id}).status_code == 302
    interview = Interview.objects.get(participant=first, status="booked")
    assert 'data-testid="interview-booked"' in client.get(reverse("cabinet")).content.decode()
    client.post(reverse("assessments:interview-cancel-page", args=[interview.id]))
    assert Interview.objects.get(pk=interview.pk).status == "cancelled"


@pytest.mark.django_db
def test_expert_scores_on_the_sheet_page(world, client):
    _season, expert, slot, first, _second = world
    interview = Interview.objects.create(participant=first, slot=slot)
    _started(slot)
    client.force_login(expert)
    assert first.application.last_name in client.get(reverse("assessments:expert-interviews")).content.decode()
    url = reverse("assessments:expert-sheet", args=[interview.id])
    client.post(url, {"start": ""})
    client.post(url, {"stop": ""})
    form = {"topic_study": "on", "topic_proposals": "on", "comment": "Хорошо", "recommended_level": "young"}
    form.update({f"rubric_{name}": "4" for name in ("motivation", "communication", "knowledge", "initiative")})
    client.post(url, form)
    sheet = interview.sheets.get()
    assert sheet.submitted_at and sheet.presentation_seconds is not None and sheet.overrun_seconds == 0
    assert sheet.topics == {
        "study": True,
        "experience": False,
        "expectations": False,
        "internship": False,
        "proposals": True,
    }
    assert sheet.total == 0.8
    outsider = _role(UserFactory(username="expert-z"), roles.EXPERT)
    client.force_login(outsider)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_candidates_list_query_count(world, django_assert_num_queries):
    season, expert, slot, first, second = world
    from assessments.models import InterviewSheet
    from assessments.selectors.interviews import candidates_list

    rubric = {"motivation": 5, "communication": 5, "knowledge": 5, "initiative": 5}

    def interviewed(participant, starts):
        own_slot = InterviewSlot.objects.create(
            season=season, expert=expert, starts_at=starts, ends_at=starts + timedelta(minutes=30)
        )
        interview = Interview.objects.create(participant=participant, slot=own_slot)
        InterviewSheet.objects.create(interview=interview, expert=expert, rubric=rubric, submitted_at=timezone.now())

    interviewed(first, slot.starts_at + timedelta(hours=1))
    # interviews with their sheets counted (1), the participants from lms's selector (1), the
    # season's rubric (1; its criteria too when it has one), the interview plan for the discussion
    # threshold (1), the submitted sheets (1); the earlier seasons: the candidates' participations
    # and the same people's others (2; nobody here took part before, so nothing more)
    with django_assert_num_queries(7):
        assert len(candidates_list(season_id=season.id, direction="roiv")) == 1
    interviewed(second, slot.starts_at + timedelta(hours=2))
    with django_assert_num_queries(7):
        assert len(candidates_list(season_id=season.id, direction="roiv")) == 2


@pytest.mark.django_db
def test_the_experts_interview_list_reads_names_through_lms_in_a_fixed_number_of_queries(
    world, django_assert_num_queries
):
    season, expert, slot, first, second = world
    from assessments.selectors.interviews import interview_list_for_expert

    Interview.objects.create(participant=first, slot=slot)
    # the interviews with their slots and meetings (1), the participants' names from lms's selector (1)
    with django_assert_num_queries(2):
        listed = interview_list_for_expert(user=expert, is_staff=True)
    assert [i.participant_name for i in listed] == [first.application.full_name]
    later = InterviewSlot.objects.create(
        season=season, expert=expert, starts_at=slot.ends_at, ends_at=slot.ends_at + timedelta(minutes=30)
    )
    Interview.objects.create(participant=second, slot=later)
    with django_assert_num_queries(2):
        listed = interview_list_for_expert(user=expert, is_staff=True)
    assert [i.participant_name for i in listed] == [first.application.full_name, second.application.full_name]
