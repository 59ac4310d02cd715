"""Reads of the ministry (FOIV) interviews (issue 15 §2): who a ministry's candidates are, their
slots, interviews, scores and decisions; what a participant may book and has been told; the
pending decisions staff apply; the applied decisions the placement reads."""

from collections import defaultdict
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, QuerySet, Subquery

from assessments.models import (
    InterviewStatus,
    MinistryDecision,
    MinistryInterview,
    MinistrySheet,
    MinistrySlot,
)
from assessments.models.ministry import VERDICT_RANK
from assessments.selectors.results import participants_recommended_for_foiv
from lms.candidacy.selectors import offer_preferences_of, offer_preferences_of_season, participant_foiv_recommended
from lms.hosts.selectors import host_get, host_of_user, hosts_visible_to
from lms.selectors import participant_summaries


def is_ministry(host) -> bool:
    """A body that interviews candidates itself: a FOIV or a state corporation (not a ROIV)."""
    return host is not None and not host.is_roiv


def ministry_of_user(*, user: AbstractBaseUser):
    """The ministry a person represents (None for anyone else, a ROIV's people included): one query."""
    host = host_of_user(user=user)
    return host if is_ministry(host) else None


def ministries_visible_to(*, user: AbstractBaseUser) -> list:
    """The ministries `user` may open (staff: all; a ministry's people: theirs), by name: one query."""
    return [host for host in hosts_visible_to(user=user).order_by("name", "id") if is_ministry(host)]


def ministry_get(*, host_id: int):
    host = host_get(host_id=host_id)
    return host if is_ministry(host) else None


def ministry_hosts_ranked_by(*, participant) -> dict[int, object]:
    """The ministries whose offers the participant ranked, by id, each with its body: one query."""
    return {
        preference.offer.host_id: preference.offer.host
        for preference in offer_preferences_of(participant=participant)
        if is_ministry(preference.offer.host)
    }


def ministry_candidate_ids(*, host_id: int, season_id: int) -> set[int]:
    """Who may interview with a ministry in a season: still in the season, ranked one of its offers
    and recommended for the FOIV interviews (the same rule that let them rank it,
    `lms.candidacy.selectors.offer_refusal`). Two queries."""
    ranked = set(
        offer_preferences_of_season(season_id=season_id)
        .filter(offer__host_id=host_id, participant__left_at__isnull=True)
        .values_list("participant_id", flat=True)
    )
    return participants_recommended_for_foiv(participant_ids=list(ranked)) if ranked else set()


def ministry_is_candidate(*, host_id: int, participant) -> bool:
    """Whether this participant is the ministry's candidate (`ministry_candidate_ids`): two queries."""
    if participant.left_at is not None:
        return False
    return host_id in ministry_hosts_ranked_by(participant=participant) and participant_foiv_recommended(
        participant=participant
    )


def _score(sheets: list[MinistrySheet]) -> float | None:
    totals = [sheet.total for sheet in sheets if sheet.total is not None]
    return sum(totals) / len(totals) if totals else None


def ministry_candidates(*, host_id: int, season_id: int) -> list[dict]:
    """The ministry's candidates by name, each with the offers they ranked of it, their booked
    interview, the averaged score of its sheets (a share of the rubric's highest score, 0..1), and
    the ministry's decision (pending or applied). Six queries, whatever the number of candidates."""
    preferences = list(
        offer_preferences_of_season(season_id=season_id).filter(
            offer__host_id=host_id, participant__left_at__isnull=True
        )
    )
    recommended = participants_recommended_for_foiv(
        participant_ids=list({preference.participant_id for preference in preferences})
    )
    offers: dict[int, list] = defaultdict(list)
    for preference in preferences:
        if preference.participant_id in recommended:
            offers[preference.participant_id].append(preference)
    people = participant_summaries(participant_ids=list(offers))
    interviews = {
        interview.participant_id: interview
        for interview in MinistryInterview.objects.filter(
            host_id=host_id, participant_id__in=list(offers), status=InterviewStatus.BOOKED
        ).select_related("slot")
    }
    sheets: dict[int, list] = defaultdict(list)
    for sheet in MinistrySheet.objects.filter(interview_id__in=[i.pk for i in interviews.values()]):
        sheets[sheet.interview_id].append(sheet)
    decisions = {
        decision.participant_id: decision
        for decision in MinistryDecision.objects.filter(
            host_id=host_id, participant_id__in=list(offers)
        ).select_related("wave")
    }
    rows = []
    for participant_id, ranked in offers.items():
        person = people.get(participant_id)
        interview = interviews.get(participant_id)
        own_sheets = sheets.get(interview.pk, []) if interview else []
        rows.append(
            {
                "participant_id": participant_id,
                "name": person.full_name if person else "",
                "level": person.level if person else "",
                "offers": [{"id": p.offer_id, "title": p.offer.title, "rank": p.rank} for p in ranked],
                "interview": interview,
                "sheet_count": len(own_sheets),
                "score": _score(own_sheets),
                "decision": decisions.get(participant_id),
            }
        )
    return sorted(rows, key=lambda row: (row["name"], row["participant_id"]))


def ministry_interview_get(*, interview_id: int) -> MinistryInterview | None:
    return MinistryInterview.objects.select_related("slot", "host", "participant").filter(pk=interview_id).first()


def ministry_interview_of(*, host_id: int, participant_id: int) -> MinistryInterview | None:
    """The candidate's booked interview with the ministry, if any."""
    return (
        MinistryInterview.objects.select_related("slot")
        .filter(host_id=host_id, participant_id=participant_id, status=InterviewStatus.BOOKED)
        .first()
    )


def ministry_sheets_of(*, interview: MinistryInterview) -> list[MinistrySheet]:
    return list(MinistrySheet.objects.filter(interview=interview).select_related("scorer").order_by("submitted_at"))


def ministry_decision_of(*, host_id: int, participant_id: int) -> MinistryDecision | None:
    return (
        MinistryDecision.objects.select_related("wave", "decided_by")
        .filter(host_id=host_id, participant_id=participant_id)
        .first()
    )


def ministry_slot_get(*, slot_id: int) -> MinistrySlot | None:
    return MinistrySlot.objects.select_related("host").filter(pk=slot_id, published=True).first()


def ministry_slot_list(*, host_id: int, season_id: int) -> list[MinistrySlot]:
    """A ministry's published slots of a season, each with `booked_participant_id` and `booked_name`:
    two queries, whatever the number of slots."""
    booked = MinistryInterview.objects.filter(slot=OuterRef("pk"), status=InterviewStatus.BOOKED)
    slots = list(
        MinistrySlot.objects.filter(host_id=host_id, season_id=season_id, published=True)
        .annotate(
            booked_interview_id=Subquery(booked.values("id")[:1]),
            booked_participant_id=Subquery(booked.values("participant_id")[:1]),
        )
        .order_by("starts_at", "id")
    )
    people = participant_summaries(participant_ids={s.booked_participant_id for s in slots if s.booked_participant_id})
    for slot in slots:
        person = people.get(slot.booked_participant_id)
        slot.booked_name = person.short_name if person else None
    return slots


def ministry_slots_free_for(*, participant, now: datetime) -> QuerySet[MinistrySlot]:
    """The free future slots of the ministries the participant ranked (none unless they are
    recommended for the FOIV interviews), with their bodies: three queries once listed."""
    if participant.left_at is not None or not participant_foiv_recommended(participant=participant):
        return MinistrySlot.objects.none()
    hosts = list(ministry_hosts_ranked_by(participant=participant))
    booked = MinistryInterview.objects.filter(slot=OuterRef("pk"), status=InterviewStatus.BOOKED)
    return (
        MinistrySlot.objects.filter(
            season_id=participant.season_id, host_id__in=hosts, published=True, starts_at__gt=now
        )
        .exclude(Exists(booked))
        .select_related("host")
        .order_by("starts_at", "id")
    )


def ministry_bookings_of(*, participant) -> list[MinistryInterview]:
    """The participant's booked ministry interviews with slot and body: one query."""
    return list(
        MinistryInterview.objects.filter(participant=participant, status=InterviewStatus.BOOKED)
        .select_related("slot", "host")
        .order_by("slot__starts_at", "id")
    )


def ministry_decisions_applied_for(*, participant) -> list[MinistryDecision]:
    """The ministries' decisions on the participant that staff have applied — the only ones the
    participant is shown; a pending decision is not even counted. One query."""
    return list(
        MinistryDecision.objects.filter(participant=participant, wave__isnull=False)
        .select_related("host", "wave")
        .order_by("host__name", "id")
    )


def ministry_decisions_pending(*, season_id: int) -> list[dict]:
    """The season's pending decisions grouped by ministry (by name), each decision with the
    candidate's name: two queries, whatever the number."""
    decisions = list(
        MinistryDecision.objects.filter(participant__season_id=season_id, wave__isnull=True)
        .select_related("host", "decided_by")
        .order_by("host__name", "host_id", "id")
    )
    people = participant_summaries(participant_ids=[d.participant_id for d in decisions])
    groups: dict[int, dict] = {}
    for decision in decisions:
        person = people.get(decision.participant_id)
        decision.participant_name = person.full_name if person else ""
        groups.setdefault(decision.host_id, {"host": decision.host, "decisions": []})["decisions"].append(decision)
    return list(groups.values())


def ministry_priorities(*, season_id: int) -> dict[tuple[int, int], tuple[float, float]]:
    """The placement's FOIV priorities: (host id, participant id) → (the applied decision as a
    number, finalist 2 above reserve 1; the averaged score of the ministry's interview, 0 if none).
    Declined and pending decisions give no entry, so those pairs are not eligible. Two queries."""
    applied = list(
        MinistryDecision.objects.filter(
            participant__season_id=season_id, wave__isnull=False, verdict__in=list(VERDICT_RANK)
        ).values_list("host_id", "participant_id", "verdict")
    )
    sheets: dict[tuple[int, int], list] = defaultdict(list)
    for sheet in MinistrySheet.objects.filter(
        interview__participant__season_id=season_id, interview__status=InterviewStatus.BOOKED
    ).select_related("interview"):
        sheets[(sheet.interview.host_id, sheet.interview.participant_id)].append(sheet)
    return {
        (host_id, participant_id): (float(VERDICT_RANK[verdict]), float(_score(sheets[(host_id, participant_id)]) or 0))
        for host_id, participant_id, verdict in applied
    }
