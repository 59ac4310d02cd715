import os

from celery import Celery
from kombu.exceptions import ChannelError, OperationalError

# Fail closed: a worker or beat started without a settings module gets production's checks.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")

app = Celery("lms")
# Time limits, queues and routes come from Django settings (CELERY_*), so one place configures
# the web process, the workers and beat.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def periodic_task_schedule(*, entry: str, task: str, seconds: float) -> None:
    """Put a task (by its explicit name) on Celery beat's schedule. Apps call this from their
    AppConfig.ready(), which runs in every process that sets Django up — web, worker, beat — before
    the schedule is read; an `on_after_finalize` hook connected by a tasks module instead fires only
    if that module happens to be imported before the app is finalized."""
    app.conf.beat_schedule[entry] = {"task": task, "schedule": seconds}


def queue_length(queue: str) -> int | None:
    """Messages waiting in one of the broker's queues (a queue never used yet is empty); None when
    there is no broker to ask (eager tasks, the embedded demo) or it cannot be reached."""
    if app.conf.task_always_eager:
        return None
    try:
        with app.connection_for_read() as connection:
            return connection.default_channel.queue_declare(queue=queue, passive=True).message_count
    except ChannelError:
        return 0
    except (OSError, OperationalError):
        return None
