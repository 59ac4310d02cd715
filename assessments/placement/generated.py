"""Random markets shaped like a season, for the engine's tests and the bench: regions each with a
few ROIV offers (some open to PRO from other regions, some with a cap on them), ministries with
FOIV offers, Beginners ranking their region's ROIV offers, Young and PRO ranking ministries' offers
too, expert scores (rounded, so ties are common) and ministry decisions, some fixed placements,
declines and participants who rank nothing. The same arguments give the same market."""

import random

from assessments.placement.market import Cap, Decline, Fixed, Market, Offer, Participant

LEVELS = ("beginner", "young", "pro")
FINALIST, RESERVE = 2, 1


def market_generate(
    *,
    participants: int,
    offers: int,
    seed: int,
    ranking_length: int = 5,
    ties: bool = True,
    caps: bool = True,
    fixed: float = 0.0,
    declines: float = 0.0,
    unranked: float = 0.0,
    seats_ratio: float = 0.8,
    stray: float = 0.05,
) -> Market:
    """`fixed`, `declines`, `unranked`: the share of participants with a fixed placement, with a
    declined one, ranking nothing. `stray`: the chance a ranking also names an offer picked at
    random (often one they may not take). `ties=False` makes every priority key distinct."""
    rng = random.Random(seed)
    region_count = max(2, min(85, offers // 6))
    regions = [f"{number:02d}" for number in range(1, region_count + 1)]
    foiv_count = max(1, offers // 5)
    ministries = max(1, foiv_count // 5)
    average_seats = max(1, round(seats_ratio * participants / offers))

    offer_list, ministry_of, popularity = [], {}, {}
    for number in range(offers):
        offer_id = 1000 + number
        seats = rng.randint(1, 2 * average_seats - 1) if average_seats > 1 else 1
        popularity[offer_id] = rng.uniform(0.2, 3.0)
        if number < foiv_count:
            ministry_of[offer_id] = number % ministries
            offer_caps = ()
            if caps and rng.random() < 0.15:
                offer_caps = (Cap(limit=rng.randint(0, 2), regions=frozenset({rng.choice(regions)})),)
            offer_list.append(Offer(offer_id, seats, frozenset({"young", "pro"}), caps=offer_caps))
        else:
            region = regions[number % region_count]
            open_to = frozenset({"pro"}) if rng.random() < 0.3 else frozenset()
            offer_caps = ()
            if caps and open_to and rng.random() < 0.5:
                offer_caps = (Cap(limit=rng.randint(0, 2)),)
            offer_list.append(Offer(offer_id, seats, frozenset(LEVELS), region, open_to, offer_caps))
    foiv = [offer for offer in offer_list if offer.region is None]
    roiv_by_region: dict[str, list[Offer]] = {}
    for offer in offer_list:
        if offer.region is not None:
            roiv_by_region.setdefault(offer.region, []).append(offer)
    roiv_open = [offer for offer in offer_list if offer.other_regions_levels]

    def score(low: float, high: float) -> float:
        return round(rng.uniform(low, high), 1) if ties else rng.uniform(low, high)

    people, expert, ministry_view = [], {}, {}
    for number in range(participants):
        pid = 1 + number
        level = rng.choices(LEVELS, weights=(45, 35, 20))[0]
        region = rng.choice(regions)
        expert[pid] = score(5.0, 10.0)
        pool = list(roiv_by_region.get(region, []))
        if level != "beginner":
            pool += foiv
        if level == "pro":
            pool += [offer for offer in roiv_open if offer.region != region]
        # Weighted sampling without replacement (Efraimidis–Spirakis): popular offers first.
        pool.sort(key=lambda offer: rng.random() ** (1 / popularity[offer.id]), reverse=True)
        ranking = [offer.id for offer in pool[:ranking_length]]
        if rng.random() < stray:
            extra = rng.choice(offer_list).id
            if extra not in ranking:
                ranking.insert(rng.randint(0, len(ranking)), extra)
        if level == "beginner" and rng.random() < unranked:
            ranking = []
        people.append(Participant(pid, level, region, tuple(ranking)))

    priorities: dict[int, dict[int, tuple]] = {offer.id: {} for offer in offer_list}
    for participant in people:
        own = [offer.id for offer in roiv_by_region.get(participant.region, [])]
        for offer_id in set(participant.ranking) | set(own):
            ministry = ministry_of.get(offer_id)
            if ministry is None:
                priorities[offer_id][participant.id] = (expert[participant.id],)
                continue
            view = ministry_view.get((ministry, participant.id))
            if view is None:
                decision = rng.choices((FINALIST, RESERVE, None), weights=(60, 25, 15))[0]
                view = ministry_view[ministry, participant.id] = decision and (decision, score(1.0, 5.0))
            if view:
                priorities[offer_id][participant.id] = view

    fixed_list, decline_list = _fixed_and_declines(rng, offer_list, people, priorities, fixed, declines)
    return Market(tuple(offer_list), tuple(people), priorities, tuple(fixed_list), tuple(decline_list))


def _fixed_and_declines(rng, offer_list, people, priorities, fixed_share, decline_share):
    """Fixed placements on a ranked offer the host ranked them on, within its seats and caps; and
    declines of other ranked offers."""
    offers = {offer.id: offer for offer in offer_list}
    taken: dict[int, list[str]] = {}
    fixed, declines = [], []
    for participant in people:
        if not participant.ranking:
            continue
        draw = rng.random()
        if draw < fixed_share:
            offer = offers[rng.choice(participant.ranking)]
            if participant.id not in priorities[offer.id]:
                continue
            regions = taken.setdefault(offer.id, [])
            after = [*regions, participant.region]
            within_caps = all(
                sum((r != offer.region) if cap.regions is None else (r in cap.regions) for r in after) <= cap.limit
                for cap in offer.caps
            )
            if len(after) <= offer.seats and within_caps:
                regions.append(participant.region)
                source = "moved" if rng.random() < 0.2 else "confirmed"
                fixed.append(Fixed(participant.id, offer.id, source))
        elif draw < fixed_share + decline_share:
            declines.append(
                Decline(participant.id, rng.choice(participant.ranking), rng.choice(("host", "participant")))
            )
    return fixed, declines
