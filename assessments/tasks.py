import smtplib

from celery import shared_task

from assessments.services.admission import admission_run_execute, admission_runs_sweep
from assessments.services.admission_publish import admission_revision_notify, admission_run_notify


# acks_late: a message whose worker died is delivered again. The service claims the run with a
# conditional UPDATE, so a second delivery does nothing while the first worker's lease runs; after
# the lease (a dead worker) it takes the run over.
@shared_task(name="assessments.admission_run_execute", acks_late=True, reject_on_worker_lost=True)
def admission_run_execute_task(run_id: int) -> str | None:
    run = admission_run_execute(run_id=run_id)
    return run.status if run else None


# Each e-mail is claimed and marked sent on its own, so a retry after a mail-server failure sends
# only the e-mails not sent yet (nobody twice). OSError covers refused and dropped connections.
@shared_task(
    name="assessments.admission_run_notify",
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=8,
)
def admission_run_notify_task(run_id: int) -> int:
    return admission_run_notify(run_id=run_id)


@shared_task(
    name="assessments.admission_revision_notify",
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=8,
)
def admission_revision_notify_task(revision_id: int) -> int:
    return admission_revision_notify(revision_id=revision_id)


@shared_task(name="assessments.admission_runs_sweep", queue="default")
def admission_runs_sweep_task() -> dict[str, int]:
    return admission_runs_sweep()
