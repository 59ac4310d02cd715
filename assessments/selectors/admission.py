from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from assessments.models import (
    AdmissionDecision,
    AdmissionEvidence,
    AdmissionPolicy,
    AdmissionRevision,
    AdmissionRun,
    Decision,
    DecisionOverride,
    ExpertAssignment,
    RunStatus,
)
from assessments.permissions import is_staff
from assessments.policy import in_rule_order
from assessments.scores import days_shown, score_modules
from assessments.snapshot import STORED_COLUMNS
from live import selectors as live_selectors
from lms.choices import Level, Track
from lms.errors import ConflictError
from lms.regions import FederalDistrict, region_get
from lms.replica import PRIMARY
from lms.selectors import participant_list, participant_places, participant_summaries

if TYPE_CHECKING:
    from lms.models import Participant, Season


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
            override_revision_id=Subquery(latest.values("revision_id")[:1]),
        )
        .order_by("rank", "participant_id")
    )


def decisions_overridden(*, run: AdmissionRun) -> list[dict]:
    """The run's lines that carry an override, with the latest one: one query."""
    return list(
        _decisions_annotated(run=run)
        .filter(override_value__isnull=False)
        .values("id", "participant_id", "decision", "override_value")
    )


class SharedEvidence:
    """A set of AdmissionEvidence rows, read once (one query), that puts stored decisions back
    together as they were judged: `evidence` is the line's {module: evidence}, `reasons` the rules'
    reasons in the rules' order followed by the line's ranking reason."""

    def __init__(self, rows: QuerySet[AdmissionEvidence]):
        self._rows = {
            pk: (evidence, reasons) for pk, evidence, reasons in rows.values_list("pk", "evidence", "reasons")
        }
        self._reasons: dict[tuple, list[str]] = {}

    @classmethod
    def of_run(cls, run: AdmissionRun) -> "SharedEvidence":
        return cls(AdmissionEvidence.objects.filter(run=run))

    @classmethod
    def of_lines(cls, evidence_ids: Iterable[dict]) -> "SharedEvidence":
        return cls(AdmissionEvidence.objects.filter(pk__in={pk for ids in evidence_ids for pk in ids.values()}))

    def evidence(self, evidence_ids: dict) -> dict:
        return {module: self._rows[pk][0] for module, pk in evidence_ids.items()}

    def reasons(self, *, evidence_ids: dict, rank_reason: str, rule_modules: list[str]) -> list[str]:
        # Lines with the same figures share their rules' reasons: merged once.
        key = (tuple(rule_modules), *sorted(evidence_ids.items()))
        merged = self._reasons.get(key)
        if merged is None:
            merged = self._reasons[key] = in_rule_order(
                rule_modules=rule_modules,
                by_module={module: self._rows[pk][1] for module, pk in evidence_ids.items()},
            )
        return [*merged, rank_reason] if rank_reason else merged


def rule_modules_of(run: AdmissionRun) -> list[str]:
    return [rule["module"] for rule in run.policy_content.get("rules", [])]


def snapshot_lines(*, run: AdmissionRun) -> list[dict]:
    """The run's lines as judged (`assessments.snapshot.DECISION_COLUMNS`, evidence and reasons in
    full), by participant id: what the run's hash covers. Two queries."""
    shared = SharedEvidence.of_run(run)
    rule_modules = rule_modules_of(run)
    lines = []
    for line in run.decisions.order_by("participant_id").values(*STORED_COLUMNS):
        evidence_ids, rank_reason = line.pop("evidence_ids"), line.pop("rank_reason")
        line["evidence"] = shared.evidence(evidence_ids)
        line["reasons"] = shared.reasons(evidence_ids=evidence_ids, rank_reason=rank_reason, rule_modules=rule_modules)
        lines.append(line)
    return lines


def decisions_effective(
    *, run: AdmissionRun, user: AbstractBaseUser | None = None, shown: bool = True, reasons: bool = True
) -> list[dict]:
    """The run's lines with the override (if any) beside the computed decision, and the
    participant's name (lms's selector), and the reasons put back together from the run's shared
    evidence (`reasons=False` skips them): three queries. The reasons' dates are shown in the active
    zone, or kept as stored (`shown=False`) for a caller that shows each line in its own zone.

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
        "evidence_ids",
        "rank_reason",
        "override_value",
        "override_justification",
        "override_by",
        "override_at",
    )
    names = participant_summaries(participant_ids=decisions.values("participant_id"))
    shared, rule_modules = (SharedEvidence.of_run(run) if reasons else None), rule_modules_of(run)
    # The reasons' dates in the reader's zone; equal texts are shown once.
    texts: dict[str, str] = {}

    def reader(text: str) -> str:
        if text not in texts:
            texts[text] = days_shown(text)
        return texts[text]

    lines = []
    for row in rows:
        evidence_ids, rank_reason = row.pop("evidence_ids"), row.pop("rank_reason")
        if shared is not None:
            own = shared.reasons(evidence_ids=evidence_ids, rank_reason=rank_reason, rule_modules=rule_modules)
            row["reasons"] = [reader(reason) for reason in own] if shown else own
        row["email"] = row.pop("user__email")
        row["name"] = names[row["participant_id"]].short_name
        row["effective"] = row["override_value"] or row["decision"]
        lines.append(row)
    return lines


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
    shared = SharedEvidence.of_lines([decision.evidence_ids])
    evidence = shared.evidence(decision.evidence_ids)
    changed = None
    if decision.override_revision_id:
        revision = AdmissionRevision.objects.get(pk=decision.override_revision_id)
        change = next((c for c in revision.changes if c["decision_id"] == decision.id), {})
        changed = {"at": revision.created_at, "interviews_cancelled": bool(change.get("interviews_cancelled"))}
    return {
        "run_id": run.id,
        "published_at": run.published_at,
        "changed": changed,
        "decision": decision.override_value or decision.decision,
        "decision_label": Decision(decision.override_value or decision.decision).label,
        "reasons": [
            days_shown(reason)
            for reason in shared.reasons(
                evidence_ids=decision.evidence_ids, rank_reason=decision.rank_reason, rule_modules=rule_modules_of(run)
            )
        ],
        # What was missing when the run was made, module by module, dates as the reader's days.
        "missing": [days_shown(text) for name in sorted(evidence) for text in evidence[name]["missing"]],
        "overridden": decision.override_value is not None,
        "override_justification": decision.override_justification,
        "figures": decision.figures,
    }


def admission_run_table(*, run: AdmissionRun, user: AbstractBaseUser) -> tuple[list[str], list[list]]:
    """The run's export (lms.exports writes it), read like the candidates export: headers and values
    in the reader's language, dates in their zone, the participant's id, name, e-mail, region, level
    and track, figures as percentages, and what was still open when the run was made. Only a
    finished run has one (409 before)."""
    if run.status != RunStatus.DONE:
        raise ConflictError(_("The run is not finished yet."))
    modules = score_modules()
    names = sorted({name for row in run.decisions.values_list("figures", flat=True)[:1] for name in row})
    header = [
        _("Participant ID"),
        _("Participant"),
        _("E-mail"),
        _("Region"),
        _("Federal district"),
        _("Level"),
        _("Track"),
        _("Rank"),
        _("Ranking score, %"),
        _("Computed decision"),
        _("Override"),
        _("Justification"),
        _("Overridden by"),
        _("Overridden at"),
        _("Decision"),
        _("Reasons"),
        _("Still open"),
        *[_("%(module)s, %%") % {"module": modules[name].label if name in modules else name} for name in names],
    ]
    rows = decisions_effective(run=run, user=user)
    places = participant_places(participant_ids=[row["participant_id"] for row in rows])
    labels, levels, districts = dict(Decision.choices), dict(Level.choices), dict(FederalDistrict.choices)
    track, run_open = Track(run.track).label, run_open_texts(run=run)
    body = []
    for row in rows:
        region = region_get(places.get(row["participant_id"], ("", ""))[0])
        body.append(
            [
                row["participant_id"],
                row["name"],
                row["email"],
                region.name if region else "",
                districts.get(row["federal_district"], row["federal_district"]),
                levels.get(row["level"], row["level"]),
                track,
                row["rank"],
                round(row["score"] * 100, 1),
                labels[row["decision"]],
                labels.get(row["override_value"] or "", ""),
                row["override_justification"] or "",
                row["override_by"] or "",
                date_format(localtime(row["override_at"]), "j E Y, H:i") if row["override_at"] else "",
                labels[row["effective"]],
                # The reasons are sentences: one cell, space-separated, as the page shows them.
                " ".join(row["reasons"]),
                "; ".join([*run_open, *line_open_texts(run=run, participant_id=row["participant_id"])]),
                *[round(row["figures"][name] * 100, 1) if name in row["figures"] else "" for name in names],
            ]
        )
    return [str(title) for title in header], body


def admission_run_replicated(*, run: AdmissionRun, using: str) -> bool:
    """Whether the database `using` (a read replica) already holds the run as the primary does: its
    status, its publication and its latest override (an export must not miss a decision staff just made)."""
    latest_override = DecisionOverride.objects.filter(decision__run=run).order_by("-pk").values_list("pk", flat=True)
    copy = AdmissionRun.objects.using(using).filter(pk=run.pk, status=run.status, published_at=run.published_at)
    return copy.exists() and latest_override.using(using).first() == latest_override.using(PRIMARY).first()


def _day(value: str) -> str:
    # Stored as ISO text; shown in the reader's zone (the active one).
    return date_format(localtime(datetime.fromisoformat(value)), "j E")


def run_open_texts(*, run: AdmissionRun) -> list[str]:
    """What was still open on the track when the run was made ("lectures open until 3 January"),
    dates in the reader's zone: empty for a final run."""
    modules = score_modules()
    texts = []
    for item in run.open_items:
        module = modules.get(item["module"])
        label = module.label if module else item["module"]
        template = module.open_text if module else _("%(label)s: open until %(date)s")
        texts.append(str(template) % {"label": label, "date": _day(item["until"])})
    return texts


def line_open_texts(*, run: AdmissionRun, participant_id: int) -> list[str]:
    """A participant's own extensions still open when the run was made."""
    return [
        _("own extension: “%(title)s” until %(date)s") % {"title": item["title"], "date": _day(item["until"])}
        for item in run.open_lines.get(str(participant_id), [])
    ]


def run_not_applicable(*, run: AdmissionRun) -> list[str]:
    modules = score_modules()
    return [
        str(modules[name].label) if name in modules else name for name in run.policy_content.get("not_applicable", [])
    ]


def admission_run_counts(*, run: AdmissionRun) -> dict[str, int]:
    """What publishing will announce: the effective decisions counted, and how many e-mails go out
    (participants with an address). One query."""
    latest = DecisionOverride.objects.filter(decision=OuterRef("pk")).order_by("-created_at", "-id")
    rows = (
        AdmissionDecision.objects.filter(run=run)
        .annotate(override_value=Subquery(latest.values("value")[:1]))
        .aggregate(
            **{
                value: Count("id", filter=Q(override_value=value) | Q(override_value__isnull=True, decision=value))
                for value in Decision.values
            },
            emails=Count("id", filter=~Q(user__email="")),
        )
    )
    return rows


def admission_revision_list(*, run: AdmissionRun) -> list[dict]:
    """The revisions of a published list, first to last, with who, when, why and what changed (the
    participants' names through lms's selector): two queries whatever the number of revisions."""
    revisions = list(run.revisions.select_related("created_by").order_by("number"))
    participant_ids = {change["participant_id"] for revision in revisions for change in revision.changes}
    names = participant_summaries(participant_ids=participant_ids) if participant_ids else {}
    labels = dict(Decision.choices)
    return [
        {
            "number": revision.number,
            "content_hash": revision.content_hash,
            "created_at": revision.created_at,
            "created_by": revision.created_by.get_full_name() or revision.created_by.username,
            "reason": revision.reason,
            "changes": [
                {
                    "name": names[change["participant_id"]].short_name if change["participant_id"] in names else "",
                    "before": labels.get(change["before"], change["before"]),
                    "after": labels.get(change["after"], change["after"]),
                    "interview_cancelled": bool(change.get("interviews_cancelled")),
                }
                for change in revision.changes
            ],
        }
        for revision in revisions
    ]


def _moment(value: datetime) -> str:
    return date_format(localtime(value), "j E, H:i")


def admission_warnings(*, season: "Season") -> list[str]:
    """What would make a run of this season meaningless, said before anyone starts one: a track with
    no participants, required live sessions with no attendance evidence (when the policy reads live
    attendance), a module of the track's policy with nothing required on it (left out of the rules,
    or refusing the run when the policy weighs it). A few queries per track."""
    modules = score_modules()
    policies = {policy.track: policy for policy in AdmissionPolicy.objects.filter(season=season)}
    silent = live_selectors.sessions_without_evidence(season_id=season.id)
    warnings = []
    for track, track_label in Track.choices:
        if not participant_list(season=season, track=track).exists():
            warnings.append(_("%(track)s: no participants; a run would decide nothing.") % {"track": track_label})
            continue
        content = (policies.get(track) or AdmissionPolicy(season=season, track=track)).content()
        weights = content.get("weights") or {}
        named = {rule["module"] for rule in content["rules"]} | set(weights)
        if "live" in named:
            warnings += [
                _(
                    "%(track)s: the required session “%(title)s” (%(date)s) has no attendance evidence; "
                    "everyone would get 0%% for it: import its report, mark attendance or make it not required."
                )
                % {"track": track_label, "title": session.title, "date": _moment(session.starts_at)}
                for session in silent
                if session.track == track
            ]
        for name in sorted(named):
            module = modules.get(name)
            if module is None or module.required_count(season=season, track=track) != 0:
                continue
            text = {"track": track_label, "module": module.label}
            warnings.append(
                _("%(track)s: “%(module)s” has nothing required; the run would refuse to start (the policy weighs it).")
                % text
                if float(weights.get(name) or 0) > 0
                else _("%(track)s: “%(module)s” has nothing required; the run leaves it out of the rules.") % text
            )
    return warnings
