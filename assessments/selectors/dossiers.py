"""Reads for the regional dossiers: who a season's finalists are, what a region's dossier holds
(frozen by `services.dossiers.dossiers_prepare`), and the outbox as staff see it."""

import hashlib
import json
from dataclasses import dataclass

from django.db.models import QuerySet

from assessments.models import (
    Award,
    AwardKind,
    Dossier,
    DossierStatus,
    InterviewOutcome,
    InterviewResult,
    MinistryDecision,
    MinistryVerdict,
    PlacementDecision,
    PlacementDecisionKind,
    PlacementLine,
)
from assessments.selectors.internships import internships_for_dossier
from assessments.selectors.placement import placement_latest_published
from lms.candidacy.selectors import cv_latest_versions
from lms.choices import Level
from lms.hosts.selectors import offers_of_season
from lms.regions import region_get
from lms.selectors import (
    participant_ids_in_season,
    participant_ids_in_talent_pool,
    participant_places,
    participant_summaries,
)
from lms.youthbodies.selectors import youth_body_addresses


def dossier_finalist_ids(*, season_id: int) -> set[int]:
    """The season's finalists, still in it: a ministry's "finalist" decision applied by staff (a
    pending one does not count), or the "finalist" award staff give at the closing. The award is how
    a Beginner placed in a ROIV becomes a finalist: the ministries' decisions name only Young and
    PRO (the FOIV interviews, DOMAIN.md stage 6), while the closing's awards name the programme's
    finalists of every level. Two queries."""
    in_season = participant_ids_in_season(season_id=season_id)
    decided = MinistryDecision.objects.filter(
        participant_id__in=in_season, verdict=MinistryVerdict.FINALIST, wave__isnull=False
    ).values_list("participant_id", flat=True)
    awarded = Award.objects.filter(
        season_id=season_id, participant_id__in=in_season, kind=AwardKind.FINALIST
    ).values_list("participant_id", flat=True)
    return set(decided) | set(awarded)


def dossier_internships_section(*, season, participant_ids) -> dict[int, list]:
    """Each finalist's internship for the dossier, in the snapshot's JSON-safe shape (dates as ISO
    text, the feedback's average and comment): what the region's body reads about the work done.
    One query."""
    section = {}
    for pid, item in internships_for_dossier(season_id=season.pk, participant_ids=participant_ids).items():
        feedback = item["feedback"]
        section[pid] = [
            {
                "host": item["host"],
                "offer": item["offer"],
                "starts_on": item["starts_on"].isoformat(),
                "ends_on": item["ends_on"].isoformat(),
                "supervisor": item["supervisor_name"],
                "started": item["attendance"]["started"],
                "weeks_confirmed": item["attendance"]["weeks_confirmed"],
                "weeks_present": item["attendance"]["weeks_present"],
                "weeks_total": item["attendance"]["weeks_total"],
                "feedback_average": feedback["average"] if feedback else None,
                "feedback_max": feedback["max_score"] if feedback else None,
                "feedback_comment": feedback["comment"] if feedback else "",
            }
        ]
    return section


def _placements(*, season_id: int, participant_ids: list[int]) -> dict[int, dict]:
    """Where each is placed by the season's latest published run, after the decisions on it (a
    staff move takes its offer; a decline leaves no placement). Three queries."""
    run = placement_latest_published(season_id=season_id)
    if run is None:
        return {}
    offers = {offer.pk: offer for offer in offers_of_season(season_id=season_id)}
    placed = dict(
        PlacementLine.objects.filter(run=run, participant_id__in=participant_ids).values_list(
            "participant_id", "offer_id"
        )
    )
    confirmed: set[int] = set()
    for decision in PlacementDecision.objects.filter(run=run, participant_id__in=participant_ids).order_by(
        "decided_at", "id"
    ):
        if decision.kind == PlacementDecisionKind.MOVED:
            placed[decision.participant_id] = decision.offer_id
        elif decision.kind == PlacementDecisionKind.CONFIRMED:
            confirmed.add(decision.participant_id)
        elif placed.get(decision.participant_id) == decision.offer_id:
            placed[decision.participant_id] = None
    result = {}
    for pid, offer_id in placed.items():
        offer = offers.get(offer_id)
        if offer is not None:
            result[pid] = {"host": offer.host.name, "offer": offer.title, "confirmed": pid in confirmed}
    return result


def dossier_contents(*, season) -> dict[str, dict]:
    """Per region code, the dossier's contents as they are now: `finalists` (with a talent-pool
    consent in force) and `left_out` (without). A fixed number of queries whatever the count."""
    ids = sorted(dossier_finalist_ids(season_id=season.pk))
    if not ids:
        return {}
    consenting = participant_ids_in_talent_pool(participant_ids=ids)
    summaries = participant_summaries(participant_ids=ids)
    places = participant_places(participant_ids=ids)
    cvs = cv_latest_versions(participant_ids=ids)
    outcomes = dict(
        InterviewOutcome.objects.filter(participant_id__in=ids, published_at__isnull=False).values_list(
            "participant_id", "result"
        )
    )
    decisions: dict[int, list[dict]] = {}
    for pid, host, verdict in (
        MinistryDecision.objects.filter(participant_id__in=ids, wave__isnull=False)
        .order_by("participant_id", "host__name", "id")
        .values_list("participant_id", "host__name", "verdict")
    ):
        decisions.setdefault(pid, []).append({"ministry": host, "verdict": verdict})
    awards: dict[int, list[str]] = {}
    for pid, kind in (
        Award.objects.filter(participant_id__in=ids, season_id=season.pk)
        .order_by("kind")
        .values_list("participant_id", "kind")
    ):
        awards.setdefault(pid, []).append(kind)
    placements = _placements(season_id=season.pk, participant_ids=ids)
    internships = dossier_internships_section(season=season, participant_ids=ids)
    regions: dict[str, dict] = {}
    for pid in sorted(ids, key=lambda pid: (summaries[pid].last_name, summaries[pid].first_name, pid)):
        summary, region = summaries[pid], places[pid][0]
        bucket = regions.setdefault(region, {"finalists": [], "left_out": []})
        if pid not in consenting:
            bucket["left_out"].append({"participant_id": pid, "name": summary.full_name})
            continue
        cv = cvs.get(pid)
        bucket["finalists"].append(
            {
                "participant_id": pid,
                "name": summary.full_name,
                "level": summary.level,
                "cv_version_id": cv.pk if cv else None,
                "cv_number": cv.number if cv else None,
                "interview_result": outcomes.get(pid, ""),
                "ministry_decisions": decisions.get(pid, []),
                "placement": placements.get(pid),
                "awards": awards.get(pid, []),
                "internships": internships.get(pid, []),
            }
        )
    return regions


def dossier_hash(*, finalists: list[dict]) -> str:
    """SHA-256 of the finalists' canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(finalists, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class OutboxRow:
    dossier: Dossier
    region: str
    recipients: list[str]

    @property
    def blocked(self) -> bool:
        """No active body with an address for the region: nothing can be sent."""
        return not self.recipients and self.dossier.status != DossierStatus.SENT

    @property
    def sendable(self) -> bool:
        return (
            not self.blocked
            and self.dossier.finalists_count > 0
            and self.dossier.status in (DossierStatus.DRAFT, DossierStatus.FAILED)
        )


def dossier_list(*, season_id: int) -> QuerySet[Dossier]:
    return Dossier.objects.filter(season_id=season_id).order_by("region_code")


def dossier_outbox(*, season_id: int) -> list[OutboxRow]:
    """The season's dossiers with their region's addresses: two queries."""
    dossiers = list(dossier_list(season_id=season_id).defer("snapshot"))
    addresses = youth_body_addresses(region_codes=[d.region_code for d in dossiers])
    return [
        OutboxRow(d, region_get(d.region_code).name, addresses.get(d.region_code, []))
        for d in sorted(dossiers, key=lambda d: region_get(d.region_code).name)
    ]


def dossier_get(*, dossier_id: int) -> Dossier | None:
    return Dossier.objects.select_related("season", "prepared_by").filter(pk=dossier_id).first()


def dossier_readable(*, dossier: Dossier) -> dict:
    """The snapshot with the codes in words (the reader's language), for the preview and the PDF:
    no query."""
    levels, results = dict(Level.choices), dict(InterviewResult.choices)
    verdicts, kinds = dict(MinistryVerdict.choices), dict(AwardKind.choices)
    finalists = [
        {
            **entry,
            "level_label": levels.get(entry.get("level"), ""),
            "interview_label": results.get(entry.get("interview_result"), ""),
            "decisions": [
                f"{d['ministry']}: {verdicts.get(d['verdict'], d['verdict'])}"
                for d in entry.get("ministry_decisions", [])
            ],
            "award_labels": [kinds.get(kind, kind) for kind in entry.get("awards", [])],
        }
        for entry in dossier.snapshot.get("finalists", [])
    ]
    return {"finalists": finalists, "left_out": dossier.snapshot.get("left_out", [])}
