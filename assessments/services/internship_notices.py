"""The internships' e-mails (issue 15 §4): to staff about an internship still without feedback a
week after its end (the hourly check flags it), to the host's people about a reopened feedback, to
the intern about a cancelled internship. Each is recorded with the change that causes it, claimed
before it is sent and marked sent after (`notice_claim_and_send`), so a retry after a mail-server
failure sends only the rest; the hourly check re-queues what is left unsent."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments import conf
from assessments.models import (
    Internship,
    InternshipCancelNotice,
    InternshipFeedbackReopening,
    InternshipFlagNotice,
    InternshipReopenNotice,
)
from assessments.selectors.internships import internships_due_flag
from assessments.services.admission_publish import notice_claim_and_send
from lms import roles
from lms.selectors import participant_summaries


def _unsent(model, **of) -> list:
    return list(model.objects.filter(sent_at__isnull=True, **of).order_by("id"))


def _send(*, model, notices: list, subject: str, body: str) -> int:
    """Each of these e-mails, claimed one by one; the number sent."""
    connection = get_connection()
    return sum(
        notice_claim_and_send(
            notices=model.objects.filter(pk=notice.pk, sent_at__isnull=True),
            subject=subject,
            body=body,
            to=notice.email,
            connection=connection,
        )
        for notice in notices
    )


def _requeue(*, model, of: str, task, stale: datetime) -> int:
    """Queue again the task of every `of` (its id) whose e-mails recorded before `stale` are unsent."""
    ids = list(model.objects.filter(sent_at__isnull=True, created_at__lt=stale).values_list(of, flat=True).distinct())
    for pk in ids:
        task.delay_on_commit(pk)
    return len(ids)


def internship_reopen_notify(*, reopening_id: int) -> int:
    """E-mail the host's people that staff reopened the feedback, and why; returns the number sent."""
    notices = _unsent(InternshipReopenNotice, reopening_id=reopening_id)
    if not notices:
        return 0
    reopening = InternshipFeedbackReopening.objects.select_related("internship__offer__host").get(pk=reopening_id)
    internship = reopening.internship
    person = participant_summaries(participant_ids=[internship.participant_id]).get(internship.participant_id)
    with translation.override(settings.LANGUAGE_CODE):
        body = _(
            "The programme's staff reopened your feedback on the internship of %(name)s (%(offer)s), so you can "
            "give it again on the intern's page. Why: %(reason)s"
        ) % {
            "name": person.full_name if person else internship.participant_id,
            "offer": internship.offer.title,
            "reason": reopening.reason,
        }
        return _send(
            model=InternshipReopenNotice, notices=notices, subject=_("The internship feedback is reopened"), body=body
        )


def internship_cancel_notify(*, internship_id: int) -> int:
    """E-mail the intern that their internship was cancelled, why, and where to read the rest;
    returns the number sent."""
    notices = _unsent(InternshipCancelNotice, internship_id=internship_id)
    if not notices:
        return 0
    internship = Internship.objects.select_related("offer__host").get(pk=internship_id)
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
        return _send(
            model=InternshipCancelNotice, notices=notices, subject=_("Your internship is cancelled"), body=text % facts
        )


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
    requeued = (
        _requeue(model=InternshipFlagNotice, of="internship_id", task=internship_flag_notify_task, stale=stale)
        + _requeue(model=InternshipReopenNotice, of="reopening_id", task=internship_reopen_notify_task, stale=stale)
        + _requeue(model=InternshipCancelNotice, of="internship_id", task=internship_cancel_notify_task, stale=stale)
    )
    return {"flagged": len(ids), "requeued": requeued}


def internship_flag_notify(*, internship_id: int) -> int:
    """E-mail staff that the internship ended a week ago without feedback; returns the number sent."""
    notices = _unsent(InternshipFlagNotice, internship_id=internship_id)
    if not notices:
        return 0
    internship = Internship.objects.select_related("offer__host", "season").get(pk=internship_id)
    person = participant_summaries(participant_ids=[internship.participant_id]).get(internship.participant_id)
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
        return _send(
            model=InternshipFlagNotice, notices=notices, subject=_("An internship without feedback"), body=body
        )
