"""Internships (issue 15 §4): staff make them from the settled placements; the host's people set
the supervisor (one of the body's people or an external person) and the plan, confirm the
attendance week by week and give the final feedback once, after the end; staff may reopen it with
a reason (the host's people are e-mailed); the intern writes one short entry per week; an
internship still without feedback a week after its end is flagged to staff once, by e-mail; a
later decline or move of its placement cancels it."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments import conf
from assessments.models import (
    AttendanceStatus,
    CancelCause,
    Internship,
    InternshipCancelNotice,
    InternshipFeedbackReopening,
    InternshipFlagNotice,
    InternshipLogEntry,
    InternshipReopenNotice,
    InternshipWeek,
)
from assessments.permissions import internship_host_check, staff_check
from assessments.selectors.internships import (
    feedback_open,
    internships_due_flag,
    log_open,
    week_of,
    week_open,
)
from assessments.selectors.placement import placement_commitments, placement_latest_published
from assessments.selectors.rubrics import rubric_for_host
from assessments.services.admission_publish import notice_claim_and_send
from lms import roles
from lms.errors import ConflictError
from lms.hosts.selectors import host_members, offers_of_season
from lms.selectors import participant_ids_in_season, participant_summaries
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


def internship_reopen_notify(*, reopening_id: int) -> int:
    """E-mail the host's people that staff reopened the feedback, and why; returns the number
    sent. Each e-mail is claimed before it is sent and marked sent after (`notice_claim_and_send`),
    so a retry after a mail-server failure sends only the rest."""
    notices = list(
        InternshipReopenNotice.objects.filter(reopening_id=reopening_id, sent_at__isnull=True).order_by("id")
    )
    if not notices:
        return 0
    reopening = InternshipFeedbackReopening.objects.select_related("internship__offer__host").get(pk=reopening_id)
    internship = reopening.internship
    person = participant_summaries(participant_ids=[internship.participant_id]).get(internship.participant_id)
    connection = get_connection()
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        body = _(
            "The programme's staff reopened your feedback on the internship of %(name)s (%(offer)s), so you can "
            "give it again on the intern's page. Why: %(reason)s"
        ) % {
            "name": person.full_name if person else internship.participant_id,
            "offer": internship.offer.title,
            "reason": reopening.reason,
        }
        for notice in notices:
            sent += notice_claim_and_send(
                notices=InternshipReopenNotice.objects.filter(pk=notice.pk, sent_at__isnull=True),
                subject=_("The internship feedback is reopened"),
                body=body,
                to=notice.email,
                connection=connection,
            )
    return sent


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


def internship_cancel_notify(*, internship_id: int) -> int:
    """E-mail the intern that their internship was cancelled, why, and where to read the rest;
    returns the number sent (claimed before sending, marked sent after: `notice_claim_and_send`)."""
    notices = list(
        InternshipCancelNotice.objects.filter(internship_id=internship_id, sent_at__isnull=True).order_by("id")
    )
    if not notices:
        return 0
    internship = Internship.objects.select_related("offer__host").get(pk=internship_id)
    connection = get_connection()
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        facts = {
            "host": internship.offer.host.name,
            "offer": internship.offer.title,
            "cause": internship.get_cancel_cause_display(),
            "reason": internship.cancel_reason,
        }
        if internship.cancel_reason:
            text = _(
                "Your internship at %(host)s (%(offer)s) is cancelled: %(cause)s. Why: %(reason)s. "
                "Your personal cabinet shows where your placement stands now."
            )
        else:
            text = _(
                "Your internship at %(host)s (%(offer)s) is cancelled: %(cause)s. "
                "Your personal cabinet shows where your placement stands now."
            )
        body = text % facts
        for notice in notices:
            sent += notice_claim_and_send(
                notices=InternshipCancelNotice.objects.filter(pk=notice.pk, sent_at__isnull=True),
                subject=_("Your internship is cancelled"),
                body=body,
                to=notice.email,
                connection=connection,
            )
    return sent


def _staff_emails() -> list[str]:
    users = get_user_model().objects.filter(Q(groups__name=roles.STAFF) | Q(is_staff=True), is_active=True)
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


def internships_flag_overdue(*, now: datetime | None = None) -> dict[str, int]:
    """The hourly check: flag every internship ended a week ago or more without feedback (the flag
    is set once, by a conditional UPDATE, so two checks at once flag it once), record one e-mail
    per staff address and queue it after the commit; and re-queue the e-mails of earlier flags not
    sent yet (a task that ran out of retries), and those about reopened feedback and cancelled
    internships."""
    from assessments.tasks import (
        internship_cancel_notify_task,
        internship_flag_notify_task,
        internship_reopen_notify_task,
    )

    now = now or timezone.now()
    emails = _staff_emails()
    with transaction.atomic():
        ids = list(
            internships_due_flag(today=timezone.localdate(now))
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        Internship.objects.filter(pk__in=ids, flagged_at__isnull=True).update(flagged_at=now)
        InternshipFlagNotice.objects.bulk_create(
            [InternshipFlagNotice(internship_id=pk, email=email) for pk in ids for email in emails],
            ignore_conflicts=True,
        )
        for pk in ids:
            internship_flag_notify_task.delay_on_commit(pk)
    stale = now - timedelta(seconds=conf.email_claim_seconds())
    unsent = list(
        InternshipFlagNotice.objects.filter(sent_at__isnull=True, created_at__lt=stale)
        .values_list("internship_id", flat=True)
        .distinct()
    )
    for pk in unsent:
        internship_flag_notify_task.delay_on_commit(pk)
    # The same net under the e-mails about reopened feedback.
    reopenings = list(
        InternshipReopenNotice.objects.filter(sent_at__isnull=True, created_at__lt=stale)
        .values_list("reopening_id", flat=True)
        .distinct()
    )
    for pk in reopenings:
        internship_reopen_notify_task.delay_on_commit(pk)
    cancelled = list(
        InternshipCancelNotice.objects.filter(sent_at__isnull=True, created_at__lt=stale)
        .values_list("internship_id", flat=True)
        .distinct()
    )
    for pk in cancelled:
        internship_cancel_notify_task.delay_on_commit(pk)
    return {"flagged": len(ids), "requeued": len(unsent) + len(reopenings) + len(cancelled)}


def internship_flag_notify(*, internship_id: int) -> int:
    """E-mail staff that the internship ended a week ago without feedback; returns the number
    sent. Each e-mail is claimed before it is sent and marked sent after (`notice_claim_and_send`),
    so a retry after a mail-server failure sends only the rest."""
    notices = list(
        InternshipFlagNotice.objects.filter(internship_id=internship_id, sent_at__isnull=True).order_by("id")
    )
    if not notices:
        return 0
    internship = Internship.objects.select_related("offer__host", "season").get(pk=internship_id)
    person = participant_summaries(participant_ids=[internship.participant_id]).get(internship.participant_id)
    connection = get_connection()
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        body = _(
            "The internship of %(name)s at %(host)s (%(offer)s) ended on %(ends)s and the host has not given "
            "its feedback yet. It is marked on the staff's internships page."
        ) % {
            "name": person.full_name if person else internship.participant_id,
            "host": internship.offer.host.name,
            "offer": internship.offer.title,
            "ends": internship.ends_on.strftime("%d.%m.%Y"),
        }
        for notice in notices:
            sent += notice_claim_and_send(
                notices=InternshipFlagNotice.objects.filter(pk=notice.pk, sent_at__isnull=True),
                subject=_("An internship without feedback"),
                body=body,
                to=notice.email,
                connection=connection,
            )
    return sent
