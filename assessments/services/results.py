"""Staff settle the season's interview results: choose a participant's result by hand, apply the
experts' recommended level changes in bulk, and publish the results once."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import InterviewOutcome, InterviewPlan, InterviewResult, InterviewResultNotice
from assessments.permissions import staff_check
from assessments.selectors.panels import admitted_levels
from assessments.selectors.results import interview_results_list
from assessments.services.admission_publish import notice_claim_and_send
from lms.choices import Level
from lms.errors import ConflictError
from lms.selectors import participant_get
from lms.services import participant_level_override


def _unpublished_check(*, season_id: int, lock: bool = False) -> InterviewPlan:
    plans = InterviewPlan.objects.select_for_update() if lock else InterviewPlan.objects
    plan = plans.filter(season_id=season_id).first()
    if plan is not None and plan.results_published_at is not None:
        raise ConflictError(_("The season's interview results are already published."))
    return plan


@transaction.atomic
def interview_result_choose(*, season_id: int, participant_id: int, result: str, user: AbstractBaseUser) -> None:
    """Staff set an interviewed participant's result before publishing; "" goes back to the
    experts' recommendation."""
    staff_check(user=user)
    _unpublished_check(season_id=season_id, lock=True)
    if result and result not in InterviewResult.values:
        raise ValidationError({"result": [_("Choose one of the results listed.")]})
    if participant_id not in {row["participant_id"] for row in interview_results_list(season_id=season_id)}:
        raise ValidationError({"participant": [_("Only interviewed participants of the season have a result.")]})
    if not result:
        InterviewOutcome.objects.filter(participant_id=participant_id, published_at__isnull=True).delete()
        return
    InterviewOutcome.objects.update_or_create(
        participant_id=participant_id, defaults={"season_id": season_id, "result": result, "chosen_by": user}
    )


@transaction.atomic
def interview_levels_apply(*, season_id: int, participant_ids: list[int], reason: str, user: AbstractBaseUser) -> int:
    """Move each ticked participant to the level the experts recommend, each kept as a level change
    with the reason (`lms.services.participant_level_override`); all or none."""
    staff_check(user=user)
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the levels change.")]})
    moves = {
        row["participant_id"]: row["recommended_level"]
        for row in interview_results_list(season_id=season_id)
        if row["recommended_level"] != row["level"]
    }
    if not participant_ids:
        raise ValidationError({"participants": [_("Tick the level changes to apply.")]})
    if set(participant_ids) - set(moves):
        raise ValidationError(
            {"participants": [_("Only the level changes the experts recommend and not yet made can be applied.")]}
        )
    for participant_id in dict.fromkeys(participant_ids):
        participant_level_override(
            participant=participant_get(participant_id=participant_id),
            level=moves[participant_id],
            reason=reason,
            actor=user,
        )
    return len(set(participant_ids))


@transaction.atomic
def interview_results_publish(*, season_id: int, user: AbstractBaseUser, now: datetime | None = None) -> int:
    """Publish the season's interview results, once: every interviewed participant's result (staff's
    choice, else the experts' recommendation) is written with the publication time; the cabinet
    shows it from then on, and each participant is e-mailed it once, after the commit. The plan row
    is locked, so two staff confirming at once publish once."""
    staff_check(user=user)
    now = now or timezone.now()
    plan = _unpublished_check(season_id=season_id, lock=True)
    if plan is None:
        InterviewPlan.objects.get_or_create(season_id=season_id)
        plan = _unpublished_check(season_id=season_id, lock=True)
    rows = interview_results_list(season_id=season_id)
    # The level each was admitted (and so interviewed) at: a level staff applied before publishing
    # must not hide that the experts recommended a move.
    admitted_at = admitted_levels(season_id=season_id)
    # One statement for the whole season; staff's choices keep their `chosen_by`.
    InterviewOutcome.objects.bulk_create(
        [
            InterviewOutcome(
                participant_id=row["participant_id"],
                season_id=season_id,
                result=row["result"],
                recommended_level=row["recommended_level"],
                level=admitted_at.get(row["participant_id"], row["level"]),
                published_at=now,
            )
            for row in rows
        ],
        update_conflicts=True,
        unique_fields=["participant"],
        update_fields=["season", "result", "recommended_level", "level", "published_at"],
    )
    plan.results_published_at, plan.results_published_by = now, user
    plan.save(update_fields=["results_published_at", "results_published_by"])
    # One e-mail per published outcome, recorded with the publication: the task (and the sweep,
    # should the task be lost) sends the unsent ones; publishing again is refused above.
    InterviewResultNotice.objects.bulk_create(
        [
            InterviewResultNotice(outcome_id=pk, email=email)
            for pk, email in InterviewOutcome.objects.filter(season_id=season_id, published_at=now)
            .exclude(participant__user__email="")
            .values_list("pk", "participant__user__email")
        ],
        ignore_conflicts=True,
    )
    from assessments.tasks import interview_results_notify_task

    interview_results_notify_task.delay_on_commit(season_id)
    return len(rows)


def interview_results_notify(*, season_id: int) -> int:
    """E-mail each participant of the season their published interview result (and, where the
    experts recommended another level, the level staff decided on); returns the number sent. Each
    e-mail is claimed before it is sent and marked sent after (`notice_claim_and_send`), so a retry
    sends only the rest and nobody gets it twice. The texts are in the programme's language, as
    the admission e-mails: participants keep no language of their own."""
    notices = list(
        InterviewResultNotice.objects.filter(outcome__season_id=season_id, sent_at__isnull=True).select_related(
            "outcome__season", "outcome__participant"
        )
    )
    levels = dict(Level.choices)
    sent = 0
    connection = get_connection()
    with translation.override(settings.LANGUAGE_CODE):
        for notice in notices:
            outcome = notice.outcome
            lines = [
                _("The interview results of %(season)s are published.") % {"season": outcome.season.name},
                _("Your result: %(result)s.") % {"result": InterviewResult(outcome.result).label},
            ]
            if outcome.recommended_level and outcome.recommended_level != outcome.level:
                lines.append(
                    _("The experts recommended the level %(recommended)s; the level decided on: %(level)s.")
                    % {
                        "recommended": levels[outcome.recommended_level],
                        "level": levels[outcome.participant.level],
                    }
                )
            lines.append(_("The result is in your personal cabinet."))
            sent += notice_claim_and_send(
                notices=InterviewResultNotice.objects.filter(pk=notice.pk, sent_at__isnull=True),
                subject=_("Interview results"),
                body="\n".join(str(line) for line in lines),
                to=notice.email,
                connection=connection,
            )
    return sent
