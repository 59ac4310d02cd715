"""The placement after a run (issue 15 §3): hosts confirm or decline, participants decline, staff
move; later runs keep confirmed placements and moves fixed and free declined seats; Beginners who
ranked nothing; the regional cap on PRO from other regions; the publication's e-mails; query
counts; the blocking-pair check on stored runs of generated seasons."""

import random
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from assessments.models import PlacementDecision, PlacementLine, PlacementNotice
from assessments.models.admission import ImmutableError
from assessments.placement import placement_compute
from assessments.placement.checks import blocking_pairs, placement_violations
from assessments.selectors.placement import (
    placement_host_lines,
    placement_market,
    placement_published_for,
)
from assessments.services.placement import (
    placement_host_decide,
    placement_move,
    placement_participant_decline,
    placement_run_notify,
    placement_run_publish,
    placement_run_start,
)
from assessments.tests.test_placement_runs import interviewed, person, rank
from lms import roles
from lms.errors import ConflictError
from lms.hosts.services import offer_update
from lms.models import Level
from tests.factories import (
    HostBodyFactory,
    InternshipOfferFactory,
    ParticipantFactory,
    SeasonFactory,
    host_person,
    user_with_role,
)
from tests.plugin import without_cache_forgets

pytestmark = pytest.mark.django_db

BEGINNERS = {"takes_beginner": True, "takes_young": False, "takes_pro": False}


@pytest.fixture
def world():
    """Moscow's body with two one-seat offers for Beginners; three Moscow Beginners scoring 5, 4
    and 3 who all rank A then B: the first run places 5 on A, 4 on B, leaves 3 out."""
    season = SeasonFactory()
    staff = user_with_role(roles.STAFF)
    expert = user_with_role(roles.EXPERT)
    roiv = HostBodyFactory(name="Правительство Москвы", kind="roiv", region_code="77")
    a = InternshipOfferFactory(season=season, host=roiv, title="А", seats=1, **BEGINNERS)
    b = InternshipOfferFactory(season=season, host=roiv, title="Б", seats=1, **BEGINNERS)
    people = {}
    for name, score in (("top", 5), ("mid", 4), ("low", 3)):
        people[name] = person(season, name.title())
        interviewed(people[name], expert, score)
        rank(people[name], a, b)
    host = host_person(roiv)
    run = placement_run_start(season=season, user=staff)
    placement_run_publish(run=run, user=staff)
    return {
        "season": season,
        "staff": staff,
        "expert": expert,
        "roiv": roiv,
        "host": host,
        "a": a,
        "b": b,
        "run": run,
        **people,
    }


def lines_of(run) -> dict[int, PlacementLine]:
    return {line.participant_id: line for line in PlacementLine.objects.filter(run=run)}


def test_the_first_run_is_as_expected(world):
    lines = lines_of(world["run"])
    assert lines[world["top"].pk].offer_id == world["a"].pk
    assert lines[world["mid"].pk].offer_id == world["b"].pk
    assert lines[world["low"].pk].offer_id is None


def test_a_staff_move_is_audited_and_fixed_in_the_next_run(world, client):
    w = world
    client.force_login(w["staff"])
    url = reverse("assessments:placement-move", args=[w["run"].pk])
    # No reason: refused with why, nothing recorded.
    refused = client.post(url, {"participant": w["low"].pk, "offer": w["a"].pk, "reason": " "})
    assert refused.status_code == 400 and "Укажите, почему" in refused.content.decode()
    assert client.post(url, {"participant": "x", "offer": w["a"].pk, "reason": "r"}).status_code == 400
    moved = client.post(url, {"participant": w["low"].pk, "offer": w["a"].pk, "reason": "Знает язык"})
    assert moved.status_code == 302
    decision = PlacementDecision.objects.get()
    assert (decision.kind, decision.reason, decision.decided_by, decision.from_offer_id) == (
        "moved",
        "Знает язык",
        w["staff"],
        None,
    )
    assert decision.decided_at is not None
    page = client.get(reverse("assessments:placement-run", args=[w["run"].pk])).content.decode()
    assert "Знает язык" in page and "Перемещён(а) сотрудниками" in page
    with pytest.raises(ImmutableError):
        decision.delete()
    # The run itself is unchanged; the next run keeps the move.
    assert lines_of(w["run"])[w["low"].pk].offer_id is None
    second = placement_run_start(season=w["season"], user=w["staff"])
    lines = lines_of(second)
    assert (lines[w["low"].pk].offer_id, lines[w["low"].pk].how) == (w["a"].pk, "fixed")
    assert lines[w["top"].pk].offer_id == w["b"].pk and lines[w["mid"].pk].offer_id is None
    assert [r["code"] for r in lines[w["top"].pk].reasons] == ["full_by_fixed"]
    # A move onto an offer whose seats are all held by fixed placements is refused.
    with pytest.raises(ValidationError, match="заняты"):
        placement_move(run=second, participant_id=w["mid"].pk, offer_id=w["a"].pk, reason="r", user=w["staff"])
    # Others may not move anyone (page and API).
    client.force_login(w["top"].user)
    assert client.post(url, {"participant": w["top"].pk, "offer": w["a"].pk, "reason": "r"}).status_code == 403


def test_the_move_api(world):
    w = world
    api = APIClient()
    api.force_authenticate(w["host"])
    body = {"participant_id": w["low"].pk, "offer_id": w["b"].pk, "reason": "Нужен в отделе"}
    assert api.post(f"/api/v1/placement-runs/{w['run'].pk}/moves/", body).status_code == 403
    api.force_authenticate(w["staff"])
    created = api.post(f"/api/v1/placement-runs/{w['run'].pk}/moves/", body)
    assert created.status_code == 201 and created.json()["kind"] == "moved"
    assert api.post(f"/api/v1/placement-runs/{w['run'].pk}/moves/", {**body, "reason": ""}).status_code == 400
    other = InternshipOfferFactory(title="Для молодых")  # another season's offer
    assert api.post(f"/api/v1/placement-runs/{w['run'].pk}/moves/", {**body, "offer_id": other.pk}).status_code == 400
    assert api.post(f"/api/v1/placement-runs/{w['run'].pk + 99}/moves/", body).status_code == 404


def test_a_host_confirmation_is_fixed_in_the_next_run(world, client):
    w = world
    client.force_login(w["host"])
    page = client.get(reverse("assessments:placement-host"))
    assert page.status_code == 200 and "Mid" in page.content.decode() and "Top" in page.content.decode()
    assert (
        client.post(
            reverse("assessments:placement-host"), {"participant": w["mid"].pk, "action": "confirm"}
        ).status_code
        == 302
    )
    decision = PlacementDecision.objects.get()
    assert (decision.kind, decision.decided_by, decision.offer_id) == ("confirmed", w["host"], w["b"].pk)
    # Twice: refused (409 through the API, 400 on the page).
    with pytest.raises(ConflictError):
        placement_host_decide(run=w["run"], participant_id=w["mid"].pk, confirm=True, user=w["host"])
    # A newcomer who would have taken B finds it held.
    newcomer = person(w["season"], "Newcomer")
    interviewed(newcomer, w["expert"], 5)
    rank(newcomer, w["b"])
    second = placement_run_start(season=w["season"], user=w["staff"])
    lines = lines_of(second)
    assert (lines[w["mid"].pk].offer_id, lines[w["mid"].pk].how) == (w["b"].pk, "fixed")
    assert json_source(second, w["mid"].pk) == "confirmed"
    assert lines[newcomer.pk].offer_id is None and lines[newcomer.pk].reasons[0]["code"] == "full_by_fixed"
    placement_run_publish(run=second, user=w["staff"])
    mine = placement_published_for(participant=w["mid"])
    assert mine["state"] == "confirmed" and mine["can_decline"]


def json_source(run, participant_id: int) -> str:
    import json

    return next(line for line in json.loads(run.outcome)["lines"] if line["participant_id"] == participant_id)["source"]


def test_a_host_decline_needs_a_reason_and_bars_the_pair(world):
    w = world
    with pytest.raises(ValidationError, match="почему"):
        placement_host_decide(run=w["run"], participant_id=w["top"].pk, confirm=False, reason="", user=w["host"])
    placement_host_decide(
        run=w["run"], participant_id=w["top"].pk, confirm=False, reason="Нет пропуска", user=w["host"]
    )
    second = placement_run_start(season=w["season"], user=w["staff"])
    lines = lines_of(second)
    assert lines[w["top"].pk].offer_id == w["b"].pk
    assert lines[w["top"].pk].reasons[0]["rule"] == "declined_by_host"
    assert lines[w["mid"].pk].offer_id == w["a"].pk


def test_a_participant_decline_frees_the_seat_for_the_next_candidate(world, client):
    w = world
    client.force_login(w["top"].user)
    cabinet = client.get(reverse("cabinet")).content.decode()
    assert "Отказаться от распределения" in cabinet and "Ожидает подтверждения" in cabinet
    # Without the box ticked nothing happens.
    client.post(reverse("assessments:placement-decline"), {"reason": "Уезжаю"})
    assert not PlacementDecision.objects.exists()
    response = client.post(reverse("assessments:placement-decline"), {"reason": "Уезжаю", "confirm": "on"})
    assert response.status_code == 302
    decision = PlacementDecision.objects.get()
    assert (decision.kind, decision.offer_id, decision.reason, decision.decided_by) == (
        "declined_by_participant",
        w["a"].pk,
        "Уезжаю",
        w["top"].user,
    )
    with pytest.raises(ConflictError):
        placement_participant_decline(participant=w["top"], user=w["top"].user)
    # The host may no longer confirm a declined placement.
    with pytest.raises(ConflictError):
        placement_host_decide(run=w["run"], participant_id=w["top"].pk, confirm=True, user=w["host"])
    second = placement_run_start(season=w["season"], user=w["staff"])
    lines = lines_of(second)
    assert lines[w["mid"].pk].offer_id == w["a"].pk  # the next candidate
    assert lines[w["top"].pk].offer_id == w["b"].pk  # not A again
    assert lines[w["top"].pk].reasons == [
        {
            "offer_id": w["a"].pk,
            "code": "not_eligible",
            "rule": "declined_by_participant",
            "cutoff": None,
            "own": None,
            "tie_lost": False,
            "cap": None,
        }
    ]
    assert lines[w["low"].pk].offer_id is None
    # Erased, the person's words go and the decision stays (it shapes every later run).
    from assessments.privacy import assessments_part_erase

    assessments_part_erase(w["top"].user_id)
    decision = PlacementDecision.objects.get()
    assert (decision.kind, decision.offer_id, decision.reason) == ("declined_by_participant", w["a"].pk, "")


def test_the_decline_api_asks_for_confirmation(world):
    w = world
    api = APIClient()
    api.force_authenticate(w["low"].user)
    assert api.post("/api/v1/me/placement/decline/", {"confirm": True}, format="json").status_code == 400  # no seat
    api.force_authenticate(w["top"].user)
    assert api.post("/api/v1/me/placement/decline/", {"confirm": False}, format="json").status_code == 400
    created = api.post("/api/v1/me/placement/decline/", {"confirm": True}, format="json")
    assert created.status_code == 201 and created.json()["kind"] == "declined_by_participant"
    assert api.post("/api/v1/me/placement/decline/", {"confirm": True}, format="json").status_code == 409
    mine = api.get("/api/v1/me/placement/").json()
    assert mine["state"] == "declined_by_participant" and mine["can_decline"] is False
    api.force_authenticate(w["host"])
    assert api.post("/api/v1/me/placement/decline/", {"confirm": True}, format="json").status_code == 403


def test_a_host_sees_and_decides_only_its_own_placements(world, client):
    w = world
    other_body = HostBodyFactory(name="Правительство области", kind="roiv", region_code="50")
    InternshipOfferFactory(season=w["season"], host=other_body, **BEGINNERS)
    stranger = host_person(other_body)
    run, rows = placement_host_lines(host_id=other_body.pk)
    assert rows == []
    with pytest.raises(PermissionDenied):
        placement_host_decide(run=w["run"], participant_id=w["top"].pk, confirm=True, user=stranger)
    api = APIClient()
    api.force_authenticate(stranger)
    assert api.get("/api/v1/me/host/placements/").json()["lines"] == []
    body = {"participant_id": w["top"].pk, "decision": "confirm"}
    assert api.post(f"/api/v1/placement-runs/{w['run'].pk}/host-decisions/", body).status_code == 403
    client.force_login(stranger)
    response = client.post(reverse("assessments:placement-host"), {"participant": w["top"].pk, "action": "confirm"})
    assert response.status_code == 400  # not on its list
    # Neither a participant nor staff (who have no body) reach the host's page or list.
    for user in (w["top"].user, w["staff"]):
        client.force_login(user)
        assert client.get(reverse("assessments:placement-host")).status_code == 403
        api.force_authenticate(user)
        assert api.get("/api/v1/me/host/placements/").status_code == 403
    for user in (w["top"].user, w["staff"]):
        api.force_authenticate(user)
        assert api.post(f"/api/v1/placement-runs/{w['run'].pk}/host-decisions/", body).status_code == 403
    assert not PlacementDecision.objects.exists()
    # The body's own people through the API; decline needs a reason; twice is a conflict.
    api.force_authenticate(w["host"])
    lines = api.get("/api/v1/me/host/placements/").json()
    assert {line["participant_id"] for line in lines["lines"]} == {w["top"].pk, w["mid"].pk}
    decline = {"participant_id": w["mid"].pk, "decision": "decline"}
    assert api.post(f"/api/v1/placement-runs/{w['run'].pk}/host-decisions/", decline).status_code == 400
    decline["reason"] = "Отдел закрыт"
    assert api.post(f"/api/v1/placement-runs/{w['run'].pk}/host-decisions/", decline).status_code == 201
    assert api.post(f"/api/v1/placement-runs/{w['run'].pk}/host-decisions/", decline).status_code == 409


def test_only_the_latest_published_run_is_decided_on(world):
    w = world
    newer = placement_run_start(season=w["season"], user=w["staff"])
    placement_run_publish(run=newer, user=w["staff"])
    with pytest.raises(ConflictError):
        placement_host_decide(run=w["run"], participant_id=w["top"].pk, confirm=True, user=w["host"])
    assert placement_host_decide(run=newer, participant_id=w["top"].pk, confirm=True, user=w["host"]).pk


def test_a_run_with_fixed_placements_and_declines_is_reproducible(world):
    w = world
    placement_host_decide(run=w["run"], participant_id=w["mid"].pk, confirm=True, user=w["host"])
    placement_participant_decline(participant=w["top"], user=w["top"].user)
    first = placement_run_start(season=w["season"], user=w["staff"])
    again = placement_run_start(season=w["season"], user=w["staff"], seed=first.seed)
    assert (again.market, again.outcome, again.output_hash) == (first.market, first.outcome, first.output_hash)
    assert '"fixed":[[' in first.market and '"declines":[[' in first.market
    # And anyone recomputes it from the market read now.
    market = placement_market(season_id=w["season"].pk)
    assert market.canonical == first.market
    assert placement_compute(market=market, seed=first.seed).output_hash == first.output_hash


def test_beginners_who_ranked_nothing_are_placed_after_in_the_lotterys_order():
    season, staff, expert = SeasonFactory(), user_with_role(roles.STAFF), user_with_role(roles.EXPERT)
    moscow = HostBodyFactory(kind="roiv", region_code="77")
    region = HostBodyFactory(kind="roiv", region_code="50")
    a = InternshipOfferFactory(season=season, host=moscow, seats=2, **BEGINNERS)
    z = InternshipOfferFactory(season=season, host=region, seats=1, **BEGINNERS)
    ranked = person(season, "Ranked")
    quiet = [person(season, "Quiet"), person(season, "Silent")]
    far = ParticipantFactory(season=season, level=Level.BEGINNER, application__region_code="50")
    unscored = person(season, "Unscored")
    young = person(season, "Young", Level.YOUNG)  # not a Beginner: ranked nothing, not placed
    for participant, score in ((ranked, 3), (quiet[0], 5), (quiet[1], 5), (far, 4), (young, 5)):
        interviewed(participant, expert, score)
    rank(ranked, a)
    run = placement_run_start(season=season, user=staff)
    lines = lines_of(run)
    assert young.pk not in lines
    assert (lines[ranked.pk].offer_id, lines[ranked.pk].how) == (a.pk, "ranked")  # before higher scores
    first, second = sorted(quiet, key=lambda p: lines[p.pk].lottery)
    assert (lines[first.pk].offer_id, lines[first.pk].how) == (a.pk, "unranked")
    assert (lines[second.pk].offer_id, lines[second.pk].how) == (None, "unplaced")
    assert (lines[far.pk].offer_id, lines[far.pk].how) == (z.pk, "unranked")  # their own region's
    assert lines[unscored.pk].offer_id is None  # no interview score: no host's priority


def test_the_regional_cap_on_pro_from_other_regions():
    season, staff, expert = SeasonFactory(), user_with_role(roles.STAFF), user_with_role(roles.EXPERT)
    moscow = HostBodyFactory(kind="roiv", region_code="77")
    offer = InternshipOfferFactory(
        season=season, host=moscow, seats=3, takes_pro=True, takes_young=False, pro_other_regions=True
    )
    # Staff set the cap; cap > seats and a body's own people are refused.
    with pytest.raises(ValidationError):
        offer_update(offer=offer, actor=staff, changes={"other_regions_cap": 4})
    with pytest.raises(PermissionDenied):
        offer_update(offer=offer, actor=host_person(moscow), changes={"other_regions_cap": 1})
    offer = offer_update(offer=offer, actor=staff, changes={"other_regions_cap": 1})
    assert offer.other_regions_cap == 1
    local = ParticipantFactory(season=season, level=Level.PRO)
    outsiders = [ParticipantFactory(season=season, level=Level.PRO, application__region_code="50") for _ in range(2)]
    for participant, score in ((local, 3), (outsiders[0], 5), (outsiders[1], 4)):
        interviewed(participant, expert, score)
        rank(participant, offer)
    run = placement_run_start(season=season, user=staff)
    assert '"caps":[{"limit":1,"regions":null}]' in run.market
    lines = lines_of(run)
    assert lines[local.pk].offer_id == offer.pk and lines[outsiders[0].pk].offer_id == offer.pk
    assert lines[outsiders[1].pk].offer_id is None
    assert lines[outsiders[1].pk].reasons[0]["code"] == "regional_cap"
    # A staff move of the second outsider is refused while the cap is held... by a fixed one.
    placement_move(run=run, participant_id=outsiders[0].pk, offer_id=offer.pk, reason="r", user=staff)
    with pytest.raises(ValidationError, match="других регионов"):
        placement_move(run=run, participant_id=outsiders[1].pk, offer_id=offer.pk, reason="r", user=staff)


def test_the_cap_through_the_offer_api(world):
    w = world
    api = APIClient()
    api.force_authenticate(w["staff"])
    url = f"/api/v1/internship-offers/{w['a'].pk}/update/"
    response = api.patch(url, {"other_regions_cap": 1}, format="json")
    assert response.status_code == 400  # the offer does not take PRO from other regions
    open_offer = InternshipOfferFactory(
        season=w["season"], host=w["roiv"], seats=2, takes_pro=True, pro_other_regions=True
    )
    url = f"/api/v1/internship-offers/{open_offer.pk}/update/"
    assert api.patch(url, {"other_regions_cap": 3}, format="json").status_code == 400  # over the seats
    response = api.patch(url, {"other_regions_cap": 2}, format="json")
    assert response.status_code == 200 and response.json()["other_regions_cap"] == 2
    assert '"caps":[{"limit":2,"regions":null}]' in placement_market(season_id=w["season"].pk).canonical


def test_publishing_e_mails_each_participant_once_even_when_the_mail_server_fails_once(
    world, django_capture_on_commit_callbacks
):
    from assessments.services import admission_publish
    from assessments.tasks import placement_run_notify_task

    w = world
    assert {OSError, smtplib.SMTPException} <= set(placement_run_notify_task.autoretry_for)
    run = placement_run_start(season=w["season"], user=w["staff"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        placement_run_publish(run=run, user=w["staff"])
    assert len(without_cache_forgets(callbacks)) == 1 and PlacementNotice.objects.filter(run=run).count() == 3
    real, calls = admission_publish.send_mail, []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise smtplib.SMTPServerDisconnected("gone")
        return real(*args, **kwargs)

    with mock.patch.object(admission_publish, "send_mail", flaky), pytest.raises(smtplib.SMTPException):
        placement_run_notify(run_id=run.pk)
    assert len(mail.outbox) == 1
    assert placement_run_notify(run_id=run.pk) == 2  # the retry: only the rest
    assert placement_run_notify(run_id=run.pk) == 0
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        w[name].user.email for name in ("top", "mid", "low")
    )
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "Правительство Москвы: А" in bodies[w["top"].user.email]
    assert "не нашло для вас места" in bodies[w["low"].user.email]


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as context:
        call()
    return len(context)


def test_the_new_lists_take_the_same_queries_at_n_and_n_plus_one(world):
    w = world
    api = APIClient()
    api.force_authenticate(w["host"])
    placement_host_decide(run=w["run"], participant_id=w["top"].pk, confirm=True, user=w["host"])
    host_list = _queries(lambda: placement_host_lines(host_id=w["roiv"].pk))
    host_api = _queries(lambda: api.get("/api/v1/me/host/placements/"))
    mine = _queries(lambda: placement_published_for(participant=w["top"]))
    # One more placed line (a third seat) and one more decision.
    c = InternshipOfferFactory(season=w["season"], host=w["roiv"], title="В", seats=1, **BEGINNERS)
    extra = person(w["season"], "Extra")
    interviewed(extra, w["expert"], 3)
    rank(extra, c)
    second = placement_run_start(season=w["season"], user=w["staff"])
    placement_run_publish(run=second, user=w["staff"])
    placement_participant_decline(participant=w["mid"], user=w["mid"].user)
    run, rows = placement_host_lines(host_id=w["roiv"].pk)
    assert run == second and len(rows) == 3
    assert _queries(lambda: placement_host_lines(host_id=w["roiv"].pk)) == host_list == 4
    assert _queries(lambda: api.get("/api/v1/me/host/placements/")) == host_api
    assert _queries(lambda: placement_published_for(participant=w["top"])) == mine == 5


def _generated_season(rng: random.Random, staff, expert):
    """A small season: two regions' bodies and a ministry, offers of one to two seats (some open to
    PRO from other regions, with a cap), eight participants with random levels, scores and
    rankings of the offers they may see."""
    season = SeasonFactory()
    offers = []
    for region in ("77", "50"):
        body = HostBodyFactory(kind="roiv", region_code=region)
        for _ in range(2):
            other = rng.random() < 0.5
            seats = rng.randint(1, 2)
            offers.append(
                InternshipOfferFactory(
                    season=season,
                    host=body,
                    seats=seats,
                    takes_beginner=True,
                    takes_young=False,
                    takes_pro=True,
                    pro_other_regions=other,
                    other_regions_cap=1 if other and seats == 2 else None,
                )
            )
    offers.append(InternshipOfferFactory(season=season, seats=1))  # a ministry's: nobody eligible yet
    for _ in range(8):
        level = rng.choice([Level.BEGINNER, Level.PRO])
        participant = ParticipantFactory(season=season, level=level, application__region_code=rng.choice(["77", "50"]))
        interviewed(participant, expert, rng.randint(1, 5))
        if rng.random() < 0.8 or level != Level.BEGINNER:
            rank(participant, *rng.sample(offers, rng.randint(1, 3)))
    return season


def _checked(run):
    market = placement_market(season_id=run.season_id)
    assert market.canonical == run.market  # the stored inputs are what the season holds now
    placement = placement_compute(market=market, seed=run.seed)
    assert placement.output_hash == run.output_hash
    assert placement_violations(market=market, placement=placement) == []
    assert blocking_pairs(market=market, placement=placement) == []
    return placement


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stored_runs_of_generated_seasons_have_no_blocking_pair(seed):
    rng = random.Random(seed)
    staff, expert = user_with_role(roles.STAFF), user_with_role(roles.EXPERT)
    season = _generated_season(rng, staff, expert)
    run = placement_run_start(season=season, user=staff)
    _checked(run)
    placement_run_publish(run=run, user=staff)
    placed = list(PlacementLine.objects.filter(run=run, offer__isnull=False).select_related("offer__host"))
    if placed:
        confirmed = placed[0]
        placement_host_decide(
            run=run, participant_id=confirmed.participant_id, confirm=True, user=host_person(confirmed.offer.host)
        )
    for line in placed[1:2]:
        placement_participant_decline(participant=line.participant, user=line.participant.user)
    second = placement_run_start(season=season, user=staff)
    placement = _checked(second)
    if placed:
        assert placement.by_participant[placed[0].participant_id].how == "fixed"
    for line in placed[1:2]:
        assert placement.assignment[line.participant_id] != line.offer_id


def test_the_sweep_requeues_unsent_placement_e_mails_and_erasure_clears_the_address(
    world, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from assessments.privacy import assessments_part_erase
    from assessments.services.admission import admission_runs_sweep

    w = world  # its run is published; the e-mails went out on the commit the test never made
    assert PlacementNotice.objects.filter(run=w["run"], sent_at__isnull=True).count() == 3
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        counts = admission_runs_sweep(now=timezone.now() + timedelta(days=1))
    assert counts["notify_requeued"] == 1 and len(mail.outbox) == 3
    assessments_part_erase(w["top"].user_id)
    assert PlacementNotice.objects.get(run=w["run"], participant=w["top"]).email == ""


def test_the_season_import_reads_the_cap_and_lists_a_bad_one_back(client):
    import csv
    import io

    from lms.hosts.models import HostImport, InternshipOffer
    from lms.tests.test_host_import import HEADER, row, upload

    season, staff = SeasonFactory(), user_with_role(roles.STAFF)

    def content(*rows) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([[*HEADER, "Мест для PRO из других регионов, не более"], *rows])
        return buffer.getvalue().encode("utf-8-sig")

    client.force_login(staff)
    good = row(season, other="да", seats="3") + ["2"]
    bad = row(season, title="Отдел кадров", other="да", seats="2") + ["5"]
    preview = client.get(upload(client, season, content(good, bad), "hosts.csv")["Location"]).content.decode()
    assert "от 1 до числа её мест" in preview
    client.post(reverse("hosts:import-apply", args=[HostImport.objects.get().pk]))  # refused
    assert not InternshipOffer.objects.exists()  # nothing half-imported
    applied = client.post(
        reverse(
            "hosts:import-apply", args=[upload(client, season, content(good), "hosts.csv")["Location"].split("/")[-2]]
        )
    )
    assert applied.status_code == 302
    assert InternshipOffer.objects.get().other_regions_cap == 2
