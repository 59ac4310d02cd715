import smtplib

from celery import shared_task

from assessments.services.admission import admission_run_execute, admission_runs_sweep
from assessments.services.admission_publish import admission_revision_notify, admission_run_notify
from assessments.services.awards import certificate_batch_run
from assessments.services.dossiers import dossier_deliver
from assessments.services.internship_notices import (
    internship_cancel_notify,
    internship_flag_notify,
    internship_reopen_notify,
    internships_flag_overdue,
)
from assessments.services.interviews import interview_cancel_notify
from assessments.services.placement import placement_run_notify
from assessments.services.results import interview_results_notify


# acks_late: a message whose worker died is delivered again. The service claims the run with a
# conditional UPDATE, so a second delivery does nothing while the first worker's lease runs; after
# the lease (a dead worker) it takes the run over.
@shared_task(name="assessments.admission_run_execute", acks_late=True, reject_on_worker_lost=True)
def admission_run_execute_task(run_id: int) -> str | None:
    run = admission_run_execute(run_id=run_id)
    return run.status if run else None


# Each e-mail is claimed and marked sent on its own, so a retry after a mail-server failure sends
# only the e-mails not sent yet (nobody twice). OSError covers refused and dropped connections.
MAIL_RETRY = dict(
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=8,
)


@shared_task(name="assessments.admission_run_notify", **MAIL_RETRY)
def admission_run_notify_task(run_id: int) -> int:
    return admission_run_notify(run_id=run_id)


@shared_task(name="assessments.admission_revision_notify", **MAIL_RETRY)
def admission_revision_notify_task(revision_id: int) -> int:
    return admission_revision_notify(revision_id=revision_id)


@shared_task(name="assessments.interview_results_notify", **MAIL_RETRY)
def interview_results_notify_task(season_id: int) -> int:
    return interview_results_notify(season_id=season_id)


@shared_task(name="assessments.interview_cancel_notify", **MAIL_RETRY)
def interview_cancel_notify_task(interview_id: int) -> int:
    return interview_cancel_notify(interview_id=interview_id)


@shared_task(name="assessments.placement_run_notify", **MAIL_RETRY)
def placement_run_notify_task(run_id: int) -> int:
    return placement_run_notify(run_id=run_id)


@shared_task(name="assessments.admission_runs_sweep", queue="default")
def admission_runs_sweep_task() -> dict[str, int]:
    return admission_runs_sweep()


# acks_late: the batch is claimed by a conditional UPDATE and certificates are unique per
# participant and kind, so a redelivered message issues nothing twice.
@shared_task(name="assessments.certificate_batch_run", acks_late=True, reject_on_worker_lost=True)
def certificate_batch_run_task(batch_id: int) -> int | None:
    return certificate_batch_run(batch_id=batch_id)


@shared_task(name="assessments.internships_flag_overdue", queue="default")
def internships_flag_overdue_task() -> dict[str, int]:
    return internships_flag_overdue()


@shared_task(name="assessments.internship_flag_notify", **MAIL_RETRY)
def internship_flag_notify_task(internship_id: int) -> int:
    return internship_flag_notify(internship_id=internship_id)


@shared_task(name="assessments.internship_reopen_notify", **MAIL_RETRY)
def internship_reopen_notify_task(reopening_id: int) -> int:
    return internship_reopen_notify(reopening_id=reopening_id)


@shared_task(name="assessments.internship_cancel_notify", **MAIL_RETRY)
def internship_cancel_notify_task(internship_id: int) -> int:
    return internship_cancel_notify(internship_id=internship_id)


# Each dossier is claimed by a conditional UPDATE and marked sent, so a retry after a mail-server
# failure (or a message delivered twice) sends it once.
@shared_task(name="assessments.dossier_send", **MAIL_RETRY)
def dossier_send_task(dossier_id: int) -> bool:
    return dossier_deliver(dossier_id=dossier_id)
