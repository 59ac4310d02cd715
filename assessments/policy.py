"""The admission policy as a pure function: figures in, decisions and plain-word reasons out.

Kept free of the database so a decision can be re-derived from a snapshot alone."""

from collections.abc import Callable, Mapping
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


def policy_judge(
    *, policy: dict, labels: dict[str, str]
) -> Callable[[Mapping[str, float], Mapping[str, str]], Judgement]:
    """The rules as a function of one participant's figures and summaries: every rule passed →
    admitted; a rule missed by no more than the borderline band → review; otherwise not admitted.
    The texts are translated once here, not once per participant."""
    band = float(policy.get("borderline_band") or 0)
    rules = [
        (rule["module"], float(rule["min"]), labels.get(rule["module"], rule["module"])) for rule in policy["rules"]
    ]
    meets, within_band, below = (
        _("%(label)s: %(summary)s — meets the minimum of %(min)s."),
        _("%(label)s: %(summary)s — %(value)s is below the minimum of %(min)s but within the review band."),
        _("%(label)s: %(summary)s — %(value)s is below the minimum of %(min)s."),
    )

    def judge(figures: Mapping[str, float], summaries: Mapping[str, str]) -> Judgement:
        reasons, verdict = [], Decision.ADMITTED
        for module, minimum, label in rules:
            value = figures.get(module, 0.0)
            text = {
                "label": label,
                "summary": summaries.get(module, ""),
                "value": _percent(value),
                "min": _percent(minimum),
            }
            if value + 1e-9 >= minimum:
                reasons.append(meets % text)
            elif band and value + band + 1e-9 >= minimum:
                reasons.append(within_band % text)
                if verdict == Decision.ADMITTED:
                    verdict = Decision.REVIEW
            else:
                reasons.append(below % text)
                verdict = Decision.NOT_ADMITTED
        return Judgement(verdict, reasons, ranking_score(figures=figures, policy=policy))

    return judge


def outcomes_rank(
    *, policy: dict, judged: dict[int, Judgement], districts: Mapping[int, str], district_labels: dict[str, str]
) -> dict[int, AdmissionOutcome]:
    """Rank the admitted (best ranking score first, ties by participant id so reruns agree) and
    apply the capacity, overall or per federal district. Judgements may share their lists of
    reasons: a capacity line goes into a new list, never into a shared one."""
    ranked = sorted(judged, key=lambda pid: (-judged[pid].score, pid))
    capacity, per_district = policy.get("capacity"), policy.get("capacity_scope") == "district"
    overall = _("overall")
    seats_taken: dict[str, int] = {}
    outcomes = {}
    for participant_id in ranked:
        verdict, reasons, score = judged[participant_id]
        rank = None
        if verdict == Decision.ADMITTED:
            group = districts.get(participant_id, "") if per_district else ""
            rank = seats_taken[group] = seats_taken.get(group, 0) + 1
            if capacity is not None:
                where = district_labels.get(group, group) if per_district else overall
                text = {"rank": rank, "capacity": capacity, "where": where}
                if rank > capacity:
                    verdict = Decision.NOT_ADMITTED
                    reasons = [*reasons, _("Ranked %(rank)s; the capacity (%(where)s) is %(capacity)s.") % text]
                else:
                    reasons = [*reasons, _("Ranked %(rank)s within the capacity (%(where)s) of %(capacity)s.") % text]
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
