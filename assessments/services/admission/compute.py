"""A run's snapshot computed: every participant's figures, evidence and decision, judged once per
distinct set of figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.policy import (
    Judgement,
    RuleVerdict,
    in_rule_order,
    outcomes_rank,
    policy_rules,
    ranking_score,
    verdict_worst,
)
from assessments.scores import ModuleFigure, ModuleUnavailable, ParticipantRow, dates_as_moments, score_modules
from assessments.snapshot import FigureEncoder, SnapshotLine, canonical, reasons_json
from lms.regions import FederalDistrict

if TYPE_CHECKING:
    from lms.models import Season


class EvidenceRow(NamedTuple):
    """A run's AdmissionEvidence row before it is written: JSON columns as canonical text."""

    module: str
    evidence: str
    reasons: str


class ComputedRun(NamedTuple):
    """The snapshot as computed: the lines as judged (what the hash covers), the distinct figures'
    evidence each once, and for each line the positions of its figures' evidence in `evidence`
    (one per module, by module name) and its ranking reason; with what was still open when the
    lines were computed (AdmissionRun's `open_items` and `open_lines`)."""

    lines: list[SnapshotLine]
    evidence: list[EvidenceRow]
    line_evidence: list[tuple[int, ...]]
    rank_reasons: list[str]
    open_items: list[dict]
    open_lines: dict[str, list[dict]]


class _Combination(NamedTuple):
    """What every participant with the same figures shares."""

    judgement: Judgement
    figures_json: str
    evidence_json: bytes
    reasons_json: bytes
    positions: tuple[int, ...]


def _open_parts(*, names: list[str], assessments: list, now: datetime) -> tuple[list[dict], dict[str, list[dict]]]:
    items = [
        {"module": name, "until": assessment.open_until.isoformat()}
        for name, assessment in zip(names, assessments)
        if assessment.open_until and assessment.open_until > now
    ]
    lines: dict[str, list[dict]] = {}
    for name, assessment in zip(names, assessments):
        for participant_id, extensions in assessment.extended.items():
            lines.setdefault(str(participant_id), []).extend(
                {"module": name, "title": title, "until": until.isoformat()} for title, until in extensions
            )
    return items, lines


def admission_outcomes_compute(
    *, season: Season, track: str, policy_content: dict, participants: Sequence[ParticipantRow], now: datetime
) -> ComputedRun:
    """Every participant's figures, evidence and decision as snapshot lines, by participant id,
    with what was still open at `now`. Texts are rendered in the programme's language and zone, so
    two runs on the same data write the same words.

    The rules' verdicts and texts are worked out once per distinct figure of each module, and a
    participant's judgement once per distinct set of figures (equal by value; the modules also
    share the objects): the per-participant work is a few look-ups."""
    modules = score_modules()
    # Only the modules the policy names: the snapshot holds what the decision rests on.
    names = sorted({rule["module"] for rule in policy_content["rules"]} | set(policy_content.get("weights") or {}))
    rule_modules = [rule["module"] for rule in policy_content["rules"]]
    participants = sorted(participants, key=attrgetter("id"))
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE), dates_as_moments():
        assessments = []
        for name in names:
            if name not in modules:
                raise ModuleUnavailable(
                    _("The policy names the score module “%(name)s”, which is not installed.") % {"name": name}
                )
            assessments.append(modules[name].assess(season=season, track=track, participants=participants, now=now))
        verdicts_of = policy_rules(
            policy=policy_content, labels={name: str(module.label) for name, module in modules.items()}
        )
        encode = FigureEncoder(names=names)
        evidence: list[EvidenceRow] = []
        # Per module: figure (by value) → its position in `evidence` and the rules' verdicts on it.
        known: list[dict[ModuleFigure, tuple[int, tuple[RuleVerdict, ...]]]] = [{} for _name in names]

        def entry(index: int, figure: ModuleFigure) -> tuple[int, tuple[RuleVerdict, ...]]:
            found = known[index].get(figure)
            if found is None:
                verdicts = verdicts_of(names[index], figure.value, figure.summary)
                found = known[index][figure] = (len(evidence), verdicts)
                evidence.append(
                    EvidenceRow(
                        names[index],
                        encode.evidence_json(figure),
                        canonical([verdict.reason for verdict in verdicts]),
                    )
                )
            return found

        def combination(figures: tuple[ModuleFigure, ...]) -> _Combination:
            entries = [entry(index, figure) for index, figure in enumerate(figures)]
            verdicts = in_rule_order(
                rule_modules=rule_modules, by_module={name: own for name, (_at, own) in zip(names, entries)}
            )
            reasons = [verdict.reason for verdict in verdicts]
            judgement = Judgement(
                verdict_worst(verdict.decision for verdict in verdicts),
                reasons,
                ranking_score(
                    figures={name: figure.value for name, figure in zip(names, figures)}, policy=policy_content
                ),
            )
            return _Combination(
                judgement, *encode(figures), canonical(reasons).encode(), tuple(at for at, _own in entries)
            )

        # Keyed by a participant's figures, by value (a figure's hash is computed once).
        combinations: dict[tuple, _Combination] = {}
        own: list[_Combination] = []
        ids = [participant.id for participant in participants]
        for figures in zip(*[list(map(assessment.figures.__getitem__, ids)) for assessment in assessments]):
            found = combinations.get(figures)
            if found is None:
                found = combinations[figures] = combination(figures)
            own.append(found)
        per_district = policy_content.get("capacity_scope") == "district"
        outcomes = outcomes_rank(
            policy=policy_content,
            judged={participant_id: found.judgement for participant_id, found in zip(ids, own)},
            districts={p.id: p.federal_district for p in participants} if per_district else {},
            district_labels={str(k): str(v) for k, v in FederalDistrict.choices},
        )
    lines, rank_reasons = [], []
    for participant, found in zip(participants, own):
        decision, reasons, score, rank = outcomes[participant.id]
        base = found.judgement.reasons
        # The ranking adds at most one reason, after the rules' (outcomes_rank).
        ranked = reasons is not base
        lines.append(
            SnapshotLine(
                participant.id,
                participant.user_id,
                participant.federal_district,
                participant.level,
                found.figures_json,
                found.evidence_json,
                score,
                rank,
                decision,
                reasons_json(reasons=reasons, base=base, base_json=found.reasons_json)
                if ranked
                else found.reasons_json,
            )
        )
        rank_reasons.append(reasons[-1] if ranked else "")
    line_evidence = [found.positions for found in own]
    return ComputedRun(
        lines, evidence, line_evidence, rank_reasons, *_open_parts(names=names, assessments=assessments, now=now)
    )
