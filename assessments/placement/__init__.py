"""The placement engine (issue 15 §3): participants to internship offers by participant-proposing
deferred acceptance, with seats, per-offer regional caps, fixed placements, a stored lottery for
ties, an explanation for every participant and content hashes of inputs and output.

Pure Python, no Django and no tables (an import contract keeps it so): the placement runs'
services read the market from the database, call `placement_compute`, and store the market's
canonical JSON, the seed and the placement. docs/placement.md describes the algorithm.

    market.py       the inputs (Offer, Cap, Participant, Fixed, Decline, Market) and their hash
    eligibility.py  the rule table: who may take which offer, each rule with its code
    lottery.py      the seeded draw that breaks ties
    engine.py       placement_compute
    explain.py      why not each offer ranked higher
    outcome.py      the result (Placement, Line, Reason, OfferLine) and its hash
    checks.py       feasibility and blocking pairs, for tests and audits
    generated.py    random markets shaped like a season, for the tests and the bench
"""

from assessments.placement.engine import placement_compute
from assessments.placement.market import Cap, Decline, Fixed, Market, MarketError, Offer, Participant
from assessments.placement.outcome import Line, OfferLine, Placement, Reason

__all__ = [
    "Cap",
    "Decline",
    "Fixed",
    "Line",
    "Market",
    "MarketError",
    "Offer",
    "OfferLine",
    "Participant",
    "Placement",
    "Reason",
    "placement_compute",
]
