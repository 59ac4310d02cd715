"""The admission policy as a pure function: figures in, decisions and plain-word reasons out.

Kept free of the database so a decision can be re-derived from a snapshot alone."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from django.utils.translation import gettext as _

from assessments.models import Decision


class Judgement(NamedTuple):
    """A participant's verdict on the rules alone, before ranking and capacity."""

    decision: str
    reasons: list[str]
    score: float


class AdmissionOutcome(NamedTuple):
    """A participant's admission decision after ranking and capacity, with the reasons."""

    decision: str
    reasons: list[str]
    score: float
    rank: int | None


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


def ranking_score(*, figures: Mapping[str, float], policy: dict) -> float:
    weights = policy.get("weights") or {rule["module"]: 1 for rule in policy["rules"]}
    total = sum(float(w) for w in weights.values())
    if not total:
        return 0.0
    return round(sum(float(w) * figures.get(module, 0.0) for module, w in weights.items()) / total, 6)


class RuleVerdict(NamedTuple):
    """What one rule says of one module's figure."""

    decision: str
    reason: str


# A participant's verdict on the rules is the worst of their rules' verdicts.
_SEVERITY = {Decision.ADMITTED: 0, Decision.REVIEW: 1, Decision.NOT_ADMITTED: 2}


def policy_rules(*, policy: dict, labels: dict[str, str]) -> Callable[[str, float, str], tuple[RuleVerdict, ...]]:
    """The rules as a function of one module's figure (its value and summary): the verdicts of the
    rules reading that module, in the rules' order. A rule passed → admitted; missed by no more than
    the borderline band → review; otherwise not admitted. Each rule reads one module, so a run works
    the verdicts out once per distinct figure, not once per participant. The texts are translated
    once here."""
    band = float(policy.get("borderline_band") or 0)
    by_module: dict[str, list[tuple[float, str]]] = {}
    for rule in policy["rules"]:
        by_module.setdefault(rule["module"], []).append(
            (float(rule["min"]), labels.get(rule["module"], rule["module"]))
        )
    meets, within_band, below = (
        _("%(label)s: %(summary)s — meets the minimum of %(min)s."),
        _("%(label)s: %(summary)s — %(value)s is below the minimum of %(min)s but within the review band."),
        _("%(label)s: %(summary)s — %(value)s is below the minimum of %(min)s."),
    )

    def verdicts(module: str, value: float, summary: str) -> tuple[RuleVerdict, ...]:
        found = []
        for minimum, label in by_module.get(module, ()):
            text = {"label": label, "summary": summary, "value": _percent(value), "min": _percent(minimum)}
            if value + 1e-9 >= minimum:
                found.append(RuleVerdict(Decision.ADMITTED, meets % text))
            elif band and value + band + 1e-9 >= minimum:
                found.append(RuleVerdict(Decision.REVIEW, within_band % text))
            else:
                found.append(RuleVerdict(Decision.NOT_ADMITTED, below % text))
        return tuple(found)

    return verdicts


def verdict_worst(decisions: Iterable[str]) -> str:
    return max(decisions, key=_SEVERITY.__getitem__, default=Decision.ADMITTED)


def in_rule_order(*, rule_modules: Sequence[str], by_module: Mapping[str, Sequence]) -> list:
    """Per-module lists (each in the order of that module's rules) merged back into the rules'
    order: how a line's reasons are put together from its figures' shared ones."""
    taken = dict.fromkeys(by_module, 0)
    merged = []
    for module in rule_modules:
        merged.append(by_module[module][taken[module]])
        taken[module] += 1
    return merged


def policy_judge(
    *, policy: dict, labels: dict[str, str]
) -> Callable[[Mapping[str, float], Mapping[str, str]], Judgement]:
    """The rules as a function of one participant's figures and summaries (`policy_rules` for each
    module, merged in the rules' order)."""
    verdicts_of = policy_rules(policy=policy, labels=labels)
    rule_modules = [rule["module"] for rule in policy["rules"]]

    def judge(figures: Mapping[str, float], summaries: Mapping[str, str]) -> Judgement:
        verdicts = in_rule_order(
            rule_modules=rule_modules,
            by_module={
                module: verdicts_of(module, figures.get(module, 0.0), summaries.get(module, ""))
                for module in set(rule_modules)
            },
        )
        return Judgement(
            verdict_worst(verdict.decision for verdict in verdicts),
            [verdict.reason for verdict in verdicts],
            ranking_score(figures=figures, policy=policy),
        )

    return judge


def outcomes_rank(
    *, policy: dict, judged: dict[int, Judgement], districts: Mapping[int, str], district_labels: dict[str, str]
) -> dict[int, AdmissionOutcome]:
    """Rank the admitted (best ranking score first, ties by participant id so reruns agree) and
    apply the capacity, overall or per federal district. Judgements may share their lists of
    reasons: a capacity line goes into a new list, never into a shared one. Participants not
    admitted on the rules keep their judgement, and those sharing one share its outcome."""
    capacity, per_district = policy.get("capacity"), policy.get("capacity_scope") == "district"
    overall = _("overall")
    over, within = (
        _("Ranked %(rank)s; the capacity (%(where)s) is %(capacity)s."),
        _("Ranked %(rank)s within the capacity (%(where)s) of %(capacity)s."),
    )
    unranked: dict[int, AdmissionOutcome] = {}  # id of a judgement → its outcome
    outcomes = {}
    admitted = []
    for participant_id, judgement in judged.items():
        if judgement.decision == Decision.ADMITTED:
            admitted.append((-judgement.score, participant_id))
            continue
        outcome = unranked.get(id(judgement))
        if outcome is None:
            outcome = unranked[id(judgement)] = AdmissionOutcome(*judgement, None)
        outcomes[participant_id] = outcome
    admitted.sort()
    seats_taken: dict[str, int] = {}
    for _score, participant_id in admitted:
        verdict, reasons, score = judged[participant_id]
        group = districts.get(participant_id, "") if per_district else ""
        rank = seats_taken[group] = seats_taken.get(group, 0) + 1
        if capacity is not None:
            text = {
                "rank": rank,
                "capacity": capacity,
                "where": district_labels.get(group, group) if per_district else overall,
            }
            if rank > capacity:
                verdict, reasons = Decision.NOT_ADMITTED, [*reasons, over % text]
            else:
                reasons = [*reasons, within % text]
        outcomes[participant_id] = AdmissionOutcome(verdict, reasons, score, rank)
    return outcomes


def outcomes_decide(
    *,
    policy: dict,
    figures: dict[int, dict[str, float]],
    summaries: dict[int, dict[str, str]],
    labels: dict[str, str],
    districts: dict[int, str],
    district_labels: dict[str, str],
) -> dict[int, AdmissionOutcome]:
    """`figures[participant_id][module] = 0..1`: each participant judged on the rules, then ranked
    and held to the capacity."""
    judge = policy_judge(policy=policy, labels=labels)
    judged = {participant_id: judge(own, summaries[participant_id]) for participant_id, own in figures.items()}
    return outcomes_rank(policy=policy, judged=judged, districts=districts, district_labels=district_labels)
