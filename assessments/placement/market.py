"""The placement market as plain data: offers with seats and caps, participants with their ranked
offers, the hosts' priorities, the fixed placements and the declines, and its content hash.

Everything here is frozen and framework-free: a run stores the market's canonical JSON (and its
hash, the inputs' version) and can be re-computed from that alone. Ids are the database's
primary keys; regions are the region codes of `lms.regions`; levels are `lms.models.Level` values.
"""

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

PriorityKey = tuple[float | int, ...]
"""A host's priority for one participant on one offer, compared as a tuple: higher is better.
ROIV offers: (the expert interview's averaged score,); FOIV offers: (the ministry's decision as a
number, its score). Equal keys are ties, broken by the run's lottery."""


class MarketError(ValueError):
    """The market is not well formed (unknown ids, a fixed placement over its seats...): the run is
    refused with this message rather than computed on inputs it would have to guess about."""


@dataclass(frozen=True, slots=True)
class Cap:
    """At most `limit` participants from the regions `regions` on this one offer (fixed placements
    count). `regions=None` means every region but the offer's own: the usual cap on participants
    from other regions on a ROIV offer open to them. The caps of one offer must be laminar (any two
    are nested or disjoint), which keeps the offer's choice a matroid greedy and the outcome stable;
    caps spanning several offers are not offered (docs/placement.md says why)."""

    limit: int
    regions: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Offer:
    """An internship offer of a host body in this season.

    `region`: the host's region for a ROIV offer, None for a federal one (FOIV, state corporation).
    `levels`: the levels that may take it. `other_regions_levels`: for a ROIV offer, the levels that
    may come from other regions (PRO where the offer allows it; empty: own region only)."""

    id: int
    seats: int
    levels: frozenset[str]
    region: str | None = None
    other_regions_levels: frozenset[str] = frozenset()
    caps: tuple[Cap, ...] = ()


@dataclass(frozen=True, slots=True)
class Participant:
    """A participant to place: their level and home region, and the offers they ranked, best first
    (empty: they ranked nothing and are placed after everyone who did, in the lottery's order)."""

    id: int
    level: str
    region: str
    ranking: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Fixed:
    """A placement that every run keeps as it is: confirmed by the host (`source="confirmed"`) or
    set by staff with a written reason (`source="moved"`; the reason lives with the move, not here).
    It takes a seat and counts towards the offer's caps; its participant does not propose."""

    participant_id: int
    offer_id: int
    source: str = "confirmed"


DECLINED_BY = ("host", "participant")


@dataclass(frozen=True, slots=True)
class Decline:
    """A placement declined by its host or by its participant in an earlier run: the seat is free
    again, and this participant is not placed on this offer again. (A participant who leaves the
    programme is simply left out of the market.)"""

    participant_id: int
    offer_id: int
    by: str


@dataclass(frozen=True)
class Market:
    """Everything a placement depends on, apart from the lottery's seed.

    `priorities[offer_id][participant_id]`: the host's priority key. A participant without one on
    an offer is not eligible for it (`not_ranked_by_host`): the ministry did not choose them, or no
    interview score exists."""

    offers: tuple[Offer, ...]
    participants: tuple[Participant, ...]
    priorities: Mapping[int, Mapping[int, PriorityKey]]
    fixed: tuple[Fixed, ...] = ()
    declines: tuple[Decline, ...] = ()

    @cached_property
    def canonical(self) -> str:
        """The market's canonical JSON: ids sorted, sets sorted, keys sorted, no whitespace
        choices left open; the same market built in any order gives the same text. (Computed once:
        the market is frozen.)"""
        return canonical_json(self._plain())

    def inputs_hash(self) -> str:
        """The inputs' version: SHA-256 of `canonical`."""
        return hashlib.sha256(self.canonical.encode()).hexdigest()

    def _plain(self) -> dict:
        return {
            "offers": [
                {
                    "id": offer.id,
                    "seats": offer.seats,
                    "levels": sorted(offer.levels),
                    "region": offer.region,
                    "other_regions_levels": sorted(offer.other_regions_levels),
                    "caps": sorted(
                        (
                            {"limit": cap.limit, "regions": None if cap.regions is None else sorted(cap.regions)}
                            for cap in offer.caps
                        ),
                        key=canonical_json,
                    ),
                }
                for offer in sorted(self.offers, key=lambda offer: offer.id)
            ],
            "participants": [
                {"id": p.id, "level": p.level, "region": p.region, "ranking": list(p.ranking)}
                for p in sorted(self.participants, key=lambda p: p.id)
            ],
            # JSON keys are strings; they are written as numbers in a list of pairs instead, so
            # that the order is numeric and the ids keep their type.
            "priorities": [
                [offer_id, [[pid, list(key)] for pid, key in sorted(keys.items())]]
                for offer_id, keys in sorted(self.priorities.items())
            ],
            "fixed": sorted([f.participant_id, f.offer_id, f.source] for f in self.fixed),
            "declines": sorted([d.participant_id, d.offer_id, d.by] for d in self.declines),
        }


_encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def canonical_json(value) -> str:
    return _encode(value)


def _check_key(key, *, offer_id: int, participant_id: int) -> None:
    if not isinstance(key, tuple) or not key:
        raise MarketError(f"priority of participant {participant_id} on offer {offer_id} is not a non-empty tuple")
    for part in key:
        if isinstance(part, bool) or not isinstance(part, int | float) or not math.isfinite(part):
            raise MarketError(f"priority of participant {participant_id} on offer {offer_id} has {part!r}")


def market_validate(market: Market) -> None:
    """Raise MarketError naming the first thing wrong with the market."""
    offers = {}
    for offer in market.offers:
        if offer.id in offers:
            raise MarketError(f"offer {offer.id} is listed twice")
        offers[offer.id] = offer
        if offer.seats < 0:
            raise MarketError(f"offer {offer.id} has {offer.seats} seats")
        for cap in offer.caps:
            if cap.limit < 0:
                raise MarketError(f"a cap of offer {offer.id} has limit {cap.limit}")
            if cap.regions is None and offer.region is None:
                raise MarketError(f"offer {offer.id} is federal: a cap on 'other regions' needs the offer's region")
    universe = {p.region for p in market.participants} | {o.region for o in market.offers if o.region}
    for offer in market.offers:
        sets = [cap_regions(cap, offer, universe | set(cap.regions or ())) for cap in offer.caps]
        for i, first in enumerate(sets):
            for second in sets[i + 1 :]:
                if first & second and not (first <= second or second <= first):
                    raise MarketError(f"the caps of offer {offer.id} overlap without one containing the other")
    participants = set()
    for participant in market.participants:
        if participant.id in participants:
            raise MarketError(f"participant {participant.id} is listed twice")
        participants.add(participant.id)
        if len(set(participant.ranking)) != len(participant.ranking):
            raise MarketError(f"participant {participant.id} ranks an offer twice")
        for offer_id in participant.ranking:
            if offer_id not in offers:
                raise MarketError(f"participant {participant.id} ranks unknown offer {offer_id}")
    for offer_id, keys in market.priorities.items():
        if offer_id not in offers:
            raise MarketError(f"priorities given for unknown offer {offer_id}")
        for participant_id, key in keys.items():
            if participant_id not in participants:
                raise MarketError(f"priority on offer {offer_id} for unknown participant {participant_id}")
            _check_key(key, offer_id=offer_id, participant_id=participant_id)
    regions = {p.id: p.region for p in market.participants}
    fixed_people: set[int] = set()
    fixed_by_offer: dict[int, list[str]] = {}
    for fixed in market.fixed:
        if fixed.participant_id not in participants or fixed.offer_id not in offers:
            raise MarketError(f"fixed placement of {fixed.participant_id} on {fixed.offer_id}: unknown id")
        if fixed.participant_id in fixed_people:
            raise MarketError(f"participant {fixed.participant_id} has two fixed placements")
        fixed_people.add(fixed.participant_id)
        fixed_by_offer.setdefault(fixed.offer_id, []).append(regions[fixed.participant_id])
    # A fixed placement is never undone by a run, so fixed placements beyond an offer's seats or
    # caps (seats cut after confirming) are for staff to resolve, not for the engine to choose.
    for offer_id, fixed_regions in fixed_by_offer.items():
        offer = offers[offer_id]
        if len(fixed_regions) > offer.seats:
            raise MarketError(
                f"offer {offer_id} has {len(fixed_regions)} fixed placements over its {offer.seats} seats"
            )
        for cap in offer.caps:
            if sum(cap_counts(cap, offer, region) for region in fixed_regions) > cap.limit:
                raise MarketError(f"the fixed placements on offer {offer_id} exceed its cap of {cap.limit}")
    for decline in market.declines:
        if decline.by not in DECLINED_BY:
            raise MarketError(f"a decline by {decline.by!r}: must be one of {', '.join(DECLINED_BY)}")
        if decline.participant_id not in participants or decline.offer_id not in offers:
            raise MarketError(f"decline of {decline.participant_id} on {decline.offer_id}: unknown id")


def cap_regions(cap: Cap, offer: Offer, universe: set[str]) -> frozenset[str]:
    """The regions a cap counts, as a set (an 'other regions' cap over the regions present)."""
    if cap.regions is None:
        return frozenset(universe - {offer.region})
    return cap.regions


def cap_counts(cap: Cap, offer: Offer, region: str) -> bool:
    """Whether a participant from `region` counts towards `cap` of `offer`."""
    return region != offer.region if cap.regions is None else region in cap.regions
