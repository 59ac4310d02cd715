"""Reads for the experts' own interview availability, and the free slots as a participant reads them."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Paginator
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import ExtractHour, ExtractMinute
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import AdmissionRun, ExpertProfile, Interview, InterviewSlot, InterviewStatus
from assessments.selectors.interviews import interview_plan_of, slot_list_free
from lms.selectors import participant_summaries


def expert_timezone_name(*, user: AbstractBaseUser) -> str:
    """The zone an expert enters and reads their times in: their profile's, else the programme's."""
    name = ExpertProfile.objects.filter(user_id=user.pk).values_list("timezone", flat=True).first()
    return name or settings.TIME_ZONE


def expert_timezone(*, user: AbstractBaseUser) -> ZoneInfo:
    return ZoneInfo(expert_timezone_name(user=user))


def slot_list_for_expert(*, expert: AbstractBaseUser, season_id: int | None = None) -> list[InterviewSlot]:
    """The expert's published slots, each with its booking if there is one: `booked_interview_id`
    and `booked_name` (the participant, "Last First", from lms's selector). Two queries, whatever
    the number of slots."""
    booked = Interview.objects.filter(slot=OuterRef("pk"), status=InterviewStatus.BOOKED)
    slots = (
        InterviewSlot.objects.filter(expert_id=expert.pk, published=True)
        .annotate(
            booked_interview_id=Subquery(booked.values("id")[:1]),
            booked_participant_id=Subquery(booked.values("participant_id")[:1]),
        )
        .order_by("starts_at", "id")
    )
    if season_id is not None:
        slots = slots.filter(season_id=season_id)
    slots = list(slots)
    people = participant_summaries(
        participant_ids={slot.booked_participant_id for slot in slots if slot.booked_participant_id}
    )
    for slot in slots:
        person = people.get(slot.booked_participant_id)
        slot.booked_name = person.short_name if person else None
    return slots


def slot_overlapping(*, expert_id: int, starts_at, ends_at, exclude_id: int | None = None) -> InterviewSlot | None:
    """The expert's first published slot overlapping [starts_at, ends_at), if any."""
    slots = InterviewSlot.objects.filter(
        expert_id=expert_id, published=True, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude_id is not None:
        slots = slots.exclude(pk=exclude_id)
    return slots.order_by("starts_at").first()


# The participant's day: a slot starting before 08:00 or ending after 22:00 in their own zone is
# "at night" for them. Experts sit in eleven zones, so a slot at noon in Kaliningrad is 21:00 in
# Kamchatka; the list marks it rather than hides it, and the filter hides it on request.
DAY_STARTS, DAY_ENDS = time(8), time(22)
SLOTS_PER_PAGE = 20


@dataclass(frozen=True)
class SlotPage:
    """One page of the free slots as a participant reads them. Each slot carries `local_starts_at`,
    `local_ends_at` (in `tz`) and `night`."""

    slots: list[InterviewSlot]
    number: int
    pages: int
    count: int
    tz: ZoneInfo
    day: date | None
    daytime: bool


def participant_zone(*, participant) -> ZoneInfo:
    """The participant's own zone; one this server no longer knows reads as the programme's."""
    try:
        return ZoneInfo(participant.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _minute_of_day(field: str, tz: ZoneInfo):
    return ExtractHour(field, tzinfo=tz) * 60 + ExtractMinute(field, tzinfo=tz)


def slot_is_night(*, starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> bool:
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    return not (start.time() >= DAY_STARTS and end.date() == start.date() and end.time() <= DAY_ENDS)


def slot_page_for_participant(
    *,
    participant,
    now: datetime,
    day: date | None = None,
    daytime: bool = False,
    page: int | str | None = 1,
    per_page: int = SLOTS_PER_PAGE,
) -> SlotPage:
    """Every free slot of the participant's season, a page at a time, read in the participant's
    own zone: `day` is a calendar day there, `daytime` keeps the slots within 08:00–22:00 there.
    A page number past the end reads as the last page. Three queries (the season's variant, the
    count and the page), whatever the number of slots."""
    tz = participant_zone(participant=participant)
    slots = slot_list_free(season_id=participant.season_id, now=now)
    if not interview_plan_of(season_id=participant.season_id).offers_online:
        # The booking refuses slots then; the list offers none either.
        slots = slots.none()
    if day is not None:
        opens = datetime.combine(day, time(0), tzinfo=tz)
        slots = slots.filter(starts_at__gte=opens, starts_at__lt=opens + timedelta(days=1))
    if daytime:
        day_start = DAY_STARTS.hour * 60 + DAY_STARTS.minute
        day_end = DAY_ENDS.hour * 60 + DAY_ENDS.minute
        slots = slots.annotate(
            local_start_minute=_minute_of_day("starts_at", tz), local_end_minute=_minute_of_day("ends_at", tz)
        ).filter(
            local_start_minute__gte=day_start,
            local_end_minute__lte=day_end,
            # A slot running past midnight ends "earlier" in the day than it starts.
            local_end_minute__gt=F("local_start_minute"),
        )
    paginator = Paginator(slots, per_page)
    current = paginator.get_page(page)
    listed = list(current.object_list)
    for slot in listed:
        slot.local_starts_at = slot.starts_at.astimezone(tz)
        slot.local_ends_at = slot.ends_at.astimezone(tz)
        slot.night = slot_is_night(starts_at=slot.starts_at, ends_at=slot.ends_at, tz=tz)
    return SlotPage(
        slots=listed,
        number=current.number,
        pages=paginator.num_pages,
        count=paginator.count,
        tz=tz,
        day=day,
        daytime=daytime,
    )


def slot_visibility_notes(*, season) -> list[str]:
    """Why an expert's published slots are not (yet) offered to participants, in the words the
    availability page shows; empty when participants see them."""
    notes = []
    if not interview_plan_of(season_id=season.id).offers_online:
        notes.append(
            _(
                "Participants do not see these slots: this season offers only offline district meetings. "
                "The programme staff choose the interview variant on the interviews page."
            )
        )
    elif not AdmissionRun.objects.filter(season_id=season.id, published_at__isnull=False).exists():
        notes.append(
            _(
                "Participants do not see these slots yet: only participants admitted to the interviews book "
                "them, and this season's admission list is not published yet."
            )
        )
    return notes


def slot_page_from_query(*, participant, query, now: datetime | None = None) -> SlotPage | None:
    """The cabinet's slot list from its GET fields (`slots_day` YYYY-MM-DD, `slots_daytime`,
    `slots_page`); a field that does not parse is left out rather than refused, as a link shared
    or typed by hand should still show the slots. None when the season offers no online slots."""
    if not interview_plan_of(season_id=participant.season_id).offers_online:
        return None
    try:
        day = date.fromisoformat(query.get("slots_day", ""))
    except ValueError:
        day = None
    return slot_page_for_participant(
        participant=participant,
        now=now or timezone.now(),
        day=day,
        daytime=bool(query.get("slots_daytime")),
        page=query.get("slots_page") or 1,
    )
