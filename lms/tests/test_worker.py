"""A real Celery worker, started by the test against Redis, runs a task whose result lands in PostgreSQL."""

import pytest

from lms.models import Application
from tests.factories import ApplicationFactory, ParticipantFactory
from tests.plugin import wait_for


@pytest.mark.worker
def test_worker_sends_the_confirmation_and_stores_it(celery_worker_process):
    from lms.tasks import application_confirmation_send_task

    participant = ParticipantFactory()
    application = participant.application
    assert application.confirmation_sent_at is None
    worker = celery_worker_process(queues="default")
    result = application_confirmation_send_task.delay(application.id)
    assert result.get(timeout=60) is True
    assert worker.poll() is None
    stored = wait_for(lambda: Application.objects.get(pk=application.id).confirmation_sent_at, timeout=10)
    assert stored is not None
    # Idempotent: a redelivered task sends nothing the second time.
    assert application_confirmation_send_task.delay(application.id).get(timeout=60) is False


@pytest.mark.django_db
def test_task_for_a_vanished_application_does_nothing():
    from lms.tasks import application_confirmation_send_task

    application = ApplicationFactory()
    application_id = application.id
    application.delete()
    assert application_confirmation_send_task.apply(args=[application_id]).get() is False


def test_every_periodic_task_is_on_the_schedule_under_a_registered_name():
    """Each app puts its periodic tasks on the schedule from its AppConfig.ready(), by the task's
    explicit name: whatever order modules are imported in, beat finds all of them, and each names a
    task a worker knows."""
    from lms.celery import app

    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    assert {
        "media: requeue stale",
        "assessments: stale runs and e-mails",
        "courses: flush progress",
        "live beats flush",
    } <= set(schedule)
    for entry in schedule.values():
        assert entry["task"] in app.tasks, entry
