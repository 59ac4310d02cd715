"""Publishing an admission run and changing it afterwards: every change to a published list is a
new revision with its own fingerprint, told to whom it concerns (once), and an interview the
participant may no longer have is cancelled."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assessments import conf
from assessments.models import (
    AdmissionDecision,
    AdmissionNotice,
    AdmissionRevision,
    AdmissionRun,
    Decision,
    DecisionOverride,
    Interview,
    InterviewStatus,
    RevisionNotice,
    RunStatus,
)
from assessments.permissions import staff_check
from assessments.scores import days_shown
from assessments.selectors.slots import expert_timezone_name
from assessments.snapshot import revision_hash
from lms.selectors import participant_places
from lms.text import text_require_storable


def _revision_add(*, run: AdmissionRun, changes: list[dict], reason: str, user: AbstractBaseUser) -> AdmissionRevision:
    """The next revision of a published run (the caller holds the run's row lock). Runs published
    before revisions existed start their chain at the run's own hash."""
    last = run.revisions.order_by("-number").first()
    number = last.number + 1 if last else 1
    previous = last.content_hash if last else run.content_hash
    revision = AdmissionRevision(
        run=run,
        number=number,
        content_hash=revision_hash(previous=previous, number=number, changes=changes, reason=reason),
        changes=changes,
        reason=reason,
        created_by=user,
    )
    revision.full_clean()
    revision.save()
    return revision


@transaction.atomic
def admission_run_publish(*, run: AdmissionRun, user: AbstractBaseUser, reason: str = "") -> AdmissionRun:
    """Publish a finished run as revision 1 and e-mail everyone on commit. A provisional run (some
    required items of the track were still open when it was made) is published only with a written
    reason, which is stored."""
    staff_check(user=user)
    run = AdmissionRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.DONE:
        raise ValidationError({"run": _("Only a finished run can be published.")})
    if run.published_at is not None:
        raise ValidationError({"run": _("This run is already published.")})
    reason = reason.strip() if isinstance(reason, str) else ""
    if run.provisional and not reason:
        raise ValidationError(
            {"reason": _("This run was made while the track was still open: say why it is published now.")}
        )
    text_require_storable(value=reason, field="reason")
    run.published_at, run.published_by, run.publish_reason = timezone.now(), user, reason
    run.save(update_fields=["published_at", "published_by", "publish_reason"])
    from assessments.selectors.admission import decisions_overridden

    changes = [
        {"participant_id": row["participant_id"], "decision_id": row["id"], "before": row["decision"], "after": value}
        for row in decisions_overridden(run=run)
        if (value := row["override_value"]) != row["decision"]
    ]
    _revision_add(run=run, changes=changes, reason=reason, user=user)
    from assessments.tasks import admission_run_notify_task

    admission_run_notify_task.delay_on_commit(run.id)
    return run


def _interviews_cancel(*, participant_id: int, now: datetime) -> list[Interview]:
    """Cancel the participant's upcoming bookings: they are no longer admitted. (The interviews'
    own `interview_cancel` is the participant's action, held to the cut-off; this one is the
    programme's and is not.)"""
    booked = list(
        Interview.objects.select_for_update(of=("self",))
        .select_related("slot__expert", "meeting")
        .filter(participant_id=participant_id, status=InterviewStatus.BOOKED)
        .filter(Q(slot__starts_at__gt=now) | Q(meeting__starts_at__gt=now))
    )
    for interview in booked:
        interview.status, interview.cancelled_at = InterviewStatus.CANCELLED, now
        interview.save(update_fields=["status", "cancelled_at"])
    return booked


@transaction.atomic
def decision_override_add(
    *, decision: AdmissionDecision, value: str, justification: str, user: AbstractBaseUser
) -> DecisionOverride:
    """A person's decision beside the computed one. After publication it makes a new revision of
    the published list: a participant no longer admitted loses their upcoming interview, and the
    participant (and that interview's expert) are e-mailed once, on commit."""
    staff_check(user=user)
    errors = {}
    if value not in Decision.values:
        errors["decision"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(Decision.values)}]
    if not isinstance(justification, str) or not justification.strip():
        errors["justification"] = [_("Say why you override the computed decision.")]
    if errors:
        raise ValidationError(errors)
    text_require_storable(value=justification, field="justification")
    run = AdmissionRun.objects.select_for_update().get(pk=decision.run_id)
    override = DecisionOverride(decision=decision, value=value, justification=justification.strip(), created_by=user)
    override.full_clean()
    if run.published_at is None:
        override.save()
        return override
    latest = decision.overrides.order_by("-created_at", "-id").values_list("value", flat=True).first()
    before = latest or decision.decision
    now = timezone.now()
    cancelled = (
        _interviews_cancel(participant_id=decision.participant_id, now=now)
        if before == Decision.ADMITTED and value != Decision.ADMITTED
        else []
    )
    change = {
        "participant_id": decision.participant_id,
        "decision_id": decision.id,
        "before": before,
        "after": value,
        "interviews_cancelled": [interview.id for interview in cancelled],
    }
    override.revision = _revision_add(run=run, changes=[change], reason=override.justification, user=user)
    override.save()
    if before != value:
        # The participant is told of the change; the expert of each interview it cancelled, too.
        recipients = [(RevisionNotice.Kind.PARTICIPANT, decision.user.email)] + [
            (RevisionNotice.Kind.EXPERT, slot.expert.email)
            for slot in {interview.slot for interview in cancelled if interview.slot_id}
        ]
        notices = [
            RevisionNotice(revision=override.revision, decision=decision, kind=kind, email=email)
            for kind, email in recipients
            if email
        ]
        RevisionNotice.objects.bulk_create(notices, ignore_conflicts=True)
        from assessments.tasks import admission_revision_notify_task

        admission_revision_notify_task.delay_on_commit(override.revision_id)
    return override


def notice_claim_and_send(*, notices, subject: str, body: str, to: str, connection) -> bool:
    """Claim one e-mail with a conditional UPDATE, send it, mark it sent; False when it is sent
    already or being sent by another task. A failed send releases the claim and raises (the task
    retries). `notices` is a query of rows with `claimed_at` and `sent_at`: the admission, revision
    and interview result e-mails share this."""
    stale = timezone.now() - timedelta(seconds=conf.email_claim_seconds())
    if not notices.filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)).update(claimed_at=timezone.now()):
        return False
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], connection=connection)
    except BaseException:
        notices.update(claimed_at=None)
        raise
    notices.update(sent_at=timezone.now())
    return True


def admission_run_notify(*, run_id: int, now: datetime | None = None) -> int:
    """E-mail each participant of a published run their decision; returns the number sent.

    Each e-mail is claimed with a conditional UPDATE before it is sent and marked sent after: when
    sending fails the claim is released and the error raised (the task retries), so a retry sends
    only the rest and nobody gets the e-mail twice; two tasks running at once share the work. The
    run's `notified_at` is set once every e-mail is sent."""
    from assessments.selectors.admission import decisions_effective

    run = (
        AdmissionRun.objects.select_related("season")
        .filter(pk=run_id, published_at__isnull=False, notified_at__isnull=True)
        .first()
    )
    if run is None:
        return 0
    rows = [row for row in decisions_effective(run=run, shown=False) if row["email"]]
    zones = participant_places(participant_ids=[row["participant_id"] for row in rows])
    AdmissionNotice.objects.bulk_create(
        [AdmissionNotice(run_id=run.id, decision_id=row["id"], email=row["email"]) for row in rows],
        ignore_conflicts=True,
    )
    sent = 0
    connection = get_connection()
    with translation.override(settings.LANGUAGE_CODE):
        for row in rows:
            # Dates in the reasons as the participant's own day.
            with timezone.override(_zone(zones.get(row["participant_id"], ("", settings.TIME_ZONE))[1])):
                body = "\n".join(
                    [
                        _("The admission to the interviews of %(season)s is decided.") % {"season": run.season.name},
                        _("Your decision: %(decision)s.") % {"decision": Decision(row["effective"]).label},
                        "",
                        *[days_shown(reason) for reason in row["reasons"]],
                    ]
                )
            notice = AdmissionNotice.objects.filter(decision_id=row["id"], sent_at__isnull=True)
            sent += notice_claim_and_send(
                notices=notice,
                subject=_("Admission to the interviews"),
                body=body,
                to=row["email"],
                connection=connection,
            )
    if not AdmissionNotice.objects.filter(run_id=run.id, sent_at__isnull=True).exists():
        AdmissionRun.objects.filter(pk=run.id, notified_at__isnull=True).update(notified_at=now or timezone.now())
    return sent


def _zone(name: str):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def admission_revision_notify(*, revision_id: int) -> int:
    """E-mail a revision's change to the participant (in their own time zone) and, when it cancelled
    an interview, to its expert; each e-mail claimed and sent once. Returns the number sent."""
    notices = list(
        RevisionNotice.objects.filter(revision_id=revision_id, sent_at__isnull=True).select_related(
            "revision__run__season", "decision__participant", "decision__user"
        )
    )
    sent = 0
    connection = get_connection()
    for notice in notices:
        revision, participant = notice.revision, notice.decision.participant
        change = next(c for c in revision.changes if c["decision_id"] == notice.decision_id)
        cancelled = list(
            Interview.objects.filter(pk__in=change.get("interviews_cancelled", [])).select_related(
                "slot__expert", "meeting"
            )
        )
        own_zone = notice.kind == RevisionNotice.Kind.PARTICIPANT
        if own_zone:
            zone = _zone(participant.timezone)
        else:
            # The expert reads the slots that were theirs, in the zone they keep their availability
            # in (their profile's, else the programme's), as their own pages show them.
            cancelled = [i for i in cancelled if i.slot_id and i.slot.expert.email == notice.email]
            experts = {interview.slot.expert for interview in cancelled}
            zone = _zone(expert_timezone_name(user=experts.pop()) if experts else settings.TIME_ZONE)
        with translation.override(settings.LANGUAGE_CODE), timezone.override(zone):
            when = [date_format(timezone.localtime((i.slot or i.meeting).starts_at), "j E, H:i") for i in cancelled]
            if own_zone:
                lines = [
                    _("Your admission to the interviews of %(season)s has changed.")
                    % {"season": revision.run.season.name},
                    _("Your decision now: %(decision)s.") % {"decision": Decision(change["after"]).label},
                    _("Why: %(reason)s") % {"reason": revision.reason},
                    *[_("Your interview on %(when)s is cancelled.") % {"when": moment} for moment in when],
                ]
            else:
                lines = [
                    _("The interview with %(name)s on %(when)s is cancelled: the participant is no longer admitted.")
                    % {"name": notice.decision.user.get_full_name() or notice.decision.user.username, "when": moment}
                    for moment in when
                ]
            sent += notice_claim_and_send(
                notices=RevisionNotice.objects.filter(pk=notice.pk, sent_at__isnull=True),
                subject=_("Admission to the interviews: a change"),
                body="\n".join(lines),
                to=notice.email,
                connection=connection,
            )
    return sent
