"""The ministry (FOIV) interviews (issue 15 §2): slots booked once under concurrency, scores by
the ministry's own rubric, decisions kept pending and invisible until staff apply them, a ministry
seeing only its own candidates and their CVs, and the placement reading the applied decisions."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models import (
    InterviewOutcome,
    InterviewResult,
    MinistryDecision,
    MinistryInterview,
    MinistrySlot,
    Rubric,
    RubricCriterion,
)
from assessments.placement import placement_compute
from assessments.selectors.ministry import (
    ministries_visible_to,
    ministry_candidates,
    ministry_decisions_pending,
    ministry_priorities,
    ministry_slot_list,
    ministry_slots_free_for,
)
from assessments.selectors.placement import placement_market
from assessments.selectors.rubrics import rubric_for_host
from assessments.services.ministry import (
    host_rubric_save,
    ministry_decide,
    ministry_sheet_submit,
    ministry_wave_apply,
)
from lms import roles
from lms.models import Level
from tests.factories import (
    HostBodyFactory,
    InternshipOfferFactory,
    ParticipantFactory,
    SeasonFactory,
    UserFactory,
    host_person,
    user_with_role,
)

_hours = iter(range(1, 100_000))


def candidate(season, *offers, last_name="Кандидат", level=Level.YOUNG, recommended=True):
    """A Young participant recommended for the FOIV interviews who ranked `offers`."""
    participant = ParticipantFactory(season=season, level=level, application__last_name=last_name)
    if recommended:
        InterviewOutcome.objects.create(
            participant=participant, season=season, result=InterviewResult.FOIV, published_at=timezone.now()
        )
    for number, offer in enumerate(offers, start=1):
        participant.offer_preferences.create(offer=offer, rank=number)
    return participant


def slot_of(host, season, *, past=False):
    hours = next(_hours)
    starts = timezone.now() + (timedelta(hours=-hours) if past else timedelta(days=2, hours=hours))
    return MinistrySlot.objects.create(
        season=season,
        host=host,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        meeting_url="https://meet.example.org/x",
        created_by=UserFactory(),
    )


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(db):
    season = SeasonFactory()
    minfin, minek = HostBodyFactory(name="Минфин"), HostBodyFactory(name="Минэк")
    fin_offer = InternshipOfferFactory(season=season, host=minfin, title="Бюджет", seats=1)
    ek_offer = InternshipOfferFactory(season=season, host=minek, title="Прогноз", seats=1)
    first = candidate(season, fin_offer, last_name="Первый")
    second = candidate(season, fin_offer, last_name="Второй")
    other = candidate(season, ek_offer, last_name="Чужой")
    return {
        "season": season,
        "minfin": minfin,
        "minek": minek,
        "fin_offer": fin_offer,
        "ek_offer": ek_offer,
        "first": first,
        "second": second,
        "other": other,
        "fin_person": host_person(minfin),
        "ek_person": host_person(minek),
        "staff": user_with_role(roles.STAFF),
    }


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bookings_of_one_ministry_slot_one_wins_one_gets_409(world):
    slot = slot_of(world["minfin"], world["season"])
    barrier, results = threading.Barrier(2), {}

    def book(participant):
        client = api(participant.user)
        barrier.wait()
        response = client.post(reverse("assessments:ministry-slot-book", args=[slot.id]))
        results[participant.id] = (response.status_code, response.json())
        connection.close()

    threads = [threading.Thread(target=book, args=(p,)) for p in (world["first"], world["second"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(code for code, _body in results.values()) == [201, 409]
    assert MinistryInterview.objects.filter(slot=slot, status="booked").count() == 1


@pytest.mark.django_db
def test_only_the_ministrys_candidates_book_its_slots_and_see_them(world):
    slot = slot_of(world["minfin"], world["season"])
    # Another ministry's candidate neither sees nor books it.
    assert list(ministry_slots_free_for(participant=world["other"], now=timezone.now())) == []
    assert api(world["other"].user).post(reverse("assessments:ministry-slot-book", args=[slot.id])).status_code == 403
    # Nor does one who ranked the ministry but is not recommended for the FOIV interviews.
    unrecommended = candidate(world["season"], world["fin_offer"], recommended=False)
    assert api(unrecommended.user).post(reverse("assessments:ministry-slot-book", args=[slot.id])).status_code == 403
    listed = api(world["first"].user).get(reverse("assessments:ministry-slot-list")).json()
    assert [row["id"] for row in listed] == [slot.id] and listed[0]["host_name"] == "Минфин"
    assert api(world["first"].user).post(reverse("assessments:ministry-slot-book", args=[slot.id])).status_code == 201
    # A second slot of the same ministry moves the booking; the first is free again.
    later = slot_of(world["minfin"], world["season"])
    assert api(world["first"].user).post(reverse("assessments:ministry-slot-book", args=[later.id])).status_code == 201
    assert MinistryInterview.objects.get(participant=world["first"], status="booked").slot_id == later.id


@pytest.mark.django_db
def test_decisions_are_invisible_to_the_participant_until_staff_apply_them(world):
    first, minfin = world["first"], world["minfin"]
    decision = ministry_decide(
        host=minfin, participant=first, user=world["fin_person"], verdict="finalist", comment="Сильный"
    )
    me = api(first.user)
    assert me.get(reverse("assessments:me-ministry-decisions")).json() == []
    cabinet = APIClient()
    cabinet.force_login(first.user)
    assert 'data-testid="ministry-decisions"' not in cabinet.get(reverse("cabinet")).content.decode()
    # Pending decisions are not in the placement either.
    assert ministry_priorities(season_id=world["season"].pk) == {}
    groups = ministry_decisions_pending(season_id=world["season"].pk)
    assert [(g["host"].pk, [d.pk for d in g["decisions"]]) for g in groups] == [(minfin.pk, [decision.pk])]
    wave = ministry_wave_apply(season=world["season"], user=world["staff"], decision_ids=[decision.pk])
    decision.refresh_from_db()
    assert decision.wave == wave and wave.applied_by == world["staff"] and wave.applied_at is not None
    shown = me.get(reverse("assessments:me-ministry-decisions")).json()
    assert [(row["host_name"], row["verdict"], row["comment"]) for row in shown] == [("Минфин", "finalist", "Сильный")]
    page = cabinet.get(reverse("cabinet")).content.decode()
    assert 'data-testid="ministry-decisions"' in page and "Сильный" in page
    # Applied: fixed.
    response = api(world["fin_person"]).post(
        reverse("assessments:ministry-decision-set", args=[minfin.pk]),
        {"participant_id": first.pk, "verdict": "declined"},
        format="json",
    )
    assert response.status_code == 409
    assert ministry_decisions_pending(season_id=world["season"].pk) == []


@pytest.mark.django_db
def test_a_wave_applies_only_pending_decisions_of_its_season_and_only_staff_apply(world):
    decision = ministry_decide(
        host=world["minfin"], participant=world["first"], user=world["fin_person"], verdict="reserve"
    )
    with pytest.raises(PermissionDenied):
        ministry_wave_apply(season=world["season"], user=world["fin_person"], decision_ids=[decision.pk])
    with pytest.raises(ValidationError):
        ministry_wave_apply(season=SeasonFactory(), user=world["staff"], decision_ids=[decision.pk])
    url = reverse("assessments:ministry-wave-apply", args=[world["season"].pk])
    assert api(world["staff"]).post(url, {"decision_ids": [decision.pk]}, format="json").status_code == 201
    assert api(world["staff"]).post(url, {"decision_ids": [decision.pk]}, format="json").status_code == 400


@pytest.mark.django_db
def test_only_the_ministrys_own_people_decide_and_score(world):
    first, minfin = world["first"], world["minfin"]
    with pytest.raises(PermissionDenied):
        ministry_decide(host=minfin, participant=first, user=world["ek_person"], verdict="finalist")
    with pytest.raises(PermissionDenied):  # a ministry's decision is its own, not staff's
        ministry_decide(host=minfin, participant=first, user=world["staff"], verdict="finalist")
    with pytest.raises(PermissionDenied):  # not its candidate
        ministry_decide(host=minfin, participant=world["other"], user=world["fin_person"], verdict="finalist")
    interview = MinistryInterview.objects.create(
        participant=first, host=minfin, slot=slot_of(minfin, world["season"], past=True)
    )
    scores = dict.fromkeys(rubric_for_host(host_id=minfin.pk).keys, 4)
    with pytest.raises(PermissionDenied):
        ministry_sheet_submit(interview=interview, user=world["ek_person"], scores=scores)
    sheet = ministry_sheet_submit(interview=interview, user=world["fin_person"], scores=scores)
    assert sheet.total == pytest.approx(0.8)


@pytest.mark.django_db
def test_a_ministry_sees_only_its_own_candidates_and_their_cvs(client, world):
    fin_person, minfin, minek = world["fin_person"], world["minfin"], world["minek"]
    season = world["season"]
    rows = api(fin_person).get(reverse("assessments:ministry-candidate-list", args=[minfin.pk]), {"season": season.pk})
    assert rows.status_code == 200
    assert [row["name"].split()[0] for row in rows.json()] == ["Второй", "Первый"]
    # Another ministry's list, candidate page, decision and rubric: 403.
    assert (
        api(fin_person)
        .get(reverse("assessments:ministry-candidate-list", args=[minek.pk]), {"season": season.pk})
        .status_code
        == 403
    )
    client.force_login(fin_person)
    own = client.get(reverse("assessments:ministry-candidate", args=[minfin.pk, world["first"].pk]))
    assert own.status_code == 200
    assert client.get(reverse("assessments:ministry-candidate", args=[minek.pk, world["other"].pk])).status_code == 403
    # Through its own body, a participant who is not its candidate: 403 too.
    assert client.get(reverse("assessments:ministry-candidate", args=[minfin.pk, world["other"].pk])).status_code == 403
    assert api(fin_person).get(reverse("assessments:host-rubric", args=[minek.pk])).status_code == 403
    # CVs: the candidacy's own rule — its candidates' readable, another ministry's not.
    assert client.get(reverse("candidacy:cv-detail", args=[world["other"].pk])).status_code == 403
    # Staff see every ministry's.
    assert (
        api(world["staff"])
        .get(reverse("assessments:ministry-candidate-list", args=[minek.pk]), {"season": season.pk})
        .status_code
        == 200
    )


@pytest.mark.django_db
def test_the_ministrys_own_rubric_is_kept_by_its_people_and_staff_and_scores_by_it(world):
    minfin = world["minfin"]
    assert rubric_for_host(host_id=minfin.pk).keys == ["motivation", "communication", "knowledge", "initiative"]
    body = {
        "title": "Рубрика Минфина",
        "max_score": 3,
        "criteria": [
            {"key": "finance", "label": "Финансы", "descriptors": ["нет", "слабо", "хорошо", "отлично"]},
            {"key": "law", "label": "Право", "descriptors": ["нет", "слабо", "хорошо", "отлично"]},
        ],
    }
    url = reverse("assessments:host-rubric-update", args=[minfin.pk])
    assert api(world["ek_person"]).put(url, body, format="json").status_code == 403
    assert api(world["fin_person"]).put(url, body, format="json").status_code == 200
    rubric = Rubric.objects.get(host=minfin)
    assert (rubric.owner_kind, rubric.season_id, rubric.max_score) == ("host", None, 3)
    assert list(RubricCriterion.objects.filter(rubric=rubric).values_list("key", flat=True)) == ["finance", "law"]
    host_rubric_save(host=minfin, user=world["staff"], title="Новая", max_score=3, criteria=body["criteria"][:1])
    assert rubric_for_host(host_id=minfin.pk).keys == ["finance"]
    interview = MinistryInterview.objects.create(
        participant=world["first"], host=minfin, slot=slot_of(minfin, world["season"], past=True)
    )
    with pytest.raises(ValidationError):  # the built-in criteria are not this rubric's
        ministry_sheet_submit(interview=interview, user=world["fin_person"], scores={"motivation": 3})
    sheet = ministry_sheet_submit(interview=interview, user=world["fin_person"], scores={"finance": 3})
    assert (sheet.rubric_max, sheet.total) == (3, 1.0)


@pytest.mark.django_db
def test_the_placement_places_finalists_before_reserves_and_never_the_declined(world):
    """A hand-built market: one seat at Минфин; a finalist with a low score beats a reserve with a
    high one; a declined candidate and an undecided one are not eligible there."""
    season, minfin = world["season"], world["minfin"]
    first, second = world["first"], world["second"]
    declined = candidate(season, world["fin_offer"], last_name="Отказ")
    undecided = candidate(season, world["fin_offer"], last_name="Без")
    for participant, score in ((first, 1), (second, 5), (declined, 5)):
        interview = MinistryInterview.objects.create(
            participant=participant, host=minfin, slot=slot_of(minfin, season, past=True)
        )
        ministry_sheet_submit(
            interview=interview,
            user=world["fin_person"],
            scores=dict.fromkeys(rubric_for_host(host_id=minfin.pk).keys, score),
        )
    decisions = [
        ministry_decide(host=minfin, participant=p, user=world["fin_person"], verdict=v)
        for p, v in ((first, "finalist"), (second, "reserve"), (declined, "declined"))
    ]
    market = placement_market(season_id=season.pk)
    assert world["fin_offer"].pk not in market.priorities  # nothing applied yet
    ministry_wave_apply(season=season, user=world["staff"], decision_ids=[d.pk for d in decisions])
    market = placement_market(season_id=season.pk)
    keys = market.priorities[world["fin_offer"].pk]
    assert keys == {first.pk: (2.0, 0.2), second.pk: (1.0, 1.0)}
    placed = placement_compute(market=market, seed=7).assignment
    assert placed[first.pk] == world["fin_offer"].pk
    assert placed[second.pk] is None and placed[declined.pk] is None and placed[undecided.pk] is None


def _count(func) -> int:
    with CaptureQueriesContext(connection) as queries:
        func()
    return len(queries)


@pytest.mark.django_db
def test_ministry_lists_take_the_same_queries_at_n_and_n_plus_one(world):
    season, minfin = world["season"], world["minfin"]
    fin_person, staff = world["fin_person"], world["staff"]

    def grow():
        participant = candidate(season, world["fin_offer"], last_name=f"Ещё{next(_hours)}")
        slot = slot_of(minfin, season)
        MinistryInterview.objects.create(participant=participant, host=minfin, slot=slot)
        slot_of(minfin, season)  # a free one too
        ministry_decide(host=minfin, participant=participant, user=fin_person, verdict="reserve")
        HostBodyFactory()  # one more ministry

    reads = {
        "candidates": lambda: ministry_candidates(host_id=minfin.pk, season_id=season.pk),
        "slots": lambda: ministry_slot_list(host_id=minfin.pk, season_id=season.pk),
        "pending": lambda: ministry_decisions_pending(season_id=season.pk),
        "ministries": lambda: ministries_visible_to(user=staff),
        "priorities": lambda: ministry_priorities(season_id=season.pk),
        "free": lambda: list(ministry_slots_free_for(participant=world["first"], now=timezone.now())),
        "api candidates": lambda: api(fin_person).get(
            reverse("assessments:ministry-candidate-list", args=[minfin.pk]), {"season": season.pk}
        ),
        "api slots": lambda: api(fin_person).get(
            reverse("assessments:ministry-host-slot-list", args=[minfin.pk]), {"season": season.pk}
        ),
        "api pending": lambda: api(staff).get(reverse("assessments:ministry-decision-pending", args=[season.pk])),
        "api free": lambda: api(world["first"].user).get(reverse("assessments:ministry-slot-list")),
    }
    grow()
    before = {name: _count(read) for name, read in reads.items()}
    grow()
    after = {name: _count(read) for name, read in reads.items()}
    assert before == after
    assert len(ministry_candidates(host_id=minfin.pk, season_id=season.pk)) == 4


@pytest.mark.django_db
def test_pages_are_reached_by_the_ministry_and_staff_and_apply_a_wave(client, world):
    season, minfin = world["season"], world["minfin"]
    decision = ministry_decide(host=minfin, participant=world["first"], user=world["fin_person"], verdict="finalist")
    client.force_login(world["fin_person"])
    assert client.get(reverse("assessments:own-ministry"))["Location"].endswith(
        reverse("assessments:ministry-host", args=[minfin.pk])
    )
    page = client.get(reverse("assessments:ministry-host", args=[minfin.pk]), {"season": season.pk})
    assert page.status_code == 200 and "Первый" in page.content.decode()
    assert client.get(reverse("assessments:ministry-decisions")).status_code == 403
    client.force_login(world["staff"])
    listed = client.get(reverse("assessments:ministry-decisions"), {"season": season.pk}).content.decode()
    assert "Минфин" in listed and "Первый" in listed
    assert "Минэк" in listed  # every ministry is listed, pending decisions or not
    response = client.post(
        reverse("assessments:ministry-decisions"), {"season": season.pk, "decision": [str(decision.pk)]}
    )
    assert response.status_code == 302
    assert MinistryDecision.objects.get(pk=decision.pk).wave_id is not None
    assert (
        client.post(reverse("assessments:ministry-decisions"), {"season": season.pk, "decision": ["x"]}).status_code
        == 400
    )


@pytest.mark.django_db
def test_a_ministry_publishes_slots_by_the_experts_rules_and_a_booked_one_stays(world):
    minfin, season = world["minfin"], world["season"]
    url = reverse("assessments:ministry-slot-create", args=[minfin.pk])
    starts = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    body = {"season_id": season.pk, "starts_at": starts.isoformat(), "duration_minutes": 30, "room": "каб. 5"}
    assert api(world["ek_person"]).post(url, body, format="json").status_code == 403
    created = api(world["fin_person"]).post(url, body, format="json")
    assert created.status_code == 201
    overlapping = {**body, "starts_at": (starts + timedelta(minutes=15)).isoformat()}
    assert api(world["fin_person"]).post(url, overlapping, format="json").status_code == 400
    past = {**body, "starts_at": (starts - timedelta(days=10)).isoformat()}
    assert api(world["fin_person"]).post(url, past, format="json").status_code == 400
    both = {**body, "starts_at": (starts + timedelta(hours=2)).isoformat(), "meeting_url": "https://x.example.org"}
    assert api(world["fin_person"]).post(url, both, format="json").status_code == 400
    slot_id = created.json()["id"]
    # The participant books it from the cabinet's form; the ministry cannot remove it then.
    client = APIClient()
    client.force_login(world["first"].user)
    assert client.post(reverse("assessments:ministry-book"), {"slot": str(slot_id)}).status_code == 302
    assert MinistryInterview.objects.filter(slot_id=slot_id, participant=world["first"], status="booked").exists()
    delete = reverse("assessments:ministry-slot-delete", args=[slot_id])
    assert api(world["fin_person"]).delete(delete).status_code == 409
    assert (
        api(world["first"].user)
        .post(
            reverse("assessments:ministry-interview-cancel", args=[MinistryInterview.objects.get(slot_id=slot_id).pk])
        )
        .status_code
        == 200
    )
    assert api(world["fin_person"]).delete(delete).status_code == 204
    assert MinistrySlot.objects.filter(pk=slot_id, published=False).exists()  # withdrawn, its booking kept


@pytest.mark.django_db
def test_the_data_export_lists_ministry_interviews_and_only_applied_decisions(world):
    from assessments.privacy import ministry_part_export

    first, minfin = world["first"], world["minfin"]
    MinistryInterview.objects.create(participant=first, host=minfin, slot=slot_of(minfin, world["season"]))
    decision = ministry_decide(host=minfin, participant=first, user=world["fin_person"], verdict="reserve")
    interviews, decisions = ministry_part_export(first.user_id)
    assert [row["ministry"] for row in interviews.rows] == ["Минфин"] and decisions.rows == []
    ministry_wave_apply(season=world["season"], user=world["staff"], decision_ids=[decision.pk])
    _interviews, decisions = ministry_part_export(first.user_id)
    assert [row["ministry"] for row in decisions.rows] == ["Минфин"]


@pytest.mark.django_db
def test_every_save_of_a_pending_decision_is_kept_with_who_and_when(world):
    first, minfin = world["first"], world["minfin"]
    colleague = host_person(minfin)
    ministry_decide(host=minfin, participant=first, user=world["fin_person"], verdict="reserve", comment="Подумаем")
    decision = ministry_decide(host=minfin, participant=first, user=colleague, verdict="finalist", comment="Берём")
    assert (decision.verdict, decision.decided_by) == ("finalist", colleague)
    changes = list(decision.changes.values_list("verdict", "comment", "changed_by"))
    assert changes == [("reserve", "Подумаем", world["fin_person"].pk), ("finalist", "Берём", colleague.pk)]


@pytest.mark.django_db
def test_bad_input_is_a_4xx_with_a_message_never_a_500(client, world):
    minfin, season, fin_person = world["minfin"], world["season"], world["fin_person"]
    person = api(fin_person)
    create = reverse("assessments:ministry-slot-create", args=[minfin.pk])
    for starts_at in ("9999-12-31T23:59:00+03:00", "0001-01-01T00:00:00Z", "вчера", 5):
        body = {"season_id": season.pk, "starts_at": starts_at, "duration_minutes": 30, "room": "1"}
        assert person.post(create, body, format="json").status_code == 400
    assert person.post(create, {"season_id": 10**12, "starts_at": "x"}, format="json").status_code in (400, 404)
    decide = reverse("assessments:ministry-decision-set", args=[minfin.pk])
    for body in (
        {"participant_id": world["first"].pk, "verdict": "hired"},
        {"participant_id": "abc", "verdict": "finalist"},
        {"participant_id": world["first"].pk, "verdict": "finalist", "comment": "a\x00b"},
    ):
        response = person.post(decide, body, format="json")
        assert response.status_code == 400 and response.json()
    assert person.post(decide, {"participant_id": 10**9, "verdict": "finalist"}, format="json").status_code == 404
    interview = MinistryInterview.objects.create(
        participant=world["first"], host=minfin, slot=slot_of(minfin, season, past=True)
    )
    sheet = reverse("assessments:ministry-sheet-submit", args=[interview.pk])
    for rubric in ({"motivation": 9}, {"nothing": 1}, {}, "x"):
        assert person.post(sheet, {"rubric": rubric}, format="json").status_code == 400
    wave = reverse("assessments:ministry-wave-apply", args=[season.pk])
    for ids in (["x"], [], [10**9], "1"):
        assert api(world["staff"]).post(wave, {"decision_ids": ids}, format="json").status_code == 400
    rubric = reverse("assessments:host-rubric-update", args=[minfin.pk])
    twice = {"key": "a", "label": "А", "descriptors": ["0", "1"]}
    body = {"title": "Р", "max_score": 1, "criteria": [twice, twice]}
    assert person.put(rubric, body, format="json").status_code == 400
    client.force_login(fin_person)
    page = reverse("assessments:ministry-host", args=[minfin.pk])
    for starts_at in ("", "31.02.2027", "9999-12-31T23:59"):
        response = client.post(page, {"season": season.pk, "starts_at": starts_at, "duration_minutes": "30"})
        assert response.status_code == 400
    assert not MinistrySlot.objects.filter(host=minfin, created_by=fin_person).exists()
