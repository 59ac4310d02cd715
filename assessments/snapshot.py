"""A run's snapshot lines as JSON text, and the run's content hash over them.

The hash is the SHA-256 of

    json.dumps({"policy": policy_content, "decisions": [line, ...]}, sort_keys=True, ensure_ascii=False)

with each line the dict of `DECISION_COLUMNS` as stored. At 100,000 lines neither that one dump nor
a dump per line per JSON column is affordable (seconds), so the same text is assembled from pieces:
each distinct figure (by value) is encoded once, each line's JSON columns
are joined from those pieces, and the hash is fed line by line. `line_json` and `snapshot_hash` are
checked against the plain json.dumps form in the tests."""

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from assessments.scores import ModuleFigure

DECISION_COLUMNS = (
    "participant_id",
    "user_id",
    "federal_district",
    "level",
    "figures",
    "evidence",
    "score",
    "rank",
    "decision",
    "reasons",
)
JSON_COLUMNS = frozenset({"figures", "evidence", "reasons"})

canonical = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


class SnapshotLine(NamedTuple):
    """One decision line in `DECISION_COLUMNS` order; the JSON columns hold canonical JSON text."""

    participant_id: int
    user_id: int
    federal_district: str
    level: str
    figures: str
    evidence: str
    score: float
    rank: int | None
    decision: str
    reasons: str


class FigureEncoder:
    """The `figures` and `evidence` columns of a line from its Figures (one per module, in the
    order of `names`), each ModuleFigure encoded once however many lines share it."""

    def __init__(self, *, names: Sequence[str]):
        if list(names) != sorted(names):
            raise ValueError("module names must be sorted, as sort_keys would order them")
        self._keys = [canonical(name) + ": " for name in names]
        # figure (by value) → its value's JSON and its evidence JSON
        self._figures: dict[ModuleFigure, tuple[str, str]] = {}

    def _encoded(self, figure: ModuleFigure) -> tuple[str, str]:
        encoded = self._figures.get(figure)
        if encoded is None:
            encoded = self._figures[figure] = (canonical(figure.value), canonical(figure.as_json()))
        return encoded

    def __call__(self, figures: Sequence[ModuleFigure]) -> tuple[str, str]:
        encoded = [self._encoded(figure) for figure in figures]
        values = ", ".join(key + value for key, (value, _evidence) in zip(self._keys, encoded))
        evidence = ", ".join(key + evidence for key, (_value, evidence) in zip(self._keys, encoded))
        return "{" + values + "}", "{" + evidence + "}"


def reasons_json(*, reasons: list[str], base: list[str], base_json: str) -> str:
    """The JSON of `reasons`, which is `base` itself or `base` with lines added at its end (the
    capacity line): only the added lines are encoded."""
    if reasons is base:
        return base_json
    added = ", ".join(canonical(reason) for reason in reasons[len(base) :])
    return (base_json[:-1] + ", " if base else "[") + added + "]"


def line_json(line: SnapshotLine, texts: dict | None = None) -> str:
    """The line as json.dumps(dict(zip(DECISION_COLUMNS, line)), sort_keys=True, ensure_ascii=False)
    would write it with its JSON columns parsed. `texts` caches the JSON of repeated strings and
    scores (a score is always a float, so 1 and 1.0 cannot meet in it)."""
    texts = {} if texts is None else texts

    def cached(value) -> str:
        encoded = texts.get(value)
        if encoded is None:
            encoded = texts[value] = canonical(value)
        return encoded

    rank = "null" if line.rank is None else int.__repr__(line.rank)
    # Keys in sorted order, as sort_keys puts them.
    return (
        f'{{"decision": {cached(line.decision)}, "evidence": {line.evidence}, '
        f'"federal_district": {cached(line.federal_district)}, "figures": {line.figures}, '
        f'"level": {cached(line.level)}, "participant_id": {int.__repr__(line.participant_id)}, "rank": {rank}, '
        f'"reasons": {line.reasons}, "score": {cached(line.score)}, "user_id": {int.__repr__(line.user_id)}}}'
    )


def snapshot_hash(*, policy_content: dict, lines: Iterable[SnapshotLine]) -> str:
    digest = hashlib.sha256(b'{"decisions": [')
    texts: dict = {}
    batch: list[str] = []
    separator = ""
    for line in lines:
        batch.append(separator + line_json(line, texts))
        separator = ", "
        if len(batch) == 5000:
            digest.update("".join(batch).encode())
            batch.clear()
    digest.update(("".join(batch) + '], "policy": ' + canonical(policy_content) + "}").encode())
    return digest.hexdigest()


def revision_hash(*, previous: str, number: int, changes: list[dict], reason: str) -> str:
    """A revision's fingerprint: the previous fingerprint (the run's hash for the first) chained
    with this revision's own changes, so no earlier revision can change unseen."""
    text = canonical({"previous": previous, "number": number, "changes": changes, "reason": reason})
    return hashlib.sha256(text.encode()).hexdigest()
