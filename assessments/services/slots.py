"""Experts publish their own interview availability: slots in the season's interview period, in
the future, never overlapping another of their slots. Participants book these slots as before
(services/interviews.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import ExpertProfile, Interview, InterviewSlot, InterviewStatus
from assessments.permissions import is_staff
from assessments.selectors.interviews import interview_plan_of
from assessments.selectors.slots import expert_timezone
from lms import roles
from lms.errors import ConflictError
from lms.middleware import SESSION_TIMEZONE_KEY
from lms.regions import RUSSIAN_TIMEZONES
from lms.selectors import user_has_role

if TYPE_CHECKING:
    from lms.models import Season

SLOT_MINUTES_MIN, SLOT_MINUTES_MAX = 10, 240
SERIES_MAX_SLOTS = 48
# No season's interviews lie outside these years; refusing a date beyond them early keeps date
# arithmetic near date.min/date.max (9999-12-31 23:59 plus a slot) from overflowing into a 500.
YEARS_SANE = (2000, 2100)


def _year_check(day: date, field: str) -> None:
    if not YEARS_SANE[0] <= day.year <= YEARS_SANE[1]:
        raise ValidationError({field: [_("This date is outside the season's interview period.")]})


def _when(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%d.%m.%Y %H:%M")


def _span(starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> str:
    return f"{_when(starts_at, tz)}–{ends_at.astimezone(tz):%H:%M}"


def expert_check(*, user: AbstractBaseUser) -> None:
    if not user_has_role(user=user, role=roles.EXPERT):
        raise PermissionDenied(_("Only experts publish interview slots."))


def expert_timezone_update(*, user: AbstractBaseUser, tz: str, session=None) -> ExpertProfile:
    """The expert's own zone: slots are entered and shown in it; the session copy is what pages read."""
    expert_check(user=user)
    if tz not in RUSSIAN_TIMEZONES:
        raise ValidationError({"timezone": [_("“%(tz)s” is not a Russian time zone.") % {"tz": tz}]})
    profile, _created = ExpertProfile.objects.get_or_create(user=user, defaults={"timezone": tz})
    profile.timezone = tz
    profile.full_clean()
    profile.save(update_fields=["timezone"])
    if session is not None:
        session[SESSION_TIMEZONE_KEY] = tz
    return profile


def _expert_lock(expert: AbstractBaseUser) -> None:
    """Serialise one expert's slot changes: two requests adding overlapping slots at once would
    each see no overlap. Locking the expert's account row makes the second wait for the first."""
    get_user_model().objects.select_for_update().filter(pk=expert.pk).first()


def _window_check(*, season: Season, starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> str | None:
    """The interview period's dates are calendar days read in the expert's own zone: the expert
    picks a day of the period on their calendar."""
    opens = datetime.combine(season.interviews_starts_on, time(0), tzinfo=tz)
    closes = datetime.combine(season.interviews_ends_on + timedelta(days=1), time(0), tzinfo=tz)
    if starts_at < opens or ends_at > closes:
        return _("%(span)s is outside the season's interview period (%(first)s — %(last)s).") % {
            "span": _span(starts_at, ends_at, tz),
            "first": season.interviews_starts_on.strftime("%d.%m.%Y"),
            "last": season.interviews_ends_on.strftime("%d.%m.%Y"),
        }
    return None


def _slots_validate(
    *, expert: AbstractBaseUser, season: Season, spans: list[tuple[datetime, datetime]], tz: ZoneInfo, now: datetime
) -> None:
    """Every rule for new slots at once, so a series reports all its problems in one answer.
    One query for the overlaps, whatever the number of slots."""
    if not interview_plan_of(season_id=season.id).offers_online:
        raise ValidationError({"season": [_("This season offers no interviews with experts' slots.")]})
    errors: list[str] = []
    first, last = min(s for s, _e in spans), max(e for _s, e in spans)
    existing = list(
        InterviewSlot.objects.filter(expert_id=expert.pk, published=True, starts_at__lt=last, ends_at__gt=first)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at")
    )
    for starts_at, ends_at in spans:
        if starts_at <= now:
            span = _span(starts_at, ends_at, tz)
            errors.append(_("%(span)s is in the past; slots are for times ahead.") % {"span": span})
            continue
        outside = _window_check(season=season, starts_at=starts_at, ends_at=ends_at, tz=tz)
        if outside:
            errors.append(outside)
            continue
        for other_start, other_end in existing:
            if other_start < ends_at and other_end > starts_at:
                errors.append(
                    _("%(span)s overlaps your slot %(other)s.")
                    % {"span": _span(starts_at, ends_at, tz), "other": _span(other_start, other_end, tz)}
                )
                break
    if errors:
        raise ValidationError({"starts_at": errors})


def _place_check(*, meeting_url: str, room: str) -> tuple[str, str]:
    meeting_url, room = (meeting_url or "").strip(), (room or "").strip()
    if bool(meeting_url) == bool(room):
        raise ValidationError({"meeting_url": [_("Give either an online link or a room, not both.")]})
    return meeting_url, room


def _duration_check(duration_minutes: int) -> timedelta:
    if not SLOT_MINUTES_MIN <= duration_minutes <= SLOT_MINUTES_MAX:
        raise ValidationError(
            {
                "duration_minutes": [
                    _("A slot lasts from %(min)s to %(max)s minutes.")
                    % {"min": SLOT_MINUTES_MIN, "max": SLOT_MINUTES_MAX}
                ]
            }
        )
    return timedelta(minutes=duration_minutes)


def _slots_save(
    *, expert: AbstractBaseUser, season: Season, spans: list, meeting_url: str, room: str
) -> list[InterviewSlot]:
    slots = []
    for starts_at, ends_at in spans:
        slot = InterviewSlot(
            season=season,
            expert=expert,
            starts_at=starts_at,
            ends_at=ends_at,
            published=True,
            meeting_url=meeting_url,
            room=room,
        )
        slot.full_clean()
        slots.append(slot)
    try:
        with transaction.atomic():
            for slot in slots:
                slot.save()
    except IntegrityError as error:
        # The expert lock makes this unreachable through the services; the unique index still
        # answers for a slot written at the same moment in the admin.
        raise ConflictError(_("You already have a slot starting at this time.")) from error
    return slots


@transaction.atomic
def interview_slot_create(
    *,
    expert: AbstractBaseUser,
    season: Season,
    starts_at: datetime,
    duration_minutes: int,
    meeting_url: str = "",
    room: str = "",
    now: datetime | None = None,
) -> InterviewSlot:
    """Publish one slot of the expert's. `starts_at` is an aware datetime (stored in UTC)."""
    expert_check(user=expert)
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be aware")
    _year_check(starts_at, "starts_at")
    length = _duration_check(duration_minutes)
    meeting_url, room = _place_check(meeting_url=meeting_url, room=room)
    tz = expert_timezone(user=expert)
    _expert_lock(expert)
    spans = [(starts_at, starts_at + length)]
    _slots_validate(expert=expert, season=season, spans=spans, tz=tz, now=now or timezone.now())
    return _slots_save(expert=expert, season=season, spans=spans, meeting_url=meeting_url, room=room)[0]


def series_spans(
    *, day: date, from_time: time, until_time: time, duration_minutes: int, break_minutes: int, tz: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """Back-to-back slots (with an optional break between them) from `from_time` until `until_time`
    on one day, in the expert's zone: 10:00 to 14:00 in 30 minutes is eight slots, the last
    13:30–14:00. One more than the maximum is returned at most, for the caller to refuse."""
    length, gap = timedelta(minutes=duration_minutes), timedelta(minutes=break_minutes)
    start = datetime.combine(day, from_time, tzinfo=tz)
    end = datetime.combine(day, until_time, tzinfo=tz)
    spans = []
    while start + length <= end and len(spans) <= SERIES_MAX_SLOTS:
        spans.append((start, start + length))
        start += length + gap
    return spans


@transaction.atomic
def interview_slot_series_create(
    *,
    expert: AbstractBaseUser,
    season: Season,
    day: date,
    from_time: time,
    until_time: time,
    duration_minutes: int,
    break_minutes: int = 0,
    meeting_url: str = "",
    room: str = "",
    now: datetime | None = None,
) -> list[InterviewSlot]:
    """Publish a day's series of slots, all or none: if any slot breaks a rule, nothing is saved
    and every problem is named."""
    expert_check(user=expert)
    _year_check(day, "day")
    length = _duration_check(duration_minutes)
    if not 0 <= break_minutes <= SLOT_MINUTES_MAX:
        raise ValidationError(
            {"break_minutes": [_("A break lasts from 0 to %(max)s minutes.") % {"max": SLOT_MINUTES_MAX}]}
        )
    meeting_url, room = _place_check(meeting_url=meeting_url, room=room)
    tz = expert_timezone(user=expert)
    if datetime.combine(day, until_time) - datetime.combine(day, from_time) < length:
        raise ValidationError({"until_time": [_("The series must end at least one slot's length after it starts.")]})
    spans = series_spans(
        day=day,
        from_time=from_time,
        until_time=until_time,
        duration_minutes=duration_minutes,
        break_minutes=break_minutes,
        tz=tz,
    )
    if len(spans) > SERIES_MAX_SLOTS:
        raise ValidationError(
            {"until_time": [_("A series has at most %(max)s slots; split the day.") % {"max": SERIES_MAX_SLOTS}]}
        )
    _expert_lock(expert)
    _slots_validate(expert=expert, season=season, spans=spans, tz=tz, now=now or timezone.now())
    return _slots_save(expert=expert, season=season, spans=spans, meeting_url=meeting_url, room=room)


@transaction.atomic
def interview_slot_delete(*, slot: InterviewSlot, user: AbstractBaseUser) -> bool:
    """Remove an unbooked slot: its expert or staff may. A slot that only ever had cancelled
    bookings is withdrawn (unpublished) instead, since those bookings still refer to it.
    Returns True when the row was deleted. A booked slot stays: ConflictError (409)."""
    slot = InterviewSlot.objects.select_for_update().get(pk=slot.pk)
    if not is_staff(user):
        expert_check(user=user)
        if slot.expert_id != user.pk:
            raise PermissionDenied(_("You may remove only your own slots."))
    # The slot's row lock is what a booking takes too (interview_book), so no booking slips in.
    if Interview.objects.filter(slot=slot, status=InterviewStatus.BOOKED).exists():
        raise ConflictError(
            _(
                "This slot is booked by a participant and cannot be removed. "
                "The participant may cancel it, or the programme staff can move the interview."
            )
        )
    if Interview.objects.filter(slot=slot).exists():
        slot.published = False
        slot.save(update_fields=["published"])
        return False
    slot.delete()
    return True
