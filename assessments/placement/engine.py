"""Participant-proposing deferred acceptance with seats, per-offer regional caps, fixed placements
and a stored lottery (docs/placement.md).

Each offer orders its candidates strictly: the host's priority key, higher first, then the lottery
position. An offer's choice among the candidates it holds is greedy in that order under its seats
and its (laminar) caps: a laminar matroid, so the choice is substitutable and the proposing ends in
the participant-optimal stable placement (stable for the lottery-broken order), whatever order the
proposals come in; and ranking offers in one's true order is a participant's best strategy (as long
as the limit on how many they may rank does not cut their list short).
When a proposal does not fit, it competes only inside the smallest full set that counts it (the
tightest full cap on the proposer's region, else the seats): the lowest there loses its seat.
"""

import heapq
from collections.abc import Iterable

from assessments.placement.eligibility import PairFacts, ineligibility
from assessments.placement.explain import OfferView, Pool, reasons_for
from assessments.placement.lottery import lottery_positions
from assessments.placement.market import Cap, Market, Offer, PriorityKey, cap_counts, cap_regions, market_validate
from assessments.placement.outcome import FIXED, RANKED, UNPLACED, UNRANKED, Line, OfferLine, Placement


class _CapState:
    __slots__ = ("cap", "regions", "limit", "count", "fixed")

    def __init__(self, cap: Cap, regions: frozenset[str]):
        self.cap = cap
        self.regions = regions
        self.limit = cap.limit  # left for the proposing once the fixed placements are counted
        self.count = 0
        self.fixed = 0


class _OfferState:
    """An offer during the proposing. Uncapped offers keep their holders in a heap keyed by the
    negated rank (the lowest candidate on top); capped ones a dict, scanned when a cap is full
    (their seats are few, and caps rare)."""

    __slots__ = ("offer", "free", "fixed", "heap", "holders", "caps", "chains", "ranks", "keys", "unranked")

    def __init__(self, offer: Offer, universe: set[str], keys: dict[int, PriorityKey]):
        self.offer = offer
        self.free = offer.seats  # seats left for the proposing once the fixed placements are counted
        self.fixed = 0
        self.heap: list[tuple[int, int]] = []
        self.holders: dict[int, tuple[int, str]] = {}  # capped offers: participant → (rank, region)
        self.caps = [_CapState(cap, cap_regions(cap, offer, universe | set(cap.regions or ()))) for cap in offer.caps]
        self.chains: dict[str, list[_CapState]] = {}
        self.ranks: dict[int, int] = {}  # candidate → rank in the offer's strict order (0 first)
        self.keys = keys
        self.unranked = 0

    def chain(self, region: str) -> list[_CapState]:
        """The caps counting `region`, the smallest first (laminar: they are nested)."""
        chain = self.chains.get(region)
        if chain is None:
            chain = self.chains[region] = sorted(
                (state for state in self.caps if cap_counts(state.cap, self.offer, region)),
                key=lambda state: len(state.regions),
            )
        return chain

    def take_fixed(self, region: str) -> None:
        self.free -= 1
        self.fixed += 1
        for state in self.chain(region):
            state.limit -= 1
            state.fixed += 1

    def propose(self, participant: int, rank: int, region: str) -> int | None:
        """Hold `participant` if the offer's choice keeps them: returns whom that turns away (None
        when nobody), which is `participant` itself when they are not held."""
        if not self.caps:
            heap = self.heap
            if len(heap) < self.free:
                heapq.heappush(heap, (-rank, participant))
                return None
            if heap and -heap[0][0] > rank:
                return heapq.heapreplace(heap, (-rank, participant))[1]
            return participant
        chain = self.chain(region)
        tight = next((state for state in chain if state.count >= state.limit), None)
        if tight is None and len(self.holders) < self.free:
            self._hold(participant, rank, region, chain)
            return None
        pool = (
            self.holders.items()
            if tight is None
            else ((other, held) for other, held in self.holders.items() if held[1] in tight.regions)
        )
        worst, (worst_rank, worst_region) = max(pool, key=lambda item: item[1][0], default=(None, (-1, "")))
        if worst is None or worst_rank < rank:
            return participant
        del self.holders[worst]
        for state in self.chain(worst_region):
            state.count -= 1
        self._hold(participant, rank, region, chain)
        return worst

    def _hold(self, participant: int, rank: int, region: str, chain: list[_CapState]) -> None:
        self.holders[participant] = (rank, region)
        for state in chain:
            state.count += 1

    def held(self) -> list[int]:
        return [participant for _rank, participant in self.heap] if not self.caps else list(self.holders)

    def seats_left(self) -> int:
        return self.free - len(self.heap) - len(self.holders) - self.unranked

    def room_for(self, region: str) -> bool:
        """Whether one more participant from `region` fits (seats and caps)."""
        return self.seats_left() > 0 and all(state.count < state.limit for state in self.chain(region))

    def view(self) -> OfferView:
        """What the explanations need, as the proposing left it."""
        if not self.caps:
            seats = Pool(None, self.free, self.fixed, [(-negated, pid) for negated, pid in self.heap])
            return OfferView(offer=self.offer, keys=self.keys, pools_for=lambda _region: (seats,))
        seats = Pool(None, self.free, self.fixed, [(rank, pid) for pid, (rank, _region) in self.holders.items()])
        pools = {
            id(state): Pool(
                state.cap,
                state.limit,
                state.fixed,
                [(rank, pid) for pid, (rank, region) in self.holders.items() if region in state.regions],
            )
            for state in self.caps
        }
        return OfferView(
            offer=self.offer,
            keys=self.keys,
            pools_for=lambda region: [pools[id(state)] for state in self.chain(region)] + [seats],
        )


def _ordered(candidates: list[int], keys: dict[int, PriorityKey], lottery: dict[int, int]) -> list[int]:
    """Candidates in the offer's strict order: priority key descending, then lottery position."""
    candidates.sort(key=lottery.__getitem__)
    candidates.sort(key=keys.__getitem__, reverse=True)  # stable: equal keys keep the lottery's order
    return candidates


def placement_compute(*, market: Market, seed: int) -> Placement:
    """Place the market's participants; the same market and seed give the same placement, byte for
    byte (`Placement.canonical`). Raises MarketError on a malformed market."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"the lottery's seed must be an int, not {seed!r}")
    market_validate(market)
    universe = {p.region for p in market.participants} | {o.region for o in market.offers if o.region}
    states = {
        offer.id: _OfferState(offer, universe, dict(market.priorities.get(offer.id, {}))) for offer in market.offers
    }
    participants = {participant.id: participant for participant in market.participants}
    lottery = lottery_positions(seed=seed, participant_ids=participants)
    fixed = {f.participant_id: f for f in market.fixed}
    for f in market.fixed:
        states[f.offer_id].take_fixed(participants[f.participant_id].region)
    declined = {(d.participant_id, d.offer_id): d.by for d in market.declines}

    eligible, ineligible, unranked = _rankings_filter(
        market=market, states=states, fixed=fixed, declined=declined, lottery=lottery
    )
    placed = _propose(eligible=eligible, participants=participants, lottery=lottery)
    views = {offer_id: state.view() for offer_id, state in states.items()}
    cutoffs = {offer_id: _cutoff(state) for offer_id, state in states.items()}
    late = _place_unranked(unranked=unranked, states=states, participants=participants, declined=declined)

    lines = []
    for pid in sorted(participants):
        participant = participants[pid]
        ranking = participant.ranking
        if pid in fixed:
            f = fixed[pid]
            choice = ranking.index(f.offer_id) + 1 if f.offer_id in ranking else None
            lines.append(Line(pid, f.offer_id, FIXED, choice, lottery[pid], source=f.source))
        elif not ranking:
            offer_id = late.get(pid)
            lines.append(Line(pid, offer_id, UNPLACED if offer_id is None else UNRANKED, None, lottery[pid]))
        else:
            offer_id = placed.get(pid)
            choice = None if offer_id is None else ranking.index(offer_id) + 1
            above = ranking if choice is None else ranking[: choice - 1]
            reasons = reasons_for(participant=participant, above=above, ineligible=ineligible, views=views)
            how = UNPLACED if offer_id is None else RANKED
            lines.append(Line(pid, offer_id, how, choice, lottery[pid], None, reasons))
    offer_lines = tuple(
        OfferLine(
            offer_id=offer_id,
            seats=state.offer.seats,
            fixed=state.fixed,
            ranked=len(state.held()),
            unranked=state.unranked,
            cutoff=cutoffs[offer_id],
        )
        for offer_id, state in sorted(states.items())
    )
    return Placement(seed=seed, inputs_hash=market.inputs_hash(), lines=tuple(lines), offers=offer_lines)


def _rankings_filter(*, market: Market, states: dict[int, _OfferState], fixed: dict, declined: dict, lottery: dict):
    """Each ranking cut to the offers its participant may take ({participant id: [offer states]}),
    the rule that excludes each other ranked pair ({(participant id, offer id): rule code}), and
    those who ranked nothing in the lottery's order; each offer's candidates ranked in its order."""
    ineligible: dict[tuple[int, int], str] = {}
    eligible: dict[int, list[_OfferState]] = {}
    candidates: dict[int, list[int]] = {offer_id: [] for offer_id in states}
    unranked: list[int] = []
    for participant in market.participants:
        if participant.id in fixed:
            continue
        if not participant.ranking:
            unranked.append(participant.id)
            continue
        mine = eligible[participant.id] = []
        for offer_id in participant.ranking:
            state = states[offer_id]
            facts = PairFacts(
                ranked_by_host=participant.id in state.keys,
                declined_by=declined.get((participant.id, offer_id)),
            )
            rule = ineligibility(participant, state.offer, facts)
            if rule is None:
                mine.append(state)
                candidates[offer_id].append(participant.id)
            else:
                ineligible[participant.id, offer_id] = rule
    for offer_id, people in candidates.items():
        state = states[offer_id]
        state.ranks = {pid: rank for rank, pid in enumerate(_ordered(people, state.keys, lottery))}
    return eligible, ineligible, sorted(unranked, key=lottery.__getitem__)


def _propose(*, eligible: dict[int, list[_OfferState]], participants: dict, lottery: dict[int, int]) -> dict[int, int]:
    """The deferred acceptance itself: {participant id: offer id} for everyone held at the end.
    The order proposals are made in does not change the outcome (it is the participant-optimal
    stable placement); the lottery's order is used so that even the work done is reproducible."""
    regions = {pid: participants[pid].region for pid in eligible}
    cursor = dict.fromkeys(eligible, 0)
    waiting = sorted(eligible, key=lottery.__getitem__, reverse=True)  # popped from the end
    held: dict[int, int] = {}
    while waiting:
        pid = waiting.pop()
        choices = eligible[pid]
        index = cursor[pid]
        region = regions[pid]
        while index < len(choices):
            state = choices[index]
            index += 1
            turned_away = state.propose(pid, state.ranks[pid], region)
            if turned_away != pid:
                held[pid] = state.offer.id
                if turned_away is not None:
                    del held[turned_away]
                    waiting.append(turned_away)
                break
        cursor[pid] = index
    return held


def _cutoff(state: _OfferState) -> PriorityKey | None:
    """The priority of the last candidate admitted by ranking, when the proposing filled the seats."""
    held = state.held()
    if not held or len(held) < state.free:
        return None
    return state.keys[max(held, key=state.ranks.__getitem__)]


def _place_unranked(*, unranked: Iterable[int], states: dict[int, _OfferState], participants: dict, declined: dict):
    """Those who ranked nothing (`unranked`, in the lottery's order), each on the offer they may
    take with the most seats still free (then the lowest offer id): {participant id: offer id}.
    They come after the proposing, so they only take seats nobody who ranked wanted or could take."""
    people = list(unranked)
    wanted = set(people)
    possible: dict[int, list[_OfferState]] = {pid: [] for pid in people}
    for state in states.values():
        for pid in wanted.intersection(state.keys):
            participant = participants[pid]
            facts = PairFacts(ranked_by_host=True, declined_by=declined.get((pid, state.offer.id)))
            if ineligibility(participant, state.offer, facts) is None:
                possible[pid].append(state)
    placed = {}
    for pid in people:
        region = participants[pid].region
        open_offers = [state for state in possible[pid] if state.room_for(region)]
        if open_offers:
            state = max(open_offers, key=lambda state: (state.seats_left(), -state.offer.id))
            state.unranked += 1
            for cap in state.chain(region):
                cap.count += 1
            placed[pid] = state.offer.id
    return placed
