"""Reads for the experts' own interview availability."""

from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Concat

from assessments.models import ExpertProfile, Interview, InterviewSlot, InterviewStatus
from lms.selectors import season_list

if TYPE_CHECKING:
    from lms.models import Season


def expert_timezone_name(*, user: AbstractBaseUser) -> str:
    """The zone an expert enters and reads their times in: their profile's, else the programme's."""
    name = ExpertProfile.objects.filter(user_id=user.pk).values_list("timezone", flat=True).first()
    return name or settings.TIME_ZONE


def expert_timezone(*, user: AbstractBaseUser) -> ZoneInfo:
    return ZoneInfo(expert_timezone_name(user=user))


def seasons_for_interviews(*, today: date) -> "QuerySet[Season]":
    """Seasons whose interview period has not ended yet, the nearest first."""
    return season_list().filter(interviews_ends_on__gte=today).order_by("interviews_starts_on", "id")


def slot_list_for_expert(*, expert: AbstractBaseUser, season_id: int | None = None) -> QuerySet[InterviewSlot]:
    """The expert's published slots, each with its booking (interview id and the participant's
    name) if there is one: one query, whatever the number of slots."""
    booked = Interview.objects.filter(slot=OuterRef("pk"), status=InterviewStatus.BOOKED)
    slots = (
        InterviewSlot.objects.filter(expert_id=expert.pk, published=True)
        .annotate(
            booked_interview_id=Subquery(booked.values("id")[:1]),
            booked_name=Subquery(
                booked.annotate(
                    name=Concat(
                        "participant__application__last_name",
                        Value(" "),
                        "participant__application__first_name",
                        output_field=CharField(),
                    )
                ).values("name")[:1]
            ),
        )
        .order_by("starts_at", "id")
    )
    if season_id is not None:
        slots = slots.filter(season_id=season_id)
    return slots


def slot_overlapping(*, expert_id: int, starts_at, ends_at, exclude_id: int | None = None) -> InterviewSlot | None:
    """The expert's first published slot overlapping [starts_at, ends_at), if any."""
    slots = InterviewSlot.objects.filter(
        expert_id=expert_id, published=True, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude_id is not None:
        slots = slots.exclude(pk=exclude_id)
    return slots.order_by("starts_at").first()
