from celery import shared_task
from django.core.exceptions import ObjectDoesNotExist

from lms.services import application_confirmation_send


@shared_task(
    name="lms.application_confirmation_send",
    acks_late=True,  # safe: the service claims the application, so a redelivery sends nothing twice
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def application_confirmation_send_task(application_id: int) -> bool:
    try:
        return application_confirmation_send(application_id=application_id)
    except ObjectDoesNotExist:
        return False


@shared_task(name="lms.retention_sweep", acks_late=True)  # safe: erasing an erased person changes nothing
def retention_sweep_task() -> int:
    from lms.privacy.services import retention_sweep

    return len(retention_sweep(dry_run=False))
