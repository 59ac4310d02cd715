"""A placement as plain frozen data: a line per participant (where, how, their lottery position
and why not higher), a line per offer, and the content hash that makes a stored run checkable."""

import hashlib
from dataclasses import dataclass
from functools import cached_property

from assessments.placement.market import Cap, PriorityKey, canonical_json

# How a participant got their line.
RANKED = "ranked"  # placed by deferred acceptance on an offer they ranked
FIXED = "fixed"  # a confirmed placement or a staff move, kept as given
UNRANKED = "unranked"  # ranked nothing; placed after everyone who did, in the lottery's order
UNPLACED = "unplaced"  # no seat

# Why a participant is not on an offer they ranked above their placement.
CUTOFF = "cutoff"  # its seats went to candidates with higher priority; `cutoff` is the last admitted's
NOT_ELIGIBLE = "not_eligible"  # `rule` names the eligibility rule (assessments.placement.eligibility)
REGIONAL_CAP = "regional_cap"  # its cap on the participant's region is taken by candidates with higher priority
FULL_BY_FIXED = "full_by_fixed"  # its seats (or the cap on the participant's region) are all taken by fixed placements


@dataclass(frozen=True, slots=True)
class Reason:
    """Why not `offer_id`. For `cutoff` and `regional_cap`: `cutoff` is the priority of the last
    candidate admitted (within the cap for `regional_cap`), `own` the participant's, and `tie_lost`
    says they were equal and the lottery decided. `cap` is the cap concerned."""

    offer_id: int
    code: str
    rule: str | None = None
    cutoff: PriorityKey | None = None
    own: PriorityKey | None = None
    tie_lost: bool = False
    cap: Cap | None = None

    def as_plain(self) -> dict:
        cap = self.cap
        return {
            "offer_id": self.offer_id,
            "code": self.code,
            "rule": self.rule,
            "cutoff": None if self.cutoff is None else list(self.cutoff),
            "own": None if self.own is None else list(self.own),
            "tie_lost": self.tie_lost,
            "cap": None
            if cap is None
            else {"limit": cap.limit, "regions": None if cap.regions is None else sorted(cap.regions)},
        }


@dataclass(frozen=True, slots=True)
class Line:
    """One participant's outcome. `choice`: the position (1 = first) of `offer_id` in their ranking.
    `lottery`: their position in the run's lottery (0 wins every tie). `source`: a fixed
    placement's source. `reasons`: one per offer they ranked above `offer_id` (all they ranked
    when unplaced), in their ranking's order."""

    participant_id: int
    offer_id: int | None
    how: str
    choice: int | None
    lottery: int
    source: str | None = None
    reasons: tuple[Reason, ...] = ()

    def as_plain(self) -> dict:
        return {
            "participant_id": self.participant_id,
            "offer_id": self.offer_id,
            "how": self.how,
            "choice": self.choice,
            "lottery": self.lottery,
            "source": self.source,
            "reasons": [reason.as_plain() for reason in self.reasons],
        }


@dataclass(frozen=True, slots=True)
class OfferLine:
    """One offer's outcome: seats, how many are fixed, placed by ranking and placed unranked, and
    its cut-off (the priority of the last candidate admitted by ranking, when the proposing left no
    seat free; None otherwise)."""

    offer_id: int
    seats: int
    fixed: int
    ranked: int
    unranked: int
    cutoff: PriorityKey | None

    def as_plain(self) -> dict:
        return {
            "offer_id": self.offer_id,
            "seats": self.seats,
            "fixed": self.fixed,
            "ranked": self.ranked,
            "unranked": self.unranked,
            "cutoff": None if self.cutoff is None else list(self.cutoff),
        }


@dataclass(frozen=True)
class Placement:
    """The result of `placement_compute`: the seed and inputs' version it came from, the lines in
    participant id order and the offers in offer id order."""

    seed: int
    inputs_hash: str
    lines: tuple[Line, ...]
    offers: tuple[OfferLine, ...]

    @cached_property
    def canonical(self) -> str:
        """The placement's canonical JSON, byte for byte the same for the same market and seed."""
        return canonical_json(
            {
                "seed": self.seed,
                "inputs_hash": self.inputs_hash,
                "lines": [line.as_plain() for line in self.lines],
                "offers": [offer.as_plain() for offer in self.offers],
            }
        )

    @cached_property
    def output_hash(self) -> str:
        return hashlib.sha256(self.canonical.encode()).hexdigest()

    @cached_property
    def assignment(self) -> dict[int, int | None]:
        """{participant id: offer id or None}."""
        return {line.participant_id: line.offer_id for line in self.lines}

    @cached_property
    def by_participant(self) -> dict[int, Line]:
        return {line.participant_id: line for line in self.lines}
