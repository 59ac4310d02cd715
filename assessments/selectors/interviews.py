import csv
import io

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet

from assessments.models import Interview, InterviewPlan, InterviewSheet, InterviewSlot, InterviewStatus, OfflineMeeting
from lms.models import Level

# Beginners go on to regional (ROIV) internships; Young and PRO to the federal (FOIV) interviews.
DIRECTION_LEVELS = {"roiv": [Level.BEGINNER], "foiv": [Level.YOUNG, Level.PRO]}


def slot_list_free(*, season_id: int, now) -> QuerySet[InterviewSlot]:
    booked = Interview.objects.filter(slot=OuterRef("pk"), status=InterviewStatus.BOOKED)
    return (
        InterviewSlot.objects.filter(season_id=season_id, published=True, starts_at__gt=now)
        .exclude(Exists(booked))
        .select_related("expert")
        .order_by("starts_at", "id")
    )


def candidates_list(*, season_id: int, direction: str) -> list[dict]:
    """Interviewed participants of a direction with the experts' sheets averaged (one query),
    best first."""
    interviews = list(
        Interview.objects.filter(
            participant__season_id=season_id,
            participant__level__in=DIRECTION_LEVELS[direction],
            status=InterviewStatus.BOOKED,
        )
        .annotate(
            experts=Count("sheets", filter=Q(sheets__submitted_at__isnull=False)),
            overrun=Avg("sheets__overrun_seconds", filter=Q(sheets__submitted_at__isnull=False)),
        )
        .filter(experts__gt=0)
        .select_related("participant__application")
    )
    sheets: dict[int, list[InterviewSheet]] = {}
    for sheet in InterviewSheet.objects.filter(
        interview__in=[i.id for i in interviews], submitted_at__isnull=False
    ).order_by("id"):
        sheets.setdefault(sheet.interview_id, []).append(sheet)
    rows = []
    for interview in interviews:
        own = sheets.get(interview.id, [])
        average = sum(sheet.total for sheet in own) / len(own)
        levels = sorted({sheet.recommended_level for sheet in own if sheet.recommended_level})
        rows.append(
            {
                "participant_id": interview.participant_id,
                "name": interview.participant.application.full_name,
                "level": interview.participant.level,
                "federal_district": interview.participant.federal_district,
                "experts": interview.experts,
                "average": round(average, 4),
                "overrun_seconds": round(interview.overrun or 0),
                "recommended_levels": levels,
            }
        )
    return sorted(rows, key=lambda row: (-row["average"], row["participant_id"]))


def candidates_csv(*, rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = ["participant_id", "name", "level", "federal_district", "experts", "average", "overrun_seconds"]
    writer.writerow([*columns, "recommended_levels"])
    for row in rows:
        writer.writerow([row[c] for c in columns] + [" ".join(row["recommended_levels"])])
    return ("\ufeff" + buffer.getvalue()).encode()


def interview_booking_for(*, participant, now) -> dict:
    """What the cabinet shows an admitted participant: their booking and what they may book."""
    plan = InterviewPlan.objects.filter(season_id=participant.season_id).first()
    current = (
        Interview.objects.filter(participant=participant, status=InterviewStatus.BOOKED)
        .select_related("slot__expert", "meeting")
        .first()
    )
    return {
        "plan": plan,
        "current": current,
        "slots": list(slot_list_free(season_id=participant.season_id, now=now)[:20])
        if plan and plan.offers_online
        else [],
        "meetings": list(
            OfflineMeeting.objects.filter(
                season_id=participant.season_id, federal_district=participant.federal_district, starts_at__gt=now
            )
        )
        if plan and plan.offers_offline
        else [],
    }


def interview_list_for_expert(*, user, is_staff: bool) -> QuerySet[Interview]:
    """Booked interviews the expert scores: their own slots and the participants assigned to them."""
    from assessments.models import ExpertAssignment

    interviews = Interview.objects.filter(status=InterviewStatus.BOOKED).select_related(
        "participant__application", "slot", "meeting"
    )
    if not is_staff:
        assigned = ExpertAssignment.objects.filter(expert=user).values("participant_id")
        interviews = interviews.filter(Q(slot__expert=user) | Q(participant_id__in=assigned))
    return interviews.order_by("created_at", "id")
