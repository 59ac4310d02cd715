from datetime import datetime
from fractions import Fraction

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import (
    ExpertAssignment,
    Interview,
    InterviewPlan,
    InterviewSheet,
    InterviewSlot,
    InterviewStatus,
    OfflineMeeting,
)
from assessments.selectors.rubrics import RubricView, rubric_default, rubric_for_season
from assessments.selectors.talent_pool import earlier_seasons_label, talent_pool_earlier_seasons
from lms.choices import Level
from lms.regions import FederalDistrict
from lms.selectors import participant_ids_in_season, participant_ids_matching, participant_summaries

# Beginners go on to regional (ROIV) internships; Young and PRO to the federal (FOIV) interviews.
DIRECTION_LEVELS = {"roiv": [Level.BEGINNER], "foiv": [Level.YOUNG, Level.PRO]}


def interview_plan_of(*, season_id: int) -> InterviewPlan:
    """The season's interview variant. A season nobody has set one for offers online interviews
    (the model's defaults, unsaved): booking, the cabinet and the experts' page read this one
    answer, so no hidden row decides whether slots are offered."""
    return InterviewPlan.objects.filter(season_id=season_id).first() or InterviewPlan(season_id=season_id)


def slot_get(*, slot_id: int | None) -> InterviewSlot | None:
    return InterviewSlot.objects.filter(pk=slot_id).first() if slot_id else None


def meeting_get(*, meeting_id: int | None) -> OfflineMeeting | None:
    return OfflineMeeting.objects.filter(pk=meeting_id).first() if meeting_id else None


def slot_list_free(*, season_id: int, now) -> QuerySet[InterviewSlot]:
    booked = Interview.objects.filter(slot=OuterRef("pk"), status=InterviewStatus.BOOKED)
    return (
        InterviewSlot.objects.filter(season_id=season_id, published=True, starts_at__gt=now)
        .exclude(Exists(booked))
        .select_related("expert")
        .order_by("starts_at", "id")
    )


# The levels from the first step up: an expert's recommendation moves a participant along it.
LEVEL_LADDER = [Level.BEGINNER, Level.YOUNG, Level.PRO]
DIRECTIONS = {
    "roiv": gettext_lazy("ROIV internships (Beginners)"),
    "foiv": gettext_lazy("FOIV interviews (Young and PRO)"),
}


def direction_of(level: str) -> str:
    return next(direction for direction, levels in DIRECTION_LEVELS.items() if level in levels)


def level_recommended(*, current: str, recommendations: list[str]) -> str:
    """The experts' recommended levels averaged on the ladder Beginner < Young < PRO. A sheet that
    recommends no change counts as the current level; the mean is rounded to the nearest step, and
    a tie (e.g. one expert says Young, one says no change for a Beginner) stays on the side of the
    current level: a move needs the experts' weight, not half of it."""
    here = LEVEL_LADDER.index(current)
    steps = [LEVEL_LADDER.index(level or current) for level in recommendations]
    if not steps:
        return current
    # In integers, so a half is exactly a half: the mean is lower + remainder / count.
    count = len(steps)
    lower, remainder = divmod(sum(steps), count)
    if 2 * remainder == count:
        step = lower if abs(lower - here) < abs(lower + 1 - here) else lower + 1
    else:
        step = lower + (1 if 2 * remainder > count else 0)
    return LEVEL_LADDER[step]


def totals_spread(*, sheets: list[InterviewSheet]) -> Fraction | None:
    """How far apart the experts' totals are, in percentage points, exactly (a spread equal to the
    threshold must not tip over it by a float's rounding); None under two scored sheets."""
    totals = [
        Fraction(sum(sheet.rubric.values()), len(sheet.rubric) * sheet.rubric_max) for sheet in sheets if sheet.rubric
    ]
    if len(totals) < 2:
        return None
    return (max(totals) - min(totals)) * 100


def candidates_by_direction(*, season_id: int) -> dict[str, list[dict]]:
    """Interviewed participants of a season with the experts' sheets averaged (five queries), per
    direction, best first. A participant goes to the direction of the level the experts recommend
    on average (`level_recommended`); one moved that way has `moved` set and keeps their current
    level beside it (the level itself changes only when staff record the change). `spread` is how
    far apart the experts' totals are (percentage points, None under two experts); `discussion`
    is set when it exceeds the season's threshold (`InterviewPlan.discussion_threshold`)."""
    interviews = list(
        Interview.objects.filter(
            participant_id__in=participant_ids_in_season(season_id=season_id), status=InterviewStatus.BOOKED
        )
        .annotate(
            experts=Count("sheets", filter=Q(sheets__submitted_at__isnull=False)),
            overrun=Avg("sheets__overrun_seconds", filter=Q(sheets__submitted_at__isnull=False)),
        )
        .filter(experts__gt=0)
    )
    people = participant_summaries(participant_ids=[interview.participant_id for interview in interviews])
    rubric = rubric_for_season(season_id=season_id)
    threshold = interview_plan_of(season_id=season_id).discussion_threshold
    sheets: dict[int, list[InterviewSheet]] = {}
    for sheet in InterviewSheet.objects.filter(
        interview__in=[i.id for i in interviews], submitted_at__isnull=False
    ).order_by("id"):
        sheets.setdefault(sheet.interview_id, []).append(sheet)
    directions: dict[str, list[dict]] = {direction: [] for direction in DIRECTION_LEVELS}
    for interview in interviews:
        own = sheets.get(interview.id, [])
        participant = people[interview.participant_id]
        recommended = level_recommended(
            current=participant.level, recommendations=[sheet.recommended_level for sheet in own]
        )
        direction = direction_of(recommended)
        spread = totals_spread(sheets=own)
        directions[direction].append(
            {
                "participant_id": interview.participant_id,
                "name": participant.full_name,
                "level": participant.level,
                "recommended_level": recommended,
                "direction": direction,
                "moved": direction != direction_of(participant.level),
                "federal_district": participant.federal_district,
                "experts": interview.experts,
                "average": round(sum(sheet.total for sheet in own) / len(own), 4),
                "criteria": {
                    name: round(sum(sheet.rubric.get(name, 0) for sheet in own) / len(own), 2) for name in rubric.keys
                },
                "overrun_seconds": round(interview.overrun or 0),
                "recommended_levels": sorted({sheet.recommended_level for sheet in own if sheet.recommended_level}),
                "interview_id": interview.id,
                "spread": None if spread is None else round(float(spread), 1),
                "discussion": spread is not None and spread > threshold,
            }
        )
    return {
        direction: sorted(rows, key=lambda row: (-row["average"], row["participant_id"]))
        for direction, rows in directions.items()
    }


def candidates_for_discussion(*, season_id: int) -> list[dict]:
    """The season's interviews flagged for discussion, the widest spread first."""
    rows = [row for rows in candidates_by_direction(season_id=season_id).values() for row in rows]
    return sorted((row for row in rows if row["discussion"]), key=lambda row: (-row["spread"], row["participant_id"]))


def candidates_with_earlier_seasons(*, season_id: int) -> dict[str, list[dict]]:
    """`candidates_by_direction` for the staff's candidates page, its API and export: each row also
    with `earlier_seasons`, the person's participations in earlier seasons (a participant applying
    again is recognised; `talent_pool_earlier_seasons`). Eleven queries whatever the count."""
    directions = candidates_by_direction(season_id=season_id)
    earlier = talent_pool_earlier_seasons(
        participant_ids=[row["participant_id"] for rows in directions.values() for row in rows]
    )
    for rows in directions.values():
        for row in rows:
            row["earlier_seasons"] = earlier.get(row["participant_id"], [])
    return directions


def candidates_list(*, season_id: int, direction: str) -> list[dict]:
    return candidates_with_earlier_seasons(season_id=season_id)[direction]


def candidates_table(*, rows: list[dict], rubric: RubricView | None = None) -> tuple[list[str], list[list]]:
    """The export's header (in the active language) and lines; the criteria are the season's
    rubric's (`rubric_for_season`), the built-in one when not given."""
    rubric = rubric or rubric_default()
    levels, districts = dict(Level.choices), dict(FederalDistrict.choices)
    header = [
        _("Participant ID"),
        _("Participant"),
        _("Federal district"),
        _("Level"),
        _("Level recommended by the experts"),
        _("Direction"),
        _("Moved by the recommendation"),
        _("Experts"),
        _("Average score, %"),
        *[
            _("%(criterion)s, average of 0–%(max)s") % {"criterion": label, "max": rubric.max_score}
            for label in rubric.labels.values()
        ],
        _("Overrun, seconds"),
        _("Spread of the experts' totals, points"),
        _("To discuss"),
        _("Earlier seasons"),
    ]
    body = [
        [
            row["participant_id"],
            row["name"],
            str(districts.get(row["federal_district"], row["federal_district"])),
            str(levels.get(row["level"], row["level"])),
            str(levels.get(row["recommended_level"], row["recommended_level"])),
            str(DIRECTIONS[row["direction"]]),
            _("yes") if row["moved"] else _("no"),
            row["experts"],
            round(row["average"] * 100, 1),
            *[row["criteria"].get(name) for name in rubric.keys],
            row["overrun_seconds"],
            row["spread"],
            _("yes") if row["discussion"] else _("no"),
            earlier_seasons_label(items=row["earlier_seasons"]),
        ]
        for row in rows
    ]
    return [str(title) for title in header], body


def interview_booking_for(*, participant, now) -> dict:
    """What the cabinet shows an admitted participant: their booking, the season's variant and the
    district meetings they may register for (the slots come a page at a time:
    `selectors.slots.slot_page_for_participant`)."""
    plan = interview_plan_of(season_id=participant.season_id)
    current = (
        Interview.objects.filter(participant=participant, status=InterviewStatus.BOOKED)
        .select_related("slot__expert", "meeting")
        .first()
    )
    return {
        "plan": plan,
        "current": current,
        "meetings": list(
            OfflineMeeting.objects.filter(
                season_id=participant.season_id, federal_district=participant.federal_district, starts_at__gt=now
            )
        )
        if plan.offers_offline
        else [],
    }


def interview_list_for_expert(*, user: AbstractBaseUser, is_staff: bool) -> list[Interview]:
    """Booked interviews the expert scores: their own slots, the meetings whose panel they sit on
    and the participants assigned to them, each with `participant_name` (lms's selector). Two
    queries."""
    interviews = Interview.objects.filter(status=InterviewStatus.BOOKED).select_related("slot", "meeting")
    if not is_staff:
        assigned = ExpertAssignment.objects.filter(expert=user).values("participant_id")
        # Subqueries, not joins through the panel: an interview is listed once however many sit on it.
        panels = OfflineMeeting.panel.through.objects.filter(user_id=user.pk).values("offlinemeeting_id")
        interviews = interviews.filter(Q(slot__expert=user) | Q(participant_id__in=assigned) | Q(meeting_id__in=panels))
    interviews = list(interviews.order_by("created_at", "id"))
    names = participant_summaries(participant_ids={interview.participant_id for interview in interviews})
    for interview in interviews:
        interview.participant_name = names[interview.participant_id].full_name
    return interviews


STAFF_BOOKINGS_SHOWN = 50


def interviews_booked_for_staff(*, season_id: int, query: str, now: datetime) -> tuple[list[Interview], bool]:
    """The season's booked interviews still ahead, earliest first, of the participants matching
    `query` (a name, login or e-mail; everyone when empty), each with `participant_name`; at most
    STAFF_BOOKINGS_SHOWN, and whether more match. Two queries."""
    interviews = (
        Interview.objects.filter(
            status=InterviewStatus.BOOKED, participant_id__in=participant_ids_in_season(season_id=season_id)
        )
        .filter(Q(slot__starts_at__gt=now) | Q(meeting__starts_at__gt=now))
        .select_related("slot__expert", "meeting")
        .order_by(Coalesce("slot__starts_at", "meeting__starts_at"), "id")
    )
    if query.strip():
        interviews = interviews.filter(participant_id__in=participant_ids_matching(season_id=season_id, query=query))
    shown = list(interviews[: STAFF_BOOKINGS_SHOWN + 1])
    more = len(shown) > STAFF_BOOKINGS_SHOWN
    shown = shown[:STAFF_BOOKINGS_SHOWN]
    names = participant_summaries(participant_ids={interview.participant_id for interview in shown})
    for interview in shown:
        interview.participant_name = names[interview.participant_id].full_name
    return shown, more


def interview_for_sheet(*, interview_id: int) -> Interview | None:
    """An interview for its scoring sheet, with `participant_name` and `season_id`."""
    interview = Interview.objects.select_related("slot", "meeting").filter(pk=interview_id).first()
    if interview is not None:
        interview.season_id = interview.slot.season_id if interview.slot_id else interview.meeting.season_id
        names = participant_summaries(participant_ids=[interview.participant_id])
        interview.participant_name = names[interview.participant_id].full_name
    return interview


def interview_sheet_of(*, interview: Interview, expert: AbstractBaseUser) -> InterviewSheet | None:
    return InterviewSheet.objects.filter(interview=interview, expert=expert).first()
