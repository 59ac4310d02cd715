"""A run's snapshot lines as JSON text, and the run's content hash over them.

The hash is the SHA-256 of

    json.dumps({"policy": policy_content, "decisions": [line, ...]}, sort_keys=True, ensure_ascii=False)

with each line the dict of `DECISION_COLUMNS` as judged: its evidence and reasons in full, as the
selectors put a stored line back together (`assessments.selectors.admission.snapshot_lines`). A
decision stores them by reference (`STORED_COLUMNS`: the evidence rows its figures share with other
lines, and its own ranking reason), so the hash is the same whatever the storage. At 100,000 lines
neither that one dump nor a dump per line per JSON column is affordable (seconds), so the same text
is assembled from pieces: each distinct figure (by value) is encoded once, each line's JSON columns
are joined from those pieces, and the hash is fed in batches of lines. The tests check
`snapshot_hash` against the plain json.dumps form of the stored lines put back together."""

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
# As AdmissionDecision stores a line: the evidence (and the rules' reasons) by reference.
STORED_COLUMNS = (
    "participant_id",
    "user_id",
    "federal_district",
    "level",
    "figures",
    "evidence_ids",
    "score",
    "rank",
    "decision",
    "rank_reason",
)

canonical = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


class SnapshotLine(NamedTuple):
    """One decision line in `DECISION_COLUMNS` order, as the hash reads it: `figures` is canonical
    JSON text; `evidence` and `reasons` are canonical JSON already encoded (UTF-8), as lines with
    the same figures share them and at 100,000 lines encoding them once each costs more than the
    hash itself."""

    participant_id: int
    user_id: int
    federal_district: str
    level: str
    figures: str
    evidence: bytes
    score: float
    rank: int | None
    decision: str
    reasons: bytes


class FigureEncoder:
    """The `figures` and `evidence` of a line from its Figures (one per module, in the order of
    `names`), each ModuleFigure encoded once however many lines share it."""

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

    def evidence_json(self, figure: ModuleFigure) -> str:
        return self._encoded(figure)[1]

    def __call__(self, figures: Sequence[ModuleFigure]) -> tuple[str, bytes]:
        encoded = [self._encoded(figure) for figure in figures]
        values = ", ".join(key + value for key, (value, _evidence) in zip(self._keys, encoded))
        evidence = ", ".join(key + evidence for key, (_value, evidence) in zip(self._keys, encoded))
        return "{" + values + "}", ("{" + evidence + "}").encode()


def reasons_json(*, reasons: list[str], base: list[str], base_json: bytes) -> bytes:
    """The JSON of `reasons`, which is `base` itself or `base` with lines added at its end (the
    capacity line): only the added lines are encoded."""
    if reasons is base:
        return base_json
    added = ", ".join(canonical(reason) for reason in reasons[len(base) :]).encode()
    return (base_json[:-1] + b", " if base else b"[") + added + b"]"


class _JsonOnce(dict):
    """value → its JSON, made on first use (a plain subscript for every later one)."""

    def __missing__(self, value) -> str:
        encoded = self[value] = canonical(value)
        return encoded


class SnapshotHash:
    """The run's hash fed with its lines batch by batch (a writer hashes a batch while the database
    takes the one before): each line as json.dumps(dict(zip(DECISION_COLUMNS, line)),
    sort_keys=True, ensure_ascii=False) writes it with its JSON columns parsed (keys in sorted
    order). The JSON of repeated strings is made once (a score is always a float, so 1 and 1.0
    cannot meet in it)."""

    def __init__(self):
        self._digest = hashlib.sha256(b'{"decisions": [')
        self._separator = b""
        self._json = _JsonOnce()
        self._heads: dict[str, bytes] = {}

    def feed(self, lines: Iterable[SnapshotLine]) -> None:
        cached, heads = self._json, self._heads
        pieces: list[bytes] = []
        append = pieces.append
        separator = self._separator
        for line in lines:
            head = heads.get(line.decision)
            if head is None:
                head = heads[line.decision] = f'{{"decision": {canonical(line.decision)}, "evidence": '.encode()
            append(separator)
            append(head)
            append(line.evidence)
            append(
                f', "federal_district": {cached[line.federal_district]}, "figures": {line.figures}, '
                f'"level": {cached[line.level]}, "participant_id": {line.participant_id}, '
                f'"rank": {"null" if line.rank is None else line.rank}, "reasons": '.encode()
            )
            append(line.reasons)
            append(f', "score": {cached[line.score]}, "user_id": {line.user_id}}}'.encode())
            separator = b", "
        self._separator = separator
        self._digest.update(b"".join(pieces))

    def hexdigest(self, *, policy_content: dict) -> str:
        self._digest.update(('], "policy": ' + canonical(policy_content) + "}").encode())
        return self._digest.hexdigest()


def snapshot_hash(*, policy_content: dict, lines: Iterable[SnapshotLine]) -> str:
    hashed = SnapshotHash()
    hashed.feed(lines)
    return hashed.hexdigest(policy_content=policy_content)


def copy_text(value: str) -> str:
    """A text value as PostgreSQL's COPY text format takes it."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def revision_hash(*, previous: str, number: int, changes: list[dict], reason: str) -> str:
    """A revision's fingerprint: the previous fingerprint (the run's hash for the first) chained
    with this revision's own changes, so no earlier revision can change unseen."""
    text = canonical({"previous": previous, "number": number, "changes": changes, "reason": reason})
    return hashlib.sha256(text.encode()).hexdigest()
