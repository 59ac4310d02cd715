"""An admission run started, and executed by its Celery task: claimed (with a lease a dead worker's
run is claimed again), computed, stored; whatever goes wrong, it ends with the reason."""

from __future__ import annotations

import gc
import logging
import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments import conf
from assessments.metrics import ADMISSION_RUN_SECONDS
from assessments.models import AdmissionRun, RunStatus
from assessments.permissions import staff_check
from assessments.scores import PARTICIPANT_ROW_FIELDS, ModuleUnavailable, ParticipantRow
from assessments.services.admission.compute import admission_outcomes_compute
from assessments.services.admission.store import admission_snapshot_write
from assessments.services.admission.sweep import admission_runs_stale_give_up
from assessments.services.admission_policy import admission_policy_applicable, admission_policy_for
from lms.choices import Track
from lms.selectors import participant_list

if TYPE_CHECKING:
    from lms.models import Season

logger = logging.getLogger(__name__)


@transaction.atomic
def admission_run_start(*, season: Season, track: str, user: AbstractBaseUser) -> AdmissionRun:
    staff_check(user=user)
    if track not in Track.values:
        raise ValidationError({"track": _("Choose one of: %(tracks)s.") % {"tracks": ", ".join(Track.values)}})
    policy = admission_policy_for(season=season, track=track)
    run = AdmissionRun.objects.create(
        season=season,
        track=track,
        policy=policy,
        policy_version=policy.version,
        policy_content=admission_policy_applicable(content=policy.content(), season=season, track=track),
        started_by=user,
    )
    from assessments.tasks import admission_run_execute_task

    admission_run_execute_task.delay_on_commit(run.id)
    return run


def _reads_in_bulk() -> None:
    """Inside the run's reading transaction: memory for the score modules' grouping statements
    (ASSESSMENTS_RUN_WORK_MEM), and no JIT compilation, which costs those statements more than it
    saves. SET LOCAL: the connection is back to its own settings at commit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)", [conf.run_work_mem()]
            )


class _ClaimLost(Exception):
    """Another worker took the run over (this one's lease ran out): what this one computed is dropped."""


def _claimed(run_id: int, claim: uuid.UUID):
    return AdmissionRun.objects.filter(pk=run_id, claim=claim, status=RunStatus.RUNNING)


def _progress(owned, percent: int) -> None:
    # Each progress report also renews the lease.
    if not owned.update(progress=percent, claimed_at=timezone.now()):
        raise _ClaimLost


def _failure_message(error: Exception) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        if isinstance(error, ValidationError):
            return " ".join(error.messages)
        if isinstance(error, ModuleUnavailable | KeyError):
            return str(error)
        return _("The run failed because of an internal error (%(error)s); start a new run or tell the developers.") % {
            "error": f"{type(error).__name__}: {error}"
        }


def admission_run_execute(*, run_id: int) -> AdmissionRun | None:
    """Claim the run, compute, store. A waiting run is claimed once (a redelivered task finds it
    claimed and does nothing); a running run whose claim is older than the lease belongs to a dead
    worker and is claimed again, up to ASSESSMENTS_RUN_MAX_ATTEMPTS times. Whatever goes wrong, the
    run ends FAILED with the reason: it never stays RUNNING behind a live worker."""
    now = timezone.now()
    claim = uuid.uuid4()
    stale = now - timedelta(seconds=conf.run_lease_seconds())
    claimed = (
        AdmissionRun.objects.filter(pk=run_id, attempts__lt=conf.run_max_attempts())
        .filter(
            Q(status=RunStatus.PENDING)
            | Q(status=RunStatus.RUNNING, claimed_at__lt=stale)
            | Q(status=RunStatus.RUNNING, claimed_at__isnull=True)
        )
        .update(status=RunStatus.RUNNING, progress=5, claim=claim, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        admission_runs_stale_give_up(now=now, run_id=run_id)
        return None
    owned = _claimed(run_id, claim)
    started = time.monotonic()
    run = AdmissionRun.objects.select_related("season").get(pk=run_id)
    try:
        _progress(owned, 20)
        with transaction.atomic():
            _reads_in_bulk()
            # Plain rows, not model instances: 100,000 Participant objects cost seconds.
            participants = list(
                map(
                    ParticipantRow._make,
                    participant_list(season=run.season, track=run.track)
                    .order_by("id")
                    .values_list(*PARTICIPANT_ROW_FIELDS),
                )
            )
            # Millions of short-lived objects would make the cyclic GC rescan them again and again;
            # nothing here makes cycles, so it waits until the run is computed.
            gc.disable()
            try:
                computed = admission_outcomes_compute(
                    season=run.season,
                    track=run.track,
                    policy_content=run.policy_content,
                    participants=participants,
                    now=timezone.now(),
                )
                lines = computed.lines
            finally:
                gc.enable()
        with transaction.atomic():
            # The claim first: its conditional UPDATE (renewing the lease) locks the row, so of two
            # workers (one whose lease ran out) only the claim holder writes the snapshot.
            _progress(owned, 80)
            content_hash = admission_snapshot_write(run_id=run.id, computed=computed, policy_content=run.policy_content)
            finished_at = timezone.now()
            owned.update(
                status=RunStatus.DONE,
                progress=100,
                finished_at=finished_at,
                participant_count=len(lines),
                content_hash=content_hash,
                open_items=computed.open_items,
                open_lines=computed.open_lines,
            )
        run.status, run.progress, run.finished_at = RunStatus.DONE, 100, finished_at
        run.participant_count, run.content_hash = len(lines), content_hash
        run.open_items, run.open_lines = computed.open_items, computed.open_lines
    except _ClaimLost:
        logger.warning("admission run %s was taken over by another worker; this result is dropped", run_id)
        return None
    except Exception as error:
        # Any error ends the run with its message; the traceback goes to the log.
        if not isinstance(error, ModuleUnavailable | ValidationError | KeyError):
            logger.exception("admission run %s failed", run_id)
        run.status, run.error = RunStatus.FAILED, _failure_message(error)
        owned.update(status=RunStatus.FAILED, error=run.error, finished_at=timezone.now())
    ADMISSION_RUN_SECONDS.labels(result=run.status).observe(time.monotonic() - started)
    return run
