"""Checks anyone can run on a stored placement: is it feasible, and does any participant and offer
block it. Written apart from the engine (plain loops over the lines, no state of the proposing),
so that the engine's tests and a later audit check the engine rather than repeat it.

A blocking pair is a participant p who ranked offers and an offer o they ranked above their
placement and may take, such that
  * `free_seat`: o has a seat free and room in every cap of o counting p's region, or
  * `displace`: o holds a participant q (not fixed) after p in o's order (priority, then the
    lottery), and putting p in q's place keeps every cap of o.
Caps are per offer, so p leaving their own offer never breaks a cap of o. Participants who ranked
nothing are placed after everyone who did and block nothing (they stated no preference)."""

from dataclasses import dataclass

from assessments.placement.eligibility import PairFacts, ineligibility
from assessments.placement.lottery import lottery_positions
from assessments.placement.market import Market, cap_counts
from assessments.placement.outcome import FIXED, RANKED, UNPLACED, UNRANKED, Placement


@dataclass(frozen=True, slots=True)
class BlockingPair:
    participant_id: int
    offer_id: int
    kind: str  # "free_seat" or "displace"
    displaced: int | None = None


def _eligible(market: Market, participant, offer, declined: dict) -> bool:
    keys = market.priorities.get(offer.id, {})
    facts = PairFacts(ranked_by_host=participant.id in keys, declined_by=declined.get((participant.id, offer.id)))
    return ineligibility(participant, offer, facts) is None


def placement_violations(*, market: Market, placement: Placement) -> list[str]:
    """What makes the placement impossible for the market: a line missing, seats or caps exceeded,
    a fixed placement not kept, a participant placed where they may not be or did not rank."""
    problems = []
    participants = {p.id: p for p in market.participants}
    offers = {o.id: o for o in market.offers}
    declined = {(d.participant_id, d.offer_id): d.by for d in market.declines}
    lines = placement.by_participant
    if set(lines) != set(participants) or len(placement.lines) != len(participants):
        problems.append("the lines are not one per participant")
    fixed = {f.participant_id: f for f in market.fixed}
    placed: dict[int, list[int]] = {offer_id: [] for offer_id in offers}
    for pid, line in lines.items():
        participant = participants.get(pid)
        if participant is None:
            continue
        if pid in fixed:
            if (line.offer_id, line.how, line.source) != (fixed[pid].offer_id, FIXED, fixed[pid].source):
                problems.append(f"fixed placement of {pid} not kept")
        elif line.offer_id is None:
            if line.how != UNPLACED:
                problems.append(f"{pid} has no offer but is {line.how}")
        elif line.offer_id not in offers:
            problems.append(f"{pid} placed on unknown offer {line.offer_id}")
            continue
        else:
            if line.how != (RANKED if participant.ranking else UNRANKED):
                problems.append(f"{pid} is {line.how}")
            if participant.ranking and line.offer_id not in participant.ranking:
                problems.append(f"{pid} placed on {line.offer_id}, which they did not rank")
            if not _eligible(market, participant, offers[line.offer_id], declined):
                problems.append(f"{pid} placed on {line.offer_id}, which they may not take")
        if line.offer_id in placed:
            placed[line.offer_id].append(pid)
    for offer_id, people in placed.items():
        offer = offers[offer_id]
        if len(people) > offer.seats:
            problems.append(f"offer {offer_id} has {len(people)} over its {offer.seats} seats")
        for cap in offer.caps:
            counted = sum(cap_counts(cap, offer, participants[pid].region) for pid in people)
            if counted > cap.limit:
                problems.append(f"offer {offer_id} has {counted} over its cap of {cap.limit}")
    return problems


def blocking_pairs(*, market: Market, placement: Placement) -> list[BlockingPair]:
    """Every blocking pair (module docstring), in participant and ranking order."""
    offers = {o.id: o for o in market.offers}
    regions = {p.id: p.region for p in market.participants}
    declined = {(d.participant_id, d.offer_id): d.by for d in market.declines}
    fixed = {f.participant_id for f in market.fixed}
    lines = placement.by_participant
    holders: dict[int, list[int]] = {offer_id: [] for offer_id in offers}
    for line in placement.lines:
        if line.offer_id is not None:
            holders[line.offer_id].append(line.participant_id)

    def ahead(offer_id: int, first: int, second: int) -> bool:
        keys = market.priorities[offer_id]
        return (keys[first], -lines[first].lottery) > (keys[second], -lines[second].lottery)

    found = []
    for participant in market.participants:
        pid = participant.id
        if pid in fixed or not participant.ranking:
            continue
        current = lines[pid].offer_id
        above = participant.ranking if current is None else participant.ranking[: participant.ranking.index(current)]
        for offer_id in above:
            offer = offers[offer_id]
            if not _eligible(market, participant, offer, declined):
                continue
            people = holders[offer_id]
            counting = [cap for cap in offer.caps if cap_counts(cap, offer, participant.region)]

            def room(cap, without=None, people=people, offer=offer):
                used = sum(cap_counts(cap, offer, regions[q]) for q in people if q != without)
                return used < cap.limit

            if len(people) < offer.seats and all(room(cap) for cap in counting):
                found.append(BlockingPair(pid, offer_id, "free_seat"))
                continue
            for other in people:
                if other in fixed or not ahead(offer_id, pid, other):
                    continue
                if all(room(cap, without=other) for cap in counting):
                    found.append(BlockingPair(pid, offer_id, "displace", other))
                    break
    return found


def textbook_lists(*, market: Market, seed: int) -> tuple[dict[int, list[int]], dict[int, list[int]], dict[int, int]]:
    """The market as the hospital-residents problem states it, for other implementations to place
    and compare: each participant's ranking cut to what they may take, each offer's candidates in
    its strict order (priority, then the run's lottery), and the seats. Only for markets the
    textbook can state: no caps, nothing fixed, everyone ranks (ValueError otherwise)."""
    if market.fixed or any(offer.caps for offer in market.offers) or any(not p.ranking for p in market.participants):
        raise ValueError("the textbook problem has no caps, no fixed placements and no one ranking nothing")
    offers = {offer.id: offer for offer in market.offers}
    declined = {(d.participant_id, d.offer_id): d.by for d in market.declines}
    lottery = lottery_positions(seed=seed, participant_ids=[p.id for p in market.participants])
    prefs = {}
    for participant in market.participants:
        mine = [o for o in participant.ranking if _eligible(market, participant, offers[o], declined)]
        if mine:
            prefs[participant.id] = mine
    orders = {}
    for offer_id, keys in market.priorities.items():
        applicants = [pid for pid in keys if offer_id in prefs.get(pid, ())]
        if applicants:
            applicants.sort(key=lottery.__getitem__)
            applicants.sort(key=keys.__getitem__, reverse=True)
            orders[offer_id] = applicants
    return prefs, orders, {offer_id: offers[offer_id].seats for offer_id in orders}
