from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import AdmissionDecision, AdmissionRun, Decision, DecisionOverride, ExpertAssignment, RunStatus
from assessments.permissions import is_staff
from lms.errors import ConflictError
from lms.selectors import participant_summaries

if TYPE_CHECKING:
    from lms.models import Participant


def admission_run_list(*, season_id: int) -> QuerySet[AdmissionRun]:
    return AdmissionRun.objects.filter(season_id=season_id).select_related("season")


def admission_run_recent(*, limit: int = 20) -> QuerySet[AdmissionRun]:
    return AdmissionRun.objects.select_related("season").order_by("-created_at")[:limit]


def decision_in_run(*, run: AdmissionRun, decision_id: int) -> AdmissionDecision | None:
    return AdmissionDecision.objects.filter(pk=decision_id, run=run).first()


def _decisions_annotated(*, run: AdmissionRun) -> QuerySet:
    latest = DecisionOverride.objects.filter(decision=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        AdmissionDecision.objects.filter(run=run)
        .annotate(
            override_value=Subquery(latest.values("value")[:1]),
            override_justification=Subquery(latest.values("justification")[:1]),
            override_by=Subquery(latest.values("created_by__username")[:1]),
            override_at=Subquery(latest.values("created_at")[:1]),
        )
        .order_by("rank", "participant_id")
    )


def decisions_effective(*, run: AdmissionRun, user: AbstractBaseUser | None = None) -> list[dict]:
    """The run's lines with the override (if any) beside the computed decision, and the
    participant's name (lms's selector): two queries.

    `user` limits what is shown: staff see all, an expert only their assigned participants."""
    decisions = _decisions_annotated(run=run)
    if user is not None and not is_staff(user):
        assigned = ExpertAssignment.objects.filter(expert=user).values("participant_id")
        decisions = decisions.filter(participant_id__in=assigned)
    rows = decisions.values(
        "id",
        "participant_id",
        "user_id",
        "user__email",
        "federal_district",
        "level",
        "figures",
        "score",
        "rank",
        "decision",
        "reasons",
        "override_value",
        "override_justification",
        "override_by",
        "override_at",
    )
    names = participant_summaries(participant_ids=decisions.values("participant_id"))
    return [
        {
            **row,
            "email": row.pop("user__email"),
            "name": names[row["participant_id"]].short_name,
            "effective": row["override_value"] or row["decision"],
        }
        for row in rows
    ]


def decision_published_for(*, participant: "Participant") -> dict | None:
    """The participant's line in the latest published run of their season and track."""
    run = (
        AdmissionRun.objects.filter(
            season_id=participant.season_id, track=participant.track, published_at__isnull=False
        )
        .order_by("-published_at", "-id")
        .first()
    )
    if run is None:
        return None
    decision = _decisions_annotated(run=run).filter(participant=participant).first()
    if decision is None:
        return None
    return {
        "run_id": run.id,
        "published_at": run.published_at,
        "decision": decision.override_value or decision.decision,
        "decision_label": Decision(decision.override_value or decision.decision).label,
        "reasons": decision.reasons,
        "overridden": decision.override_value is not None,
        "override_justification": decision.override_justification,
        "figures": decision.figures,
    }


EXPORT_COLUMNS = [
    ("rank", gettext_lazy("Rank")),
    ("name", gettext_lazy("Participant")),
    ("federal_district", gettext_lazy("Federal district")),
    ("level", gettext_lazy("Level")),
    ("score", gettext_lazy("Ranking score")),
    ("decision", gettext_lazy("Computed decision")),
    ("override_value", gettext_lazy("Override")),
    ("override_justification", gettext_lazy("Justification")),
    ("override_by", gettext_lazy("Overridden by")),
    ("effective", gettext_lazy("Decision")),
    ("reasons", gettext_lazy("Reasons")),
]


def admission_run_table(*, run: AdmissionRun, user: AbstractBaseUser) -> tuple[list, list[list]]:
    """The run's export (lms.exports writes it): the columns above in the active language, then one
    figure column per score module. Only a finished run has one (409 before)."""
    if run.status != RunStatus.DONE:
        raise ConflictError(_("The run is not finished yet."))
    modules = sorted({name for row in run.decisions.values_list("figures", flat=True)[:1] for name in row})
    header = [title for _key, title in EXPORT_COLUMNS] + modules
    body = []
    for row in decisions_effective(run=run, user=user):
        # The reasons are sentences: one cell, space-separated, as the page shows them.
        line = [" ".join(row[key]) if key == "reasons" else row[key] for key, _title in EXPORT_COLUMNS]
        body.append(line + [row["figures"].get(name, "") for name in modules])
    return header, body
