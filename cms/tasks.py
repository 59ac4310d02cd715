from celery import shared_task

from cms import services


@shared_task(name="cms.pages_publish_scheduled")
def pages_publish_scheduled_task() -> None:
    """Beat runs this every minute; not acks_late, since the next tick redoes whatever a lost run missed."""
    services.pages_publish_scheduled()
