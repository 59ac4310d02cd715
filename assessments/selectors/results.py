"""Reads for the season's interview results: the staff list (the experts' recommendation, staff's
choice and the level changes to apply) and what the cabinet shows once they are published."""

from typing import TYPE_CHECKING

from assessments.models import InterviewOutcome, InterviewResult
from assessments.selectors.interviews import candidates_by_direction, interview_plan_of
from lms.choices import Level

if TYPE_CHECKING:
    from lms.models import Participant


def interview_results_list(*, season_id: int) -> list[dict]:
    """Every interviewed participant of the season (the candidates, `candidates_by_direction`), by
    name, with `suggested` (the direction of the experts' averaged recommendation, as the
    candidates page lists them), `chosen` (staff's choice, or "") and `result` (the one that is or
    will be published). Six queries whatever the count."""
    rows = [row for rows in candidates_by_direction(season_id=season_id).values() for row in rows]
    chosen = dict(
        InterviewOutcome.objects.filter(season_id=season_id, chosen_by__isnull=False).values_list(
            "participant_id", "result"
        )
    )
    labels, levels = dict(InterviewResult.choices), dict(Level.choices)
    for row in rows:
        row["suggested"] = row["direction"]
        row["chosen"] = chosen.get(row["participant_id"], "")
        row["result"] = row["chosen"] or row["suggested"]
        row["result_label"] = labels[row["result"]]
        row["level_label"] = levels[row["level"]]
        row["recommended_label"] = levels[row["recommended_level"]]
    return sorted(rows, key=lambda row: (row["name"], row["participant_id"]))


def interview_results_counts(*, rows: list[dict]) -> list[tuple[str, int]]:
    """How many of each result publishing would announce (the confirmation step)."""
    return [(label, sum(row["result"] == key for row in rows)) for key, label in InterviewResult.choices]


def interview_result_for(*, participant: "Participant") -> dict | None:
    """What the cabinet shows the participant once the season's results are published (None
    before): their result and, where the experts recommended another level than the one they had
    then (or staff changed it since), the level staff decided on (the participant's level now)."""
    if interview_plan_of(season_id=participant.season_id).results_published_at is None:
        return None
    outcome = InterviewOutcome.objects.filter(participant=participant, published_at__isnull=False).first()
    if outcome is None:
        return None
    levels = dict(Level.choices)
    # The experts recommended another level than the one published beside it, or staff have
    # changed the level since: say where the participant stands now.
    moved = outcome.recommended_level != outcome.level or participant.level != outcome.level
    return {
        "moved": bool(outcome.recommended_level) and moved,
        "result": outcome.result,
        "result_label": outcome.get_result_display(),
        "published_at": outcome.published_at,
        "recommended_level": outcome.recommended_level,
        "recommended_label": levels.get(outcome.recommended_level, ""),
        "level": participant.level,
        "level_label": levels[participant.level],
    }


def participants_recommended_for_foiv(*, participant_ids: list[int]) -> set[int]:
    """Who among `participant_ids` may rank the ministries' (FOIV) offers: the one rule, read by the
    core through `lms.candidacy.sources`. A published interview result "recommended for FOIV
    interviews" (`InterviewResult.FOIV`, staff's choice or the experts' recommendation as
    published) and a Young or PRO level now (a Beginner goes to ROIV internships whatever the
    result said, DOMAIN.md stage 5). One query."""
    return set(
        InterviewOutcome.objects.filter(
            participant_id__in=participant_ids,
            published_at__isnull=False,
            result=InterviewResult.FOIV,
            participant__level__in=[Level.YOUNG, Level.PRO],
        ).values_list("participant_id", flat=True)
    )
