"""The ministry (FOIV) interviews (issue 15 §2): a ministry publishes slots, its candidates book
them (one booking per slot, whatever requests race: the row lock and the partial unique index, as
for the experts' interviews), its people score by its own rubric and decide; staff apply the
decisions in waves; and the body's rubric is kept by staff and the body's people."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import (
    InterviewStatus,
    MinistryDecision,
    MinistryDecisionChange,
    MinistryInterview,
    MinistrySheet,
    MinistrySlot,
    MinistryVerdict,
    MinistryWave,
    Rubric,
    RubricCriterion,
    RubricOwner,
)
from assessments.permissions import (
    ministry_access_check,
    ministry_candidate_check,
    ministry_people_check,
    staff_check,
)
from assessments.selectors.ministry import ministry_is_candidate
from assessments.selectors.rubrics import rubric_for_host
from assessments.services.slots import _duration_check, _place_check, _year_check
from lms.errors import ConflictError
from lms.text import text_require_storable

if TYPE_CHECKING:
    from lms.models import Participant, Season


def _taken() -> ConflictError:
    return ConflictError(_("This slot has just been booked by someone else; choose another one."))


@transaction.atomic
def ministry_slot_create(
    *,
    user: AbstractBaseUser,
    host,
    season: Season,
    starts_at: datetime,
    duration_minutes: int,
    meeting_url: str = "",
    room: str = "",
    now: datetime | None = None,
) -> MinistrySlot:
    """Publish one interview slot of the ministry (its people or staff): in the future, not
    overlapping another of the body's slots, an online link or a room — the experts' rules."""
    ministry_access_check(user=user, host=host)
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be aware")
    _year_check(starts_at, "starts_at")
    ends_at = starts_at + _duration_check(duration_minutes)
    meeting_url, room = _place_check(meeting_url=meeting_url, room=room)
    if starts_at <= (now or timezone.now()):
        raise ValidationError({"starts_at": [_("Slots are for times ahead, not in the past.")]})
    overlapping = MinistrySlot.objects.filter(
        host=host, published=True, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exists()
    if overlapping:
        raise ValidationError({"starts_at": [_("This time overlaps another slot of the ministry.")]})
    slot = MinistrySlot(
        season=season,
        host=host,
        starts_at=starts_at,
        ends_at=ends_at,
        meeting_url=meeting_url,
        room=room,
        created_by=user,
    )
    slot.full_clean()
    try:
        with transaction.atomic():
            slot.save()
    except IntegrityError as error:
        raise ConflictError(_("The ministry already has a slot starting at this time.")) from error
    return slot


@transaction.atomic
def ministry_slot_delete(*, slot: MinistrySlot, user: AbstractBaseUser) -> bool:
    """Remove an unbooked slot (the ministry's people or staff); one that only had cancelled
    bookings is withdrawn instead. A booked slot stays: ConflictError (409)."""
    slot = MinistrySlot.objects.select_for_update().select_related("host").get(pk=slot.pk)
    ministry_access_check(user=user, host=slot.host)
    if MinistryInterview.objects.filter(slot=slot, status=InterviewStatus.BOOKED).exists():
        raise ConflictError(_("This slot is booked by a candidate and cannot be removed."))
    if MinistryInterview.objects.filter(slot=slot).exists():
        slot.published = False
        slot.save(update_fields=["published"])
        return False
    slot.delete()
    return True


@transaction.atomic
def ministry_book(
    *, participant: Participant, user: AbstractBaseUser, slot: MinistrySlot, now: datetime | None = None
) -> MinistryInterview:
    """Book a ministry's slot: a candidate of that ministry only (ranked one of its offers and
    recommended for the FOIV interviews). A booking with the same ministry is moved. Two requests
    racing for one slot: the slot's row lock lets one in, the other finds it taken → ConflictError."""
    now = now or timezone.now()
    if participant.user_id != user.pk:
        raise PermissionDenied(_("You may book only your own interview."))
    slot = MinistrySlot.objects.select_for_update().get(pk=slot.pk)
    if not ministry_is_candidate(host_id=slot.host_id, participant=participant):
        raise PermissionDenied(_("Only the candidates who ranked this ministry's offers book its interviews."))
    if not slot.published or slot.season_id != participant.season_id or slot.starts_at <= now:
        raise ValidationError({"slot": _("This slot cannot be booked.")})
    if MinistryInterview.objects.filter(slot=slot, status=InterviewStatus.BOOKED).exists():
        raise _taken()
    current = (
        MinistryInterview.objects.select_for_update()
        .filter(participant=participant, host_id=slot.host_id, status=InterviewStatus.BOOKED)
        .first()
    )
    if current is not None:
        if MinistrySheet.objects.filter(interview=current).exists():
            raise ValidationError({"slot": _("Your interview with this ministry has been scored; it cannot move.")})
        current.status, current.cancelled_at = InterviewStatus.CANCELLED, now
        current.save(update_fields=["status", "cancelled_at"])
    try:
        with transaction.atomic():
            return MinistryInterview.objects.create(participant=participant, host_id=slot.host_id, slot=slot)
    except IntegrityError as error:
        raise _taken() from error


@transaction.atomic
def ministry_interview_cancel(
    *, interview: MinistryInterview, user: AbstractBaseUser, now: datetime | None = None
) -> MinistryInterview:
    """The candidate cancels their booking before it starts (and before it is scored)."""
    now = now or timezone.now()
    interview = (
        MinistryInterview.objects.select_for_update(of=("self",))
        .select_related("participant", "slot")
        .get(pk=interview.pk)
    )
    if interview.participant.user_id != user.pk:
        raise PermissionDenied(_("You may cancel only your own interview."))
    if interview.status != InterviewStatus.BOOKED:
        raise ValidationError({"interview": _("This interview is already cancelled.")})
    if interview.slot.starts_at <= now or interview.sheets.exists():
        raise ValidationError({"interview": _("This interview has begun: it can no longer be cancelled.")})
    interview.status, interview.cancelled_at = InterviewStatus.CANCELLED, now
    interview.save(update_fields=["status", "cancelled_at"])
    return interview


def _scores_check(*, scores, keys: list[str], max_score: int) -> dict[str, int]:
    if not isinstance(scores, dict):
        raise ValidationError({"rubric": [_("Give a score for every criterion.")]})
    missing = [key for key in keys if key not in scores]
    unknown = [str(key) for key in scores if key not in keys]
    if missing or unknown:
        raise ValidationError(
            {"rubric": [_("Give a score for every criterion of the ministry's rubric, and no other.")]}
        )
    clean = {}
    for key in keys:
        value = scores[key]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= max_score:
            raise ValidationError(
                {"rubric": [_("Each score is a whole number from 0 to %(max)s.") % {"max": max_score}]}
            )
        clean[key] = value
    return clean


@transaction.atomic
def ministry_sheet_submit(
    *,
    interview: MinistryInterview,
    user: AbstractBaseUser,
    scores: dict,
    comment: str = "",
    now: datetime | None = None,
) -> MinistrySheet:
    """One of the ministry's people scores a booked interview by the body's rubric (its own, or the
    built-in one), from the interview's start; submitting again replaces their own sheet."""
    now = now or timezone.now()
    interview = MinistryInterview.objects.select_related("slot", "host").get(pk=interview.pk)
    ministry_people_check(user=user, host=interview.host)
    if interview.status != InterviewStatus.BOOKED:
        raise ValidationError({"interview": _("This interview was cancelled.")})
    if interview.slot.starts_at > now:
        raise ValidationError({"interview": _("An interview is scored from its start.")})
    rubric = rubric_for_host(host_id=interview.host_id)
    clean = _scores_check(scores=scores, keys=rubric.keys, max_score=rubric.max_score)
    comment = (comment or "").strip()
    text_require_storable(value=comment, field="comment")
    sheet, _created = MinistrySheet.objects.update_or_create(
        interview=interview,
        scorer=user,
        defaults={"rubric": clean, "rubric_max": rubric.max_score, "comment": comment, "submitted_at": now},
    )
    return sheet


@transaction.atomic
def ministry_decide(
    *,
    host,
    participant: Participant,
    user: AbstractBaseUser,
    verdict: str,
    comment: str = "",
    now: datetime | None = None,
) -> MinistryDecision:
    """The ministry's decision on a candidate (its people only): finalist, reserve or declined, with
    a comment; who and when are kept, and every save is appended to its changes. It may change
    while pending; once staff applied it, it is fixed (ConflictError)."""
    ministry_people_check(user=user, host=host)
    ministry_candidate_check(user=user, host=host, participant=participant)
    if verdict not in MinistryVerdict.values:
        raise ValidationError({"verdict": [_("Choose finalist, reserve or declined.")]})
    comment = (comment or "").strip()
    text_require_storable(value=comment, field="comment")
    decision = MinistryDecision.objects.select_for_update().filter(
        host=host, participant=participant
    ).first() or MinistryDecision(host=host, participant=participant)
    if decision.wave_id is not None:
        raise ConflictError(_("This decision has been applied by the programme staff and can no longer change."))
    decision.verdict, decision.comment = verdict, comment
    decision.decided_by, decision.decided_at = user, now or timezone.now()
    decision.full_clean()
    try:
        with transaction.atomic():
            decision.save()
    except IntegrityError as error:
        raise ConflictError(_("Another decision on this candidate was saved at the same moment; reload.")) from error
    MinistryDecisionChange.objects.create(
        decision=decision,
        verdict=decision.verdict,
        comment=decision.comment,
        changed_by=user,
        changed_at=decision.decided_at,
    )
    return decision


@transaction.atomic
def ministry_wave_apply(
    *, season: Season, user: AbstractBaseUser, decision_ids: list[int], now: datetime | None = None
) -> MinistryWave:
    """Staff apply the chosen pending decisions of a season at once: a wave with who and when. From
    then on the participants see them and the placement reads them. Every id must be a pending
    decision of this season, else nothing is applied."""
    staff_check(user=user)
    ids = sorted(set(decision_ids))
    if not ids:
        raise ValidationError({"decisions": [_("Choose at least one pending decision.")]})
    decisions = list(
        MinistryDecision.objects.select_for_update()
        .filter(pk__in=ids, participant__season_id=season.pk, wave__isnull=True)
        .order_by("id")
    )
    if len(decisions) != len(ids):
        raise ValidationError(
            {"decisions": [_("Some of the chosen decisions are not pending decisions of this season; reload.")]}
        )
    wave = MinistryWave.objects.create(season=season, applied_by=user, applied_at=now or timezone.now())
    MinistryDecision.objects.filter(pk__in=ids).update(wave=wave)
    return wave


@transaction.atomic
def host_rubric_save(*, host, user: AbstractBaseUser, title: str, max_score: int, criteria: list[dict]) -> Rubric:
    """The ministry's own rubric (staff and the body's people): its title, highest score and
    criteria (`key`, `label`, `descriptors`), replacing the ones before. Sheets already submitted
    keep the highest score they were given."""
    ministry_access_check(user=user, host=host)
    if not criteria:
        raise ValidationError({"criteria": [_("A rubric has at least one criterion.")]})
    rubric = Rubric.objects.select_for_update().filter(host=host).first() or Rubric(
        owner_kind=RubricOwner.HOST, host=host
    )
    rubric.title, rubric.max_score = (title or "").strip(), max_score
    rubric.full_clean()
    rubric.save()
    rubric.criteria.all().delete()
    rows = []
    for position, item in enumerate(criteria):
        criterion = RubricCriterion(
            rubric=rubric,
            key=item.get("key", ""),
            label=(item.get("label") or "").strip(),
            descriptors=item.get("descriptors") or "",
            position=position,
        )
        criterion.full_clean(exclude=["rubric"])
        rows.append(criterion)
    if len({row.key for row in rows}) != len(rows):
        raise ValidationError({"criteria": [_("Each criterion needs its own key.")]})
    RubricCriterion.objects.bulk_create(rows)
    return rubric
