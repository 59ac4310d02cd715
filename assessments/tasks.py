from celery import shared_task

from assessments.services.admission import admission_run_execute, admission_run_notify


@shared_task
def admission_run_execute_task(run_id: int) -> str | None:
    # The service claims the run with a conditional UPDATE, so a second delivery does nothing.
    run = admission_run_execute(run_id=run_id)
    return run.status if run else None


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)
def admission_run_notify_task(run_id: int) -> int:
    return admission_run_notify(run_id=run_id)
