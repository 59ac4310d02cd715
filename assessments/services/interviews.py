from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assessments.models import (
    Decision,
    ExpertAssignment,
    Interview,
    InterviewCancelNotice,
    InterviewPlan,
    InterviewSheet,
    InterviewSlot,
    InterviewStatus,
    OfflineMeeting,
)
from assessments.models.interviews import PRESENTATION_LIMIT_SECONDS, TOPICS
from assessments.permissions import is_staff, staff_check
from assessments.selectors.admission import decision_published_for
from assessments.selectors.interviews import interview_plan_of
from assessments.selectors.panels import meeting_on_panel
from assessments.selectors.rubrics import rubric_for_season
from assessments.selectors.slots import expert_timezone, participant_zone
from assessments.services.admission_publish import notice_claim_and_send
from lms.choices import Level
from lms.errors import ConflictError
from lms.text import text_require_storable

if TYPE_CHECKING:
    from lms.models import Participant


def _cutoff_check(*, interview: Interview, plan: InterviewPlan, now: datetime) -> None:
    starts = interview.slot.starts_at if interview.slot_id else interview.meeting.starts_at
    if now > starts - timedelta(hours=plan.cancel_cutoff_hours):
        raise ValidationError(
            {
                "interview": _("Bookings can be changed until %(hours)s hours before the interview.")
                % {"hours": plan.cancel_cutoff_hours}
            }
        )


def _results_open_check(*, plan: InterviewPlan) -> None:
    """Once the season's interview results are out, its interviews are over: a booking moved or
    cancelled then would contradict the result the participant has been told."""
    if plan.results_published_at is not None:
        raise ValidationError({"interview": _("The interviews of this season are over: their results are published.")})


def _admitted_check(*, participant: Participant) -> None:
    decision = decision_published_for(participant=participant)
    if decision is None or decision["decision"] != Decision.ADMITTED:
        raise PermissionDenied(_("Only participants admitted to the interviews may book one."))


@transaction.atomic
def interview_book(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    slot: InterviewSlot | None = None,
    meeting: OfflineMeeting | None = None,
    now: datetime | None = None,
) -> Interview:
    """Book an online slot or register for the district meeting; an existing booking is moved
    (allowed until the cut-off). Two requests racing for one slot: the row lock lets one in, the
    other finds the slot taken (and the partial unique index backs this up) → ConflictError."""
    now = now or timezone.now()
    if participant.user_id != user.pk:
        raise PermissionDenied(_("You may book only your own interview."))
    _admitted_check(participant=participant)
    plan = interview_plan_of(season_id=participant.season_id)
    _results_open_check(plan=plan)
    if slot is not None:
        if not plan.offers_online:
            raise ValidationError({"slot": _("This season offers no online interviews.")})
        slot = InterviewSlot.objects.select_for_update().get(pk=slot.pk)
        if not slot.published or slot.season_id != participant.season_id or slot.starts_at <= now:
            raise ValidationError({"slot": _("This slot cannot be booked.")})
        if Interview.objects.filter(slot=slot, status=InterviewStatus.BOOKED).exists():
            raise ConflictError(_("This slot has just been booked by someone else; choose another one."))
    else:
        if not plan.offers_offline:
            raise ValidationError({"meeting": _("This season offers no offline meetings.")})
        meeting = OfflineMeeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.season_id != participant.season_id or meeting.federal_district != participant.federal_district:
            raise ValidationError({"meeting": _("Register for the meeting of your own federal district.")})
        if meeting.interviews.filter(status=InterviewStatus.BOOKED).count() >= meeting.capacity:
            raise ConflictError(_("This meeting is full."))
    current = (
        Interview.objects.select_for_update(of=("self",))
        .select_related("slot", "meeting")
        .filter(participant=participant, status=InterviewStatus.BOOKED)
        .first()
    )
    if current is not None:
        _cutoff_check(interview=current, plan=plan, now=now)
        current.status, current.cancelled_at = InterviewStatus.CANCELLED, now
        current.save(update_fields=["status", "cancelled_at"])
    try:
        with transaction.atomic():
            return Interview.objects.create(participant=participant, slot=slot, meeting=meeting)
    except IntegrityError as error:
        raise ConflictError(_("This slot has just been booked by someone else; choose another one.")) from error


@transaction.atomic
def interview_cancel(*, interview: Interview, user: AbstractBaseUser, now: datetime | None = None) -> Interview:
    now = now or timezone.now()
    interview = (
        Interview.objects.select_for_update(of=("self",))
        .select_related("participant", "slot", "meeting")
        .get(pk=interview.pk)
    )
    if interview.participant.user_id != user.pk:
        raise PermissionDenied(_("You may cancel only your own interview."))
    if interview.status != InterviewStatus.BOOKED:
        raise ValidationError({"interview": _("This interview is already cancelled.")})
    plan = interview_plan_of(season_id=interview.participant.season_id)
    _results_open_check(plan=plan)
    _cutoff_check(interview=interview, plan=plan, now=now)
    interview.status, interview.cancelled_at = InterviewStatus.CANCELLED, now
    interview.save(update_fields=["status", "cancelled_at"])
    return interview


@transaction.atomic
def interview_cancel_by_staff(
    *, interview: Interview, user: AbstractBaseUser, reason: str, now: datetime | None = None
) -> Interview:
    """Staff cancel a booking (the expert fell ill, the participant asked by phone). The programme's
    action, so not held to the participant's cut-off; but only before the interview starts (its
    sheets stay whole) and before the season's results are out. The reason is stored, and the
    participant and the slot's expert are e-mailed once, on commit; the participant may book again."""
    staff_check(user=user)
    now = now or timezone.now()
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError(
            {"reason": _("Say why the booking is cancelled: the participant and the expert read it.")}
        )
    text_require_storable(value=reason, field="reason")
    interview = (
        Interview.objects.select_for_update(of=("self",))
        .select_related("participant__user", "slot__expert", "meeting")
        .get(pk=interview.pk)
    )
    if interview.status != InterviewStatus.BOOKED:
        raise ValidationError({"interview": _("This interview is already cancelled.")})
    _results_open_check(plan=interview_plan_of(season_id=interview.participant.season_id))
    if (interview.slot or interview.meeting).starts_at <= now:
        raise ValidationError({"interview": _("This interview has already begun: it can no longer be cancelled.")})
    interview.status, interview.cancelled_at = InterviewStatus.CANCELLED, now
    interview.cancelled_by, interview.cancel_reason = user, reason
    interview.full_clean()
    interview.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    recipients = [(InterviewCancelNotice.Kind.PARTICIPANT, interview.participant.user.email)]
    if interview.slot_id:
        recipients.append((InterviewCancelNotice.Kind.EXPERT, interview.slot.expert.email))
    InterviewCancelNotice.objects.bulk_create(
        [InterviewCancelNotice(interview=interview, kind=kind, email=email) for kind, email in recipients if email],
        ignore_conflicts=True,
    )
    from assessments.tasks import interview_cancel_notify_task

    interview_cancel_notify_task.delay_on_commit(interview.id)
    return interview


def interview_cancel_notify(*, interview_id: int) -> int:
    """E-mail a staff cancellation to the participant (in their own zone) and to the slot's expert
    (in the zone they keep their availability in), each claimed and sent once; the programme's
    language, as the other admission e-mails. Returns the number sent."""
    notices = list(
        InterviewCancelNotice.objects.filter(interview_id=interview_id, sent_at__isnull=True).select_related(
            "interview__participant__user", "interview__slot__expert", "interview__meeting"
        )
    )
    sent = 0
    connection = get_connection()
    for notice in notices:
        interview = notice.interview
        to_participant = notice.kind == InterviewCancelNotice.Kind.PARTICIPANT
        zone = (
            participant_zone(participant=interview.participant)
            if to_participant
            else expert_timezone(user=interview.slot.expert)
        )
        with translation.override(settings.LANGUAGE_CODE), timezone.override(zone):
            when = date_format(timezone.localtime((interview.slot or interview.meeting).starts_at), "j E, H:i")
            if to_participant:
                lines = [
                    _("Your interview on %(when)s is cancelled by the programme's staff.") % {"when": when},
                    _("Why: %(reason)s") % {"reason": interview.cancel_reason},
                    _("You may book another interview in your personal cabinet."),
                ]
            else:
                user = interview.participant.user
                lines = [
                    _("The interview with %(name)s on %(when)s is cancelled by the programme's staff.")
                    % {"name": user.get_full_name() or user.username, "when": when},
                    _("Why: %(reason)s") % {"reason": interview.cancel_reason},
                ]
            sent += notice_claim_and_send(
                notices=InterviewCancelNotice.objects.filter(pk=notice.pk, sent_at__isnull=True),
                subject=_("Interview cancelled"),
                body="\n".join(str(line) for line in lines),
                to=notice.email,
                connection=connection,
            )
    return sent


def interview_expert_check(*, interview: Interview, user: AbstractBaseUser) -> None:
    """The slot's expert, the panel of the interview's meeting and the experts assigned to the
    participant score the interview."""
    if is_staff(user):
        return
    if interview.slot_id and interview.slot.expert_id == user.pk:
        return
    if interview.meeting_id and meeting_on_panel(meeting_id=interview.meeting_id, user=user):
        return
    if ExpertAssignment.objects.filter(expert=user, participant_id=interview.participant_id).exists():
        return
    raise PermissionDenied(_("You are not an expert of this interview."))


def _sheet(*, interview: Interview, expert: AbstractBaseUser) -> InterviewSheet:
    interview_expert_check(interview=interview, user=expert)
    if interview.status != InterviewStatus.BOOKED:
        raise ValidationError({"interview": _("This interview was cancelled.")})
    sheet, _created = InterviewSheet.objects.select_for_update().get_or_create(interview=interview, expert=expert)
    if sheet.submitted_at is not None:
        raise ValidationError({"sheet": _("This sheet is already submitted.")})
    return sheet


@transaction.atomic
def presentation_start(
    *, interview: Interview, expert: AbstractBaseUser, now: datetime | None = None
) -> InterviewSheet:
    sheet = _sheet(interview=interview, expert=expert)
    if sheet.presentation_started_at is not None:
        raise ValidationError({"presentation": _("The self-presentation timer is already running or done.")})
    sheet.presentation_started_at = now or timezone.now()
    sheet.save(update_fields=["presentation_started_at"])
    return sheet


@transaction.atomic
def presentation_stop(*, interview: Interview, expert: AbstractBaseUser, now: datetime | None = None) -> InterviewSheet:
    """The server measures the self-presentation; anything past five minutes is kept as overrun."""
    sheet = _sheet(interview=interview, expert=expert)
    if sheet.presentation_started_at is None or sheet.presentation_seconds is not None:
        raise ValidationError({"presentation": _("Start the self-presentation timer first.")})
    seconds = int(((now or timezone.now()) - sheet.presentation_started_at).total_seconds())
    sheet.presentation_seconds = max(0, seconds)
    sheet.overrun_seconds = max(0, seconds - PRESENTATION_LIMIT_SECONDS)
    sheet.save(update_fields=["presentation_seconds", "overrun_seconds"])
    return sheet


def _interview_start(interview: Interview) -> datetime:
    return interview.slot.starts_at if interview.slot_id else interview.meeting.starts_at


def _interview_season_id(interview: Interview) -> int:
    return interview.slot.season_id if interview.slot_id else interview.meeting.season_id


def _valid_score(value, max_score: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= max_score


@transaction.atomic
def interview_sheet_draft_save(
    *, interview: Interview, expert: AbstractBaseUser, topics: dict, rubric: dict, comment: str, recommended_level: str
) -> InterviewSheet:
    """Keep what the expert has entered so far (the sheet's form sends it with the timer buttons):
    what is valid is kept, the rest waits for the submission, which checks everything."""
    sheet = _sheet(interview=interview, expert=expert)
    scale = rubric_for_season(season_id=_interview_season_id(interview))
    sheet.topics = {name: bool(topics.get(name)) for name in TOPICS}
    sheet.rubric = {key: rubric[key] for key in scale.keys if _valid_score(rubric.get(key), scale.max_score)}
    sheet.comment = comment.strip()
    sheet.recommended_level = recommended_level if recommended_level in Level.values else ""
    sheet.save(update_fields=["topics", "rubric", "comment", "recommended_level"])
    return sheet


@transaction.atomic
def interview_sheet_submit(
    *,
    interview: Interview,
    expert: AbstractBaseUser,
    topics: dict,
    rubric: dict,
    comment: str,
    recommended_level: str,
    now: datetime | None = None,
) -> InterviewSheet:
    """Preconditions: the interview has started (a sheet is an account of it) and the expert scores
    every criterion of the season's rubric (`selectors.rubrics.rubric_for_season`)."""
    now = now or timezone.now()
    starts = _interview_start(interview)
    if now < starts:
        raise ValidationError(
            {
                "sheet": [
                    _("The interview starts at %(when)s; the sheet can be submitted once it has started.")
                    % {"when": timezone.localtime(starts).strftime("%d.%m.%Y %H:%M")}
                ]
            }
        )
    sheet = _sheet(interview=interview, expert=expert)
    scale = rubric_for_season(season_id=_interview_season_id(interview))
    errors = {}
    if (
        not isinstance(topics, dict)
        or set(topics) - set(TOPICS)
        or any(not isinstance(v, bool) for v in topics.values())
    ):
        errors["topics"] = [_("Tick topics by name: %(names)s.") % {"names": ", ".join(TOPICS)}]
    if (
        not isinstance(rubric, dict)
        or set(rubric) != set(scale.keys)
        or any(not _valid_score(v, scale.max_score) for v in rubric.values())
    ):
        errors["rubric"] = [
            _("Score every criterion (%(names)s) from 0 to %(max)s.")
            % {"names": ", ".join(scale.keys), "max": scale.max_score}
        ]
    if recommended_level and recommended_level not in Level.values:
        errors["recommended_level"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(Level.values)}]
    if errors:
        raise ValidationError(errors)
    sheet.topics = {name: bool(topics.get(name)) for name in TOPICS}
    sheet.rubric, sheet.comment, sheet.recommended_level = rubric, comment.strip(), recommended_level
    sheet.rubric_max = scale.max_score
    sheet.submitted_at = now
    sheet.save(update_fields=["topics", "rubric", "comment", "recommended_level", "rubric_max", "submitted_at"])
    return sheet


# The variants staff choose from, as the plan's two switches.
INTERVIEW_VARIANTS = {"online": (True, False), "offline": (False, True), "both": (True, True)}


@transaction.atomic
def interview_plan_update(
    *,
    season_id: int,
    variant: str,
    cancel_cutoff_hours: int,
    user: AbstractBaseUser,
    discussion_threshold: int | None = None,
) -> InterviewPlan:
    """Staff set the season's interview variant on the interviews page; the row is created the
    first time (until then the season offers online interviews, `interview_plan_of`)."""
    staff_check(user=user)
    if variant not in INTERVIEW_VARIANTS:
        raise ValidationError({"variant": [_("Choose online, offline or both.")]})
    plan = InterviewPlan.objects.select_for_update().filter(season_id=season_id).first()
    plan = plan or InterviewPlan(season_id=season_id)
    plan.offers_online, plan.offers_offline = INTERVIEW_VARIANTS[variant]
    plan.cancel_cutoff_hours = cancel_cutoff_hours
    if discussion_threshold is not None:
        plan.discussion_threshold = discussion_threshold
    plan.full_clean()
    plan.save()
    return plan
