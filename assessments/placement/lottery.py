"""The lottery that breaks ties: one draw per participant from the run's stored seed.

A participant's draw is the first 8 bytes of SHA-256("<seed>:<participant id>"), so it depends on
nothing but the seed and the id: not on Python's `random` (whose shuffle is not promised to stay
the same across versions), not on the order the participants were read in, not on who else is in
the market. One draw serves every offer (single tie-breaking: with one draw per offer, more
participants would lose a tie somewhere for nothing in return)."""

import hashlib
from collections.abc import Iterable


def lottery_draw(*, seed: int, participant_id: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{participant_id}".encode()).digest()[:8], "big")


def lottery_positions(*, seed: int, participant_ids: Iterable[int]) -> dict[int, int]:
    """{participant id: position in the lottery's order}: position 0 is drawn first and wins every
    tie. Equal draws (a chance of about one in 10^15 per pair) are ordered by id."""
    ordered = sorted(participant_ids, key=lambda pid: (lottery_draw(seed=seed, participant_id=pid), pid))
    return {pid: position for position, pid in enumerate(ordered)}
