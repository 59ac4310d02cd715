"""Why a participant is not on an offer they ranked above their placement, read off the offers as
the proposing left them.

After deferred acceptance an offer that turned a participant away is, for them, full: some set
that counts them (the tightest cap on their region, else the seats) holds as many as it may, all
ahead of them in the offer's order (otherwise they would form a blocking pair). That set names the
reason: the seats → `cutoff`, a cap → `regional_cap`, either one with no room left after the fixed
placements → `full_by_fixed`. Its lowest holder is the cut-off."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from assessments.placement.market import Cap, Offer, Participant, PriorityKey
from assessments.placement.outcome import CUTOFF, FULL_BY_FIXED, NOT_ELIGIBLE, REGIONAL_CAP, Reason


@dataclass
class Pool:
    """A set of an offer's places that is counted together: its seats (`cap` None) or one cap.
    `capacity`: places left to the proposing after the fixed placements (`fixed` of them);
    `members`: (rank, participant id) of the candidates held in it."""

    cap: Cap | None
    capacity: int
    fixed: int
    members: list[tuple[int, int]]
    _last: tuple[int, int] | None = field(default=None, init=False)

    def full(self) -> bool:
        return len(self.members) >= self.capacity

    def last(self) -> int | None:
        """The lowest-ranked member: the last admitted."""
        if self._last is None and self.members:
            self._last = max(self.members)
        return None if self._last is None else self._last[1]


@dataclass(frozen=True)
class OfferView:
    """An offer after the proposing: its priority keys and the pools counting a region, the
    tightest first and the seats last."""

    offer: Offer
    keys: Mapping[int, PriorityKey]
    pools_for: Callable[[str], Sequence[Pool]]


def reasons_for(
    *,
    participant: Participant,
    above: Sequence[int],
    ineligible: Mapping[tuple[int, int], str],
    views: Mapping[int, OfferView],
) -> tuple[Reason, ...]:
    """One Reason for each offer in `above` (the offers ranked above the placement, in order)."""
    reasons = []
    for offer_id in above:
        rule = ineligible.get((participant.id, offer_id))
        if rule is not None:
            reasons.append(Reason(offer_id, NOT_ELIGIBLE, rule=rule))
            continue
        view = views[offer_id]
        pool = next((pool for pool in view.pools_for(participant.region) if pool.full()), None)
        if pool is None:
            # Deferred acceptance never leaves a participant out of an offer with room for them.
            raise AssertionError(f"participant {participant.id} turned away by offer {offer_id} with room")
        if pool.capacity == 0 and pool.fixed:
            reasons.append(Reason(offer_id, FULL_BY_FIXED, cap=pool.cap))
            continue
        code = CUTOFF if pool.cap is None else REGIONAL_CAP
        last = pool.last()
        own = view.keys[participant.id]
        cutoff = None if last is None else view.keys[last]
        reasons.append(Reason(offer_id, code, cutoff=cutoff, own=own, tie_lost=own == cutoff, cap=pool.cap))
    return tuple(reasons)
