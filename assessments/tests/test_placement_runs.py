"""Placement runs (issue 15 §3): a hand-built season with a known placement and reasons, the same
output hash from the same inputs and seed, publication to the cabinet, staff-only pages and
query counts that do not grow with the run."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from assessments.models import Interview, InterviewSheet, InterviewSlot, PlacementLine, PlacementRun, RunStatus
from assessments.models.admission import ImmutableError
from assessments.selectors.placement import placement_published_for, placement_run_list, placement_run_table
from assessments.services.placement import placement_run_publish, placement_run_start
from lms import roles
from lms.models import Level
from tests.factories import (
    HostBodyFactory,
    InternshipOfferFactory,
    ParticipantFactory,
    SeasonFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db

_hours = iter(range(1, 10_000))


def interviewed(participant, expert, score: int) -> None:
    """One submitted sheet scoring `score` (of 5) on every criterion: the averaged score is score / 5."""
    starts = timezone.now() + timedelta(days=2, hours=next(_hours))
    slot = InterviewSlot.objects.create(
        season=participant.season, expert=expert, starts_at=starts, ends_at=starts + timedelta(minutes=30)
    )
    interview = Interview.objects.create(participant=participant, slot=slot)
    InterviewSheet.objects.create(
        interview=interview,
        expert=expert,
        rubric=dict.fromkeys(("motivation", "communication", "knowledge", "initiative"), score),
        submitted_at=timezone.now(),
    )


def person(season, last_name, level=Level.BEGINNER):
    return ParticipantFactory(season=season, level=level, application__last_name=last_name)


def rank(participant, *offers):
    for number, offer in enumerate(offers, start=1):
        participant.offer_preferences.create(offer=offer, rank=number)


@pytest.fixture
def season_world():
    """Two one-seat offers of Moscow's regional body for Beginners, one ministry offer for Young
    and PRO; five participants of Moscow (region 77)."""
    season = SeasonFactory()
    staff = user_with_role(roles.STAFF)
    expert = user_with_role(roles.EXPERT)
    roiv = HostBodyFactory(name="Правительство Москвы", kind="roiv", region_code="77")
    a = InternshipOfferFactory(
        season=season, host=roiv, title="А", seats=1, takes_beginner=True, takes_young=False, takes_pro=False
    )
    b = InternshipOfferFactory(
        season=season, host=roiv, title="Б", seats=1, takes_beginner=True, takes_young=False, takes_pro=False
    )
    f = InternshipOfferFactory(season=season, host=HostBodyFactory(name="Минфин"), title="Ф", seats=2)
    first, second, third = person(season, "Первый"), person(season, "Второй"), person(season, "Третий")
    unscored, young = person(season, "Безбаллов"), person(season, "Молодой", Level.YOUNG)
    for participant, score in ((first, 5), (second, 4), (third, 3), (young, 4)):
        interviewed(participant, expert, score)
    rank(first, a, b)
    rank(second, a, b)
    rank(third, a, b)
    rank(unscored, b)
    rank(young, f, a)
    people = {"first": first, "second": second, "third": third, "unscored": unscored, "young": young}
    return season, staff, {"a": a, "b": b, "f": f}, people


def test_a_hand_built_season_gets_the_known_placement_and_reasons(season_world):
    season, staff, offers, people = season_world
    run = placement_run_start(season=season, user=staff)
    assert run.status == RunStatus.DONE and run.participant_count == 5
    lines = {line.participant_id: line for line in PlacementLine.objects.filter(run=run)}
    placed = {name: lines[p.pk].offer_id for name, p in people.items()}
    assert placed == {"first": offers["a"].pk, "second": offers["b"].pk, "third": None, "unscored": None, "young": None}
    codes = {name: [(r["offer_id"], r["code"], r["rule"]) for r in lines[p.pk].reasons] for name, p in people.items()}
    a, b, f = offers["a"].pk, offers["b"].pk, offers["f"].pk
    assert codes == {
        "first": [],
        "second": [(a, "cutoff", None)],
        "third": [(a, "cutoff", None), (b, "cutoff", None)],
        "unscored": [(b, "not_eligible", "not_ranked_by_host")],
        # No ministry decisions yet: a FOIV offer has no priorities, so nobody is eligible for it.
        "young": [(f, "not_eligible", "not_ranked_by_host"), (a, "not_eligible", "level_not_allowed")],
    }
    assert lines[people["third"].pk].reasons[1]["cutoff"] == [0.8]
    assert lines[people["third"].pk].reasons[1]["own"] == [0.6]
    with translation.override("en"):
        rows = {row["participant_id"]: row for row in placement_run_table(run=run)}
    third = rows[people["third"].pk]["reasons"]
    assert third[1]["text"] == "Its seats went to candidates with higher priority: cut-off 0.80, yours 0.60."
    young = [reason["text"] for reason in rows[people["young"].pk]["reasons"]]
    assert young == [
        "Not eligible: the ministry has not chosen you (no applied decision of finalist or reserve).",
        "Not eligible: the offer does not take participants of your level.",
    ]
    assert rows[people["unscored"].pk]["reasons"][0]["text"] == "Not eligible: you have no expert interview score."
    with translation.override("ru"):
        rows = {row["participant_id"]: row for row in placement_run_table(run=run)}
    assert "отсечение 0,80" in rows[people["third"].pk]["reasons"][1]["text"]


def test_the_same_inputs_and_seed_give_the_same_output_hash(season_world):
    season, staff, _offers, _people = season_world
    run = placement_run_start(season=season, user=staff)
    again = placement_run_start(season=season, user=staff, seed=run.seed)
    assert (again.inputs_hash, again.output_hash, again.outcome) == (run.inputs_hash, run.output_hash, run.outcome)
    assert len(run.output_hash) == 64 and run.pk != again.pk
    # Another seed is another lottery: the hash covers the seed.
    other = placement_run_start(season=season, user=staff, seed=(run.seed + 1) % 2**63)
    assert other.inputs_hash == run.inputs_hash and other.output_hash != run.output_hash


def test_a_done_run_and_its_lines_cannot_change(season_world):
    season, staff, _offers, _people = season_world
    run = placement_run_start(season=season, user=staff)
    run.seed = 1
    with pytest.raises(ImmutableError):
        run.save(update_fields=["seed"])
    with pytest.raises(ImmutableError):
        run.save(update_fields=["output_hash"])
    with pytest.raises(ImmutableError):
        PlacementLine.objects.filter(run=run).update(offer=None)


def test_participants_see_only_a_published_run(season_world, client):
    season, staff, offers, people = season_world
    run = placement_run_start(season=season, user=staff)
    assert placement_published_for(participant=people["second"]) is None
    client.force_login(people["second"].user)
    assert 'data-testid="placement-panel"' not in client.get(reverse("cabinet")).content.decode()
    placement_run_publish(run=run, user=staff)
    shown = placement_published_for(participant=people["second"])
    assert shown["offer_id"] == offers["b"].pk and shown["run"].pk == run.pk
    page = client.get(reverse("cabinet")).content.decode()
    assert 'data-testid="placement-panel"' in page and "Правительство Москвы: Б" in page
    with pytest.raises(ValidationError, match="уже опубликован"):
        placement_run_publish(run=run, user=staff)


def test_runs_are_staff_only(season_world, client):
    season, staff, _offers, people = season_world
    run = placement_run_start(season=season, user=staff)
    client.force_login(people["first"].user)
    assert client.get(reverse("assessments:placement")).status_code == 403
    assert client.get(reverse("assessments:placement-run", args=[run.pk])).status_code == 403
    assert client.post(reverse("assessments:placement"), {"season": season.pk}).status_code == 403
    response = client.post(reverse("assessments:placement-run", args=[run.pk]), {"confirm": "on"})
    assert response.status_code == 403
    run.refresh_from_db()
    assert run.published_at is None and PlacementRun.objects.count() == 1


def test_staff_start_read_and_publish_a_run(season_world, client):
    season, staff, _offers, people = season_world
    client.force_login(staff)
    response = client.post(reverse("assessments:placement"), {"season": season.pk})
    run = PlacementRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("assessments:placement-run", args=[run.pk])
    page = client.get(response["Location"]).content.decode()
    assert run.output_hash in page and "Третий" in page
    assert client.post(response["Location"], {}).status_code == 400  # the box not ticked
    assert client.post(response["Location"], {"confirm": "on"}).status_code == 302
    run.refresh_from_db()
    assert run.published_at is not None and run.published_by == staff
    assert client.post(reverse("assessments:placement"), {"season": "abc"}).status_code == 400
    assert client.get(reverse("assessments:placement-run", args=[run.pk + 100])).status_code == 404


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as context:
        call()
    return len(context)


def test_the_list_and_the_table_take_the_same_queries_at_n_and_n_plus_one(season_world):
    season, staff, offers, _people = season_world
    run = placement_run_start(season=season, user=staff)
    table = _queries(lambda: placement_run_table(run=run))
    listing = _queries(lambda: list(placement_run_list(season_id=season.pk)))
    rank(person(season, "Новый"), offers["b"])
    bigger = placement_run_start(season=season, user=staff)
    assert bigger.participant_count == run.participant_count + 1
    assert _queries(lambda: placement_run_table(run=bigger)) == table == 4
    assert _queries(lambda: list(placement_run_list(season_id=season.pk))) == listing == 1


def test_the_api_starts_reads_and_publishes_a_run_checkable_from_what_it_returns(season_world):
    season, staff, offers, people = season_world
    api = APIClient()
    api.force_authenticate(people["first"].user)
    assert api.post(f"/api/v1/seasons/{season.pk}/placement-runs/").status_code == 403
    assert api.get("/api/v1/me/placement/").status_code == 404  # nothing published yet
    api.force_authenticate(staff)
    created = api.post(f"/api/v1/seasons/{season.pk}/placement-runs/")
    assert created.status_code == 201 and created.json()["status"] == "done"
    run_id = created.json()["id"]
    body = api.get(f"/api/v1/placement-runs/{run_id}/").json()
    # Anyone holding the answer can check it: the stored texts hash to the stored hashes.
    assert hashlib.sha256(body["market"].encode()).hexdigest() == body["inputs_hash"]
    assert hashlib.sha256(body["outcome"].encode()).hexdigest() == body["output_hash"]
    assert json.loads(body["outcome"])["seed"] == body["seed"]
    assert {line["participant_id"]: line["offer_id"] for line in body["lines"]}[people["second"].pk] == offers["b"].pk
    assert api.get(f"/api/v1/placement-runs/{run_id + 100}/").status_code == 404
    assert api.post(f"/api/v1/placement-runs/{run_id}/publish/").status_code == 200
    assert api.post(f"/api/v1/placement-runs/{run_id}/publish/").status_code == 400
    assert api.post("/api/v1/seasons/999999/placement-runs/").status_code == 404
    api.force_authenticate(people["third"].user)
    assert api.get(f"/api/v1/placement-runs/{run_id}/").status_code == 403
    mine = api.get("/api/v1/me/placement/").json()
    assert mine["offer_id"] is None and [reason["code"] for reason in mine["reasons"]] == ["cutoff", "cutoff"]


def test_a_tie_lost_in_the_lottery_says_so():
    season, staff, expert = SeasonFactory(), user_with_role(roles.STAFF), user_with_role(roles.EXPERT)
    roiv = HostBodyFactory(name="Правительство области", kind="roiv", region_code="77")
    only = InternshipOfferFactory(
        season=season, host=roiv, seats=1, takes_beginner=True, takes_young=False, takes_pro=False
    )
    twins = [person(season, "Равный"), person(season, "Равная")]
    for participant in twins:
        interviewed(participant, expert, 4)
        rank(participant, only)
    run = placement_run_start(season=season, user=staff)
    lines = list(PlacementLine.objects.filter(run=run).order_by("lottery"))
    assert [line.offer_id for line in lines] == [only.pk, None]  # position 0 wins the tie
    assert lines[1].reasons[0]["tie_lost"] is True
    with translation.override("ru"):
        (row,) = [row for row in placement_run_table(run=run) if row["offer_id"] is None]
    assert row["reasons"][0]["text"] == (
        "Равенство с последним принятым кандидатом (0,80); жеребьёвка расчёта поставила его выше."
    )
