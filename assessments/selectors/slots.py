"""Reads for the experts' own interview availability."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import OuterRef, Subquery

from assessments.models import ExpertProfile, Interview, InterviewSlot, InterviewStatus
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
