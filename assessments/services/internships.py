"""Internships (issue 15 §4): staff make them from the settled placements; the host's people set
the supervisor (one of the body's people or an external person) and the plan, confirm the
attendance week by week and give the final feedback once, after the end; staff may reopen it with
a reason (the host's people are e-mailed); the intern writes one short entry per week; an
internship still without feedback a week after its end is flagged to staff once, by e-mail; a
later decline or move of its placement cancels it. Their e-mails are in `internship_notices`."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import (
    AttendanceStatus,
    CancelCause,
    Internship,
    InternshipCancelNotice,
    InternshipFeedbackReopening,
    InternshipLogEntry,
    InternshipReopenNotice,
    InternshipWeek,
)
from assessments.permissions import internship_host_check, staff_check
from assessments.selectors.internships import (
    feedback_open,
    log_open,
    week_of,
    week_open,
)
from assessments.selectors.placement import placement_commitments, placement_latest_published
from assessments.selectors.rubrics import rubric_for_host
from lms.errors import ConflictError
from lms.hosts.selectors import host_members, offers_of_season
from lms.selectors import participant_ids_in_season
from lms.text import text_require_storable


@transaction.atomic
def internships_create_confirmed(*, season, user: AbstractBaseUser) -> int:
    """Make an internship for every settled placement of the season: the participant's placement
    in the latest published run that its host confirmed (a confirmation fixes it; a later decline
    or move undoes it, see `placement_commitments`). Dates from the offer. Idempotent: one per
    participant and season (`ON CONFLICT DO NOTHING`), so running it again or twice at once adds
    only the new ones. Returns how many were made."""
    staff_check(user=user)
    run = placement_latest_published(season_id=season.pk)
    if run is None:
        raise ValidationError({"season": [_("The season has no published placement yet.")]})
    commitments = placement_commitments(season_id=season.pk)
    present = set(participant_ids_in_season(season_id=season.pk).values_list("pk", flat=True))
    offers = {offer.pk: offer for offer in offers_of_season(season_id=season.pk)}
    settled = {
        pid: offers[offer_id]
        for pid, (offer_id, source) in commitments.fixed.items()
        if source == "confirmed" and pid in present and offer_id in offers
    }
    before = Internship.objects.filter(season=season).count()
    Internship.objects.bulk_create(
        [
            Internship(
                season=season,
                participant_id=pid,
                offer=offer,
                run=run,
                starts_on=offer.starts_on,
                ends_on=offer.ends_on,
                created_by=user,
            )
            for pid, offer in settled.items()
        ],
        ignore_conflicts=True,
    )
    return Internship.objects.filter(season=season).count() - before


@transaction.atomic
def internship_plan_update(
    *,
    internship: Internship,
    user: AbstractBaseUser,
    plan: str,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Internship:
    """The host's people write the plan of tasks; the dates may move (they default to the offer's)."""
    internship = _host_locked(internship=internship, user=user)
    text_require_storable(value=plan or "", field="plan")
    internship.plan = (plan or "").strip()
    if starts_on is not None:
        internship.starts_on = starts_on
    if ends_on is not None:
        internship.ends_on = ends_on
    internship.full_clean()
    internship.save(update_fields=["plan", "starts_on", "ends_on"])
    return internship


@transaction.atomic
def internship_supervisor_set(
    *,
    internship: Internship,
    user: AbstractBaseUser,
    supervisor_user_id: int | None = None,
    name: str = "",
    email: str = "",
) -> Internship:
    """The host's people name the supervisor: one of the body's own people (`supervisor_user_id`;
    their name and e-mail are copied, so the pages and the dossier read them as for anyone) or an
    external person (`name` and `email` typed); both blank clears it."""
    internship = _host_locked(internship=internship, user=user)
    if supervisor_user_id is not None:
        member = next((m for m in host_members(host=internship.offer.host) if m.user_id == supervisor_user_id), None)
        if member is None:
            raise ValidationError({"supervisor_user": [_("Choose one of the host body's people.")]})
        person = member.user
        name, email = person.get_full_name() or person.get_username(), person.email
    else:
        name, email = (name or "").strip(), (email or "").strip()
        text_require_storable(value=name, field="name")
        if bool(name) != bool(email):
            raise ValidationError({"name": [_("Give an external supervisor's name and e-mail, both.")]})
    internship.supervisor_user_id = supervisor_user_id
    internship.supervisor_name, internship.supervisor_email = name, email
    internship.full_clean()
    internship.save(update_fields=["supervisor_user", "supervisor_name", "supervisor_email"])
    return internship


def _require_active(internship: Internship) -> None:
    if internship.cancelled_at is not None:
        raise ConflictError(_("This internship is cancelled."))


def _host_locked(*, internship: Internship, user: AbstractBaseUser) -> Internship:
    """The internship locked for a host's change: its own body's people only, and not cancelled."""
    internship_host_check(user=user, internship=internship)
    internship = Internship.objects.select_for_update().select_related("offer__host").get(pk=internship.pk)
    _require_active(internship)
    return internship


@transaction.atomic
def internship_log_save(
    *, internship: Internship, user: AbstractBaseUser, text: str, today: date | None = None
) -> InternshipLogEntry:
    """The intern writes (or rewrites) this week's entry: only their own internship, only from its
    first day until the week of its last day; an earlier week's entry is closed."""
    today = today or timezone.localdate()
    if internship.participant.user_id != user.pk:
        raise PermissionDenied(_("Only the intern writes their internship's log."))
    _require_active(internship)
    if not log_open(internship=internship, today=today):
        raise ValidationError({"text": [_("The log is open from the internship's first day to the week of its last.")]})
    text = (text or "").strip()
    text_require_storable(value=text, field="text")
    if not text:
        raise ValidationError({"text": [_("Write what you did this week.")]})
    entry = InternshipLogEntry.objects.filter(internship=internship, week=week_of(today)).first()
    entry = entry or InternshipLogEntry(internship=internship, week=week_of(today))
    entry.text = text
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def internship_week_confirm(
    *,
    internship: Internship,
    user: AbstractBaseUser,
    week: date,
    status: str,
    note: str = "",
    today: date | None = None,
) -> InternshipWeek:
    """The host's people confirm one ISO week of the internship (`week`: its Monday): present, or
    absent with a note. A week of the internship only, from its Monday (or the internship's first
    day) on, never in advance; once per week (a second answer, even at the same moment, is 409)."""
    internship = _host_locked(internship=internship, user=user)
    today = today or timezone.localdate()
    if week.weekday() != 0:
        raise ValidationError({"week": [_("Give the week's Monday.")]})
    if not week_of(internship.starts_on) <= week <= internship.ends_on:
        raise ValidationError({"week": [_("This week is not a week of the internship.")]})
    if not week_open(internship=internship, week=week, today=today):
        raise ValidationError({"week": [_("A week is confirmed from its first day on, never in advance.")]})
    if status not in AttendanceStatus.values:
        raise ValidationError({"status": [_("Say whether the intern was present or absent.")]})
    note = (note or "").strip()
    text_require_storable(value=note, field="note")
    if status == AttendanceStatus.ABSENT and not note:
        raise ValidationError({"note": [_("Say why the intern was absent.")]})
    if InternshipWeek.objects.filter(internship=internship, week=week).exists():
        raise ConflictError(_("This week's attendance is already confirmed."))
    row = InternshipWeek(internship=internship, week=week, status=status, note=note, confirmed_by=user)
    row.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as error:
        raise ConflictError(_("This week's attendance is already confirmed.")) from error
    return row


def internship_feedback_give(
    *, internship: Internship, user: AbstractBaseUser, scores: dict, comment: str, today: date | None = None
) -> Internship:
    """The host's people give the final feedback by the body's rubric (or the built-in one): a
    whole-number score from 0 to the rubric's highest for every criterion, and a comment. From two
    days before the last day on; once (a conditional UPDATE: a second one, even at the same moment,
    is 409), then read-only."""
    internship_host_check(user=user, internship=internship)
    _require_active(internship)
    today = today or timezone.localdate()
    if internship.feedback_at is not None:
        raise ConflictError(_("The feedback on this internship is already given."))
    if not feedback_open(internship=internship, today=today):
        raise ValidationError({"scores": [_("The feedback is given on the internship's last days or after its end.")]})
    rubric = rubric_for_host(host_id=internship.offer.host_id)
    clean: dict[str, int] = {}
    for key in rubric.keys:
        value = scores.get(key) if isinstance(scores, dict) else None
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= rubric.max_score:
            raise ValidationError(
                {"scores": [_("Score every criterion from 0 to %(max)s.") % {"max": rubric.max_score}]}
            )
        clean[key] = value
    comment = (comment or "").strip()
    text_require_storable(value=comment, field="comment")
    if len(comment) > 4000:
        raise ValidationError({"comment": [_("The comment is at most 4000 characters.")]})
    snapshot = {
        "title": rubric.title,
        "max_score": rubric.max_score,
        "labels": {k: str(v) for k, v in rubric.labels.items()},
    }
    now = timezone.now()
    # Not cancelled meanwhile either (a decline cancelling it at the same moment).
    if not Internship.objects.filter(pk=internship.pk, feedback_at__isnull=True, cancelled_at__isnull=True).update(
        feedback_at=now, feedback_by=user, feedback_scores=clean, feedback_comment=comment, feedback_rubric=snapshot
    ):
        raise ConflictError(_("The feedback on this internship is already given."))
    internship.refresh_from_db()
    return internship


@transaction.atomic
def internship_feedback_reopen(
    *, internship: Internship, user: AbstractBaseUser, reason: str
) -> InternshipFeedbackReopening:
    """Staff reopen a given feedback with a written reason: the feedback as it was is kept in
    `InternshipFeedbackReopening`, the internship has none again (the host may give it again) and
    each of the host body's people is e-mailed why, after the commit. A feedback not given (or
    reopened already) is 409."""
    from assessments.tasks import internship_reopen_notify_task

    staff_check(user=user)
    reason = (reason or "").strip()
    text_require_storable(value=reason, field="reason")
    if not reason:
        raise ValidationError({"reason": [_("Say why the feedback is reopened.")]})
    internship = Internship.objects.select_for_update().select_related("offer__host").get(pk=internship.pk)
    _require_active(internship)
    if internship.feedback_at is None:
        raise ConflictError(_("The feedback is not given, so there is nothing to reopen."))
    reopening = InternshipFeedbackReopening(
        internship=internship,
        reason=reason,
        reopened_by=user,
        feedback_at=internship.feedback_at,
        feedback_by_id=internship.feedback_by_id,
        feedback_rubric=internship.feedback_rubric,
        feedback_scores=internship.feedback_scores,
        feedback_comment=internship.feedback_comment,
    )
    reopening.full_clean()
    reopening.save()
    Internship.objects.filter(pk=internship.pk).update(
        feedback_at=None, feedback_by=None, feedback_rubric={}, feedback_scores={}, feedback_comment=""
    )
    emails = sorted({m.user.email for m in host_members(host=internship.offer.host) if m.user.email})
    InternshipReopenNotice.objects.bulk_create(
        [InternshipReopenNotice(reopening=reopening, email=email) for email in emails], ignore_conflicts=True
    )
    internship_reopen_notify_task.delay_on_commit(reopening.pk)
    return reopening


def internship_cancel_for_placement(
    *, season_id: int, participant_id: int, offer_id: int, cause: str, reason: str, user: AbstractBaseUser
) -> Internship | None:
    """Called by the placement's decisions, in their transaction: the participant's active
    internship of the season made from a placement now undone is cancelled (kept, with the cause,
    the decision's reason and who decided). For a decline (`cause` a decline) `offer_id` is the
    declined offer, and only an internship on it is cancelled; for a move it is the new offer, and
    an internship on any other offer is cancelled (the next "create internships" makes the new one
    once the host confirms). A finished internship (feedback given) refuses it: 409."""
    from assessments.tasks import internship_cancel_notify_task

    internship = (
        Internship.objects.active()
        .select_for_update()
        .filter(season_id=season_id, participant_id=participant_id)
        .first()
    )
    if internship is None or (internship.offer_id == offer_id) == (cause == CancelCause.MOVED):
        return None
    if internship.feedback_at is not None:
        raise ConflictError(
            _("The internship on this placement is finished (its feedback is given): it can no longer be undone.")
        )
    internship.cancelled_at, internship.cancelled_by = timezone.now(), user
    internship.cancel_cause, internship.cancel_reason = cause, (reason or "").strip()
    internship.full_clean(validate_constraints=False)
    internship.save(update_fields=["cancelled_at", "cancelled_by", "cancel_cause", "cancel_reason"])
    # The intern hears of it by e-mail, sent after the decision's commit (and re-sent by the hourly
    # check if the mail server keeps failing).
    email = Internship.objects.filter(pk=internship.pk).values_list("participant__user__email", flat=True).first()
    if email:
        InternshipCancelNotice.objects.bulk_create(
            [InternshipCancelNotice(internship=internship, email=email)], ignore_conflicts=True
        )
        internship_cancel_notify_task.delay_on_commit(internship.pk)
    return internship
