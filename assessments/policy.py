"""The admission policy as a pure function: figures in, decisions and plain-word reasons out.

Kept free of the database so a decision can be re-derived from a snapshot alone."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from assessments.models import Decision


@dataclass(frozen=True)
class Outcome:
    decision: str
    reasons: list[str]
    score: float
    rank: int | None


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


def ranking_score(*, figures: dict[str, float], policy: dict) -> float:
    weights = policy.get("weights") or {rule["module"]: 1 for rule in policy["rules"]}
    total = sum(float(w) for w in weights.values())
    if not total:
        return 0.0
    return round(sum(float(w) * figures.get(module, 0.0) for module, w in weights.items()) / total, 6)


def outcomes_decide(
    *,
    policy: dict,
    figures: dict[int, dict[str, float]],
    summaries: dict[int, dict[str, str]],
    labels: dict[str, str],
    districts: dict[int, str],
    district_labels: dict[str, str],
) -> dict[int, Outcome]:
    """`figures[participant_id][module] = 0..1`. Every rule passed → admitted (subject to the
    capacity, best ranking score first, ties by participant id so reruns agree); a rule missed by
    no more than the borderline band → review; otherwise not admitted."""
    band = float(policy.get("borderline_band") or 0)
    meets, within_band, below = (
        _("%(label)s: %(summary)s — meets the minimum of %(min)s."),
        _("%(label)s: %(summary)s — %(value)s is below the minimum of %(min)s but within the review band."),
        _("%(label)s: %(summary)s — %(value)s is below the minimum of %(min)s."),
    )
    decided: dict[int, tuple[str, list[str], float]] = {}
    for participant_id, own in figures.items():
        reasons, verdict = [], Decision.ADMITTED
        for rule in policy["rules"]:
            module, minimum = rule["module"], float(rule["min"])
            value = own.get(module, 0.0)
            text = {
                "label": labels.get(module, module),
                "summary": summaries[participant_id].get(module, ""),
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
        decided[participant_id] = (verdict, reasons, ranking_score(figures=own, policy=policy))

    ranked = sorted(decided, key=lambda pid: (-decided[pid][2], pid))
    capacity, per_district = policy.get("capacity"), policy.get("capacity_scope") == "district"
    ranks: dict[int, int] = {}
    seats_taken: dict[str, int] = {}
    outcomes = {}
    for participant_id in ranked:
        verdict, reasons, score = decided[participant_id]
        rank = None
        if verdict == Decision.ADMITTED:
            group = districts.get(participant_id, "") if per_district else ""
            seats_taken[group] = seats_taken.get(group, 0) + 1
            rank = ranks[participant_id] = seats_taken[group]
            if capacity is not None:
                where = district_labels.get(group, group) if per_district else _("overall")
                text = {"rank": rank, "capacity": capacity, "where": where}
                if rank > capacity:
                    verdict = Decision.NOT_ADMITTED
                    reasons = [*reasons, _("Ranked %(rank)s; the capacity (%(where)s) is %(capacity)s.") % text]
                else:
                    reasons = [*reasons, _("Ranked %(rank)s within the capacity (%(where)s) of %(capacity)s.") % text]
        outcomes[participant_id] = Outcome(decision=verdict, reasons=reasons, score=score, rank=rank)
    return outcomes
