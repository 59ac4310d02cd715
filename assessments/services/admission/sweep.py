"""The periodic safety net: stale runs re-queued or given up, unsent e-mails re-queued."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments import conf
from assessments.models import AdmissionRun, InterviewResultNotice, PlacementNotice, RevisionNotice, RunStatus


def _stale_runs(*, now: datetime):
    """Running runs whose worker stopped reporting: no claim time (runs from before the lease) or
    one older than the lease."""
    stale = now - timedelta(seconds=conf.run_lease_seconds())
    return AdmissionRun.objects.filter(status=RunStatus.RUNNING).filter(
        Q(claimed_at__lt=stale) | Q(claimed_at__isnull=True)
    )


def _give_up_message(attempts: int) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "The run was interrupted %(attempts)s times (its worker stopped) and is given up; start a new run."
        ) % {"attempts": attempts}


def admission_runs_stale_give_up(*, now: datetime, run_id: int | None = None) -> int:
    """Stale runs that used up their attempts end FAILED, saying why."""
    runs = _stale_runs(now=now).filter(attempts__gte=conf.run_max_attempts())
    if run_id is not None:
        runs = runs.filter(pk=run_id)
    return runs.update(
        status=RunStatus.FAILED, error=_give_up_message(conf.run_max_attempts()), claim=None, finished_at=now
    )


def admission_runs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic safety net: re-queue runs whose worker died (stale claim) or whose task was lost
    (waiting longer than the lease), give up runs out of attempts, and re-queue the e-mails of
    published runs not all sent (a task that ran out of retries). Every task it queues is
    idempotent, so queueing one twice does no harm."""
    from assessments.tasks import (
        admission_revision_notify_task,
        admission_run_execute_task,
        admission_run_notify_task,
        interview_results_notify_task,
        placement_run_notify_task,
    )

    now = now or timezone.now()
    given_up = admission_runs_stale_give_up(now=now)
    stale = now - timedelta(seconds=conf.run_lease_seconds())
    run_ids = list(
        _stale_runs(now=now).filter(attempts__lt=conf.run_max_attempts()).values_list("pk", flat=True)
    ) + list(AdmissionRun.objects.filter(status=RunStatus.PENDING, created_at__lt=stale).values_list("pk", flat=True))
    for run_id in run_ids:
        admission_run_execute_task.delay_on_commit(run_id)
    unsent = list(
        AdmissionRun.objects.filter(
            published_at__lt=now - timedelta(seconds=conf.email_claim_seconds()), notified_at__isnull=True
        ).values_list("pk", flat=True)
    )
    for run_id in unsent:
        admission_run_notify_task.delay_on_commit(run_id)
    revisions = list(
        RevisionNotice.objects.filter(
            sent_at__isnull=True, revision__created_at__lt=now - timedelta(seconds=conf.email_claim_seconds())
        )
        .values_list("revision_id", flat=True)
        .distinct()
    )
    for revision_id in revisions:
        admission_revision_notify_task.delay_on_commit(revision_id)
    # The interview results' e-mails ride the same safety net.
    result_seasons = list(
        InterviewResultNotice.objects.filter(
            sent_at__isnull=True, outcome__published_at__lt=now - timedelta(seconds=conf.email_claim_seconds())
        )
        .values_list("outcome__season_id", flat=True)
        .distinct()
    )
    for season_id in result_seasons:
        interview_results_notify_task.delay_on_commit(season_id)
    # And the placement's.
    placement_runs = list(
        PlacementNotice.objects.filter(
            sent_at__isnull=True, run__published_at__lt=now - timedelta(seconds=conf.email_claim_seconds())
        )
        .values_list("run_id", flat=True)
        .distinct()
    )
    for run_id in placement_runs:
        placement_run_notify_task.delay_on_commit(run_id)
    # And the regional dossiers queued but never sent.
    from assessments.services.dossiers import dossiers_sweep

    dossiers_requeued = dossiers_sweep(now=now)
    return {
        "requeued": len(run_ids),
        "given_up": given_up,
        "notify_requeued": len(unsent) + len(revisions) + len(result_seasons) + len(placement_runs) + dossiers_requeued,
    }
