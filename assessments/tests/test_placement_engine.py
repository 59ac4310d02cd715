"""The placement engine (issue 15 §3, §7): deferred acceptance on hand-built markets with known
outcomes, ties and the stored lottery, capacities, regional caps, eligibility with its rules,
fixed placements and staff moves, declined seats, explanations, hashes; generated markets with no
blocking pair, participant-optimality against every stable placement of tiny markets, and equality
with the `matching` package where it applies. Pure: no database."""

import itertools
import random
import warnings
from dataclasses import replace

import pytest

from assessments.placement import (
    Cap,
    Decline,
    Fixed,
    Line,
    Market,
    MarketError,
    Offer,
    Participant,
    Placement,
    placement_compute,
)
from assessments.placement.checks import BlockingPair, blocking_pairs, placement_violations, textbook_lists
from assessments.placement.eligibility import PairFacts, ineligibility
from assessments.placement.generated import market_generate
from assessments.placement.lottery import lottery_positions
from assessments.placement.outcome import (
    CUTOFF,
    FIXED,
    FULL_BY_FIXED,
    NOT_ELIGIBLE,
    RANKED,
    REGIONAL_CAP,
    UNPLACED,
    UNRANKED,
)

ALL_LEVELS = frozenset({"beginner", "young", "pro"})
FEDERAL_LEVELS = frozenset({"young", "pro"})


def roiv(offer_id, seats, region="77", *, open_to=(), caps=()):
    return Offer(offer_id, seats, ALL_LEVELS, region, frozenset(open_to), tuple(caps))


def foiv(offer_id, seats, *, caps=()):
    return Offer(offer_id, seats, FEDERAL_LEVELS, caps=tuple(caps))


def person(pid, *ranking, level="beginner", region="77"):
    return Participant(pid, level, region, tuple(ranking))


def build(offers, people, priorities, *, fixed=(), declines=()) -> Market:
    """`priorities`: {offer id: {participant id: number or tuple}}; a number n means (n,)."""
    keys = {
        offer_id: {pid: key if isinstance(key, tuple) else (key,) for pid, key in row.items()}
        for offer_id, row in priorities.items()
    }
    return Market(tuple(offers), tuple(people), keys, tuple(fixed), tuple(declines))


def where(placement: Placement) -> dict:
    return {pid: offer for pid, offer in placement.assignment.items() if offer is not None}


def assert_sound(market: Market, placement: Placement) -> None:
    """Feasible, no blocking pair, and an explanation for every offer ranked above a placement."""
    assert placement_violations(market=market, placement=placement) == []
    assert blocking_pairs(market=market, placement=placement) == []
    offers = {offer.id: offer for offer in market.offers}
    fixed_on = {line.offer_id: line.fixed for line in placement.offers}
    declined = {(d.participant_id, d.offer_id): d.by for d in market.declines}
    for participant in market.participants:
        line = placement.by_participant[participant.id]
        if line.how not in (RANKED, UNPLACED) or not participant.ranking:
            assert line.reasons == ()
            continue
        above = participant.ranking if line.offer_id is None else participant.ranking[: line.choice - 1]
        assert [reason.offer_id for reason in line.reasons] == list(above)
        for reason in line.reasons:
            offer = offers[reason.offer_id]
            facts = PairFacts(
                ranked_by_host=participant.id in market.priorities.get(offer.id, {}),
                declined_by=declined.get((participant.id, offer.id)),
            )
            rule = ineligibility(participant, offer, facts)
            if reason.code == NOT_ELIGIBLE:
                assert reason.rule == rule is not None
                continue
            assert rule is None
            if reason.code == FULL_BY_FIXED:
                assert fixed_on[offer.id] > 0
            else:
                assert reason.code in (CUTOFF, REGIONAL_CAP)
                assert (reason.code == REGIONAL_CAP) == (reason.cap is not None)
                if reason.cutoff is not None:
                    assert reason.own < reason.cutoff or (reason.own == reason.cutoff and reason.tie_lost)


# ---------------------------------------------------------------- known markets


def test_participants_propose_so_they_get_their_optimal_stable_placement():
    # The textbook two-by-two: each participant's first choice prefers the other one. Both
    # placements are stable; proposing participants get their first choices.
    market = build(
        [roiv(1, 1), roiv(2, 1)],
        [person(10, 1, 2), person(20, 2, 1)],
        {1: {10: 1, 20: 2}, 2: {10: 2, 20: 1}},
    )
    placement = placement_compute(market=market, seed=1)
    assert where(placement) == {10: 1, 20: 2}
    assert all(line.choice == 1 and line.how == RANKED for line in placement.lines)
    assert_sound(market, placement)


def test_the_matching_packages_own_example():
    # HospitalResident's example in daffidwilde/matching: M: [L, S], C: [D, A], G: [J].
    names = {"A": 1, "S": 2, "D": 3, "J": 4, "L": 5}
    offers = {"M": 100, "C": 200, "G": 300}
    residents = {"A": "C", "S": "CM", "D": "CMG", "J": "CGM", "L": "MCG"}
    hospitals = {"M": "DLSJ", "C": "DASLJ", "G": "DJL"}
    market = build(
        [roiv(offer_id, 2) for offer_id in offers.values()],
        [person(names[r], *(offers[h] for h in ranked)) for r, ranked in residents.items()],
        {offers[h]: {names[r]: len(order) - i for i, r in enumerate(order)} for h, order in hospitals.items()},
    )
    placement = placement_compute(market=market, seed=7)
    assert where(placement) == {names["L"]: 100, names["S"]: 100, names["D"]: 200, names["A"]: 200, names["J"]: 300}
    assert_sound(market, placement)


def test_seats_go_by_priority_and_the_rest_are_told_the_cut_off():
    market = build(
        [roiv(1, 2), roiv(2, 5)],
        [person(pid, 1, 2) for pid in (1, 2, 3, 4)],
        {1: {1: 6.0, 2: 9.0, 3: 7.5, 4: 7.0}, 2: {1: 6.0, 2: 9.0, 3: 7.5, 4: 7.0}},
    )
    placement = placement_compute(market=market, seed=3)
    assert where(placement) == {2: 1, 3: 1, 1: 2, 4: 2}
    (reason,) = placement.by_participant[4].reasons
    assert (reason.offer_id, reason.code, reason.cutoff, reason.own, reason.tie_lost) == (
        1,
        CUTOFF,
        (7.5,),
        (7.0,),
        False,
    )
    assert placement.offers[0].cutoff == (7.5,) and placement.offers[1].cutoff is None
    assert_sound(market, placement)


def test_ministry_decision_comes_before_its_score():
    # FOIV priority: (decision, score), finalist 2 > reserve 1: a reserve with a higher score
    # still comes after a finalist.
    market = build(
        [foiv(1, 1)],
        [person(1, 1, level="young"), person(2, 1, level="pro")],
        {1: {1: (1, 4.9), 2: (2, 3.0)}},
    )
    placement = placement_compute(market=market, seed=0)
    assert where(placement) == {2: 1}
    assert placement.by_participant[1].reasons[0].cutoff == (2, 3.0)


# ---------------------------------------------------------------- ties and the lottery


def tie_market() -> Market:
    return build([roiv(1, 1), roiv(2, 1)], [person(1, 1, 2), person(2, 1, 2)], {1: {1: 8.0, 2: 8.0}, 2: {1: 1, 2: 1}})


def test_ties_are_broken_by_the_stored_lottery_the_same_way_each_time():
    market = tie_market()
    winners = {}
    for seed in range(20):
        first, again = placement_compute(market=market, seed=seed), placement_compute(market=market, seed=seed)
        assert first.canonical == again.canonical and first.output_hash == again.output_hash
        assert first.seed == seed
        positions = lottery_positions(seed=seed, participant_ids=[1, 2])
        assert {line.participant_id: line.lottery for line in first.lines} == positions
        winner = min(positions, key=positions.get)
        assert where(first)[winner] == 1  # the first drawn wins the tie
        loser = first.by_participant[3 - winner]
        assert (loser.reasons[0].code, loser.reasons[0].tie_lost, loser.reasons[0].cutoff) == (CUTOFF, True, (8.0,))
        winners[seed] = winner
    assert set(winners.values()) == {1, 2}, "another seed may give another placement"


def test_the_lottery_depends_on_seed_and_id_only():
    everyone = lottery_positions(seed=5, participant_ids=range(1, 101))
    some = lottery_positions(seed=5, participant_ids=range(1, 51))
    assert sorted(some, key=some.get) == [pid for pid in sorted(everyone, key=everyone.get) if pid <= 50]
    assert lottery_positions(seed=6, participant_ids=range(1, 101)) != everyone


def test_a_generated_market_with_ties_depends_on_the_seed():
    market = market_generate(participants=300, offers=20, seed=11)
    outcomes = {tuple(sorted(where(placement_compute(market=market, seed=seed)).items())) for seed in range(4)}
    assert len(outcomes) > 1


# ---------------------------------------------------------------- regional caps


def test_a_cap_on_other_regions_admits_the_best_outsiders_up_to_the_limit():
    offer = roiv(1, 3, "77", open_to={"pro"}, caps=[Cap(limit=1)])
    people = [
        person(1, 1, level="pro", region="50"),
        person(2, 1, level="pro", region="52"),
        person(3, 1, level="pro", region="77"),
        person(4, 1, region="77"),
        person(5, 1, level="pro", region="50"),
    ]
    market = build([offer], people, {1: {1: 9.0, 2: 9.5, 3: 5.0, 4: 6.0, 5: 4.0}})
    placement = placement_compute(market=market, seed=2)
    assert where(placement) == {2: 1, 3: 1, 4: 1}
    for outsider in (1, 5):
        (reason,) = placement.by_participant[outsider].reasons
        assert (reason.code, reason.cutoff, reason.cap) == (REGIONAL_CAP, (9.5,), Cap(limit=1))
    assert_sound(market, placement)


def test_a_better_outsider_displaces_the_weaker_outsider_not_a_local():
    offer = roiv(1, 2, "77", open_to={"pro"}, caps=[Cap(limit=1)])
    # Participant 1 (outsider, 7.0) and 2 (local, 5.0) are held first; 3 (outsider, 8.0) then
    # proposes: the cap is full, so 3 competes inside it and turns 1 away, though 2 is lower.
    market = build(
        [offer, roiv(2, 5, "50")],
        [
            person(1, 1, 2, level="pro", region="50"),
            person(2, 1, region="77"),
            person(3, 1, level="pro", region="52"),
        ],
        {1: {1: 7.0, 2: 5.0, 3: 8.0}, 2: {1: 1.0}},
    )
    placement = placement_compute(market=market, seed=4)
    assert where(placement) == {3: 1, 2: 1, 1: 2}
    assert placement.by_participant[1].reasons[0].code == REGIONAL_CAP
    assert_sound(market, placement)


def test_a_cap_on_named_regions_of_a_federal_offer():
    offer = foiv(1, 3, caps=[Cap(limit=1, regions=frozenset({"77", "78"}))])
    people = [person(pid, 1, level="young", region=region) for pid, region in ((1, "77"), (2, "78"), (3, "50"))]
    market = build([offer], people, {1: {1: (2, 5.0), 2: (2, 4.0), 3: (1, 1.0)}})
    placement = placement_compute(market=market, seed=0)
    assert where(placement) == {1: 1, 3: 1}
    assert placement.by_participant[2].reasons[0].code == REGIONAL_CAP
    assert_sound(market, placement)


def test_nested_caps_and_a_cap_taken_by_fixed_placements():
    # Other regions at most 2, of which region 50 at most 1; one fixed from 50 fills its cap.
    caps = [Cap(limit=2), Cap(limit=1, regions=frozenset({"50"}))]
    market = build(
        [roiv(1, 4, "77", open_to={"pro"}, caps=caps)],
        [person(1, 1, level="pro", region="50"), person(2, 1, level="pro", region="50")]
        + [person(3, 1, level="pro", region="52"), person(4, 1, level="pro", region="53")]
        + [person(5, 1, region="77")],
        {1: {1: 1.0, 2: 9.0, 3: 8.0, 4: 7.0, 5: 2.0}},
        fixed=[Fixed(1, 1)],
    )
    placement = placement_compute(market=market, seed=0)
    assert where(placement) == {1: 1, 3: 1, 5: 1}
    assert placement.by_participant[2].reasons[0].code == FULL_BY_FIXED
    assert placement.by_participant[2].reasons[0].cap == caps[1]
    assert placement.by_participant[4].reasons[0].code == REGIONAL_CAP
    assert_sound(market, placement)


def test_caps_that_cross_are_refused():
    caps = [Cap(limit=1, regions=frozenset({"50", "52"})), Cap(limit=1, regions=frozenset({"52", "53"}))]
    with pytest.raises(MarketError, match="overlap"):
        placement_compute(market=build([foiv(1, 2, caps=caps)], [], {}), seed=0)


# ---------------------------------------------------------------- eligibility


def test_each_offer_ranked_above_names_the_rule_that_excludes_it():
    offers = [foiv(1, 5), roiv(2, 5, "50"), roiv(3, 5, "50", open_to={"pro"}), foiv(4, 5), roiv(5, 5, "77")]
    people = [
        person(1, 1, 5),  # a Beginner may not take a federal offer
        person(2, 2, 5, level="young"),  # nor a Young participant another region's ROIV offer
        person(3, 2, 3, 5, level="pro"),  # a PRO may, where the offer allows it
        person(4, 4, 5, level="young"),  # the ministry did not choose them
    ]
    everyone = dict.fromkeys(range(1, 5), 5.0)
    market = build(offers, people, {1: everyone, 2: everyone, 3: everyone, 4: {1: 5.0}, 5: everyone})
    placement = placement_compute(market=market, seed=0)
    assert where(placement) == {1: 5, 2: 5, 3: 3, 4: 5}
    rules = {pid: [(r.offer_id, r.code, r.rule) for r in placement.by_participant[pid].reasons] for pid in range(1, 5)}
    assert rules == {
        1: [(1, NOT_ELIGIBLE, "level_not_allowed")],
        2: [(2, NOT_ELIGIBLE, "other_region")],
        3: [(2, NOT_ELIGIBLE, "other_region")],
        4: [(4, NOT_ELIGIBLE, "not_ranked_by_host")],
    }
    assert_sound(market, placement)


# ---------------------------------------------------------------- fixed placements, moves, declines


def test_fixed_placements_stay_and_take_their_seats():
    market = build(
        [roiv(1, 1), roiv(2, 1)],
        [person(1, 1, 2), person(2, 1, 2), person(3, 1, 2)],
        {1: {1: 1.0, 2: 9.0, 3: 8.0}, 2: {1: 1.0, 2: 9.0, 3: 8.0}},
        fixed=[Fixed(1, 1)],
    )
    placement = placement_compute(market=market, seed=0)
    assert where(placement) == {1: 1, 2: 2}
    fixed_line = placement.by_participant[1]
    assert (fixed_line.how, fixed_line.source, fixed_line.choice, fixed_line.reasons) == (FIXED, "confirmed", 1, ())
    assert [(r.offer_id, r.code) for r in placement.by_participant[2].reasons] == [(1, FULL_BY_FIXED)]
    assert [(r.offer_id, r.code) for r in placement.by_participant[3].reasons] == [(1, FULL_BY_FIXED), (2, CUTOFF)]
    assert placement.offers[0].fixed == 1
    assert_sound(market, placement)


def test_a_staff_move_is_kept_in_the_next_run_and_the_others_replaced_around_it():
    people = [person(1, 1, 2), person(2, 1, 2), person(3, 2, 1)]
    keys = {1: {1: 9.0, 2: 8.0, 3: 7.0}, 2: {1: 9.0, 2: 8.0, 3: 7.0}}
    market = build([roiv(1, 1), roiv(2, 1)], people, keys)
    assert where(placement_compute(market=market, seed=0)) == {1: 1, 2: 2}
    # Staff move participant 3 to offer 1 (the reason is the workflow's, with the audit).
    moved = build([roiv(1, 1), roiv(2, 1)], people, keys, fixed=[Fixed(3, 1, source="moved")])
    placement = placement_compute(market=moved, seed=0)
    assert where(placement) == {3: 1, 1: 2}
    assert (placement.by_participant[3].how, placement.by_participant[3].source) == (FIXED, "moved")
    assert placement.by_participant[2].reasons[0].code == FULL_BY_FIXED


def test_fixed_placements_beyond_the_seats_are_refused():
    market = build([roiv(1, 1)], [person(1, 1), person(2, 1)], {1: {1: 1, 2: 2}}, fixed=[Fixed(1, 1), Fixed(2, 1)])
    with pytest.raises(MarketError, match="over its 1 seats"):
        placement_compute(market=market, seed=0)


@pytest.mark.parametrize("by", ["host", "participant"])
def test_a_declined_seat_goes_to_the_next_run(by):
    people = [person(1, 1, 2), person(2, 1, 2)]
    keys = {1: {1: 9.0, 2: 8.0}, 2: {1: 9.0, 2: 8.0}}
    first = placement_compute(market=build([roiv(1, 1), roiv(2, 1)], people, keys), seed=0)
    assert where(first) == {1: 1, 2: 2}
    # Participant 2's placement on 2 was confirmed meanwhile; 1's on 1 declined.
    market = build([roiv(1, 1), roiv(2, 2)], people, keys, fixed=[Fixed(2, 2)], declines=[Decline(1, 1, by)])
    second = placement_compute(market=market, seed=0)
    assert where(second) == {1: 2, 2: 2}
    assert [(r.code, r.rule) for r in second.by_participant[1].reasons] == [(NOT_ELIGIBLE, f"declined_by_{by}")]
    # With the seat free again, the next candidate takes it.
    third = build(
        [roiv(1, 1), roiv(2, 2)],
        [*people, person(3, 1)],
        {1: {**keys[1], 3: 1.0}, 2: keys[2]},
        declines=[Decline(1, 1, by)],
    )
    assert where(placement_compute(market=third, seed=0))[2] == 1


# ---------------------------------------------------------------- those who rank nothing


def test_those_who_rank_nothing_come_after_in_the_lotterys_order():
    people = [person(1, 1, region="77"), person(2, region="77"), person(3, region="77"), person(4, region="77")]
    keys = {1: {1: 1.0, 2: 9.0, 3: 9.0, 4: 9.0}, 2: {2: 5.0, 3: 5.0, 4: 5.0}}
    market = build([roiv(1, 2), roiv(2, 1)], people, keys)
    for seed in range(5):
        placement = placement_compute(market=market, seed=seed)
        assert placement.by_participant[1].offer_id == 1  # ranked it: ahead of higher priorities
        unranked = sorted((2, 3, 4), key=lambda pid: placement.by_participant[pid].lottery)
        # The first drawn takes the offer with more seats left (both have one: the lower id).
        assert [placement.by_participant[pid].offer_id for pid in unranked] == [1, 2, None]
        assert [placement.by_participant[pid].how for pid in unranked] == [UNRANKED, UNRANKED, UNPLACED]
        assert_sound(market, placement)


# ---------------------------------------------------------------- hashes and validation


def shuffled(market: Market, seed: int) -> Market:
    rng = random.Random(seed)

    def mixed(items):
        items = list(items)
        rng.shuffle(items)
        return tuple(items)

    priorities = {offer_id: dict(mixed(row.items())) for offer_id, row in mixed(market.priorities.items())}
    offers = mixed(replace(offer, caps=mixed(offer.caps)) for offer in market.offers)
    return Market(offers, mixed(market.participants), priorities, mixed(market.fixed), mixed(market.declines))


def test_the_same_inputs_in_any_order_give_the_same_bytes_and_hashes():
    market = market_generate(participants=400, offers=30, seed=5, fixed=0.05, declines=0.05, unranked=0.1)
    placement = placement_compute(market=market, seed=99)
    other = shuffled(market, 1)
    assert other.canonical == market.canonical and other.inputs_hash() == market.inputs_hash()
    again = placement_compute(market=other, seed=99)
    assert again.canonical == placement.canonical and again.output_hash == placement.output_hash
    assert placement.inputs_hash == market.inputs_hash() and len(placement.output_hash) == 64


def test_any_change_of_the_inputs_or_seed_changes_the_hashes():
    market = market_generate(participants=50, offers=6, seed=5)
    placement = placement_compute(market=market, seed=1)
    offer_id, row = next((o, r) for o, r in market.priorities.items() if r)
    pid = next(iter(row))
    changed = Market(
        market.offers, market.participants, {**market.priorities, offer_id: {**row, pid: (row[pid][0] + 0.1,)}}
    )
    assert changed.inputs_hash() != market.inputs_hash()
    assert placement_compute(market=changed, seed=1).output_hash != placement.output_hash
    assert placement_compute(market=market, seed=2).output_hash != placement.output_hash


@pytest.mark.parametrize(
    ("market", "message"),
    [
        (build([roiv(1, 1)], [person(1, 2)], {}), "unknown offer 2"),
        (build([roiv(1, 1)], [person(1, 1, 1)], {}), "ranks an offer twice"),
        (build([roiv(1, 1)], [person(1, 1)], {1: {1: float("nan")}}), "has nan"),
        (build([roiv(1, 1)], [person(1, 1)], {1: {1: (True,)}}), "has True"),
        (build([roiv(1, 1)], [person(1, 1)], {1: {2: 1.0}}), "unknown participant 2"),
        (build([roiv(1, 1)], [person(1, 1)], {}, fixed=[Fixed(1, 1), Fixed(1, 1)]), "two fixed"),
        (build([foiv(1, 1, caps=[Cap(limit=1)])], [], {}), "federal"),
        (build([roiv(1, 1)], [person(1, 1)], {}, declines=[Decline(1, 1, "staff")]), "a decline by"),
        (build([roiv(1, -1)], [], {}), "-1 seats"),
    ],
)
def test_malformed_markets_are_refused_with_a_message(market, message):
    with pytest.raises(MarketError, match=message):
        placement_compute(market=market, seed=0)


@pytest.mark.parametrize("seed", ["7", 7.0, True, None])
def test_the_seed_must_be_an_int(seed):
    with pytest.raises(TypeError, match="seed must be an int"):
        placement_compute(market=tie_market(), seed=seed)


# ---------------------------------------------------------------- the checks themselves


def test_the_checks_find_blocking_pairs_and_impossible_placements():
    market = build(
        [roiv(1, 1), roiv(2, 1, open_to={"pro"}, caps=[Cap(limit=0)])],
        [person(1, 1, 2), person(2, 1, 2), person(3, 2, level="pro", region="50")],
        {1: {1: 9.0, 2: 1.0}, 2: {1: 9.0, 2: 1.0, 3: 5.0}},
    )

    def placement(*lines):
        return Placement(seed=0, inputs_hash="", lines=tuple(Line(*line) for line in lines), offers=())

    swapped = placement((1, 2, RANKED, 2, 0), (2, 1, RANKED, 1, 1), (3, None, UNPLACED, None, 2))
    assert blocking_pairs(market=market, placement=swapped) == [BlockingPair(1, 1, "displace", 2)]
    left_out = placement((1, 2, RANKED, 2, 0), (2, None, UNPLACED, None, 1), (3, None, UNPLACED, None, 2))
    assert blocking_pairs(market=market, placement=left_out) == [
        BlockingPair(1, 1, "free_seat"),
        BlockingPair(2, 1, "free_seat"),
    ]
    assert placement_violations(market=market, placement=left_out) == []
    crowded = placement((1, 1, RANKED, 1, 0), (2, 1, RANKED, 1, 1), (3, 2, RANKED, 1, 2))
    assert placement_violations(market=market, placement=crowded) == [
        "offer 1 has 2 over its 1 seats",
        "offer 2 has 1 over its cap of 0",
    ]


# ---------------------------------------------------------------- generated markets


def test_generated_markets_have_no_blocking_pair_and_explain_everyone():
    rng = random.Random(2024)
    for seed in range(120):
        market = market_generate(
            participants=rng.randint(5, 150),
            offers=rng.randint(2, 24),
            seed=seed,
            ranking_length=rng.randint(1, 5),
            seats_ratio=rng.uniform(0.3, 1.2),
            fixed=0.05,
            declines=0.05,
            unranked=0.1,
        )
        assert_sound(market, placement_compute(market=market, seed=seed))


def test_a_season_sized_market_has_no_blocking_pair():
    market = market_generate(participants=3000, offers=150, seed=3, fixed=0.03, declines=0.03, unranked=0.05)
    placement = placement_compute(market=market, seed=3)
    assert_sound(market, placement)
    hows = {line.how for line in placement.lines}
    codes = {reason.code for line in placement.lines for reason in line.reasons}
    assert hows == {RANKED, FIXED, UNRANKED, UNPLACED}
    assert codes == {CUTOFF, NOT_ELIGIBLE, REGIONAL_CAP, FULL_BY_FIXED}


def stable_placements(market: Market, seed: int) -> list[dict]:
    """Every feasible placement of a tiny market (fixed and unranked aside) with no blocking pair."""
    lottery = lottery_positions(seed=seed, participant_ids=[p.id for p in market.participants])
    choices = [[None, *p.ranking] for p in market.participants]
    found = []
    for assignment in itertools.product(*choices):
        placement = Placement(
            seed=seed,
            inputs_hash="",
            lines=tuple(
                Line(p.id, offer, UNPLACED if offer is None else RANKED, None, lottery[p.id])
                for p, offer in zip(market.participants, assignment)
            ),
            offers=(),
        )
        if not placement_violations(market=market, placement=placement) and not blocking_pairs(
            market=market, placement=placement
        ):
            found.append(dict(zip((p.id for p in market.participants), assignment)))
    return found


def test_tiny_markets_give_every_participant_their_best_stable_placement():
    checked = 0
    for seed in range(60):
        market = market_generate(participants=5, offers=3, seed=seed, ranking_length=3, seats_ratio=0.5, stray=0.3)
        placement = placement_compute(market=market, seed=seed)
        stable = stable_placements(market, seed)
        ours = placement.assignment
        assert ours in stable
        for participant in market.participants:
            order = [*participant.ranking, None]
            assert all(order.index(ours[participant.id]) <= order.index(s[participant.id]) for s in stable)
        checked += len(stable) > 1
    assert checked, "some markets must have more than one stable placement to choose from"


def test_the_same_placement_as_the_matching_package_without_ties_or_caps():
    from matching.games import HospitalResident

    for seed in range(25):
        size = random.Random(seed).randint(10, 80)
        market = market_generate(participants=size, offers=8, seed=seed, ties=False, caps=False, stray=0.2)
        prefs, orders, seats = textbook_lists(market=market, seed=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            game = HospitalResident.create_from_dictionaries(prefs, orders, seats)
            theirs = {r.name: h.name for h, residents in game.solve(optimal="resident").items() for r in residents}
        assert theirs and where(placement_compute(market=market, seed=seed)) == theirs


def test_the_textbook_lists_refuse_what_the_textbook_cannot_state():
    with pytest.raises(ValueError, match="no caps"):
        textbook_lists(market=market_generate(participants=50, offers=10, seed=1, caps=True), seed=1)
